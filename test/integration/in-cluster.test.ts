import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { FederatedObject, Work } from '../../api/federation.js';
import { caCertHash } from '../../pki/pki.js';
import {
  agentCredentials,
  clusterKubeconfig,
  createJoinToken,
  edgefed,
  getCluster,
  joinAgent,
  spawnAgent,
  waitClustersReady,
  type AgentProcess,
  type JoinToken,
} from '../helpers/agents.js';
import {
  ROOT,
  cleanup,
  kubectl,
  kubectlOk,
  request,
  startHub,
  tempDir,
  toYaml,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';

const BIN = join(ROOT, 'bin', 'edgefed');
const KFC = '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters';
const works = (cluster: string) => `/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-${cluster}/works`;

interface Deployment {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown> & { replicas: number };
}

/** `edgefed controllers` with a gateway on a free port against the host; resolves with its URL. */
async function startControllers(
  host: HubProcess,
  dataDir: string,
): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(
    process.execPath,
    [
      BIN,
      'controllers',
      '--kubeconfig',
      host.kubeconfig,
      '--gateway-port',
      '0',
      '--gateway-bind',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--heartbeat-threshold',
      '10',
      '--retry-period',
      '0.5',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start in 30 s:\n${stderr}`)), 30_000);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /gateway is serving at (https:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`edgefed controllers exited with ${code}:\n${stderr}`));
    });
  });
  return { proc, url };
}

/**
 * In-cluster mode: the federation API lives in a host cluster (here a bare `edgefed apiserver`,
 * which knows nothing of edgefed), `edgefed controllers --kubeconfig host --gateway-port 0` installs
 * the CRDs there, runs the controllers, and serves the agent gateway; two member clusters join
 * through the gateway exactly as they join a standalone hub.
 */
describe('in-cluster mode: controllers + agent gateway against a host Kubernetes API (real processes)', function () {
  this.timeout(90_000);
  let host: HubProcess;
  const members: Record<string, HubProcess> = {};
  const agents: Record<string, AgentProcess> = {};
  const dirs: Record<string, string> = {};
  let controllers: ChildProcess;
  const extra: { proc: ChildProcess; dir: string }[] = [];
  let gatewayDir: string;
  let gatewayUrl = '';
  let gatewayCa = '';
  let joinToken: JoinToken;

  const agentTls = (name: string) => agentCredentials(dirs[name]);
  const viaGateway = (method: string, path: string, tls: { cert?: string; key?: string }, body?: object) =>
    request(
      { url: gatewayUrl, tls: { ca: gatewayCa, cert: '', key: '' } },
      method,
      path,
      body,
      {},
      { cert: tls.cert, key: tls.key },
    );
  /** A GET with the path exactly as given (no dot-segment resolution). */
  const rawGet = (path: string, tls: { cert: string; key: string }) =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(gatewayUrl);
      const req = httpsRequest({ hostname: u.hostname, port: u.port, path, ca: gatewayCa, ...tls }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  before(async () => {
    [host, members.east, members.west] = await Promise.all([
      startHub({ command: 'apiserver' }),
      startHub({ command: 'apiserver' }),
      startHub({ command: 'apiserver' }),
    ]);
    dirs.east = tempDir('edgefed-agent-');
    dirs.west = tempDir('edgefed-agent-');
    gatewayDir = tempDir('edgefed-gateway-');
    ({ proc: controllers, url: gatewayUrl } = await startControllers(host, gatewayDir));
    gatewayCa = readFileSync(join(gatewayDir, 'pki', 'ca.crt'), 'utf8');
  });
  after(async () => {
    await Promise.all(Object.values(agents).map((a) => a.stop()));
    controllers?.kill('SIGKILL');
    for (const e of extra) {
      e.proc.kill('SIGKILL');
      cleanup(e.dir);
    }
    await Promise.all([host?.stop(), ...Object.values(members).map((m) => m.stop())]);
    for (const d of [
      host?.dataDir,
      gatewayDir,
      ...Object.values(members).map((m) => m.dataDir),
      ...Object.values(dirs),
    ])
      if (d) cleanup(d);
  });

  it('installs the CRDs, kube-federation-system and the default FTCs into the host; shares the gateway CA in a host Secret', () => {
    assert.match(kubectlOk(host.kubeconfig, ['get', 'crd']), /federateddeployments\.types\.kubefed\.io/);
    assert.match(
      kubectlOk(host.kubeconfig, ['get', 'federatedtypeconfigs', '-n', 'kube-federation-system']),
      /deployments\.apps/,
    );
    const secret = JSON.parse(
      kubectlOk(host.kubeconfig, [
        'get',
        'secret',
        'edgefed-gateway-pki',
        '-n',
        'kube-federation-system',
        '-o',
        'json',
      ]),
    ) as { data: Record<string, string> };
    assert.equal(Buffer.from(secret.data['ca.crt'], 'base64').toString('utf8'), gatewayCa);
  });

  it('edgefed token create --print-join-command with the host kubeconfig prints the gateway URL and CA hash', () => {
    joinToken = createJoinToken(host.kubeconfig, { ttl: '1h', labels: { region: 'eu' } });
    assert.equal(/--hub (\S+)/.exec(joinToken.joinCommand)?.[1], gatewayUrl);
    assert.equal(joinToken.caHash, caCertHash(gatewayCa));
  });

  it('two agents join through the gateway and turn Ready from their heartbeats', async () => {
    for (const name of ['east', 'west']) {
      joinAgent({ hub: gatewayUrl, ...joinToken, name, dataDir: dirs[name], labels: { zone: name } });
      agents[name] = spawnAgent({
        dataDir: dirs[name],
        member: members[name].kubeconfig,
        intervals: { heartbeat: '1s', status: '1s', resync: '2s' },
      });
    }
    // 20 s for each cluster.
    await waitClustersReady(host, ['east', 'west'], 40_000);
    const c = await getCluster(host, 'east');
    assert.equal(c.metadata.labels?.region, 'eu', 'labels from the token');
    assert.equal(c.metadata.labels?.zone, 'east', 'labels from the join');
  });

  it('a FederatedDeployment with per-cluster overrides applied to the host lands in both members exactly as rendered; status folds back', async () => {
    kubectlOk(
      host.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedNamespace',
          metadata: { name: 'shop', namespace: 'shop' },
          spec: { placement: { clusterSelector: {} } },
        },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedDeployment',
          metadata: { name: 'web', namespace: 'shop' },
          spec: {
            template: {
              metadata: { labels: { app: 'web' } },
              spec: {
                replicas: 2,
                selector: { matchLabels: { app: 'web' } },
                template: {
                  metadata: { labels: { app: 'web' } },
                  spec: { containers: [{ name: 'web', image: 'nginx:1' }] },
                },
              },
            },
            placement: { clusterSelector: { matchLabels: { region: 'eu' } } },
            overrides: [
              {
                clusterName: 'west',
                clusterOverrides: [
                  { path: '/spec/replicas', value: 4 },
                  { path: '/spec/template/spec/containers/0/image', value: 'nginx:2' },
                ],
              },
            ],
          },
        },
      ),
    );
    for (const [name, replicas, image] of [
      ['east', 2, 'nginx:1'],
      ['west', 4, 'nginx:2'],
    ] as const) {
      const d = await waitFor(
        `deployment in ${name}`,
        () => {
          const r = kubectl(members[name].kubeconfig, ['get', 'deploy', 'web', '-n', 'shop', '-o', 'json']);
          return r.code === 0 ? (JSON.parse(r.stdout) as Deployment) : undefined;
        },
        20_000,
      );
      // Exactly what the controllers rendered on the host (the Work's manifest).
      const work = (await request(host, 'GET', works(name)))
        .json<{ items: Work[] }>()
        .items.find((w) => w.spec.source.kind === 'Deployment' && w.spec.source.name === 'web');
      assert.ok(work, `a Work for ${name} on the host`);
      const rendered = work.spec.manifest as unknown as Deployment;
      // The member defaults what the manifest leaves out (strategy, pod template defaults), as kube does.
      assert.deepEqual(onlyKeysOf(d.spec, rendered.spec), rendered.spec);
      for (const [k, v] of Object.entries(rendered.metadata.labels ?? {}))
        assert.equal(d.metadata.labels?.[k], v, `label ${k}`);
      assert.equal(d.spec.replicas, replicas);
      assert.equal(
        (d.spec.template as { spec: { containers: { image: string }[] } }).spec.containers[0].image,
        image,
      );
      assert.equal(d.metadata.labels?.['kubefed.io/managed'], 'true');
      assert.equal(d.metadata.labels?.app, 'web');
      // The member reports progress (a stand-in for its deployment controller).
      const cur = JSON.parse(
        kubectlOk(members[name].kubeconfig, ['get', 'deploy', 'web', '-n', 'shop', '-o', 'json']),
      ) as object;
      const res = await request(
        members[name],
        'PUT',
        '/apis/apps/v1/namespaces/shop/deployments/web/status',
        { ...cur, status: { replicas, readyReplicas: replicas - 1 } },
      );
      assert.equal(res.status, 200, res.body);
    }
    const fed = await waitFor(
      'READY 4/6 and propagated',
      async () => {
        const f = (
          await request(
            host,
            'GET',
            '/apis/types.kubefed.io/v1beta1/namespaces/shop/federateddeployments/web',
          )
        ).json<FederatedObject>();
        return f.status?.readySummary === '4/6' && f.status.conditions?.[0]?.status === 'True'
          ? f
          : undefined;
      },
      20_000,
    );
    assert.equal(fed.status?.clustersSummary, '2/2');
    assert.match(
      kubectlOk(host.kubeconfig, ['get', 'fdeploy', '-n', 'shop']).split('\n')[1],
      /^web\s+2\/2\s+4\/6\s+True/,
    );
  });

  it('through the gateway an agent certificate reaches its own Works only; other requests 403, anonymous 401', async () => {
    const east = agentTls('east');
    const own = await viaGateway('GET', works('east'), east);
    assert.equal(own.status, 200, own.body);
    assert.ok(own.json<{ items: Work[] }>().items.length >= 2, 'its namespace and deployment Works');
    const other = await viaGateway('GET', works('west'), east);
    assert.equal(other.status, 403);
    assert.equal(other.json<{ kind: string; reason: string }>().kind, 'Status');
    assert.equal(other.json<{ reason: string }>().reason, 'Forbidden');
    for (const path of [
      '/api/v1/namespaces/kube-system/secrets',
      '/api/v1/namespaces/kube-federation-system/secrets/edgefed-gateway-pki',
      '/apis/types.kubefed.io/v1beta1/federateddeployments',
      `${KFC}/west`,
    ])
      assert.equal((await viaGateway('GET', path, east)).status, 403, path);
    // Dot segments (sent as is: URL() would resolve them) cannot climb into another namespace.
    for (const path of [
      `${works('east')}/../../edgefed-cluster-west/works`,
      `${works('east')}/%2e%2e/status`,
      `${works('east')}/..`,
    ])
      assert.ok([400, 403].includes(await rawGet(path, east)), path);
    // Only the heartbeat Lease may be created, whatever the path says.
    const lease = await viaGateway(
      'POST',
      '/apis/coordination.k8s.io/v1/namespaces/edgefed-cluster-east/leases',
      east,
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'not-the-heartbeat' },
        spec: {},
      },
    );
    assert.equal(lease.status, 403);
    // A Work's spec is the hub's: an agent may only add or remove its finalizer (agent admission).
    const work = own.json<{ items: Work[] }>().items[0];
    const drift = await request(
      { url: gatewayUrl, tls: { ca: gatewayCa, cert: '', key: '' } },
      'PATCH',
      `${works('east')}/${work.metadata.name}`,
      { metadata: { resourceVersion: work.metadata.resourceVersion }, spec: { cluster: 'west' } },
      { 'content-type': 'application/merge-patch+json' },
      { cert: east.cert, key: east.key },
    );
    assert.equal(drift.status, 403, drift.body);
    // A host error passes through with its code and Status body.
    const missing = await viaGateway('GET', `${works('east')}/no-such-work`, east);
    assert.equal(missing.status, 404);
    assert.equal(missing.json<{ reason: string }>().reason, 'NotFound');
    // The gateway's own admin is not a host admin.
    const admin = await request(
      {
        url: gatewayUrl,
        tls: {
          ca: gatewayCa,
          cert: readFileSync(join(gatewayDir, 'pki', 'admin.crt'), 'utf8'),
          key: readFileSync(join(gatewayDir, 'pki', 'admin.key'), 'utf8'),
        },
      },
      'GET',
      '/api/v1/namespaces',
    );
    assert.equal(admin.status, 403);
    const anon = await viaGateway('GET', works('east'), {});
    assert.equal(anon.status, 401);
    assert.equal(anon.json<{ reason: string }>().reason, 'Unauthorized');
  });

  it('a watch through the gateway streams the host events live', async () => {
    const east = agentTls('east');
    const list = (await viaGateway('GET', works('east'), east)).json<{
      metadata: { resourceVersion: string };
      items: Work[];
    }>();
    const u = new URL(gatewayUrl);
    let received = '';
    const req = httpsRequest({
      hostname: u.hostname,
      port: u.port,
      path: `${works('east')}?watch=1&resourceVersion=${list.metadata.resourceVersion}`,
      ca: gatewayCa,
      ...east,
    });
    const head = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => (received += d));
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    req.end();
    try {
      assert.equal(await head, 200, 'the head arrives before any event');
      // Something changes on the host: the agent sees it at once through the open watch.
      const name = list.items[0].metadata.name;
      const patched = await request(
        host,
        'PATCH',
        `${works('east')}/${name}`,
        JSON.stringify({ metadata: { annotations: { 'test.edgefed.io/poke': 'yes' } } }),
        { 'content-type': 'application/merge-patch+json' },
      );
      assert.equal(patched.status, 200, patched.body);
      await waitFor('the MODIFIED event', () =>
        received.includes('"MODIFIED"') && received.includes('test.edgefed.io/poke') ? true : undefined,
      );
    } finally {
      req.destroy();
    }
  });

  it('kubectl reaches a member through /clusters/<name>/proxy on the gateway (gateway admin.kubeconfig)', () => {
    const cfg = clusterKubeconfig(
      join(gatewayDir, 'admin.kubeconfig'),
      'east',
      join(gatewayDir, 'east.kubeconfig'),
    );
    assert.match(kubectlOk(cfg, ['get', 'deploy', '-n', 'shop']), /^web\s+/m);
  });

  it('a second controllers replica adopts the CA from the host Secret: agent certificates work on both gateways', async () => {
    const dir = tempDir('edgefed-gateway-');
    const second = await startControllers(host, dir);
    extra.push({ proc: second.proc, dir });
    assert.equal(readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8'), gatewayCa);
    const res = await request(
      { url: second.url, tls: { ca: gatewayCa, ...agentTls('west') } },
      'GET',
      works('west'),
    );
    assert.equal(res.status, 200, res.body);
  });

  it('unjoin (with the host kubeconfig) removes the cluster; its certificate is refused by the gateway', async () => {
    const r = edgefed(['unjoin', 'east', '--kubeconfig', host.kubeconfig]);
    assert.equal(r.code, 0, r.stderr);
    const east = agentTls('east');
    await waitFor(
      'east refused',
      async () => ((await viaGateway('GET', works('east'), east)).status === 403 ? true : undefined),
      15_000,
    );
    assert.equal((await viaGateway('GET', works('west'), agentTls('west'))).status, 200);
  });
});

/** `actual` cut down to the keys `expected` has, recursively (arrays element by element). */
function onlyKeysOf(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(expected) && Array.isArray(actual))
    return actual.map((a: unknown, i) => onlyKeysOf(a, expected[i]));
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObj(expected) || !isObj(actual)) return actual;
  return Object.fromEntries(
    Object.keys(expected)
      .filter((k) => k in actual)
      .map((k) => [k, onlyKeysOf(actual[k], expected[k])]),
  );
}
