import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createJoinToken,
  getCluster,
  joinAgent,
  spawnAgent,
  waitClustersReady,
  type AgentProcess,
} from '../helpers/agents.js';
import {
  ROOT,
  cleanup,
  kubectlOk,
  startHub,
  tempDir,
  toYaml,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';
import { removeContainersWithLabel, startPodman, type PodmanService } from '../helpers/podman.js';

const SITES = { 'fleet-a': '127.0.0.41', 'fleet-b': '127.0.0.42' } as const;
type Site = keyof typeof SITES;
const NS = 'fleet-demo';

/** `edgefed <args>` against the hub, timed. */
function edgefed(
  hub: HubProcess,
  args: string[],
): { code: number; stdout: string; stderr: string; ms: number } {
  const start = Date.now();
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'bin', 'edgefed'), ...args, '--kubeconfig', hub.kubeconfig],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - start };
}

function ok(hub: HubProcess, args: string[]): string {
  const r = edgefed(hub, args);
  assert.equal(r.code, 0, `edgefed ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Table rows as arrays of cells, header first. */
const rowsOf = (out: string): string[][] =>
  out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));

/**
 * The fleet view: two edge sites on real podman report their nodes and pods (with usage from
 * their metrics.k8s.io) to the hub; `edgefed get/top/clusters` list them from the hub's store, and
 * keep a stopped site's rows, marked stale, answering quickly.
 */
describe('fleet view: edgefed get/top nodes|pods and clusters -o wide from the hub (podman)', function () {
  this.timeout(300_000);
  let podman: PodmanService;
  let hub: HubProcess;
  const agents: Partial<Record<Site, AgentProcess>> = {};
  const dirs: Partial<Record<Site, string>> = {};

  before(async () => {
    podman = await startPodman();
    hub = await startHub({ extraArgs: ['--heartbeat-threshold', '4'] });
    const tok = createJoinToken(hub.kubeconfig);
    for (const site of Object.keys(SITES) as Site[]) {
      const dir = tempDir(`edgefed-${site}-`);
      dirs[site] = dir;
      joinAgent({ hub: hub.url, ...tok, name: site, dataDir: dir });
      agents[site] = spawnAgent({
        dataDir: dir,
        member: { runtime: 'edge', engine: podman.endpoint, nodeIp: SITES[site] },
        intervals: { heartbeat: '1s', status: '1s' },
        extraArgs: ['--metrics-resolution', '1s', '--inventory-interval', '1s'],
      });
    }
    await waitClustersReady(hub, Object.keys(SITES), 60_000, () =>
      Object.values(agents)
        .map((a) => a?.logs())
        .join('\n'),
    );
    const pod = (name: string, script: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NS, labels: { app: name } },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'main', image: podman.image, command: ['sh', '-c', script] }],
      },
    });
    const site = (s: Site) => join(String(dirs[s]), 'site', 'admin.kubeconfig');
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } };
    kubectlOk(site('fleet-a'), ['apply', '-f', '-'], toYaml(ns, pod('burn', 'while :; do :; done')));
    kubectlOk(site('fleet-b'), ['apply', '-f', '-'], toYaml(ns, pod('idle', 'sleep 3600')));
    kubectlOk(site('fleet-a'), ['wait', '-n', NS, '--for=condition=Ready', 'pod/burn', '--timeout=120s']);
    kubectlOk(site('fleet-b'), ['wait', '-n', NS, '--for=condition=Ready', 'pod/idle', '--timeout=120s']);
  });

  after(async () => {
    for (const a of Object.values(agents)) await a?.stop();
    await hub?.stop();
    if (podman) {
      for (const s of Object.keys(SITES))
        await removeContainersWithLabel(podman.endpoint, 'edgefed.io/node', s);
      await podman.stop();
    }
    for (const d of Object.values(dirs)) if (d) cleanup(d);
  });

  it('edgefed get nodes lists both sites with a CLUSTER column first', async () => {
    const out = await waitFor(
      'both sites in edgefed get nodes',
      () => {
        const o = edgefed(hub, ['get', 'nodes']).stdout;
        return /^fleet-a\s+fleet-a\s+Ready/m.test(o) && /^fleet-b\s+fleet-b\s+Ready/m.test(o) ? o : undefined;
      },
      60_000,
      500,
    );
    assert.deepEqual(rowsOf(out)[0], ['CLUSTER', 'NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'REPORT']);
    assert.match(out, /^fleet-a\s+fleet-a\s+Ready\s+.*\s+\d+[sm] ago$/m);
  });

  it('edgefed get pods -A and top pods -A: both sites, with usage measured at each site', async () => {
    const top = await waitFor(
      'usage of burn and idle in edgefed top pods -A',
      () => {
        const o = edgefed(hub, ['top', 'pods', '-A']).stdout;
        const burn = /^fleet-a\s+fleet-demo\s+burn\s+(\d+)m\s+\d+Mi/m.exec(o);
        const idle = /^fleet-b\s+fleet-demo\s+idle\s+(\d+)m\s+\d+Mi/m.exec(o);
        return burn && idle && Number(burn[1]) >= 30
          ? { burn: Number(burn[1]), idle: Number(idle[1]) }
          : undefined;
      },
      60_000,
      500,
    );
    assert.ok(top.burn > top.idle + 20, JSON.stringify(top));
    assert.ok(top.burn <= 1100, `one busy loop is at most one core: ${top.burn}m`);
    const pods = ok(hub, ['get', 'pods', '-A']);
    assert.deepEqual(rowsOf(pods)[0], [
      'CLUSTER',
      'NAMESPACE',
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'REPORT',
    ]);
    assert.match(pods, /^fleet-a\s+fleet-demo\s+burn\s+1\/1\s+Running\s+0\s/m);
    assert.match(pods, /^fleet-b\s+fleet-demo\s+idle\s+1\/1\s+Running\s+0\s/m);
    const wide = ok(hub, ['get', 'pods', '-n', NS, '-o', 'wide']);
    assert.match(wide, /^fleet-a\s+burn\s+1\/1\s+Running\s+0\s+\S+\s+\S+\s+fleet-a\s+\d+m\s+\d+Mi/m);
    assert.match(ok(hub, ['top', 'nodes']), /^fleet-b\s+fleet-b\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/m);
  });

  it('selects by namespace, label and cluster; prints name, json and yaml', () => {
    assert.equal(ok(hub, ['get', 'pods', '-A', '-l', 'app=idle', '-o', 'name']), 'fleet-b/pod/idle\n');
    assert.equal(
      ok(hub, ['get', 'pods', '-n', NS, '--clusters', 'fleet-a', '-o', 'name']),
      'fleet-a/pod/burn\n',
    );
    const none = edgefed(hub, ['get', 'pods']);
    assert.equal(none.code, 0);
    assert.match(none.stderr, /No resources found in default namespace/);
    const list = JSON.parse(ok(hub, ['get', 'pods', '-n', NS, '-o', 'json'])) as {
      kind: string;
      items: { cluster: string; name: string; stale: boolean; usage?: { cpu: string } }[];
    };
    assert.equal(list.kind, 'List');
    assert.deepEqual(
      list.items.map((i) => [i.cluster, i.name, i.stale]),
      [
        ['fleet-a', 'burn', false],
        ['fleet-b', 'idle', false],
      ],
    );
    assert.match(ok(hub, ['get', 'nodes', '-o', 'yaml']), /cluster: fleet-a/);
    const bad = edgefed(hub, ['get', 'deployments']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /nodes or pods/);
  });

  it('edgefed clusters -o wide|json shows the summary; plain kubectl lists ClusterInventories', async () => {
    const wide = ok(hub, ['clusters', '-o', 'wide']);
    assert.deepEqual(rowsOf(wide)[0].slice(-4), ['NODES', 'PODS', 'CPU', 'MEMORY']);
    assert.match(wide, /^fleet-a\s+Ready\s.*\s1\/1\s+1\/1\s+\d+m\/\d+m\s+\d+Mi\/\d+Mi$/m);
    const json = JSON.parse(ok(hub, ['clusters', '-o', 'json'])) as {
      items: {
        metadata: { name: string };
        status?: { resources?: { nodes: { total: number }; usage?: { cpu: string } } };
      }[];
    };
    const a = json.items.find((c) => c.metadata.name === 'fleet-a');
    assert.equal(a?.status?.resources?.nodes.total, 1);
    assert.match(String(a?.status?.resources?.usage?.cpu), /^\d+m$/);
    assert.equal((await getCluster(hub, 'fleet-b')).metadata.name, 'fleet-b');
    const inv = kubectlOk(hub.kubeconfig, ['get', 'clusterinventories', '-A']);
    assert.match(inv, /edgefed-cluster-fleet-a\s+fleet-a\s+1\s+1\s+1\s/);
  });

  it('edgefed get and top load no hub, controllers, DNS, etcd, gRPC or API server modules', () => {
    for (const args of [
      ['get', 'pods', '-A'],
      ['top', 'nodes'],
    ]) {
      const dir = tempDir('edgefed-fleet-load-');
      const log = join(dir, 'loads.txt');
      try {
        const r = spawnSync(
          process.execPath,
          [
            '--import',
            join(ROOT, 'test', 'helpers', 'load-recorder.mjs'),
            join(ROOT, 'bin', 'edgefed'),
            ...args,
            '--kubeconfig',
            hub.kubeconfig,
          ],
          { env: { ...process.env, EDGEFED_LOAD_LOG: log }, encoding: 'utf8', timeout: 30_000 },
        );
        assert.equal(r.status, 0, r.stderr);
        const modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
        assert.ok(
          modules.some((m) => m.endsWith('/dist/cli/commands/fleet.js')),
          'the fleet view was loaded',
        );
        assert.deepEqual(
          modules.filter((m) =>
            /\/dist\/(hub|controllers|dns|push|apiserver\/server)\/|\/node_modules\/(etcd3|@grpc|fastify)\//.test(
              m,
            ),
          ),
          [],
          args.join(' '),
        );
      } finally {
        cleanup(dir);
      }
    }
  });

  it("a stopped site's rows stay, marked stale, and the command answers quickly", async () => {
    await agents['fleet-b']?.stop();
    const out = await waitFor(
      'fleet-b marked stale',
      () => {
        const r = edgefed(hub, ['get', 'pods', '-A']);
        return /^fleet-b\s+fleet-demo\s+idle\s.*stale since \d+[sm]$/m.test(r.stdout) ? r : undefined;
      },
      60_000,
      500,
    );
    assert.match(out.stdout, /^fleet-a\s+fleet-demo\s+burn\s.*\d+[sm] ago$/m, 'the live site is not stale');
    assert.match(out.stderr, /cluster fleet-b: stale since \d+[sm] \(cluster is not Ready/);
    const timed = edgefed(hub, ['get', 'pods', '-A']);
    assert.ok(timed.ms < 2000, `edgefed get pods -A took ${timed.ms} ms`);
    assert.match(ok(hub, ['get', 'nodes']), /^fleet-b\s+fleet-b\s+(Ready|NotReady)\s.*stale since/m);
    const list = JSON.parse(ok(hub, ['get', 'pods', '-A', '-o', 'json'])) as {
      items: { cluster: string; stale: boolean; staleSince?: string }[];
    };
    const b = list.items.find((i) => i.cluster === 'fleet-b');
    assert.equal(b?.stale, true);
    assert.ok(b?.staleSince && !Number.isNaN(Date.parse(b.staleSince)));
  });
});
