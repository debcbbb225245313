import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { FederatedObject } from '../../api/federation.js';
import {
  clusterKubeconfig,
  createJoinToken,
  joinAgent,
  spawnAgent,
  waitClustersReady,
  type AgentProcess,
} from '../helpers/agents.js';
import {
  cleanup,
  kubectl,
  kubectlOk,
  kubectlSpawn,
  request,
  startHub,
  tempDir,
  toYaml,
  type HubProcess,
} from '../helpers/hub.js';
import { removeContainersWithLabel, startPodman } from '../helpers/podman.js';

const NS = 'edge-e2e';

/** Polls until fn returns something truthy; on timeout, says what was expected and what was seen. */
async function waitFor<T>(
  fn: () => Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number; message?: () => string | Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const detail = opts.message ? await opts.message() : '';
      throw new Error(
        `timed out after ${opts.timeoutMs ?? 15_000} ms${last ? ` (${String(last)})` : ''}: ${detail}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(p));
    });
  });
}

/** GET http://127.0.0.1:<port>/ → body, or undefined when nothing answers. */
function httpGet(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

interface EngineContainer {
  Id: string;
  Names?: string[];
  State: string;
  Labels: Record<string, string>;
}

/**
 * Real containers end to end: a hub, two edge sites (agents with the embedded edge runtime) on a
 * real podman through the Docker Engine API, federated workloads from `kubectl apply` to running
 * busybox processes answering HTTP, and back up as federated status.
 */
describe('edge sites run federated workloads as real containers (podman)', function () {
  this.timeout(300_000);
  let podman: Awaited<ReturnType<typeof startPodman>>;
  let hub: HubProcess;
  const agents: Partial<Record<Site, AgentProcess>> = {};
  const dirs: Record<string, string> = {};
  const sites = { 'edge-a': '127.0.0.21', 'edge-b': '127.0.0.22' } as const;
  type Site = keyof typeof sites;
  const ports: Record<Site, number> = { 'edge-a': 0, 'edge-b': 0 };
  const viaHub: Record<string, string> = {};
  let image = '';

  /** GET on the podman socket (the engine's own view, independent of edgefed). */
  const engine = (method: string, path: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ socketPath: podman.socket, method, path: `/v1.41${path}` }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  const containers = async (site: Site, pod?: string): Promise<EngineContainer[]> => {
    const labels = [`edgefed.io/node=${site}`, ...(pod ? [`edgefed.io/pod-name=${pod}`] : [])];
    const r = await engine(
      'GET',
      `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: labels }))}`,
    );
    return JSON.parse(r.body) as EngineContainer[];
  };
  const running = async (site: Site, app: string): Promise<EngineContainer[]> =>
    (await containers(site)).filter(
      (c) => c.State === 'running' && (c.Labels['edgefed.io/pod-name'] ?? '').startsWith(`${app}-`),
    );

  const runAgent = (name: Site) => {
    agents[name] = spawnAgent({
      dataDir: dirs[name],
      member: { runtime: 'edge', engine: podman.endpoint, nodeIp: sites[name], crashBackoff: '1s' },
      intervals: { heartbeat: '1s', status: '1s', resync: '2s' },
    });
  };
  const agentLogs = (name: Site) => agents[name]?.logs() ?? '';
  const fed = async (kind: string, name: string) =>
    (await request(hub, 'GET', `/apis/types.kubefed.io/v1beta1/namespaces/${NS}/${kind}/${name}`)).json<
      FederatedObject & {
        status?: {
          readySummary?: string;
          clusters?: {
            name: string;
            pods?: {
              restarts: number;
              ready: number;
              total: number;
              problems?: { reason: string; message?: string }[];
            };
          }[];
        };
      }
    >();
  const clusterPods = async (name: string, site: Site) =>
    (await fed('federateddeployments', name)).status?.clusters?.find((c) => c.name === site)?.pods;

  before(async () => {
    podman = await startPodman();
    image = podman.image;
    [hub] = await Promise.all([startHub({ extraArgs: ['--heartbeat-threshold', '6'] })]);
    for (const s of Object.keys(sites) as Site[]) {
      dirs[s] = tempDir(`edgefed-${s}-`);
      ports[s] = await freePort();
    }
    const tok = createJoinToken(hub.kubeconfig);
    for (const [s, region] of [
      ['edge-a', 'eu'],
      ['edge-b', 'us'],
    ] as const) {
      joinAgent({ hub: hub.url, ...tok, name: s, dataDir: dirs[s], labels: { region } });
      runAgent(s);
    }
    await waitClustersReady(
      hub,
      ['edge-a', 'edge-b'],
      60_000,
      () =>
        `agent logs:\n${JSON.stringify({ 'edge-a': agentLogs('edge-a'), 'edge-b': agentLogs('edge-b') })}`,
    );
    for (const s of Object.keys(sites) as Site[])
      viaHub[s] = clusterKubeconfig(hub.kubeconfig, s, join(hub.dataDir, `${s}.kubeconfig`));
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedNamespace',
          metadata: { name: NS, namespace: NS },
          spec: { placement: { clusterSelector: {} } },
        },
      ),
    );
  });

  after(async () => {
    for (const a of Object.values(agents)) await a.stop();
    await hub?.stop();
    if (podman) {
      for (const s of Object.keys(sites))
        await removeContainersWithLabel(podman.endpoint, 'edgefed.io/node', s);
      await podman.stop();
    }
    for (const d of [hub?.dataDir, ...Object.values(dirs)]) if (d) cleanup(d);
  });

  const web = () => ({
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedDeployment',
    metadata: { name: 'web', namespace: NS },
    spec: {
      template: {
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              hostNetwork: true,
              containers: [
                {
                  name: 'httpd',
                  image,
                  env: [
                    { name: 'PORT', value: String(ports['edge-a']) },
                    { name: 'SITE', value: 'edge-a' },
                  ],
                  command: [
                    'sh',
                    '-c',
                    'mkdir -p /www && echo "hello from $SITE" > /www/index.html && echo "httpd starting on $PORT" && exec httpd -f -v -p $PORT -h /www',
                  ],
                  readinessProbe: {
                    httpGet: { path: '/', port: ports['edge-a'] },
                    periodSeconds: 1,
                  },
                  resources: { limits: { memory: '64Mi', cpu: '250m' } },
                },
              ],
            },
          },
        },
      },
      placement: { clusters: [{ name: 'edge-a' }, { name: 'edge-b' }] },
      overrides: [
        {
          clusterName: 'edge-b',
          clusterOverrides: [
            { path: '/spec/template/spec/containers/0/env/0/value', value: String(ports['edge-b']) },
            { path: '/spec/template/spec/containers/0/env/1/value', value: 'edge-b' },
            { path: '/spec/template/spec/containers/0/readinessProbe/httpGet/port', value: ports['edge-b'] },
          ],
        },
      ],
    },
  });

  it('1. busybox httpd with host networking and a per-cluster port runs at both sites and answers HTTP', async () => {
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], toYaml(web()));
    for (const s of Object.keys(sites) as Site[]) {
      const body = await waitFor(async () => httpGet(ports[s]), {
        timeoutMs: 60_000,
        message: () => `nothing answers on ${s}'s port ${ports[s]}; agent log:\n${agentLogs(s)}`,
      });
      assert.equal(body.trim(), `hello from ${s}`);
      const cs = await running(s, 'web');
      assert.equal(cs.length, 1, `one container at ${s}`);
    }
    await waitFor(async () => (await fed('federateddeployments', 'web')).status?.readySummary === '2/2', {
      timeoutMs: 30_000,
      message: async () => JSON.stringify((await fed('federateddeployments', 'web')).status),
    });
    const table = kubectlOk(hub.kubeconfig, ['get', 'federateddeployment', 'web', '-n', NS]);
    assert.match(table, /web\s+2\/2\s+2\/2/, table);
    // The member's view through the hub's tunnel, as an operator sees it.
    const pods = kubectlOk(viaHub['edge-b'], ['get', 'pods', '-n', NS]);
    assert.match(pods, /web-[a-z0-9]+-[a-z0-9]+\s+1\/1\s+Running/, pods);
  });

  it('2. a replicas override adds and removes containers; a template change replaces them one by one', async () => {
    const worker = (replicasB: number, version: string) => ({
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedDeployment',
      metadata: { name: 'worker', namespace: NS },
      spec: {
        template: {
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'worker' } },
            template: {
              metadata: { labels: { app: 'worker' } },
              spec: {
                terminationGracePeriodSeconds: 1,
                containers: [
                  {
                    name: 'w',
                    image,
                    env: [{ name: 'VERSION', value: version }],
                    command: ['sh', '-c', 'echo worker $VERSION; exec sleep 100000'],
                  },
                ],
              },
            },
          },
        },
        placement: { clusters: [{ name: 'edge-b' }] },
        overrides: [
          { clusterName: 'edge-b', clusterOverrides: [{ path: '/spec/replicas', value: replicasB }] },
        ],
      },
    });
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], toYaml(worker(3, 'v1')));
    await waitFor(async () => (await running('edge-b', 'worker')).length === 3, { timeoutMs: 60_000 });
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], toYaml(worker(2, 'v1')));
    await waitFor(async () => (await running('edge-b', 'worker')).length === 2, { timeoutMs: 60_000 });
    const before = new Set((await running('edge-b', 'worker')).map((c) => c.Id));

    // A template change: kube's default rolling update (maxSurge 25% → 1, maxUnavailable 25% → 0 of 2).
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], toYaml(worker(2, 'v2')));
    const seenOld: number[] = [];
    const seenRunning: number[] = [];
    await waitFor(
      async () => {
        const now = await running('edge-b', 'worker');
        const old = now.filter((c) => before.has(c.Id)).length;
        seenOld.push(old);
        seenRunning.push(now.length);
        return old === 0 && now.length === 2;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    // One by one: a moment with exactly one old container left, and never fewer than 2 running.
    assert.ok(seenOld.includes(1), `old containers over time: ${seenOld.join(',')}`);
    assert.ok(Math.min(...seenRunning) >= 1, `running over time: ${seenRunning.join(',')}`);
    const rs = kubectlOk(viaHub['edge-b'], [
      'get',
      'rs',
      '-n',
      NS,
      '-l',
      'app=worker',
      '-o',
      'jsonpath={range .items[*]}{.spec.replicas} {end}',
    ]);
    assert.deepEqual(rs.trim().split(' ').sort(), ['0', '2'], `old RS scaled to 0, new to 2: ${rs}`);
  });

  it('3. a container killed from outside is restarted; restartCount and the federated status show it', async () => {
    const [c] = await running('edge-a', 'web');
    assert.ok(c, 'web runs at edge-a');
    const r = await engine('POST', `/containers/${c.Id}/kill`);
    assert.ok(r.status < 300, r.body);
    await waitFor(async () => (await clusterPods('web', 'edge-a'))?.restarts === 1, {
      timeoutMs: 60_000,
      message: async () => JSON.stringify(await clusterPods('web', 'edge-a')),
    });
    assert.equal(
      await waitFor(async () => httpGet(ports['edge-a']), { timeoutMs: 30_000 }),
      'hello from edge-a\n',
    );
    const restarts = kubectlOk(viaHub['edge-a'], [
      'get',
      'pods',
      '-n',
      NS,
      '-l',
      'app=web',
      '-o',
      'jsonpath={.items[0].status.containerStatuses[0].restartCount}',
    ]);
    assert.equal(restarts, '1');
  });

  it('5. kubectl logs (and -f) through the hub proxy return the container output', async () => {
    const out = kubectlOk(viaHub['edge-b'], ['logs', '-n', NS, 'deployment/web']);
    assert.match(out, new RegExp(`httpd starting on ${ports['edge-b']}`));
    const follow = kubectlSpawn(viaHub['edge-b'], ['logs', '-f', '-n', NS, 'deployment/web']);
    try {
      await waitFor(async () => follow.output().includes('httpd starting'), { timeoutMs: 20_000 });
      // httpd -v logs each request: a request made now shows up in the open stream.
      await httpGet(ports['edge-b']);
      await waitFor(async () => /GET \//.test(follow.output()) || /response/i.test(follow.output()), {
        timeoutMs: 20_000,
        message: () => follow.output(),
      });
    } finally {
      follow.kill();
    }
  });

  it('6. an image that is not present → ErrImagePull visible from the hub; a command that exits → CrashLoopBackOff with growing back-off', async () => {
    const bad = (name: string, container: object) => ({
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedDeployment',
      metadata: { name, namespace: NS },
      spec: {
        template: {
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: name } },
            template: { metadata: { labels: { app: name } }, spec: { containers: [container] } },
          },
        },
        placement: { clusters: [{ name: 'edge-a' }] },
      },
    });
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        bad('noimage', { name: 'c', image: 'registry.invalid/edgefed/nope:1.0' }),
        bad('crasher', { name: 'c', image, command: ['sh', '-c', 'echo bye; exit 3'] }),
      ),
    );
    const problem = await waitFor(
      async () => {
        const p = (await clusterPods('noimage', 'edge-a'))?.problems?.[0];
        return p && /ErrImagePull|ImagePullBackOff/.test(p.reason) ? p : undefined;
      },
      { timeoutMs: 60_000, message: async () => JSON.stringify(await clusterPods('noimage', 'edge-a')) },
    );
    assert.match(problem.message ?? '', /registry\.invalid\/edgefed\/nope/);

    const crash = await waitFor(
      async () => {
        const p = (await clusterPods('crasher', 'edge-a'))?.problems?.[0];
        return p?.reason === 'CrashLoopBackOff' ? p : undefined;
      },
      { timeoutMs: 60_000, message: async () => JSON.stringify(await clusterPods('crasher', 'edge-a')) },
    );
    assert.match(crash.message ?? '', /back-off \d+s restarting failed container/);
    // Growing back-off (base 1 s here): after ~12 s a hot loop would have restarted dozens of times;
    // 1+2+4+8 s of back-off allows about 4.
    const t0 = Date.now();
    const r0 = (await clusterPods('crasher', 'edge-a'))?.restarts ?? 0;
    await new Promise((r) => setTimeout(r, 12_000));
    const r1 = (await clusterPods('crasher', 'edge-a'))?.restarts ?? 0;
    assert.ok(r1 - r0 <= 4, `${r1 - r0} restarts in ${Date.now() - t0} ms`);
    const msgs = kubectlOk(viaHub['edge-a'], [
      'get',
      'pods',
      '-n',
      NS,
      '-l',
      'app=crasher',
      '-o',
      'jsonpath={.items[0].status.containerStatuses[0].lastState.terminated.exitCode}',
    ]);
    assert.equal(msgs, '3');
    kubectlOk(hub.kubeconfig, ['delete', 'federateddeployment', 'noimage', 'crasher', '-n', NS]);
  });

  it('4. hub stopped and agent restarted: workloads keep running; a container removed by hand comes back', async () => {
    await hub.kill9();
    await agents['edge-a']?.stop('SIGKILL');
    // Containers do not depend on the agent process.
    assert.equal(await httpGet(ports['edge-a']), 'hello from edge-a\n');
    runAgent('edge-a');
    const [c] = await running('edge-a', 'web');
    const rm = await engine('DELETE', `/containers/${c.Id}?force=1`);
    assert.ok(rm.status < 300, rm.body);
    await waitFor(async () => (await running('edge-a', 'web')).some((x) => x.Id !== c.Id), {
      timeoutMs: 60_000,
      message: () => `not recreated; agent log:\n${agentLogs('edge-a')}`,
    });
    assert.equal(
      await waitFor(async () => httpGet(ports['edge-a']), { timeoutMs: 30_000 }),
      'hello from edge-a\n',
    );
    // The site's own API answers offline.
    const siteKc = join(dirs['edge-a'], 'site', 'admin.kubeconfig');
    const pods = kubectl(siteKc, ['get', 'pods', '-n', NS, '-l', 'app=web']);
    assert.equal(pods.code, 0, pods.stderr);
    assert.match(pods.stdout, /Running/);

    // Hub back on the same data dir and port: statuses catch up.
    hub = await startHub({ dataDir: hub.dataDir, port: hub.port, extraArgs: ['--heartbeat-threshold', '6'] });
    await waitFor(async () => (await fed('federateddeployments', 'web')).status?.readySummary === '2/2', {
      timeoutMs: 30_000,
    });
  });

  it('nothing is left behind: deleting the federated deployment removes its containers', async () => {
    kubectlOk(hub.kubeconfig, ['delete', 'federateddeployment', 'worker', '-n', NS]);
    await waitFor(async () => (await running('edge-b', 'worker')).length === 0, { timeoutMs: 60_000 });
  });
});
