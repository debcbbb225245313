/**
 * Two hub replicas on a three-member etcd, sharing one PKI directory, behind a TCP load balancer
 * (test/helpers/tcp-balancer.ts) that the agents dial. Every party is a real process: etcd, the
 * hubs, two `edgefed apiserver` members, two `edgefed agent run`, kubectl.
 *
 * The balancer first routes to replica A only, so both agents' tunnels land there; then it routes
 * to both. That makes "replica B forwards to the replica holding the tunnel" and "the agents move
 * to the survivor when A is killed" deterministic.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { Work } from '../../api/federation.js';
import {
  agentCredentials,
  clusterKubeconfig,
  createJoinToken,
  joinAgent,
  spawnAgent,
  waitClustersReady,
  type AgentProcess,
} from '../helpers/agents.js';
import { startEtcd, type EtcdCluster } from '../helpers/etcd.js';
import {
  cleanup,
  kubectl,
  kubectlOk,
  kubectlSpawn,
  request,
  startHub,
  tempDir,
  toYaml,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';
import { backendOf, spawnTcpBalancer, type TcpBalancerProcess } from '../helpers/tcp-balancer.js';

const LEASES = '/apis/coordination.k8s.io/v1/namespaces';
const LEASE_SECONDS = 4;

interface Lease {
  metadata: { annotations?: Record<string, string> };
  spec?: { holderIdentity?: string };
}

/** kubectl without blocking the event loop (the balancer and the test's waits run meanwhile). */
function kubectlAsync(kubeconfig: string, args: string[], input?: string): Promise<number> {
  const p = kubectlSpawn(kubeconfig, args);
  p.stdin?.end(input ?? '');
  return new Promise((resolve) => p.once('exit', (code) => resolve(code ?? -1)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hub replicas: two hubs on a 3-member etcd behind a TCP load balancer', function () {
  this.timeout(150_000);
  let etcd: EtcdCluster;
  let pkiDir: string;
  let a: HubProcess;
  let b: HubProcess;
  let lb: TcpBalancerProcess;
  const members: Record<string, HubProcess> = {};
  const agents: Record<string, AgentProcess> = {};
  const dirs: Record<string, string> = {};

  const hubArgs = (id: string): string[] => [
    '--store',
    'etcd',
    '--etcd-endpoints',
    etcd.endpoints.join(','),
    '--replica-id',
    id,
    '--dns-port',
    '0',
    '--heartbeat-threshold',
    '4',
    '--leader-elect-lease-duration',
    String(LEASE_SECONDS),
    '--leader-elect-renew-deadline',
    '3',
    '--leader-elect-retry-period',
    '0.5',
  ];
  const lease = async (hub: HubProcess, ns: string, name: string): Promise<Lease | undefined> => {
    const r = await request(hub, 'GET', `${LEASES}/${ns}/leases/${name}`);
    return r.status === 200 ? r.json<Lease>() : undefined;
  };
  const tunnelHolder = async (hub: HubProcess, cluster: string): Promise<string> =>
    (await lease(hub, `edgefed-cluster-${cluster}`, 'edgefed-tunnel'))?.spec?.holderIdentity ?? '';

  before(async () => {
    etcd = await startEtcd({ members: 3 });
    pkiDir = tempDir('edgefed-shared-pki-');
    // A first: it creates the shared PKI and leads the controllers.
    a = await startHub({ pkiDir, extraArgs: hubArgs('a') });
    [b, members.east, members.west] = await Promise.all([
      startHub({ pkiDir, extraArgs: hubArgs('b') }),
      startHub({ command: 'apiserver' }),
      startHub({ command: 'apiserver' }),
    ]);
    lb = await spawnTcpBalancer([backendOf(a.url)]);
    const tok = createJoinToken(a.kubeconfig);
    for (const name of ['east', 'west']) {
      dirs[name] = tempDir('edgefed-agent-');
      joinAgent({ hub: lb.url, ...tok, name, dataDir: dirs[name] });
      agents[name] = spawnAgent({
        dataDir: dirs[name],
        member: members[name].kubeconfig,
        intervals: { heartbeat: '1s', status: '1s', resync: '2s' },
      });
    }
    for (const name of ['east', 'west']) {
      await waitClustersReady(b, [name], 20_000);
      await waitFor(
        `${name}'s tunnel on replica a`,
        async () => (await tunnelHolder(b, name)) === 'a',
        15_000,
      );
    }
    // From now on new connections go to either replica.
    await lb.setBackends([backendOf(a.url), backendOf(b.url)]);
  });

  after(async () => {
    await Promise.all(Object.values(agents).map((p) => p.stop()));
    await lb?.close();
    await Promise.all([a, b, ...Object.values(members)].filter(Boolean).map((h) => h.stop()));
    await etcd?.stop();
    for (const d of [pkiDir, a?.dataDir, b?.dataDir, ...Object.values(members).map((m) => m.dataDir)])
      if (d) cleanup(d);
    for (const d of Object.values(dirs)) cleanup(d);
  });

  it('replicas share one identity and publish themselves in Leases', async () => {
    assert.deepEqual(a.tls, b.tls, 'one CA and one admin certificate');
    const serving = (hub: HubProcess) =>
      new Promise<string>((resolve, reject) => {
        const s = tlsConnect(
          { host: '127.0.0.1', port: hub.port, ca: hub.tls.ca, servername: 'localhost' },
          () => {
            resolve(s.getPeerX509Certificate()?.fingerprint256 ?? '');
            s.end();
          },
        );
        s.once('error', reject);
      });
    assert.equal(await serving(a), await serving(b), 'the same serving certificate');
    for (const [hub, id] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      const l = await lease(a, 'kube-federation-system', `edgefed-hub-${id}`);
      assert.equal(l?.spec?.holderIdentity, id);
      assert.equal(l?.metadata.annotations?.['edgefed.io/replica-url'], hub.url);
    }
  });

  it('kubectl against replica B reaches a cluster whose tunnel is on replica A, watch included', async () => {
    assert.equal(await tunnelHolder(b, 'east'), 'a');
    const cfg = clusterKubeconfig(b.kubeconfig, 'east', join(dirs.east, 'east-via-b.kubeconfig'));
    const ns = kubectlOk(cfg, ['get', 'ns', '-o', 'name']);
    assert.match(ns, /namespace\/default/);
    assert.doesNotMatch(ns, /kube-federation-system/, "the member's namespaces, not the hub's");
    assert.match(kubectlOk(cfg, ['get', '--raw', '/version']), /gitVersion/);
    const pods = kubectl(cfg, ['get', 'pods', '-A']);
    assert.equal(pods.code, 0, pods.stderr);
    assert.match(pods.stdout + pods.stderr, /No resources found|NAMESPACE/);

    const watchers = async (): Promise<number> => {
      const m = (await request(members.east, 'GET', '/metrics')).body;
      const line = /^apiserver_registered_watchers\{[^}]*resource="configmaps"[^}]*\} (\d+)/m.exec(m);
      return line ? Number(line[1]) : 0;
    };
    const before = await watchers();
    const w = kubectlSpawn(cfg, ['get', 'cm', '-n', 'kube-public', '-w']);
    try {
      await waitFor(
        'the member serves the forwarded watch',
        async () => (await watchers()) === before + 1,
        15_000,
      );
      for (const name of ['forwarded-1', 'forwarded-2']) {
        const c = await request(members.east, 'POST', '/api/v1/namespaces/kube-public/configmaps', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name },
        });
        assert.equal(c.status, 201);
        await waitFor(`watch shows ${name}`, () => w.output().includes(name), 10_000, 20);
      }
      assert.equal(w.exitCode, null, 'the watch stays open');
    } finally {
      w.kill();
    }
    // kubectl gone → B closes the forward → A resets the stream → the agent ends the member watch.
    await waitFor('the member watch is closed', async () => (await watchers()) === before, 10_000);

    // Authorization happens on the replica the caller reached: an agent certificate gets 403 there.
    const asAgent = await request(
      b,
      'GET',
      '/clusters/east/proxy/version',
      undefined,
      {},
      agentCredentials(dirs.east),
    );
    assert.equal(asAgent.status, 403);
    // A request that was already forwarded is never forwarded again.
    const looped = await request(b, 'GET', '/clusters/east/proxy/version', undefined, {
      'x-edgefed-forwarded-by': 'someone',
    });
    assert.equal(looped.status, 503);
    assert.equal(looped.json<{ message: string }>().message, 'cluster east is not connected');
    const unknown = await request(b, 'GET', '/clusters/nope/proxy/version');
    assert.equal(unknown.status, 503);
  });

  it('one etcd member of three killed (the leader): both replicas keep serving reads and writes', async () => {
    const leader = await etcdLeader(etcd.endpoints);
    await etcd.kill(leader);
    try {
      for (const [writer, reader, name] of [
        [a, b, 'after-etcd-kill-a'],
        [b, a, 'after-etcd-kill-b'],
      ] as const) {
        await waitFor(
          `write ${name}`,
          async () => {
            const r = await request(writer, 'POST', '/api/v1/namespaces/default/configmaps', {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name },
              data: { k: 'v' },
            });
            return r.status === 201 || r.status === 409 ? true : undefined;
          },
          20_000,
          200,
        );
        const got = await request(reader, 'GET', `/api/v1/namespaces/default/configmaps/${name}`);
        assert.equal(got.status, 200, got.body);
      }
      assert.match(kubectlOk(b.kubeconfig, ['get', 'cm', '-n', 'default']), /after-etcd-kill-a/);
    } finally {
      await etcd.restart(leader);
    }
  });

  it('replica A (controller leader, holding both tunnels) is kill -9ed: acknowledged writes survive, controllers and agents move to B', async () => {
    const controllerLease = await lease(b, 'kube-federation-system', 'edgefed-controller-manager');
    assert.ok(
      controllerLease?.spec?.holderIdentity?.endsWith(`-${a.proc.pid}`),
      `A leads the controllers (holder ${controllerLease?.spec?.holderIdentity})`,
    );
    kubectlOk(a.kubeconfig, ['create', 'namespace', 'loop']);

    // (a) kubectl apply in a loop against each replica while A is killed.
    const acked: string[] = [];
    let stop = false;
    let ackedAfterKill = 0;
    let killed = false;
    const loop = async (hub: HubProcess, tag: string): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const name = `${tag}-${i}`;
        const code = await kubectlAsync(
          hub.kubeconfig,
          ['apply', '-f', '-', '--request-timeout=5s'],
          toYaml({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name, namespace: 'loop' },
            data: { i: String(i) },
          }),
        );
        if (code === 0) {
          acked.push(name);
          if (killed) ackedAfterKill++;
        } else await sleep(100);
      }
    };
    const loops = [loop(a, 'via-a'), loop(b, 'via-b')];
    await waitFor(
      'applies acknowledged by both replicas',
      () =>
        acked.some((n) => n.startsWith('via-a')) && acked.some((n) => n.startsWith('via-b'))
          ? true
          : undefined,
      15_000,
    );
    await sleep(1000);
    await a.kill9();
    killed = true;
    const killedAt = Date.now();
    // (c), timed from the kill: both agents' tunnels claimed by B.
    const tunnelsMoved = waitFor(
      'both tunnels on replica b',
      async () =>
        (await tunnelHolder(b, 'east')) === 'b' && (await tunnelHolder(b, 'west')) === 'b' ? true : undefined,
      30_000,
      100,
    ).then(() => Date.now() - killedAt);
    await sleep(3000);
    stop = true;
    await Promise.all(loops);
    assert.ok(ackedAfterKill > 0, 'replica B kept acknowledging applies');
    const present = new Set(
      kubectlOk(b.kubeconfig, ['get', 'cm', '-n', 'loop', '-o', 'name'])
        .split('\n')
        .filter(Boolean)
        .map((s) => s.replace('configmap/', '')),
    );
    const lost = acked.filter((n) => !present.has(n));
    assert.deepEqual(lost, [], `${acked.length} acknowledged applies, all present through replica B`);
    console.log(
      `      ${acked.length} applies acknowledged (${ackedAfterKill} after the kill), all read back through B`,
    );

    // (b) B takes the controller Lease and reconciles a FederatedDeployment created after the kill.
    kubectlOk(
      b.kubeconfig,
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
            placement: { clusterSelector: {} },
          },
        },
      ),
    );
    for (const cluster of ['east', 'west'])
      await waitFor(
        `Work for web in ${cluster}`,
        async () => {
          const r = await request(
            b,
            'GET',
            `/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-${cluster}/works`,
          );
          return r
            .json<{ items: Work[] }>()
            .items.some((w) => w.spec.source.kind === 'Deployment' && w.spec.source.name === 'web')
            ? true
            : undefined;
        },
        LEASE_SECONDS * 1000 + 10_000,
      );
    const reconciledIn = Date.now() - killedAt;
    const holder = (await lease(b, 'kube-federation-system', 'edgefed-controller-manager'))?.spec
      ?.holderIdentity;
    assert.ok(holder?.endsWith(`-${b.proc.pid}`), `B leads now (holder ${holder})`);
    assert.ok(
      reconciledIn < (LEASE_SECONDS + 8) * 1000,
      `reconciled ${reconciledIn} ms after the kill (controller lease ${LEASE_SECONDS} s)`,
    );
    console.log(
      `      controllers on replica B reconciled ${(reconciledIn / 1000).toFixed(1)} s after A was killed`,
    );

    // (c) The agents reconnect through the balancer to B: tunnels, watches, heartbeats.
    console.log(
      `      both tunnels on replica B ${((await tunnelsMoved) / 1000).toFixed(1)} s after A was killed`,
    );
    for (const cluster of ['east', 'west']) {
      await waitClustersReady(b, [cluster], 20_000);
      // The agent's Work watch moved too: the Deployment rendered after the kill reaches the member.
      await waitFor(
        `web in ${cluster}`,
        () =>
          kubectl(members[cluster].kubeconfig, ['get', 'deploy', 'web', '-n', 'shop']).code === 0
            ? true
            : undefined,
        20_000,
        250,
      );
      const viaLb = await request(
        { url: lb.url, tls: b.tls },
        'GET',
        `/clusters/${cluster}/proxy/api/v1/namespaces`,
      );
      assert.equal(viaLb.status, 200, viaLb.body.slice(0, 200));
    }
    assert.deepEqual(
      Object.keys(await lb.connections()),
      [`127.0.0.1:${b.port}`],
      'everything now goes to B',
    );
  });
});

/** The index of the etcd member that leads the raft group (from the v3 JSON gateway). */
async function etcdLeader(endpoints: string[]): Promise<number> {
  for (let i = 0; i < endpoints.length; i++) {
    const res = await fetch(`${endpoints[i]}/v3/maintenance/status`, { method: 'POST', body: '{}' });
    const s = (await res.json()) as { header?: { member_id?: string }; leader?: string };
    if (s.header?.member_id && s.header.member_id === s.leader) return i;
  }
  throw new Error('no etcd leader found');
}
