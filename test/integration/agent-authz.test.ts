/**
 * What a joined agent's certificate may do on a real hub, request by request (issue 17, finding 3):
 * exactly its own Works (read; add/remove its finalizer; status), its heartbeat Lease by name, and
 * its own KubeFedCluster's status. The certificate comes from a real `edgefed agent join`. The hub
 * runs without controllers so the Work written here by the admin stays as written.
 */
import assert from 'node:assert/strict';
import { WORK_FINALIZER, type Work } from '../../api/federation.js';
import { HEARTBEAT_LEASE } from '../../api/protocol.js';
import { agentCredentials, createJoinToken, joinAgent } from '../helpers/agents.js';
import { cleanup, request, startHub, tempDir, type HubProcess, type RawResponse } from '../helpers/hub.js';

const NS = 'edgefed-cluster-eu1';
const WORKS = `/apis/edgefed.io/v1alpha1/namespaces/${NS}/works`;
const WORK = `${WORKS}/deployments.apps.demo.web`;
const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;
const KFC = '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters';
const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';

const work = (): Work => ({
  apiVersion: 'edgefed.io/v1alpha1',
  kind: 'Work',
  metadata: { name: 'deployments.apps.demo.web', namespace: NS, labels: { 'edgefed.io/cluster': 'eu1' } },
  spec: {
    cluster: 'eu1',
    source: {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      resource: 'deployments',
      namespace: 'demo',
      name: 'web',
      uid: 'u1',
    },
    manifest: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'demo' },
      spec: { replicas: 2 },
    },
    deletePolicy: 'Delete',
  },
});

