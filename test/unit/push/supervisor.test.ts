/**
 * PushSupervisor (push mode: the hub runs the agents of clusters joined with `edgefed join`) against
 * an in-process hub (hub/hub.ts, controllers off: its join routes, CRDs and agent authorizer) and
 * in-process member API servers. Each decision is checked by its effect: the first join with the
 * Secret's bootstrap token (identity stored back, token deleted), the agent really applying Works to
 * the member named in the Secret, a standby process that only takes over once the Lease is free,
 * failover without the data dir (restored from the Secret, no second join), a changed member
 * kubeconfig (agent restarted against it), a Secret it cannot act on (status says why), unjoin
 * (KubeFedCluster deleted → agent stopped, Secret deleted, data dir removed), and data dirs left
 * by Secrets deleted while no supervisor ran.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { HUB_NAMESPACE, clusterNamespace, type KubeFedCluster, type Work } from '../../../api/federation.js';
import type { KubeObject } from '../../../api/kubernetes.js';
import { KubeClient } from '../../../client/client.js';
import { startHub, type RunningHub } from '../../../hub/hub.js';
import { KUBEFEDCLUSTERS_PATH } from '../../../hub/join/known-clusters.js';
import { createToken, listTokens } from '../../../hub/join/tokens.js';
import { worksPath } from '../../../agent/hub-connection.js';
import { PushSupervisor } from '../../../push/supervisor.js';
import {
  DATA,
  PUSH_LABEL,
  PUSH_SECRETS_PATH,
  PUSH_SECRET_TYPE,
  PUSH_STATUS_ANNOTATION,
  b64,
  pushSecretPath,
  secretValue,
  selfContainedKubeconfig,
  type PushSecret,
} from '../../../push/secret.js';
import { startInProcessApi, type InProcessApi } from '../../helpers/inprocess-api.js';
import { cleanup, tempDir, waitFor } from '../../helpers/hub.js';

const CLUSTER = 'm1';

describe('push/supervisor PushSupervisor (in-process hub and members)', function () {
  this.timeout(20_000);
  let dir: string;
  let hub: RunningHub;
  let hubKc: KubeConfig;
  let client: KubeClient;
  let memberA: InProcessApi;
  let memberB: InProcessApi;
  const supervisors: PushSupervisor[] = [];

  const supervisor = (name: string): { sup: PushSupervisor; dataDir: string } => {
    const dataDir = join(dir, name);
    const sup = new PushSupervisor({
      kc: hubKc,
      dataDir,
      hubUrl: hub.url,
      caHash: hub.pki.caHash,
      log: pino({ level: 'silent' }),
      identity: name,
      leaseDurationSeconds: 4,
      renewDeadlineSeconds: 3,
      retryPeriodSeconds: 0.25,
      agent: {
        tunnel: false,
        podSummaries: false,
        rotateCertificates: false,
        resyncMs: 1_000,
        statusIntervalMs: 1_000,
      },
    });
    supervisors.push(sup);
    return { sup, dataDir };
  };
  const stop = async (sup: PushSupervisor): Promise<void> => {
    await sup.stop();
    const i = supervisors.indexOf(sup);
    if (i >= 0) supervisors.splice(i, 1);
  };

  const getSecret = (name = CLUSTER): Promise<PushSecret | undefined> =>
    client.getIfExists<PushSecret>(pushSecretPath(name));
  const statusOf = async (name = CLUSTER): Promise<string | undefined> =>
    (await getSecret(name))?.metadata.annotations?.[PUSH_STATUS_ANNOTATION];
  const waitStatus = (want: string | RegExp, name = CLUSTER): Promise<string> =>
    waitFor(`push status ${String(want)} on ${name}`, async () => {
      const s = await statusOf(name);
      if (s !== undefined && (typeof want === 'string' ? s === want : want.test(s))) return s;
      throw new Error(`status now: ${s}`);
    });
  const waitAgents = (sup: PushSupervisor, want: string[]): Promise<boolean> =>
    waitFor(`running agents ${want.join(',')}`, () => {
      const now = sup.runningAgents();
      if (JSON.stringify(now) === JSON.stringify(want)) return true;
      throw new Error(`running now: ${now.join(',')}`);
    });
  const kfc = (): Promise<KubeFedCluster | undefined> =>
    client.getIfExists<KubeFedCluster>(`${KUBEFEDCLUSTERS_PATH}/${CLUSTER}`);

  const memberKubeconfigText = (m: InProcessApi): string => selfContainedKubeconfig(m.kc);
  const createPushSecret = async (name: string, data: Record<string, string>): Promise<PushSecret> =>
    client.create<PushSecret>(PUSH_SECRETS_PATH, {
      apiVersion: 'v1',
      kind: 'Secret',
      type: PUSH_SECRET_TYPE,
      metadata: { name: `edgefed-push-${name}`, namespace: HUB_NAMESPACE, labels: { [PUSH_LABEL]: name } },
      data,
    });

  /** A Work for the cluster; answers once the member `m` has its ConfigMap with `value`. */
  const workReaches = async (m: InProcessApi, name: string, value: string): Promise<void> => {
    const manifest: KubeObject & { data: Record<string, string> } = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default' },
      data: { v: value },
    };
    const work: Work = {
      apiVersion: 'edgefed.io/v1alpha1',
      kind: 'Work',
      metadata: { name, namespace: clusterNamespace(CLUSTER) },
      spec: {
        cluster: CLUSTER,
        source: { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', name, uid: name },
        manifest,
      },
    };
    await client.create(worksPath(clusterNamespace(CLUSTER)), work);
    await waitFor(`ConfigMap ${name} in the member`, async () => {
      const cm = await m.client.getIfExists<{ data?: Record<string, string> }>(
        `/api/v1/namespaces/default/configmaps/${name}`,
      );
      return cm?.data?.v === value ? true : undefined;
    });
  };

  before(async () => {
    dir = tempDir('push-supervisor-');
    [hub, memberA, memberB] = await Promise.all([
      startHub({
        dataDir: join(dir, 'hub'),
        port: 0,
        bind: '127.0.0.1',
        logger: pino({ level: 'silent' }),
        controllers: false,
      }),
      startInProcessApi({ prefix: 'push-member-a-' }),
      startInProcessApi({ prefix: 'push-member-b-' }),
    ]);
    hubKc = new KubeConfig();
    hubKc.loadFromFile(hub.kubeconfigPath);
    client = new KubeClient(hubKc, { fieldManager: 'test' });
  });
  after(async () => {
    for (const s of [...supervisors]) await s.stop();
    await Promise.all([hub?.close(), memberA?.close(), memberB?.close()]);
    if (dir) cleanup(dir);
  });

  let first: { sup: PushSupervisor; dataDir: string };
  let joinedUid: string | undefined;

  it('joins with the bootstrap token, stores the identity in the Secret, deletes the token, runs the agent', async () => {
    const token = await createToken(client, { ttlSeconds: 600 });
    await createPushSecret(CLUSTER, {
      [DATA.kubeconfig]: b64(memberKubeconfigText(memberA)),
      [DATA.token]: b64(token.token),
    });
    first = supervisor('a');
    first.sup.start();
    await waitStatus('Running');
    await waitAgents(first.sup, [CLUSTER]);
    assert.equal(first.sup.isLeader(), true);
    const s = await getSecret();
    assert.ok(s);
    assert.equal(secretValue(s, DATA.token), undefined, 'the one-time token is dropped from the Secret');
    for (const k of [DATA.agentConfig, DATA.ca, DATA.cert, DATA.key])
      assert.ok(secretValue(s, k), `the Secret holds ${k}`);
    assert.deepEqual(JSON.parse(String(secretValue(s, DATA.agentConfig))), {
      cluster: CLUSTER,
      namespace: clusterNamespace(CLUSTER),
    });
    assert.deepEqual(await listTokens(client), [], 'the bootstrap token is deleted');
    const cluster = await kfc();
    assert.ok(cluster, 'the KubeFedCluster exists');
    joinedUid = cluster.metadata.uid;
    const state = JSON.parse(readFileSync(join(first.dataDir, 'push', CLUSTER, 'push.json'), 'utf8')) as {
      secretUid: string;
    };
    assert.equal(state.secretUid, s.metadata.uid);
  });

  it('the agent it runs applies Works to the member named in the Secret', async () => {
    await workReaches(memberA, 'w1', 'a');
  });

  it('a standby process runs nothing while the Lease is held; it takes over without the data dir, restoring from the Secret (no second join)', async () => {
    const second = supervisor('b');
    second.sup.start();
    // The standby competes for the Lease; while `a` holds it, no agent of its own.
    // (A negative: give it a few retry periods to do the wrong thing.)
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(second.sup.isLeader(), false);
    assert.deepEqual(second.sup.runningAgents(), []);
    assert.equal(existsSync(join(second.dataDir, 'push', CLUSTER)), false);

    await stop(first.sup);
    await waitAgents(second.sup, [CLUSTER]);
    assert.ok(existsSync(join(second.dataDir, 'push', CLUSTER, 'push.json')));
    assert.equal((await kfc())?.metadata.uid, joinedUid, 'the same cluster: restored, not joined again');
    await workReaches(memberA, 'w2', 'restored');
    first = second;
  });

  it('a changed member kubeconfig in the Secret restarts the agent against the new member', async () => {
    await client.mergePatch(pushSecretPath(CLUSTER), {
      data: { [DATA.kubeconfig]: b64(memberKubeconfigText(memberB)) },
    });
    await workReaches(memberB, 'w3', 'moved');
    await waitAgents(first.sup, [CLUSTER]);
  });

  it('a Secret with neither token nor identity: the status says why and no agent runs', async () => {
    await createPushSecret('m2', { [DATA.kubeconfig]: b64(memberKubeconfigText(memberA)) });
    const s = await waitStatus(/^Error: /, 'm2');
    assert.match(s, /no bootstrap token/);
    assert.deepEqual(first.sup.runningAgents(), [CLUSTER]);
    assert.equal(existsSync(join(first.dataDir, 'push', 'm2')), false);
    await client.delete(pushSecretPath('m2'));
  });

  it('a join the hub refuses (unknown token): the status says why, nothing is left behind', async () => {
    await createPushSecret('m3', {
      [DATA.kubeconfig]: b64(memberKubeconfigText(memberA)),
      [DATA.token]: b64('abcdef.0123456789abcdef'),
    });
    const s = await waitStatus(/^Error: /, 'm3');
    assert.match(s, /token/i);
    assert.deepEqual(first.sup.runningAgents(), [CLUSTER]);
    assert.equal(existsSync(join(first.dataDir, 'push', 'm3')), false, 'the failed join left no data dir');
    assert.equal(await client.getIfExists(`${KUBEFEDCLUSTERS_PATH}/m3`), undefined);
    await client.delete(pushSecretPath('m3'));
  });

  it('unjoin (KubeFedCluster deleted): the agent stops, the Secret and the data dir go', async () => {
    await client.delete(`${KUBEFEDCLUSTERS_PATH}/${CLUSTER}`);
    await waitAgents(first.sup, []);
    await waitFor('the push Secret to be deleted', async () => ((await getSecret()) ? undefined : true));
    await waitFor('the agent data dir to be removed', () =>
      existsSync(join(first.dataDir, 'push', CLUSTER)) ? undefined : true,
    );
    // The member keeps what was applied (unjoin does not delete workloads).
    assert.ok(await memberB.client.getIfExists('/api/v1/namespaces/default/configmaps/w3'));
  });

  it('removes, on start, agent data dirs whose Secret was deleted while no supervisor ran', async () => {
    for (const s of [...supervisors]) await stop(s);
    const { sup, dataDir } = supervisor('c');
    const stale = join(dataDir, 'push', 'gone');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'push.json'), JSON.stringify({ secretUid: 'x' }));
    sup.start();
    await waitFor('the stale data dir to be removed', () => (existsSync(stale) ? undefined : true));
    assert.deepEqual(sup.runningAgents(), []);
  });
});
