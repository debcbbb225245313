import assert from 'node:assert/strict';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
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
  startHub,
  tempDir,
  toYaml,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';
import { removeContainersWithLabel, startPodman, type PodmanService } from '../helpers/podman.js';

const SITE = 'metrics-a';
const NS = 'metrics-demo';

/** `kubectl top pods` rows: name → [cpu millicores, memory MiB]. */
function topPods(out: string): Map<string, [number, number]> {
  const rows = new Map<string, [number, number]>();
  for (const line of out.trim().split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const cpu = /^(\d+)m$/.exec(f[f.length - 2] ?? '');
    const mem = /^(\d+)Mi$/.exec(f[f.length - 1] ?? '');
    if (cpu && mem) rows.set(f.slice(0, -2).join(' '), [Number(cpu[1]), Number(mem[1])]);
  }
  return rows;
}

/**
 * metrics.k8s.io at an edge site on real podman: a container burning CPU and an idle one, measured
 * from the engine's stats, read by the real `kubectl top` at the site and through the hub's tunnel.
 */
describe('metrics.k8s.io at an edge site (kubectl top, podman)', function () {
  this.timeout(240_000);
  let podman: PodmanService;
  let hub: HubProcess;
  let agent: AgentProcess | undefined;
  let dataDir = '';
  let site = '';
  let viaHub = '';

  before(async () => {
    podman = await startPodman();
    hub = await startHub();
    dataDir = tempDir('edgefed-metrics-site-');
    const tok = createJoinToken(hub.kubeconfig);
    joinAgent({ hub: hub.url, ...tok, name: SITE, dataDir });
    agent = spawnAgent({
      dataDir,
      member: { runtime: 'edge', engine: podman.endpoint, nodeIp: '127.0.0.31' },
      intervals: { heartbeat: '1s', status: '1s' },
      extraArgs: ['--metrics-resolution', '1s'],
    });
    await waitClustersReady(hub, [SITE], 60_000, () => agent?.logs() ?? '');
    site = join(dataDir, 'site', 'admin.kubeconfig');
    viaHub = clusterKubeconfig(hub.kubeconfig, SITE, join(hub.dataDir, `${SITE}.kubeconfig`));
    const pod = (name: string, script: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NS, labels: { app: name, tier: 'demo' } },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'main', image: podman.image, command: ['sh', '-c', script] }],
      },
    });
    kubectlOk(
      site,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
        pod('burn', 'while :; do :; done'),
        pod('idle', 'sleep 3600'),
      ),
    );
    kubectlOk(site, ['wait', '-n', NS, '--for=condition=Ready', 'pod/burn', 'pod/idle', '--timeout=120s']);
  });

  after(async () => {
    await agent?.stop();
    await hub?.stop();
    if (podman) {
      await removeContainersWithLabel(podman.endpoint, 'edgefed.io/node', SITE);
      await podman.stop();
    }
    if (dataDir) cleanup(dataDir);
  });

  it('kubectl top pods at the site: the busy container uses more CPU than the idle one', async () => {
    const rows = await waitFor(
      'kubectl top pods to list burn and idle',
      () => {
        const r = kubectl(site, ['top', 'pods', '-n', NS]);
        const t = topPods(r.stdout);
        return t.has('burn') && t.has('idle') && (t.get('burn')?.[0] ?? 0) >= 30 ? t : undefined;
      },
      60_000,
      500,
    );
    const [burnCpu] = rows.get('burn') ?? [0, 0];
    const [idleCpu, idleMem] = rows.get('idle') ?? [0, 0];
    assert.ok(idleMem < 64, `a sleeping busybox has a small working set, got ${idleMem}Mi`);
    assert.ok(burnCpu > idleCpu + 20, `burn ${burnCpu}m should exceed idle ${idleCpu}m`);
    assert.ok(idleCpu < 20, `an idle sleep uses almost no CPU, got ${idleCpu}m`);
    // One shell loop is one thread: never more than one core (the rate is per second, not per ms).
    assert.ok(burnCpu <= 1100, `one busy loop uses at most one core, got ${burnCpu}m`);
  });

  it('kubectl top pods --containers, -A and -l, and kubectl top nodes at the site', () => {
    const containers = kubectlOk(site, ['top', 'pods', '-n', NS, '--containers']);
    assert.match(containers, /POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    assert.match(containers, /burn\s+main\s+\d+m\s+\d+Mi/);
    const all = kubectlOk(site, ['top', 'pods', '-A']);
    assert.match(all, new RegExp(`${NS}\\s+burn\\s+\\d+m`));
    const selected = topPods(kubectlOk(site, ['top', 'pods', '-n', NS, '-l', 'app=idle']));
    assert.deepEqual([...selected.keys()], ['idle']);
    const nodes = kubectlOk(site, ['top', 'nodes']);
    const row = new RegExp(`^${SITE}\\s+(\\d+)m\\s+(\\d+)%\\s+(\\d+)Mi\\s+(\\d+)%`, 'm').exec(nodes);
    assert.ok(row, nodes);
    // The node's figures come from /proc: within the machine's cores and memory, the busy loop included.
    assert.ok(Number(row[1]) >= 30 && Number(row[1]) <= cpus().length * 1100, nodes);
    assert.ok(Number(row[3]) > 0 && Number(row[3]) * 1024 * 1024 <= totalmem(), nodes);
  });

  it('kubectl top through the hub tunnel shows the same figures', async () => {
    const rows = await waitFor(
      'kubectl top pods through the hub',
      () => {
        const t = topPods(kubectl(viaHub, ['top', 'pods', '-n', NS]).stdout);
        return t.has('burn') && t.has('idle') ? t : undefined;
      },
      30_000,
      500,
    );
    assert.ok((rows.get('burn')?.[0] ?? 0) > (rows.get('idle')?.[0] ?? 0));
    assert.match(kubectlOk(viaHub, ['top', 'nodes']), new RegExp(`^${SITE}\\s+\\d+m`, 'm'));
  });

  it('serves metrics-server objects: get by name, 404 Status for a missing one, no watch', () => {
    const pm = JSON.parse(
      kubectlOk(site, ['get', '--raw', `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods/burn`]),
    ) as {
      kind: string;
      window: string;
      containers: { name: string; usage: { cpu: string; memory: string } }[];
    };
    assert.equal(pm.kind, 'PodMetrics');
    assert.match(pm.window, /^\d+(\.\d+)?s$/);
    assert.match(pm.containers[0].usage.cpu, /^\d+n$/);
    assert.match(pm.containers[0].usage.memory, /^\d+Ki$/);
    const missing = kubectl(site, [
      'get',
      '--raw',
      `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods/nope`,
    ]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /NotFound|not found/);
    const watch = kubectl(site, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods?watch=true']);
    assert.match(watch.stderr, /MethodNotAllowed|405|not allowed|not supported/);
    // kubectl get asks for a Table; the plain list it gets back is printed by kubectl itself.
    const got = kubectlOk(site, ['get', 'pods.metrics.k8s.io', '-n', NS]);
    assert.match(got, /^burn\b/m);
    assert.match(got, /^idle\b/m);
    const discovery = kubectlOk(site, ['api-resources', '--api-group', 'metrics.k8s.io']);
    assert.match(discovery, /nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics/);
    assert.match(discovery, /pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics/);
  });
});