describe('agent authorization on the hub (real hub, real agent certificate)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  let agentDir: string;
  let as: (method: string, path: string, body?: unknown, contentType?: string) => Promise<RawResponse>;

  const admin = (method: string, path: string, body?: unknown, contentType?: string) =>
    request(hub, method, path, body as object, contentType ? { 'content-type': contentType } : {});
  const stored = async (): Promise<Work> => (await admin('GET', WORK)).json<Work>();

  /** 403 with a Kubernetes Status saying Forbidden. */
  const forbidden = (r: RawResponse, what: string) => {
    assert.equal(r.status, 403, `${what}: ${r.status} ${r.body}`);
    const s = r.json<{ kind: string; reason: string; code: number }>();
    assert.equal(s.kind, 'Status', what);
    assert.equal(s.reason, 'Forbidden', what);
    assert.equal(s.code, 403, what);
  };
  const ok = (r: RawResponse, what: string, codes = [200]) =>
    assert.ok(codes.includes(r.status), `${what}: ${r.status} ${r.body}`);

  before(async () => {
    hub = await startHub({ extraArgs: ['--no-controllers'] });
    agentDir = tempDir('edgefed-agent-authz-');
    const t = createJoinToken(hub.kubeconfig);
    joinAgent({ hub: hub.url, token: t.token, caHash: t.caHash, name: 'eu1', dataDir: agentDir });
    const { cert, key } = agentCredentials(agentDir);
    as = (method, path, body, contentType) =>
      request(hub, method, path, body as object, contentType ? { 'content-type': contentType } : {}, {
        cert,
        key,
      });
    const w = work();
    w.metadata.finalizers = ['example.com/keep'];
    ok(await admin('POST', WORKS, w), 'admin creates the Work', [201]);
  });

  after(async () => {
    await hub?.stop();
    if (hub) cleanup(hub.dataDir);
    if (agentDir) cleanup(agentDir);
  });

  it('reads its own Works (get, list, watch)', async () => {
    ok(await as('GET', WORK), 'get');
    ok(await as('GET', WORKS), 'list');
    ok(await as('GET', `${WORKS}?watch=1&timeoutSeconds=1`), 'watch');
  });

  it('adds and removes its own finalizer, with the resourceVersion it read', async () => {
    let cur = await stored();
    ok(
      await as(
        'PATCH',
        WORK,
        {
          metadata: {
            finalizers: ['example.com/keep', WORK_FINALIZER],
            resourceVersion: cur.metadata.resourceVersion,
          },
        },
        MERGE,
      ),
      'merge patch adding the finalizer',
    );
    cur = await stored();
    assert.deepEqual(cur.metadata.finalizers, ['example.com/keep', WORK_FINALIZER]);
    // A PUT of the object it read, with only its finalizer removed.
    ok(
      await as('PUT', WORK, { ...cur, metadata: { ...cur.metadata, finalizers: ['example.com/keep'] } }),
      'PUT removing the finalizer',
    );
    cur = await stored();
    ok(
      await as(
        'PATCH',
        WORK,
        [
          { op: 'test', path: '/metadata/resourceVersion', value: cur.metadata.resourceVersion },
          { op: 'add', path: '/metadata/finalizers/-', value: WORK_FINALIZER },
        ],
        JSON_PATCH,
      ),
      'JSON patch adding the finalizer',
    );
    assert.deepEqual((await stored()).metadata.finalizers, ['example.com/keep', WORK_FINALIZER]);
  });

  it('cannot change anything else on a Work (spec, labels, other finalizers), nor create or delete one', async () => {
    const before = await stored();
    const rv = before.metadata.resourceVersion;
    // The attack of finding 3: replicas and spec.cluster in one JSON patch.
    forbidden(
      await as(
        'PATCH',
        WORK,
        [
          { op: 'replace', path: '/spec/manifest/spec/replicas', value: 7 },
          { op: 'replace', path: '/spec/cluster', value: 'us1' },
        ],
        JSON_PATCH,
      ),
      'JSON patch of replicas and spec.cluster',
    );
    forbidden(
      await as(
        'PATCH',
        WORK,
        [
          { op: 'test', path: '/metadata/resourceVersion', value: rv },
          { op: 'replace', path: '/spec/manifest/spec/replicas', value: 7 },
        ],
        JSON_PATCH,
      ),
      'JSON patch of replicas with a precondition',
    );
    forbidden(
      await as('PATCH', WORK, { metadata: { resourceVersion: rv }, spec: { cluster: 'us1' } }, MERGE),
      'merge patch of spec.cluster',
    );
    forbidden(
      await as('PATCH', WORK, { metadata: { resourceVersion: rv, labels: { x: 'y' } } }, MERGE),
      'merge patch of a label',
    );
    forbidden(
      await as('PATCH', WORK, { metadata: { resourceVersion: rv, finalizers: [WORK_FINALIZER] } }, MERGE),
      'merge patch removing another finalizer',
    );
    forbidden(
      await as('PATCH', WORK, { metadata: { finalizers: ['example.com/keep'] } }, MERGE),
      'merge patch without a resourceVersion',
    );
    forbidden(
      await as(
        'PATCH',
        WORK,
        { apiVersion: 'edgefed.io/v1alpha1', kind: 'Work', metadata: { name: before.metadata.name } },
        'application/apply-patch+yaml',
      ),
      'server-side apply',
    );
    const { spec: _spec, ...noSpec } = before;
    forbidden(await as('PUT', WORK, noSpec), 'PUT with no spec');
    forbidden(
      await as('PUT', WORK, { ...before, metadata: { ...before.metadata, resourceVersion: undefined } }),
      'PUT without a resourceVersion',
    );
    forbidden(await as('POST', WORKS, { ...work(), metadata: { ...work().metadata, name: 'x' } }), 'create');
    forbidden(await as('DELETE', WORK), 'delete');
    forbidden(await as('GET', `${WORK}/status`), 'get status (reads go to the Work)');
    const after = await stored();
    assert.deepEqual(after.spec, before.spec, 'the spec is as the admin wrote it');
    assert.equal(after.metadata.resourceVersion, rv, 'nothing was written');
  });

  it('writes the Work status', async () => {
    ok(
      await as(
        'PATCH',
        `${WORK}/status`,
        [{ op: 'add', path: '/status', value: { conditions: [] } }],
        JSON_PATCH,
      ),
      'JSON patch of status',
    );
    const cur = await stored();
    ok(await as('PUT', `${WORK}/status`, { ...cur, status: { conditions: [] } }), 'PUT of status');
  });

  it('creates, reads and renews its heartbeat Lease, and no other Lease', async () => {
    const lease = (name: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: NS },
      spec: { holderIdentity: 'eu1', leaseDurationSeconds: 40 },
    });
    forbidden(await as('POST', LEASES, lease('evil')), 'create a Lease of another name');
    forbidden(
      await as('POST', LEASES, { ...lease('x'), metadata: { generateName: 'agent-' } }),
      'generateName',
    );
    assert.equal((await admin('GET', `${LEASES}/evil`)).status, 404, 'no Lease evil');
    ok(await as('POST', LEASES, lease(HEARTBEAT_LEASE)), 'create the heartbeat Lease', [201]);
    const got = await as('GET', `${LEASES}/${HEARTBEAT_LEASE}`);
    ok(got, 'get');
    ok(await as('PUT', `${LEASES}/${HEARTBEAT_LEASE}`, got.json()), 'update');
    ok(
      await as('PATCH', `${LEASES}/${HEARTBEAT_LEASE}`, { spec: { leaseDurationSeconds: 41 } }, MERGE),
      'merge patch (what the agent sends)',
    );
    forbidden(await as('DELETE', `${LEASES}/${HEARTBEAT_LEASE}`), 'delete');
    forbidden(await as('GET', LEASES), 'list');
    forbidden(
      await as('POST', `/apis/coordination.k8s.io/v1/namespaces/edgefed-cluster-us1/leases`, {
        ...lease(HEARTBEAT_LEASE),
        metadata: { name: HEARTBEAT_LEASE, namespace: 'edgefed-cluster-us1' },
      }),
      "another cluster's heartbeat",
    );
  });

  it('gets and writes its own KubeFedCluster status, and nothing else of it', async () => {
    ok(await as('GET', `${KFC}/eu1/status`), 'get status');
    ok(
      await as('PATCH', `${KFC}/eu1/status`, { status: { kubernetesVersion: 'v1.32.0' } }, MERGE),
      'patch status',
    );
    forbidden(await as('GET', `${KFC}/eu1`), 'get the KubeFedCluster itself');
    forbidden(
      await as('PATCH', `${KFC}/eu1`, { metadata: { labels: { region: 'x' } } }, MERGE),
      'patch labels',
    );
    forbidden(await as('GET', KFC), 'list clusters');
  });

  it('reaches nothing else: /metrics, other namespaces, Secrets', async () => {
    forbidden(await as('GET', '/metrics'), '/metrics');
    forbidden(await as('GET', '/openapi/v3'), '/openapi/v3');
    forbidden(
      await as('GET', '/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-us1/works'),
      'other works',
    );
    forbidden(await as('GET', '/apis/edgefed.io/v1alpha1/works'), 'works everywhere');
    forbidden(await as('GET', `/api/v1/namespaces/${NS}/secrets`), 'secrets in its namespace');
    forbidden(await as('GET', '/api/v1/namespaces/kube-system/secrets'), 'kube-system secrets');
    forbidden(
      await as('POST', `/api/v1/namespaces/${NS}/configmaps`, { metadata: { name: 'c' } }),
      'configmaps',
    );
    // Discovery stays readable, as kube's system:discovery allows every authenticated user.
    ok(await as('GET', '/apis'), 'discovery');
    ok(await as('GET', '/version'), 'version');
    // The admin still reads /metrics.
    ok(await admin('GET', '/metrics'), 'admin /metrics');
  });
});
