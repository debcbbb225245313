/**
 * The agent against a real hub and a real member stand-in (`edgefed apiserver`), both as processes,
 * with the agent itself as a process (`edgefed agent run`), checked with the real kubectl.
 *
 * TEMPORARY (until the hub's registration endpoints are wired into hub/hub.ts): the agent's data
 * directory is written from the hub's ADMIN credentials instead of by `edgefed agent join`, and the
 * KubeFedCluster is created here, annotated `edgefed.io/health: manual` so its Ready condition is ours
 * to set. Replace `joinWithAdminCredentials` with a real `edgefed agent join` once registration is in.
 */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/kubernetes.js';
import type { FederatedObject, KubeFedCluster, Work } from '../../api/federation.js';
import { writeAgentState } from '../../agent/data-dir.js';
import { spawnAgent, type AgentProcess } from '../helpers/agents.js';
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
import {
  addCluster,
  getFederated,
  kubefedTestDeployment,
  setClusterReady,
  workFor,
} from '../helpers/federation.js';

const CLUSTER = 'edge1';
const HUB_NS = `edgefed-cluster-${CLUSTER}`;
const NS = 'agentdemo';
const KFC = '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters';
const DEPLOY_PATH = `/apis/apps/v1/namespaces/${NS}/deployments/test-deployment`;

/** `edgefed agent run` at log level info, once it says it runs. */
async function startAgentProcess(dataDir: string, memberKubeconfig: string): Promise<AgentProcess> {
  const agent = spawnAgent({
    dataDir,
    member: memberKubeconfig,
    intervals: { resync: '3s', status: '1s' },
    logLevel: 'info',
  });
  await agent.waitForLog(/edgefed agent is running/, 20_000).catch(async (e: unknown) => {
    await agent.stop('SIGKILL');
    throw e;
  });
  return agent;
}

/** TEMPORARY stand-in for `edgefed agent join` (see the file comment). */
async function joinWithAdminCredentials(hub: HubProcess, dataDir: string): Promise<void> {
  await addCluster(hub, CLUSTER, { region: 'eu' }, false);
  const res = await request(
    hub,
    'PATCH',
    `${KFC}/${CLUSTER}`,
    { metadata: { annotations: { 'edgefed.io/health': 'manual' } } },
    { 'content-type': 'application/merge-patch+json' },
  );
  assert.equal(res.status, 200, res.body);
  await setClusterReady(hub, CLUSTER, true);
  await waitFor('cluster namespace on the hub', async () =>
    (await request(hub, 'GET', `/api/v1/namespaces/${HUB_NS}`)).status === 200 ? true : undefined,
  );
  writeAgentState(
    dataDir,
    { hub: hub.url, cluster: CLUSTER, namespace: HUB_NS },
    { caCert: hub.tls.ca, cert: hub.tls.cert, key: hub.tls.key },
  );
}

function memberDeployment(member: HubProcess): KubeObject | undefined {
  const r = kubectl(member.kubeconfig, ['get', 'deploy', '-n', NS, 'test-deployment', '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as KubeObject) : undefined;
}

async function setMemberReady(member: HubProcess, ready: number): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const cur = (await request(member, 'GET', DEPLOY_PATH)).json<KubeObject>();
    const res = await request(member, 'PUT', `${DEPLOY_PATH}/status`, {
      ...cur,
      status: {
        observedGeneration: cur.metadata.generation,
        replicas: 5,
        readyReplicas: ready,
        availableReplicas: ready,
        updatedReplicas: 5,
      },
    });
    if (res.status === 200) return;
    if (res.status !== 409) throw new Error(`member status: ${res.status} ${res.body}`);
  }
  throw new Error('member status: too many conflicts');
}

const fedDeployment = kubefedTestDeployment(
  NS,
  [CLUSTER],
  [
    {
      clusterName: CLUSTER,
      clusterOverrides: [
        { path: '/spec/replicas', value: 5 },
        { op: 'add', path: '/metadata/annotations', value: { 'example.com/site': 'edge' } },
      ],
    },
  ],
);

