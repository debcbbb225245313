/**
 * Services at an edge site (issue 13): the site API allocates cluster IPs and node ports as
 * kube-apiserver does, and the site controllers keep Endpoints and EndpointSlices in step with
 * pod readiness. The site API server and its controllers run in this process; the test plays the
 * kubelet (pod status), and the client is the real kubectl.
 */
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startSiteControllers, type SiteControllers } from '../../agent/edge/controllers/index.js';
import type { Endpoints, EndpointSlice } from '../../agent/edge/controllers/endpoints/types.js';
import type { Service } from '../../agent/edge/controllers/types.js';
import { KubeClient } from '../../client/client.js';
import { ApiError } from '../../client/errors.js';
import { startApiServer, type RunningApiServer } from '../../apiserver/boot.js';
import { cleanup, kubectlSpawn, tempDir, toYaml, waitFor } from '../helpers/hub.js';

const NODE = 'edge-node-1';
const NODE_IP = '192.0.2.10';
const NS = 'svc-test';

const rfc3339 = (d = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function kubectlAsync(kubeconfig: string, args: string[], input?: string) {
  const p = kubectlSpawn(kubeconfig, args);
  let stdout = '';
  p.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stdin?.end(input ?? '');
  return new Promise<{ code: number | null; stdout: string; output: string }>((resolve) =>
    p.once('close', (code) => resolve({ code, stdout, output: p.output() })),
  );
}

/** kubefed's user-guide test-service, as a member receives it (no clusterIP, no nodePort). */
const testService = (name = 'test-service', nodePort?: number) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS, labels: { app: 'nginx' } },
  spec: {
    selector: { app: 'nginx' },
    type: 'NodePort',
    ports: [{ name: 'http', port: 80, ...(nodePort ? { nodePort } : {}) }],
  },
});

