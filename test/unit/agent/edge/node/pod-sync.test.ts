/**
 * PodSyncer (the node runtime's per-pod sync) with the simulated engine and a real (in-process)
 * API server holding the pods: containers created and started, status written only on change,
 * restart policies, crash-loop and image-pull back-off (requeued, never hot), a missing ConfigMap
 * (CreateContainerConfigError until it exists), drift (a container removed by hand), and
 * termination (containers stopped and removed, the pod's deletion completed).
 *
 * The engine's view reaches the sync through the ContainerCache, as in NodeRuntime: tests re-list
 * the engine into it (what the runtime's relist does) before each sync.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ReconcileResult } from '../../../../../client/workqueue.js';
import { LABELS, type ObservedContainer } from '../../../../../agent/edge/engine/engine.js';
import { SimulatedEngine } from '../../../../../agent/edge/engine/simulated.js';
import { ContainerCache } from '../../../../../agent/edge/node/container-cache.js';
import { PodSyncer, podPath } from '../../../../../agent/edge/node/pod-sync.js';
import { ProbeManager } from '../../../../../agent/edge/node/probe-manager.js';
import type { Container, Pod, PodStatus } from '../../../../../api/core.js';
import { startInProcessApi, type InProcessApi } from '../../../../helpers/inprocess-api.js';
import { cleanup, tempDir } from '../../../../helpers/hub.js';

const NODE = 'edge1';
/** Long enough that a loaded machine still syncs inside a back-off window; short enough for a unit test. */
const BACKOFF = { baseMs: 1_500, maxMs: 12_000 };