describe('agent: applies Works to a member cluster, autonomously when the hub is gone', function () {
  this.timeout(240_000);
  let hub: HubProcess;
  let member: HubProcess;
  let agent: AgentProcess | undefined;
  let dataDir: string;

  before(async () => {
    [hub, member] = await Promise.all([startHub(), startHub({ command: 'apiserver' })]);
    dataDir = tempDir('edgefed-agent-');
    await joinWithAdminCredentials(hub, dataDir);
    agent = await startAgentProcess(dataDir, member.kubeconfig);
  });

  after(async () => {
    await agent?.stop('SIGTERM');
    await Promise.all([hub?.stop(), member?.stop()]);
    for (const d of [hub?.dataDir, member?.dataDir, dataDir]) if (d) cleanup(d);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' || process.env.AGENT_TEST_LOGS) {
      process.stderr.write(`--- agent output ---\n${agent?.logs().slice(-6000)}\n`);
      process.stderr.write(`--- hub logs ---\n${hub.logs().slice(-3000)}\n`);
    }
  });

  it('puts exactly the rendered object (with the managed label) in the member', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedNamespace',
          metadata: { name: NS, namespace: NS },
          spec: { placement: { clusters: [{ name: CLUSTER }] } },
        },
        fedDeployment,
      ),
    );
    const obj = await waitFor('the Deployment in the member', () => memberDeployment(member), 20_000);
    const work = await waitFor('the Work', () => workFor(hub, CLUSTER, 'test-deployment'));
    const m = work.spec.manifest;
    const seen = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        labels: obj.metadata.labels,
        annotations: obj.metadata.annotations,
      },
      spec: (obj as { spec?: unknown }).spec,
    };
    // The member defaults what the manifest leaves out (strategy, pod template defaults), as kube does.
    assert.deepEqual(onlyKeysOf(seen, m), m);
    assert.equal(obj.metadata.labels?.['kubefed.io/managed'], 'true');
    assert.equal(obj.metadata.annotations?.['example.com/site'], 'edge');
    assert.equal((obj as unknown as { spec: { replicas: number } }).spec.replicas, 5);
    const ns = JSON.parse(kubectlOk(member.kubeconfig, ['get', 'namespace', NS, '-o', 'json'])) as KubeObject;
    assert.equal(ns.metadata.labels?.['kubefed.io/managed'], 'true');
  });

  it('reports the Work applied, holds its finalizer, and the federated object is propagated', async () => {
    const w = await waitFor('Work applied', async () => {
      const x = await workFor(hub, CLUSTER, 'test-deployment');
      const applied = x?.status?.conditions?.find((c) => c.type === 'Applied');
      return x && applied?.status === 'True' && x.status?.observedGeneration === x.metadata.generation
        ? x
        : undefined;
    });
    assert.ok(w.metadata.finalizers?.includes('edgefed.io/member-cleanup'));
    assert.equal(w.status?.clusterStatus, undefined);
    const fed = await waitFor('propagated', async () => {
      const f = await getFederated(hub, 'federateddeployments', NS, 'test-deployment');
      const cond = f?.status?.conditions?.find((c) => c.type === 'Propagation');
      return cond?.status === 'True' ? f : undefined;
    });
    assert.deepEqual(
      fed.status?.clusters?.map((c) => [c.name, c.status]),
      [[CLUSTER, undefined]],
    );
  });

  it('brings the member status to the federated READY column, and heartbeats', async () => {
    await setMemberReady(member, 5);
    await waitFor(
      'READY 5/5',
      async () =>
        (await getFederated(hub, 'federateddeployments', NS, 'test-deployment'))?.status?.readySummary ===
        '5/5'
          ? true
          : undefined,
      15_000,
    );
    const table = kubectlOk(hub.kubeconfig, ['get', 'federateddeployments', '-n', NS]);
    assert.match(table, /test-deployment\s+1\/1\s+5\/5/);
    const lease = (
      await request(hub, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${HUB_NS}/leases/agent-heartbeat`)
    ).json<{
      spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
    }>();
    assert.equal(lease.spec.holderIdentity, CLUSTER);
    assert.equal(lease.spec.leaseDurationSeconds, 40);
    await waitFor('kubernetesVersion', async () =>
      (await request(hub, 'GET', `${KFC}/${CLUSTER}`)).json<KubeFedCluster>().status?.kubernetesVersion
        ? true
        : undefined,
    );
  });

  it('adopts an unlabelled member object; leaves one labelled managed "false"', async () => {
    const cm = (name: string, labels: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: NS, labels },
      data: { from: 'member' },
    });
    kubectlOk(
      member.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(cm('adopt-me', {}), cm('hands-off', { 'kubefed.io/managed': 'false' })),
    );
    const fedCm = (name: string) => ({
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedConfigMap',
      metadata: { name, namespace: NS },
      spec: { template: { data: { from: 'hub' } }, placement: { clusters: [{ name: CLUSTER }] } },
    });
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], toYaml(fedCm('adopt-me'), fedCm('hands-off')));
    await waitFor('adopted', () => {
      const r = kubectl(member.kubeconfig, ['get', 'cm', '-n', NS, 'adopt-me', '-o', 'json']);
      const o =
        r.code === 0 ? (JSON.parse(r.stdout) as KubeObject & { data: Record<string, string> }) : undefined;
      return o?.data.from === 'hub' && o.metadata.labels?.['kubefed.io/managed'] === 'true'
        ? true
        : undefined;
    });
    const w = await waitFor('ManagedLabelFalse reported', async () => {
      const x = await workFor(hub, CLUSTER, 'hands-off', 'ConfigMap');
      return x?.status?.clusterStatus === 'ManagedLabelFalse' ? x : undefined;
    });
    assert.equal(w.status?.conditions?.find((c) => c.type === 'Applied')?.status, 'False');
    const left = JSON.parse(
      kubectlOk(member.kubeconfig, ['get', 'cm', '-n', NS, 'hands-off', '-o', 'json']),
    ) as {
      data: Record<string, string>;
    };
    assert.equal(left.data.from, 'member');
    await waitFor('ManagedLabelFalse on the federated object', async () => {
      const f = await getFederated(hub, 'federatedconfigmaps', NS, 'hands-off');
      return f?.status?.clusters?.[0]?.status === 'ManagedLabelFalse' ? true : undefined;
    });
  });

  it('keeps running without the hub and repairs a member object deleted by hand', async () => {
    await hub.kill9();
    kubectlOk(member.kubeconfig, ['delete', 'deploy', '-n', NS, 'test-deployment', '--wait=false']);
    await waitFor('the Deployment back (hub down)', () => memberDeployment(member), 15_000);
    assert.equal(agent?.proc.exitCode, null, 'agent still running');
  });

  it('after a restart with the hub still down, re-applies from its cache', async () => {
    await agent?.stop('SIGTERM');
    kubectlOk(member.kubeconfig, ['delete', 'deploy', '-n', NS, 'test-deployment', '--wait=false']);
    assert.equal(memberDeployment(member), undefined);
    agent = await startAgentProcess(dataDir, member.kubeconfig);
    const obj = await waitFor('the Deployment back from the cache', () => memberDeployment(member), 15_000);
    assert.equal((obj as unknown as { spec: { replicas: number } }).spec.replicas, 5);
    assert.equal(obj.metadata.labels?.['kubefed.io/managed'], 'true');
    // The member moves on while the hub is away.
    await setMemberReady(member, 4);
  });

  it('when the hub returns, Work statuses are current within 10 s', async () => {
    hub = await startHub({
      dataDir: hub.dataDir,
      port: hub.port,
      extraArgs: process.env.AGENT_TEST_LOGS ? ['--log-level', 'info'] : [],
    });
    const started = Date.now();
    await waitFor(
      'remoteStatus readyReplicas 4 on the Work',
      async () => {
        const w = await workFor(hub, CLUSTER, 'test-deployment');
        return (w?.status?.remoteStatus as { readyReplicas?: number } | undefined)?.readyReplicas === 4
          ? w
          : undefined;
      },
      10_000,
      200,
    );
    assert.ok(Date.now() - started <= 10_000);
  });

  // SKIPPED until the hub is fixed: when the restarted hub's controllers take the lead, the sync
  // loops of namespaced types can reconcile before the FederatedNamespace informer has synced, see
  // "namespace not federated", withdraw every namespaced Work and re-create it moments later — the
  // agent then (correctly) deletes and re-creates the member objects. Fix in controllers/sync:
  // TypeSyncer.reconcile must requeue while federatedNamespaces() is missing or not synced.
  it('a hub restart does not withdraw member objects', async () => {
    const uid = () =>
      (
        JSON.parse(
          kubectlOk(member.kubeconfig, ['get', 'cm', '-n', NS, 'adopt-me', '-o', 'json']),
        ) as KubeObject
      ).metadata.uid;
    const before = uid();
    const lease =
      '/apis/coordination.k8s.io/v1/namespaces/kube-federation-system/leases/edgefed-controller-manager';
    const holder = async () =>
      (await request(hub, 'GET', lease)).json<{ spec?: { holderIdentity?: string; renewTime?: string } }>()
        .spec;
    const old = await holder();
    await waitFor(
      'the restarted hub to lead',
      async () => ((await holder())?.holderIdentity !== old?.holderIdentity ? true : undefined),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 4_000));
    assert.equal(uid(), before, 'the member ConfigMap was deleted and re-created');
  });

  it('deleting the federated object deletes the member object', async () => {
    kubectlOk(hub.kubeconfig, ['delete', 'federateddeployment', '-n', NS, 'test-deployment', '--wait=false']);
    // Generous: right after a hub restart its controllers wait for the old leader lease to expire.
    await waitFor(
      'member Deployment gone',
      () => (memberDeployment(member) === undefined ? true : undefined),
      40_000,
    );
    await waitFor(
      'federated object gone',
      async () =>
        (await getFederated(hub, 'federateddeployments', NS, 'test-deployment')) === undefined
          ? true
          : undefined,
      20_000,
    );
    const ws = (await request(hub, 'GET', `/apis/edgefed.io/v1alpha1/namespaces/${HUB_NS}/works`)).json<{
      items: Work[];
    }>();
    assert.equal(
      ws.items.some((w) => w.spec.source.name === 'test-deployment'),
      false,
    );
    const fed: FederatedObject | undefined = await getFederated(hub, 'federatedconfigmaps', NS, 'adopt-me');
    assert.ok(fed, 'other federated objects untouched');
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