describe('site Services: allocation, Endpoints and EndpointSlices (real kubectl)', function () {
  this.timeout(120_000);
  let dir: string;
  let site: RunningApiServer;
  let controllers: SiteControllers | undefined;
  let client: KubeClient;
  let kubeconfig: string;

  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectlAsync(kubeconfig, args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.output}`);
    return r.stdout;
  };

  async function boot(): Promise<void> {
    site = await startApiServer({
      dataDir: dir,
      port: 0,
      bind: '127.0.0.1',
      logger: pino({ level: 'silent' }),
    });
    kubeconfig = site.kubeconfigPath;
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    client = new KubeClient(kc);
    controllers = startSiteControllers({ kc, nodeName: NODE, nodeIp: NODE_IP, resyncMs: 60_000 });
    await controllers.ready();
  }

  async function shutdown(): Promise<void> {
    await controllers?.stop();
    controllers = undefined;
    await site?.close();
  }

  /** Plays the kubelet: Running with an IP, Ready as asked. */
  async function reportPod(name: string, ip: string, ready: boolean): Promise<void> {
    const cond = (type: string) => ({
      type,
      status: ready ? 'True' : 'False',
      lastTransitionTime: rfc3339(),
    });
    await client.patch(
      `/api/v1/namespaces/${NS}/pods/${name}/status`,
      {
        status: {
          phase: 'Running',
          hostIP: NODE_IP,
          podIP: ip,
          podIPs: [{ ip }],
          conditions: [cond('PodScheduled'), cond('Initialized'), cond('ContainersReady'), cond('Ready')],
        },
      },
      'merge',
    );
  }

  const backend = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: 'nginx' } },
    spec: { nodeName: NODE, containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] },
  });

  const endpoints = () => client.getIfExists<Endpoints>(`/api/v1/namespaces/${NS}/endpoints/test-service`);
  const slices = async () =>
    (
      await client.list<EndpointSlice>(`/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`, {
        labelSelector: 'kubernetes.io/service-name=test-service',
      })
    ).items;
  const readyIps = (e: Endpoints | undefined) =>
    (e?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
  const notReadyIps = (e: Endpoints | undefined) =>
    (e?.subsets ?? []).flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)).sort();
  const sliceReady = (all: EndpointSlice[]) =>
    Object.fromEntries(
      all.flatMap((s) => s.endpoints ?? []).map((e) => [e.addresses[0], e.conditions.ready]),
    );

  before(async () => {
    dir = tempDir('edgefed-site-svc-');
    await boot();
    await kubectl(['create', 'namespace', NS]);
  });

  after(async () => {
    await shutdown();
    if (dir) cleanup(dir);
  });

  let clusterIP = '';
  let nodePort = 0;

  it("kubefed's test-service gets a cluster IP from 10.96.0.0/12 and a node port from 30000-32767, with kube's defaults", async () => {
    await kubectl(['apply', '-f', '-'], toYaml(testService()));
    const svc = JSON.parse(await kubectl(['get', 'svc', 'test-service', '-n', NS, '-o', 'json'])) as Service;
    const spec = svc.spec as Record<string, unknown> & { ports: Record<string, unknown>[] };
    clusterIP = String(spec.clusterIP);
    const octets = clusterIP.split('.').map(Number);
    assert.ok(
      octets[0] === 10 && octets[1] >= 96 && octets[1] <= 111,
      `clusterIP ${clusterIP} in 10.96.0.0/12`,
    );
    assert.deepEqual(spec.clusterIPs, [clusterIP]);
    nodePort = Number(spec.ports[0].nodePort);
    assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`);
    assert.equal(spec.ports[0].targetPort, 80);
    assert.equal(spec.ports[0].protocol, 'TCP');
    assert.equal(spec.sessionAffinity, 'None');
    assert.equal(spec.externalTrafficPolicy, 'Cluster');
    assert.deepEqual(spec.ipFamilies, ['IPv4']);
    assert.equal(spec.ipFamilyPolicy, 'SingleStack');
    // kubectl's own view of it.
    const row = (await kubectl(['get', 'svc', 'test-service', '-n', NS, '--no-headers'])).trim().split(/\s+/);
    assert.deepEqual(row.slice(0, 5), [
      'test-service',
      'NodePort',
      clusterIP,
      '<none>',
      `80:${nodePort}/TCP`,
    ]);
    // Re-applying the same manifest (no clusterIP, no nodePort in it) keeps both.
    await kubectl(['apply', '-f', '-'], toYaml(testService()));
    const again = JSON.parse(
      await kubectl(['get', 'svc', 'test-service', '-n', NS, '-o', 'json']),
    ) as Service;
    assert.equal(again.spec?.clusterIP, clusterIP);
    assert.equal(again.spec?.ports?.[0].nodePort, nodePort);
  });

  it('a second Service asking for the same nodePort is refused: 422 naming spec.ports[0].nodePort', async () => {
    const r = await kubectlAsync(kubeconfig, ['apply', '-f', '-'], toYaml(testService('dup', nodePort)));
    assert.notEqual(r.code, 0);
    assert.match(
      r.output,
      new RegExp(
        `spec.ports\\[0\\]\\.nodePort: Invalid value: ${nodePort}: provided port is already allocated`,
      ),
    );
    // The client's view: a Status body with the right code, reason and cause.
    const err = await client.create(`/api/v1/namespaces/${NS}/services`, testService('dup', nodePort)).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.deepEqual(
      err.status?.details?.causes?.map((c) => [c.field, c.reason]),
      [['spec.ports[0].nodePort', 'FieldValueInvalid']],
    );
    const none = await kubectlAsync(kubeconfig, ['get', 'svc', 'dup', '-n', NS]);
    assert.notEqual(none.code, 0, 'nothing was created');
  });

  it('Endpoints and EndpointSlices follow readiness: an unready backend leaves within seconds, a deleted one is drained', async () => {
    await kubectl(['apply', '-f', '-'], toYaml(backend('nginx-a'), backend('nginx-b')));
    await reportPod('nginx-a', '10.88.0.2', true);
    await reportPod('nginx-b', '10.88.0.3', true);
    await waitFor('both backends in Endpoints', async () =>
      readyIps(await endpoints()).join() === '10.88.0.2,10.88.0.3' ? true : undefined,
    );
    const ep = await endpoints();
    assert.deepEqual(ep?.subsets?.[0].ports, [{ name: 'http', port: 80, protocol: 'TCP' }]);
    assert.equal(ep?.subsets?.[0].addresses?.[0].targetRef?.name, 'nginx-a');
    await waitFor('both backends ready in the slice', async () => {
      const r = sliceReady(await slices());
      return r['10.88.0.2'] === true && r['10.88.0.3'] === true ? true : undefined;
    });
    const [slice] = await slices();
    assert.equal(slice.addressType, 'IPv4');
    assert.equal(
      slice.metadata.labels?.['endpointslice.kubernetes.io/managed-by'],
      'endpointslice-controller.k8s.io',
    );
    assert.equal(slice.metadata.ownerReferences?.[0].name, 'test-service');

    const t0 = Date.now();
    await reportPod('nginx-b', '10.88.0.3', false);
    await waitFor('nginx-b not ready in Endpoints', async () =>
      readyIps(await endpoints()).join() === '10.88.0.2' &&
      notReadyIps(await endpoints()).join() === '10.88.0.3'
        ? true
        : undefined,
    );
    await waitFor('nginx-b not ready in the slice', async () =>
      sliceReady(await slices())['10.88.0.3'] === false ? true : undefined,
    );
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    const table = await kubectl([
      'get',
      'endpoints',
      'test-service',
      '-n',
      NS,
      '-o',
      'jsonpath={.subsets[*].addresses[*].ip}',
    ]);
    assert.equal(table, '10.88.0.2');

    await reportPod('nginx-b', '10.88.0.3', true);
    await waitFor('nginx-b back', async () => (readyIps(await endpoints()).length === 2 ? true : undefined));
    await kubectl(['delete', 'pod', 'nginx-a', '-n', NS, '--wait=false']);
    await waitFor('nginx-a drained from Endpoints and slices', async () => {
      const e = await endpoints();
      const s = sliceReady(await slices());
      return readyIps(e).join() === '10.88.0.3' && notReadyIps(e).length === 0 && !s['10.88.0.2']
        ? true
        : undefined;
    });
  });

  it('a Service without a selector keeps hand-written Endpoints; a deleted Service takes its Endpoints along', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      toYaml(
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'manual', namespace: NS },
          spec: { ports: [{ port: 5432 }] },
        },
        {
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: { name: 'manual', namespace: NS },
          subsets: [{ addresses: [{ ip: '192.0.2.50' }], ports: [{ port: 5432 }] }],
        },
      ),
    );
    await kubectl(['delete', 'svc', 'test-service', '-n', NS]);
    await waitFor('test-service Endpoints gone', async () => ((await endpoints()) ? undefined : true));
    await waitFor('test-service slices gone', async () => ((await slices()).length === 0 ? true : undefined));
    const manual = await client.get<Endpoints>(`/api/v1/namespaces/${NS}/endpoints/manual`);
    assert.equal(manual.subsets?.[0].addresses?.[0].ip, '192.0.2.50');
  });

  it('cluster IPs and node ports survive a restart unchanged, and are not handed out again', async () => {
    await kubectl(['apply', '-f', '-'], toYaml(testService('keep')));
    const before = JSON.parse(await kubectl(['get', 'svc', 'keep', '-n', NS, '-o', 'json'])) as Service;
    await shutdown();
    await boot();
    const after = JSON.parse(await kubectl(['get', 'svc', 'keep', '-n', NS, '-o', 'json'])) as Service;
    assert.equal(after.spec?.clusterIP, before.spec?.clusterIP);
    assert.equal(after.spec?.ports?.[0].nodePort, before.spec?.ports?.[0].nodePort);
    const taken = await kubectlAsync(
      kubeconfig,
      ['apply', '-f', '-'],
      toYaml({ ...testService('other', Number(before.spec?.ports?.[0].nodePort)) }),
    );
    assert.match(taken.output, /provided port is already allocated/);
    const sameIp = await kubectlAsync(
      kubeconfig,
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'other-ip', namespace: NS },
        spec: { clusterIP: before.spec?.clusterIP, ports: [{ port: 80 }] },
      }),
    );
    assert.match(sameIp.output, /spec\.clusterIPs: Invalid value: .*provided IP is already allocated/);
  });
});
