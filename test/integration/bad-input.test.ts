import assert from 'node:assert/strict';
import { cleanup, kubectl, kubectlOk, request, startHub, toYaml, type HubProcess } from '../helpers/hub.js';

interface Status {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { field?: string; reason: string; message: string }[] };
}

const FD = '/apis/types.kubefed.io/v1beta1/namespaces/default/federateddeployments';

describe('bad input gets a clear Status and loses nothing', function () {
  this.timeout(60_000);
  let hub: HubProcess;
  let seeded: string;
  before(async () => {
    // The API server alone: these tests write federated objects' status themselves.
    hub = await startHub({ extraArgs: ['--no-controllers'] });
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'keep', namespace: 'default' },
        data: { a: '1' },
      }),
    );
    seeded = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'cm', 'keep', '-n', 'default', '-o', 'json']))
      .metadata.resourceVersion;
  });
  after(async () => {
    await hub.stop();
    cleanup(hub.dataDir);
  });

  /** The global revision: unchanged means the store was not written. */
  const revision = async (): Promise<string> =>
    (await request(hub, 'GET', '/api/v1/namespaces/default/configmaps')).json<{
      metadata: { resourceVersion: string };
    }>().metadata.resourceVersion;

  async function expectRejected(
    send: () => Promise<{ status: number; json<T>(): T }>,
    code: number,
    reason: string,
  ): Promise<Status> {
    const before = await revision();
    const res = await send();
    assert.equal(res.status, code);
    const st = res.json<Status>();
    assert.equal(st.kind, 'Status');
    assert.equal(st.code, code);
    assert.equal(st.reason, reason);
    assert.equal(await revision(), before, 'store unchanged');
    return st;
  }

  it("unknown field under kubectl's default strict validation → 400 naming it", async () => {
    const before = await revision();
    const r = kubectl(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedDeployment',
        metadata: { name: 'typo', namespace: 'default' },
        spec: { template: {}, placement: { cluster: [{ name: 'c1' }] } },
      }),
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /BadRequest.*strict decoding error: unknown field "spec\.placement\.cluster"/);
    assert.equal(await revision(), before);
    const st = await expectRejected(
      () =>
        request(hub, 'POST', `${FD}?fieldValidation=Strict`, {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedDeployment',
          metadata: { name: 'typo' },
          spec: { template: {}, bogus: 1 },
        }),
      400,
      'BadRequest',
    );
    assert.match(st.message, /unknown field "spec\.bogus"/);
  });

  it('Warn drops the unknown field with a Warning header; Ignore drops it silently', async () => {
    const body = {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedDeployment',
      metadata: { name: 'warned' },
      spec: { template: {}, bogus: 1 },
    };
    const res = await request(hub, 'POST', `${FD}?fieldValidation=Warn`, body);
    assert.equal(res.status, 201);
    assert.match(String(res.headers.warning), /unknown field \\?"spec\.bogus\\?"/);
    assert.equal(res.json<{ spec: Record<string, unknown> }>().spec.bogus, undefined);
  });

  it('a wrong type → 422 Invalid with the field path', async () => {
    const r = kubectl(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedDeployment',
        metadata: { name: 'wrongtype', namespace: 'default' },
        spec: {
          template: {},
          overrides: [{ clusterName: 'c1', clusterOverrides: [{ path: 5, op: 'replace' }] }],
        },
      }),
    );
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /is invalid: spec\.overrides\[0\]\.clusterOverrides\[0\]\.path: Invalid value: "integer"/,
    );
    const st = await expectRejected(
      () =>
        request(hub, 'POST', FD, {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedDeployment',
          metadata: { name: 'x' },
          spec: { template: {}, placement: { clusters: 'all' } },
        }),
      422,
      'Invalid',
    );
    assert.equal(st.details?.causes?.[0].field, 'spec.placement.clusters');
    const op = await expectRejected(
      () =>
        request(hub, 'POST', FD, {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedDeployment',
          metadata: { name: 'x' },
          spec: {
            template: {},
            overrides: [{ clusterName: 'a', clusterOverrides: [{ op: 'frobnicate', path: '/x' }] }],
          },
        }),
      422,
      'Invalid',
    );
    assert.equal(op.details?.causes?.[0].field, 'spec.overrides[0].clusterOverrides[0].op');
    await expectRejected(
      () =>
        request(hub, 'POST', FD, {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedDeployment',
          metadata: { name: 'x' },
          spec: { placement: { clusters: [{}] } },
        }),
      422,
      'Invalid',
    ).then((st) => assert.equal(st.details?.causes?.[0].field, 'spec.placement.clusters[0].name'));
  });

  it('malformed JSON or YAML → 400', async () => {
    await expectRejected(
      () => request(hub, 'POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion": "v1", "kind": '),
      400,
      'BadRequest',
    );
    await expectRejected(
      () =>
        request(hub, 'POST', '/api/v1/namespaces/default/configmaps', 'kind: ConfigMap\n  bad: : indent', {
          'content-type': 'application/yaml',
        }),
      400,
      'BadRequest',
    );
    await expectRejected(
      () =>
        request(hub, 'PATCH', '/api/v1/namespaces/default/configmaps/keep', '{not json', {
          'content-type': 'application/merge-patch+json',
        }),
      400,
      'BadRequest',
    );
    await expectRejected(
      () => request(hub, 'POST', '/api/v1/namespaces/default/configmaps', '[1,2]'),
      400,
      'BadRequest',
    );
  });

  it('an oversized body → 413', async () => {
    const big = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big' },
      data: { x: 'a'.repeat(4 * 1024 * 1024) },
    });
    await expectRejected(
      () => request(hub, 'POST', '/api/v1/namespaces/default/configmaps', big),
      413,
      'RequestEntityTooLarge',
    );
  });

  it('a stale resourceVersion → 409 Conflict', async () => {
    const cur = (await request(hub, 'GET', '/api/v1/namespaces/default/configmaps/keep')).json<{
      metadata: { resourceVersion: string };
    }>();
    assert.equal(
      (await request(hub, 'PUT', '/api/v1/namespaces/default/configmaps/keep', { ...cur, data: { a: '2' } }))
        .status,
      200,
    );
    const st = await expectRejected(
      () => request(hub, 'PUT', '/api/v1/namespaces/default/configmaps/keep', { ...cur, data: { a: '3' } }),
      409,
      'Conflict',
    );
    assert.match(
      st.message,
      /the object has been modified; please apply your changes to the latest version and try again/,
    );
    assert.notEqual(cur.metadata.resourceVersion, seeded === cur.metadata.resourceVersion ? '' : 'x');
  });

  it('invalid names → 422 naming metadata.name', async () => {
    for (const name of ['Bad_Name', 'has space', '-leading', 'a'.repeat(254)]) {
      const st = await expectRejected(
        () =>
          request(hub, 'POST', '/api/v1/namespaces/default/configmaps', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name },
          }),
        422,
        'Invalid',
      );
      assert.equal(st.details?.causes?.[0].field, 'metadata.name');
    }
    const ns = await expectRejected(
      () =>
        request(hub, 'POST', '/api/v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'dots.not.allowed' },
        }),
      422,
      'Invalid',
    );
    assert.match(
      ns.message,
      /metadata\.name: Invalid value: "dots\.not\.allowed": (must not contain dots|a lowercase RFC 1123 label)/,
    );
  });

  it('not found, already exists, unsupported patch type and kind mismatch use their reasons', async () => {
    const nf = await expectRejected(
      () => request(hub, 'GET', '/api/v1/namespaces/default/configmaps/nope'),
      404,
      'NotFound',
    );
    assert.equal(nf.message, 'configmaps "nope" not found');
    const ae = await expectRejected(
      () =>
        request(hub, 'POST', '/api/v1/namespaces/default/configmaps', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'keep' },
        }),
      409,
      'AlreadyExists',
    );
    assert.equal(ae.message, 'configmaps "keep" already exists');
    await expectRejected(
      () =>
        request(hub, 'PATCH', `${FD}/warned`, '{}', {
          'content-type': 'application/strategic-merge-patch+json',
        }),
      415,
      'UnsupportedMediaType',
    );
    await expectRejected(
      () =>
        request(hub, 'POST', '/api/v1/namespaces/default/configmaps', {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'k' },
        }),
      400,
      'BadRequest',
    );
    await expectRejected(
      () =>
        request(hub, 'POST', '/api/v1/namespaces/nosuchns/configmaps', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'k' },
        }),
      404,
      'NotFound',
    );
    await expectRejected(() => request(hub, 'GET', '/apis/nosuch.group/v1/things'), 404, 'NotFound');
  });

  it('JSON patch that does not apply → 422 naming the path; nothing written', async () => {
    const st = await expectRejected(
      () =>
        request(
          hub,
          'PATCH',
          '/api/v1/namespaces/default/configmaps/keep',
          '[{"op":"replace","path":"/spec/nope","value":1}]',
          { 'content-type': 'application/json-patch+json' },
        ),
      422,
      'Invalid',
    );
    assert.match(st.message, /\/spec\/nope/);
  });
});

