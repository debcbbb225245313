import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FederatedObject, KubeFedCluster } from '../../controllers/types.js';
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

function edgefed(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The whole join path with real processes: a hub, two member API servers, tokens from the CLI,
 * `edgefed agent join` and `edgefed agent run`, heartbeats judged by the hub.
 */
describe('clusters join from behind NAT: token → join → agent run (real processes)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  const members: Record<string, HubProcess> = {};
  const agents: Record<string, ChildProcess> = {};
  const dirs: Record<string, string> = {};
  let joinCmd = '';

  const runAgent = (name: string) => {
    const p = spawn(
      process.execPath,
      [
        BIN,
        'agent',
        'run',
        '--data-dir',
        dirs[name],
        '--kubeconfig',
        members[name].kubeconfig,
        '--heartbeat-interval',
        '1s',
        '--status-interval',
        '1s',
        '--resync',
        '2s',
        '--log-level',
        'warn',
      ],
      { stdio: 'ignore' },
    );
    agents[name] = p;
    return p;
  };
  const cluster = async (name: string) =>
    (
      await request(
        hub,
        'GET',
        `/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters/${name}`,
      )
    ).json<KubeFedCluster>();
  const ready = async (name: string) =>
    (await cluster(name)).status?.conditions?.find((c) => c.type === 'Ready')?.status;

  before(async () => {
    [hub, members.east, members.west] = await Promise.all([
      startHub({ extraArgs: ['--heartbeat-threshold', '4'] }),
      startHub({ command: 'apiserver' }),
      startHub({ command: 'apiserver' }),
    ]);
    dirs.east = tempDir('edgefed-agent-');
    dirs.west = tempDir('edgefed-agent-');
  });
  after(async () => {
    for (const a of Object.values(agents)) a.kill('SIGKILL');
    await Promise.all([hub.stop(), ...Object.values(members).map((m) => m.stop())]);
    for (const d of [hub.dataDir, ...Object.values(members).map((m) => m.dataDir), ...Object.values(dirs)])
      cleanup(d);
  });

  it('edgefed token create prints a kubeadm-style token and a join command pinned to the hub CA', () => {
    const r = edgefed([
      'token',
      'create',
      '--kubeconfig',
      hub.kubeconfig,
      '--ttl',
      '1h',
      '--labels',
      'region=eu',
      '--print-join-command',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--token [a-z0-9]{6}\.[a-z0-9]{16}/);
    assert.match(r.stdout, /--discovery-token-ca-cert-hash sha256:[0-9a-f]{64}/);
    joinCmd = r.stdout;
    const list = edgefed(['token', 'list', '--kubeconfig', hub.kubeconfig]);
    assert.doesNotMatch(list.stdout, /\.[a-z0-9]{16}/, 'token list never shows the secret');
  });

  it('refuses a join with the wrong CA hash, and creates nothing', async () => {
    const token = /--token (\S+)/.exec(joinCmd)![1];
    const r = edgefed([
      'agent',
      'join',
      '--hub',
      hub.url,
      '--token',
      token,
      '--discovery-token-ca-cert-hash',
      `sha256:${'0'.repeat(64)}`,
      '--name',
      'evil',
      '--data-dir',
      tempDir(),
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /hash/i);
    assert.equal(
      (
        await request(
          hub,
          'GET',
          '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters/evil',
        )
      ).status,
      404,
    );
  });

  it('two agents join and turn Ready from their heartbeats', async () => {
    const token = /--token (\S+)/.exec(joinCmd)![1];
    const hash = /--discovery-token-ca-cert-hash (\S+)/.exec(joinCmd)![1];
    for (const name of ['east', 'west']) {
      const r = edgefed([
        'agent',
        'join',
        '--hub',
        hub.url,
        '--token',
        token,
        '--discovery-token-ca-cert-hash',
        hash,
        '--name',
        name,
        '--data-dir',
        dirs[name],
        '--labels',
        `zone=${name}`,
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      runAgent(name);
    }
    for (const name of ['east', 'west'])
      await waitFor(`${name} Ready`, async () => ((await ready(name)) === 'True' ? true : undefined), 20_000);
    const c = await cluster('east');
    assert.equal(c.metadata.labels?.region, 'eu', 'labels from the token');
    assert.equal(c.metadata.labels?.zone, 'east', 'labels from the join');
    const out = edgefed(['clusters', '--kubeconfig', hub.kubeconfig]);
    assert.match(out.stdout, /east\s+Ready/);
  });

  it('a FederatedDeployment with per-cluster overrides lands in both members exactly as rendered; member status folds back', async () => {
    kubectlOk(
      hub.kubeconfig,
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
            overrides: [{ clusterName: 'west', clusterOverrides: [{ path: '/spec/replicas', value: 4 }] }],
          },
        },
      ),
    );
    for (const [name, replicas] of [
      ['east', 2],
      ['west', 4],
    ] as const) {
      const d = await waitFor(
        `deployment in ${name}`,
        () => {
          const r = kubectl(members[name].kubeconfig, ['get', 'deploy', 'web', '-n', 'shop', '-o', 'json']);
          return r.code === 0
            ? (JSON.parse(r.stdout) as {
                spec: { replicas: number };
                metadata: { labels: Record<string, string> };
              })
            : undefined;
        },
        20_000,
      );
      assert.equal(d.spec.replicas, replicas);
      assert.equal(d.metadata.labels['kubefed.io/managed'], 'true');
      // The member reports progress (a stand-in for its deployment controller).
      const cur = JSON.parse(
        kubectlOk(members[name].kubeconfig, ['get', 'deploy', 'web', '-n', 'shop', '-o', 'json']),
      );
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
          await request(hub, 'GET', '/apis/types.kubefed.io/v1beta1/namespaces/shop/federateddeployments/web')
        ).json<FederatedObject>();
        return f.status?.readySummary === '4/6' && f.status.conditions?.[0]?.status === 'True'
          ? f
          : undefined;
      },
      20_000,
    );
    assert.equal(fed.status?.clustersSummary, '2/2');
    assert.match(
      kubectlOk(hub.kubeconfig, ['get', 'fdeploy', '-n', 'shop']).split('\n')[1],
      /^web\s+2\/2\s+4\/6\s+True/,
    );
  });

  it("agent east's certificate cannot read west's Works or anything else on the hub", async () => {
    const pki = join(dirs.east, 'pki');
    const { readFileSync } = await import('node:fs');
    const tls = {
      cert: readFileSync(join(pki, 'agent.crt'), 'utf8'),
      key: readFileSync(join(pki, 'agent.key'), 'utf8'),
    };
    const as = (path: string) => request(hub, 'GET', path, undefined, {}, tls);
    assert.equal((await as('/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-east/works')).status, 200);
    assert.equal((await as('/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-west/works')).status, 403);
    assert.equal((await as('/api/v1/namespaces/kube-system/secrets')).status, 403);
    assert.equal((await as('/apis/types.kubefed.io/v1beta1/federateddeployments')).status, 403);
  });

  it('the hub reaches each member through its agent tunnel (kubectl via edgefed kubeconfig)', () => {
    const cfg = join(tempDir(), 'east.kubeconfig');
    assert.equal(edgefed(['kubeconfig', 'east', '--kubeconfig', hub.kubeconfig, '--out', cfg]).code, 0);
    const out = kubectlOk(cfg, ['get', 'deploy', '-n', 'shop']);
    assert.match(out, /^web\s+/m);
  });

  it('an agent killed: its cluster turns NotReady within the threshold and placement says ClusterNotReady; back → Ready, nothing duplicated', async () => {
    agents.west.kill('SIGKILL');
    const killed = Date.now();
    await waitFor(
      'west NotReady',
      async () => ((await ready('west')) === 'False' ? true : undefined),
      15_000,
    );
    assert.ok(Date.now() - killed < 4000 + 4000, 'within threshold (4 s) plus a check period');
    await waitFor('ClusterNotReady', async () => {
      const f = (
        await request(hub, 'GET', '/apis/types.kubefed.io/v1beta1/namespaces/shop/federateddeployments/web')
      ).json<FederatedObject>();
      return f.status?.clusters?.find((c) => c.name === 'west')?.status === 'ClusterNotReady'
        ? true
        : undefined;
    });
    assert.match(
      kubectlOk(members.west.kubeconfig, ['get', 'deploy', '-n', 'shop']),
      /^web/m,
      'the member keeps its workload',
    );
    runAgent('west');
    await waitFor(
      'west Ready again',
      async () => ((await ready('west')) === 'True' ? true : undefined),
      20_000,
    );
    const list = JSON.parse(
      kubectlOk(members.west.kubeconfig, ['get', 'deploy', '-n', 'shop', '-o', 'json']),
    ) as { items: unknown[] };
    assert.equal(list.items.length, 1, 'nothing duplicated');
  });

  it('unjoin removes the cluster; its certificate is refused from then on', async () => {
    const r = edgefed(['unjoin', 'east', '--kubeconfig', hub.kubeconfig]);
    assert.equal(r.code, 0, r.stderr);
    const { readFileSync } = await import('node:fs');
    const pki = join(dirs.east, 'pki');
    const tls = {
      cert: readFileSync(join(pki, 'agent.crt'), 'utf8'),
      key: readFileSync(join(pki, 'agent.key'), 'utf8'),
    };
    await waitFor(
      'east refused',
      async () =>
        (
          await request(
            hub,
            'GET',
            '/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-east/works',
            undefined,
            {},
            tls,
          )
        ).status === 403
          ? true
          : undefined,
      15_000,
    );
  });
});
