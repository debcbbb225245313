import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FederatedObject } from '../../api/federation.js';
import {
  agentCredentials,
  agentJoinArgs,
  clusterKubeconfig,
  clusterReady,
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

/**
 * The whole join path with real processes: a hub, two member API servers, tokens from the CLI,
 * `edgefed agent join` and `edgefed agent run`, heartbeats judged by the hub.
 */
describe('clusters join from behind NAT: token → join → agent run (real processes)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  const members: Record<string, HubProcess> = {};
  const agents: Record<string, AgentProcess> = {};
  const dirs: Record<string, string> = {};
  let joinToken: JoinToken;

  const runAgent = (name: string) => {
    agents[name] = spawnAgent({
      dataDir: dirs[name],
      member: members[name].kubeconfig,
      intervals: { heartbeat: '1s', status: '1s', resync: '2s' },
    });
  };

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
    await Promise.all(Object.values(agents).map((a) => a.stop()));
    await Promise.all([hub.stop(), ...Object.values(members).map((m) => m.stop())]);
    for (const d of [hub.dataDir, ...Object.values(members).map((m) => m.dataDir), ...Object.values(dirs)])
      cleanup(d);
  });

  it('edgefed token create prints a kubeadm-style token and a join command pinned to the hub CA', () => {
    joinToken = createJoinToken(hub.kubeconfig, { ttl: '1h', labels: { region: 'eu' } });
    assert.match(joinToken.joinCommand, /--token [a-z0-9]{6}\.[a-z0-9]{16}/);
    assert.match(joinToken.joinCommand, /--discovery-token-ca-cert-hash sha256:[0-9a-f]{64}/);
    const list = edgefed(['token', 'list', '--kubeconfig', hub.kubeconfig]);
    assert.doesNotMatch(list.stdout, /\.[a-z0-9]{16}/, 'token list never shows the secret');
  });

  it('refuses a join with the wrong CA hash, and creates nothing', async () => {
    const r = edgefed(
      agentJoinArgs({
        hub: hub.url,
        token: joinToken.token,
        caHash: `sha256:${'0'.repeat(64)}`,
        name: 'evil',
        dataDir: tempDir(),
      }),
    );
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
    for (const name of ['east', 'west']) {
      joinAgent({ hub: hub.url, ...joinToken, name, dataDir: dirs[name], labels: { zone: name } });
      runAgent(name);
    }
    // 20 s for each cluster.
    await waitClustersReady(hub, ['east', 'west'], 40_000);
    const c = await getCluster(hub, 'east');
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
    const tls = agentCredentials(dirs.east);
    const as = (path: string) => request(hub, 'GET', path, undefined, {}, tls);
    assert.equal((await as('/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-east/works')).status, 200);
    assert.equal((await as('/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-west/works')).status, 403);
    assert.equal((await as('/api/v1/namespaces/kube-system/secrets')).status, 403);
    assert.equal((await as('/apis/types.kubefed.io/v1beta1/federateddeployments')).status, 403);
  });

  it('the hub reaches each member through its agent tunnel (kubectl via edgefed kubeconfig)', () => {
    const cfg = join(tempDir(), 'east.kubeconfig');
    clusterKubeconfig(hub.kubeconfig, 'east', cfg);
    const out = kubectlOk(cfg, ['get', 'deploy', '-n', 'shop']);
    assert.match(out, /^web\s+/m);
  });

  it('an agent killed: its cluster turns NotReady within the threshold and placement says ClusterNotReady; back → Ready, nothing duplicated', async () => {
    const killed = Date.now();
    await agents.west.stop('SIGKILL');
    await waitFor(
      'west NotReady',
      async () => ((await clusterReady(hub, 'west')) === 'False' ? true : undefined),
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
    await waitClustersReady(hub, ['west'], 20_000);
    const list = JSON.parse(
      kubectlOk(members.west.kubeconfig, ['get', 'deploy', '-n', 'shop', '-o', 'json']),
    ) as { items: unknown[] };
    assert.equal(list.items.length, 1, 'nothing duplicated');
  });

  it('unjoin removes the cluster; its certificate is refused from then on', async () => {
    const r = edgefed(['unjoin', 'east', '--kubeconfig', hub.kubeconfig]);
    assert.equal(r.code, 0, r.stderr);
    const tls = agentCredentials(dirs.east);
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