describe('authentication', function () {
  this.timeout(60_000);
  let hub: HubProcess;
  let other: HubProcess;
  before(async () => {
    [hub, other] = await Promise.all([startHub(), startHub()]);
  });
  after(async () => {
    await Promise.all([hub.stop(), other.stop()]);
    cleanup(hub.dataDir);
    cleanup(other.dataDir);
  });

  it('no credentials → 401 Status; health endpoints stay open', async () => {
    const res = await request(
      hub,
      'GET',
      '/api/v1/namespaces',
      undefined,
      {},
      { cert: undefined, key: undefined },
    );
    assert.equal(res.status, 401);
    assert.equal(res.json<Status>().reason, 'Unauthorized');
    for (const p of ['/healthz', '/livez', '/readyz']) {
      assert.equal(
        (await request(hub, 'GET', p, undefined, {}, { cert: undefined, key: undefined })).status,
        200,
        p,
      );
    }
    assert.equal(
      (await request(hub, 'GET', '/version', undefined, {}, { cert: undefined, key: undefined })).status,
      401,
    );
  });

  it('a client certificate from another CA → refused (401), even one with admin rights there', async () => {
    const res = await request(
      hub,
      'GET',
      '/api/v1/namespaces',
      undefined,
      {},
      { cert: other.tls.cert, key: other.tls.key },
    );
    assert.equal(res.status, 401);
    assert.match(res.json<Status>().message, /client certificate rejected/);
  });

  it('a bad bearer token → 401; kubectl with a foreign kubeconfig is refused', async () => {
    const res = await request(
      hub,
      'GET',
      '/api/v1/namespaces',
      undefined,
      { authorization: 'Bearer nope' },
      { cert: undefined, key: undefined },
    );
    assert.equal(res.status, 401);
    const cfg = other.kubeconfig;
    const r = kubectl(cfg, ['--server', hub.url, '--insecure-skip-tls-verify', 'get', 'ns']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Unauthorized|must be logged in/);
  });

  it('the admin kubeconfig works; /metrics needs authentication', async () => {
    assert.match(kubectlOk(hub.kubeconfig, ['get', 'ns', 'default']), /default\s+Active/);
    assert.equal(
      (await request(hub, 'GET', '/metrics', undefined, {}, { cert: undefined, key: undefined })).status,
      401,
    );
    const m = await request(hub, 'GET', '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.body, /apiserver_request_total/);
  });
});
