/**
 * The federation controllers own each Work's spec (issue 17, finding 3): a Work patched by anyone
 * comes back to its rendering within seconds (on the watch event), a Work overwritten with no spec
 * is replaced (no 409 AlreadyExists loop), and drift written while the controllers were down is put
 * back after a hub restart. A real hub, a real agent (joined with `edgefed agent join`) applying to a
 * real member stand-in (`edgefed apiserver`), so the member's Deployment follows the Work.
 */
import assert from 'node:assert/strict';
import type { Work } from '../../api/federation.js';
import {
  agentCredentials,
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
  request,
  startHub,
  tempDir,
  toYaml,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';

const NS = 'edgefed-cluster-eu1';
const WORK = `/apis/edgefed.io/v1alpha1/namespaces/${NS}/works/deployments.apps.demo.web`;
const JSON_PATCH = { 'content-type': 'application/json-patch+json' };

const federated = () =>
  toYaml(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } },
    {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedNamespace',
      metadata: { name: 'demo', namespace: 'demo' },
      spec: { placement: { clusters: [{ name: 'eu1' }] } },
    },
    {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedDeployment',
      metadata: { name: 'web', namespace: 'demo' },
      spec: {
        template: {
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' } },
              spec: { containers: [{ name: 'web', image: 'busybox' }] },
            },
          },
        },
        placement: { clusters: [{ name: 'eu1' }] },
      },
    },
  );

describe('Work drift: the hub puts its rendering back (real hub, agent, member)', function () {
  this.timeout(180_000);
  let hub: HubProcess;
  let member: HubProcess;
  let agent: AgentProcess;
  let agentDir: string;

  const getWork = async (): Promise<Work | undefined> => {
    const r = await request(hub, 'GET', WORK);
    return r.status === 200 ? r.json<Work>() : undefined;
  };
  const replicasOf = (w: Work | undefined) =>
    (w?.spec?.manifest?.spec as { replicas?: number } | undefined)?.replicas;
  /** The Work says what was rendered: replicas 2, for eu1. */
  const rendered = async () => {
    const w = await getWork();
    return w?.spec?.cluster === 'eu1' && replicasOf(w) === 2 ? w : undefined;
  };
  const memberReplicas = (): number | undefined => {
    const r = kubectl(member.kubeconfig, [
      'get',
      'deploy',
      'web',
      '-n',
      'demo',
      '-o',
      'jsonpath={.spec.replicas}',
    ]);
    return r.code === 0 ? Number(r.stdout) : undefined;
  };
  const detail = () => `\nhub log:\n${hub.logs().slice(-3000)}\nagent log:\n${agent?.logs().slice(-2000)}`;

  before(async () => {
    [hub, member] = await Promise.all([startHub(), startHub({ command: 'apiserver' })]);
    agentDir = tempDir('edgefed-work-drift-');
    const t = createJoinToken(hub.kubeconfig);
    joinAgent({ hub: hub.url, token: t.token, caHash: t.caHash, name: 'eu1', dataDir: agentDir });
    agent = spawnAgent({ dataDir: agentDir, member: member.kubeconfig, intervals: { heartbeat: '1s' } });
    await waitClustersReady(hub, ['eu1'], 30_000, detail);
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], federated());
    await waitFor('the Work rendered', rendered, 30_000).catch((e: Error) => {
      throw new Error(e.message + detail());
    });
    await waitFor('the member Deployment', () => memberReplicas() === 2 || undefined, 30_000);
  });

  after(async () => {
    await agent?.stop();
    await Promise.all([hub?.stop(), member?.stop()]);
    for (const d of [hub?.dataDir, member?.dataDir, agentDir]) if (d) cleanup(d);
  });

  it('a Work patched by the admin (replicas 7, another cluster) is back within seconds, at the member too', async () => {
    const r = await request(
      hub,
      'PATCH',
      WORK,
      [
        { op: 'replace', path: '/spec/manifest/spec/replicas', value: 7 },
        { op: 'replace', path: '/spec/cluster', value: 'us1' },
      ],
      JSON_PATCH,
    );
    assert.equal(r.status, 200, r.body);
    assert.equal(replicasOf(r.json<Work>()), 7, 'the admin may write it');
    await waitFor('the rendering back', rendered, 15_000).catch((e: Error) => {
      throw new Error(e.message + detail());
    });
    await waitFor('the member at 2 replicas', () => memberReplicas() === 2 || undefined, 15_000);
  });

  it("the agent's certificate cannot patch the Work's spec at all", async () => {
    const before = await getWork();
    const r = await request(
      hub,
      'PATCH',
      WORK,
      [{ op: 'replace', path: '/spec/manifest/spec/replicas', value: 7 }],
      JSON_PATCH,
      agentCredentials(agentDir),
    );
    assert.equal(r.status, 403, r.body);
    assert.equal(replicasOf(await getWork()), replicasOf(before));
  });

  it('a Work PUT with no spec is replaced, not looped on', async () => {
    const cur = (await getWork())!;
    const { spec: _spec, ...noSpec } = cur;
    const r = await request(hub, 'PUT', WORK, noSpec);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json<Work>().spec, undefined, 'stored without a spec');
    const back = await waitFor('the rendering back', rendered, 15_000).catch((e: Error) => {
      throw new Error(e.message + detail());
    });
    assert.equal(back.metadata.uid, cur.metadata.uid, 'the same Work, updated in place');
    assert.doesNotMatch(hub.logs(), /already exists/i, 'no create of a Work that is there');
  });

  it('drift written while the controllers are down is put back after a hub restart', async () => {
    await agent.stop();
    await hub.stop();
    // The same data directory, without controllers: nothing corrects the patch below.
    hub = await startHub({ dataDir: hub.dataDir, extraArgs: ['--no-controllers'] });
    const r = await request(
      hub,
      'PATCH',
      WORK,
      [{ op: 'replace', path: '/spec/manifest/spec/replicas', value: 5 }],
      JSON_PATCH,
    );
    assert.equal(r.status, 200, r.body);
    await hub.stop();
    hub = await startHub({ dataDir: hub.dataDir });
    await waitFor('the rendering back after the restart', rendered, 20_000).catch((e: Error) => {
      throw new Error(e.message + detail());
    });
  });
});