describe('agent/edge/node/pod-sync PodSyncer (simulated engine, in-process API)', function () {
  this.timeout(20_000);
  let api: InProcessApi;
  let dir: string;
  let engine: SimulatedEngine;
  let cache: ContainerCache;
  let probes: ProbeManager;
  let syncer: PodSyncer;
  let woken: string[];
  let seq = 0;

  const newSyncer = (): PodSyncer =>
    new PodSyncer({
      client: api.client,
      engine,
      cache,
      probes,
      nodeName: NODE,
      nodeIp: '127.0.0.1',
      dataDir: join(dir, 'node'),
      backoff: BACKOFF,
      maxGraceSeconds: 1,
      allocatable: { cpu: '2', memory: '1Gi' },
      engineName: () => 'simulated',
      wake: (uid) => woken.push(uid),
      log: pino({ level: 'silent' }),
    });

  beforeEach(() => {
    dir = tempDir('pod-sync-');
    engine = new SimulatedEngine();
    cache = new ContainerCache();
    probes = new ProbeManager(
      engine,
      () => true,
      () => undefined,
    );
    woken = [];
    syncer = newSyncer();
  });
  afterEach(async () => {
    await syncer.drain();
    probes.close();
    cleanup(dir);
  });
  before(async () => {
    api = await startInProcessApi({ prefix: 'pod-sync-' });
  });
  after(async () => {
    await api?.close();
  });

  /** Creates the pod in the API (bound to this node); answers it as the API has it. */
  const createPod = (spec: Partial<Pod['spec']> = {}): Promise<Pod> =>
    api.client.create<Pod>('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `p${++seq}`, namespace: 'default' },
      spec: { nodeName: NODE, containers: [{ name: 'app', image: 'busybox:1.36' }], ...spec },
    });
  const read = (pod: Pod): Promise<Pod> => api.client.get<Pod>(podPath('default', String(pod.metadata.name)));
  /** What the runtime's relist does: the engine's containers into the cache. */
  const relist = async (): Promise<void> => {
    const mark = cache.mark();
    cache.replace(await engine.listContainers({ [LABELS.node]: NODE }), mark);
  };
  /** One sync from fresh state: re-list the engine, read the pod from the API, sync it. */
  const sync = async (pod: Pod): Promise<{ pod: Pod; result: ReconcileResult }> => {
    await relist();
    const fresh = await read(pod);
    const result = await syncer.sync(fresh);
    return { pod: await read(pod), result };
  };
  const containersOf = async (pod: Pod, name?: string): Promise<ObservedContainer[]> =>
    (await engine.listContainers({ [LABELS.podUid]: String(pod.metadata.uid) })).filter(
      (c) => name === undefined || c.labels[LABELS.container] === name,
    );
  const running = async (pod: Pod, name = 'app'): Promise<ObservedContainer> => {
    const c = (await containersOf(pod, name)).find((x) => x.status === 'running');
    assert.ok(c, `a running ${name} container`);
    return c;
  };
  const statusOf = (p: Pod, name = 'app'): NonNullable<PodStatus['containerStatuses']>[number] => {
    const s = p.status?.containerStatuses?.find((x) => x.name === name);
    assert.ok(s, `a status for container ${name}`);
    return s;
  };
  const requeueMs = (r: ReconcileResult): number => {
    assert.ok(r && r.requeueAfterMs !== undefined, 'the sync asks to be run again');
    return r.requeueAfterMs;
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  describe('create', () => {
    it('creates and starts each container, labelled for the pod, and reports Running', async () => {
      const pod = await createPod({
        containers: [
          { name: 'app', image: 'busybox:1.36' },
          { name: 'side', image: 'busybox:1.36' },
        ],
      });
      const { pod: after, result } = await sync(pod);
      assert.equal(result, undefined);
      const app = await running(pod, 'app');
      await running(pod, 'side');
      assert.equal(app.labels[LABELS.podName], pod.metadata.name);
      assert.equal(app.labels[LABELS.attempt], '0');
      assert.equal(syncer.stats.creates, 2);
      assert.equal(after.status?.phase, 'Running');
      assert.equal(statusOf(after).containerID, `simulated://${app.id}`);
      assert.ok(statusOf(after).state.running);
      assert.equal(statusOf(after).ready, true);
      assert.ok(after.status?.podIP, 'the pod has an IP');
    });

    it('a quiet second sync creates nothing and writes no status', async () => {
      const pod = await createPod();
      await sync(pod);
      const writes = syncer.stats.statusWrites;
      const before = await read(pod);
      await sync(pod);
      assert.equal(syncer.stats.creates, 1);
      assert.equal(syncer.stats.statusWrites, writes);
      assert.equal((await read(pod)).metadata.resourceVersion, before.metadata.resourceVersion);
      assert.equal((await containersOf(pod)).length, 1);
    });

    it('drift: a container removed by hand from the engine is created again', async () => {
      const pod = await createPod();
      await sync(pod);
      const first = await running(pod);
      await engine.removeContainer(first.id);
      const { pod: after } = await sync(pod);
      const again = await running(pod);
      assert.notEqual(again.id, first.id);
      assert.equal(statusOf(after).containerID, `simulated://${again.id}`);
    });
  });

  describe('restart policy and back-off', () => {
    it('Always: restarts at once after the first crash, then waits out a growing CrashLoopBackOff', async () => {
      const pod = await createPod();
      await sync(pod);
      engine.crash((await running(pod)).id, 1);
      let r = await sync(pod);
      assert.equal(r.result, undefined);
      assert.equal((await running(pod)).labels[LABELS.attempt], '1');
      assert.equal(statusOf(r.pod).restartCount, 1);

      engine.crash((await running(pod)).id, 1);
      r = await sync(pod);
      const wait1 = requeueMs(r.result);
      assert.ok(wait1 > 0 && wait1 <= BACKOFF.baseMs, `first back-off ${wait1} ms`);
      assert.equal(statusOf(r.pod).state.waiting?.reason, 'CrashLoopBackOff');
      assert.equal((await containersOf(pod)).filter((c) => c.status === 'running').length, 0);
      // Syncing again inside the back-off creates nothing.
      r = await sync(pod);
      assert.ok(requeueMs(r.result) > 0);
      assert.equal(syncer.stats.creates, 2);

      await sleep(wait1 + 20);
      r = await sync(pod);
      assert.equal((await running(pod)).labels[LABELS.attempt], '2');
      assert.equal(statusOf(r.pod).restartCount, 2);

      engine.crash((await running(pod)).id, 1);
      r = await sync(pod);
      const wait2 = requeueMs(r.result);
      assert.ok(wait2 > BACKOFF.baseMs, `second back-off ${wait2} ms doubles`);
      // Only the current attempt and the previous one are kept (logs --previous).
      assert.ok((await containersOf(pod)).length <= 2);
    });

    it('Never: a crashed container stays down and the pod is Failed', async () => {
      const pod = await createPod({ restartPolicy: 'Never' });
      await sync(pod);
      engine.crash((await running(pod)).id, 3);
      const { pod: after, result } = await sync(pod);
      assert.equal(result, undefined);
      assert.equal(after.status?.phase, 'Failed');
      assert.equal(statusOf(after).state.terminated?.exitCode, 3);
      assert.equal(syncer.stats.creates, 1);
    });

    it('OnFailure: exit 0 completes (Succeeded), a failure is restarted', async () => {
      const ok = await createPod({ restartPolicy: 'OnFailure' });
      await sync(ok);
      engine.crash((await running(ok)).id, 0);
      const done = await sync(ok);
      assert.equal(done.pod.status?.phase, 'Succeeded');
      assert.equal((await containersOf(ok)).length, 1);

      const bad = await createPod({ restartPolicy: 'OnFailure' });
      await sync(bad);
      engine.crash((await running(bad)).id, 2);
      await sync(bad);
      assert.equal((await running(bad)).labels[LABELS.attempt], '1');
    });
  });

  describe('errors', () => {
    it('an image the engine cannot pull: ErrImagePull, then ImagePullBackOff, requeued not hot; runs once pullable', async () => {
      const image = 'registry.example/missing:1';
      engine.rejectImage(image, 'pull access denied for registry.example/missing');
      const pod = await createPod({ containers: [{ name: 'app', image }] });
      let r = await sync(pod);
      assert.equal(statusOf(r.pod).state.waiting?.reason, 'ErrImagePull');
      assert.match(String(statusOf(r.pod).state.waiting?.message), /pull access denied/);
      assert.ok(requeueMs(r.result) > 0, 'not retried at once');
      r = await sync(pod);
      assert.equal(statusOf(r.pod).state.waiting?.reason, 'ImagePullBackOff');
      const backoff = requeueMs(r.result);
      assert.ok(backoff > 0 && backoff <= BACKOFF.baseMs, `pull back-off ${backoff} ms`);
      assert.equal(syncer.stats.creates, 0);
      engine.allowImage(image);
      await sleep(backoff + 20);
      r = await sync(pod);
      await running(pod);
      assert.ok(statusOf(r.pod).state.running);
    });

    it('a missing ConfigMap: CreateContainerConfigError until it exists', async () => {
      const cm = `cfg-${seq + 1}`;
      const app: Container = {
        name: 'app',
        image: 'busybox:1.36',
        env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: cm, key: 'x' } } }],
      };
      const pod = await createPod({ containers: [app] });
      let r = await sync(pod);
      assert.equal(statusOf(r.pod).state.waiting?.reason, 'CreateContainerConfigError');
      assert.match(String(statusOf(r.pod).state.waiting?.message), new RegExp(cm));
      assert.equal(requeueMs(r.result), BACKOFF.baseMs);
      assert.equal((await containersOf(pod)).length, 0);
      await api.client.create('/api/v1/namespaces/default/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: cm, namespace: 'default' },
        data: { x: '1' },
      });
      r = await sync(pod);
      await running(pod);
      assert.ok(statusOf(r.pod).state.running);
    });
  });

  describe('status writes', () => {
    it('a pod deleted from the API under the sync: the refused (404) status write is not an error', async () => {
      const pod = await createPod();
      const stale = await read(pod);
      await api.client.delete(podPath('default', String(pod.metadata.name)), { gracePeriodSeconds: 0 });
      await relist();
      assert.equal(await syncer.sync(stale), undefined);
      assert.equal(syncer.stats.statusWrites, 0);
      // Its containers are the runtime's to stop (the pod is gone): terminate does it.
      syncer.terminate(String(pod.metadata.uid), undefined);
      await syncer.drain();
      assert.equal((await containersOf(pod)).length, 0);
    });
  });

  describe('termination', () => {
    it('a pod being deleted gracefully: containers stopped and removed, then the node completes the deletion', async () => {
      const pod = await createPod();
      await sync(pod);
      await running(pod);
      // What a kube API answers to a graceful delete of a bound pod (this API server deletes pods at
      // once, so the mark is set here): deletionTimestamp, waiting for the node.
      const live = await read(pod);
      const deleting: Pod = {
        ...live,
        metadata: {
          ...live.metadata,
          deletionTimestamp: new Date().toISOString(),
          deletionGracePeriodSeconds: 30,
        },
      };
      const uid = String(pod.metadata.uid);
      syncer.terminate(uid, deleting);
      assert.equal(syncer.isTerminating(uid), true);
      assert.equal(await syncer.sync(deleting), undefined, 'no sync while terminating');
      await syncer.drain();
      assert.equal(syncer.isTerminating(uid), false);
      assert.equal((await containersOf(pod)).length, 0);
      assert.deepEqual(woken, [uid], 'the pod is looked at again once stopped');
      assert.equal(syncer.state(uid), undefined);
      assert.equal(await api.client.getIfExists(podPath('default', String(pod.metadata.name))), undefined);
    });

    it('a pod held by a finalizer: containers removed, but the node does not force the deletion', async () => {
      const pod = await createPod();
      await api.client.mergePatch(podPath('default', String(pod.metadata.name)), {
        metadata: { finalizers: ['example.com/hold'] },
      });
      await sync(pod);
      await running(pod);
      await api.client.delete(podPath('default', String(pod.metadata.name)));
      const deleting = await read(pod);
      assert.ok(deleting.metadata.deletionTimestamp);
      syncer.terminate(String(pod.metadata.uid), deleting);
      await syncer.drain();
      assert.equal((await containersOf(pod)).length, 0);
      assert.ok(await api.client.getIfExists(podPath('default', String(pod.metadata.name))), 'still held');
      await api.client.mergePatch(podPath('default', String(pod.metadata.name)), {
        metadata: { finalizers: null },
      });
    });

    it('a pod gone from the API: its containers are stopped and removed', async () => {
      const pod = await createPod();
      await sync(pod);
      await api.client.delete(podPath('default', String(pod.metadata.name)), { gracePeriodSeconds: 0 });
      syncer.terminate(String(pod.metadata.uid), undefined);
      await syncer.drain();
      assert.equal((await containersOf(pod)).length, 0);
    });
  });
});
