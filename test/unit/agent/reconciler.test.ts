/**
 * The agent's Work reconciler (cache → apply → status) against one in-process API server that is
 * both the hub (serving Works) and the member (where the manifests land, in other namespaces), with
 * the agent's real HubConnection (informer) and WorkCache. Each test drives reconcile() by hand, so
 * every decision is observed step by step: finalizer, apply, status, drift, deletion (Delete, Orphan,
 * member finalizers), a Work released from the hub, the member refusing a write and the hub being
 * unreachable.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { KubeObject } from '../../../api/kubernetes.js';
import { MANAGED_LABEL, WORK_FINALIZER, type Work } from '../../../api/federation.js';
import { KubeClient } from '../../../client/client.js';
import { WorkQueue, runWorkers } from '../../../client/workqueue.js';
import { Applier } from '../../../agent/apply/applier.js';
import { manifestHash } from '../../../agent/apply/compare.js';
import { Discovery } from '../../../agent/apply/discovery.js';
import { WorkCache } from '../../../agent/cache.js';
import { HubConnection, worksPath } from '../../../agent/hub-connection.js';
import { WorkReconciler } from '../../../agent/reconciler.js';
import { kubeConfigAt, startInProcessApi, type InProcessApi } from '../../helpers/inprocess-api.js';
import { cleanup, tempDir, waitFor } from '../../helpers/hub.js';

const HUB_NS = 'kubefed-c1';
const NOW = new Date('2026-01-01T00:00:00Z');

type Obj = KubeObject & { data?: Record<string, string> };

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A pino logger whose records the test can read (warnings said once, not on every retry). */
function recordingLogger(): { log: ReturnType<typeof pino>; records: { level: number; msg: string }[] } {
  const records: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        records.push(JSON.parse(line) as { level: number; msg: string });
      cb();
    },
  });
  return { log: pino({ level: 'info' }, sink), records };
}

describe('agent/reconciler WorkReconciler (in-process hub and member)', function () {
  this.timeout(20_000);
  let api: InProcessApi;
  let dir: string;
  let client: KubeClient;
  let cache: WorkCache;
  let hub: HubConnection;
  let reconciler: WorkReconciler;
  let logs: ReturnType<typeof recordingLogger>;
  /** Off: the informer's events stop reaching the cache (an agent that missed them). */
  let feedCache = true;
  /** Paths of the agent's JSON patches to the hub (Work status writes). */
  const statusWrites: string[] = [];
  let seq = 0;
  let ns: string;

  const workPath = (name: string): string => `${worksPath(HUB_NS)}/${name}`;
  const cmPath = (name: string): string => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  const getCm = (name: string): Promise<Obj | undefined> => client.getIfExists<Obj>(cmPath(name));
  const getWork = (name: string): Promise<Work | undefined> => client.getIfExists<Work>(workPath(name));

  const manifest = (name: string, data: Record<string, string>, labels?: Record<string, string>): Obj => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    data,
  });

  const workObject = (name: string, m: Obj, spec: Partial<Work['spec']> = {}): Work => ({
    apiVersion: 'edgefed.io/v1alpha1',
    kind: 'Work',
    metadata: { name, namespace: HUB_NS },
    spec: {
      cluster: 'c1',
      source: {
        group: 'types.kubefed.io',
        version: 'v1beta1',
        kind: 'FederatedConfigMap',
        resource: 'federatedconfigmaps',
        namespace: ns,
        name: String(m.metadata.name),
        uid: 'u-1',
      },
      manifest: m,
      ...spec,
    },
  });

  /** Waits until the agent's informer (and so its cache) has the Work at least at `rv`. */
  const seen = async (name: string, rv: string): Promise<void> => {
    await waitFor(`the informer to show work ${name} at ${rv}`, () => {
      const w = hub.informer.get(`${HUB_NS}/${name}`);
      return w && Number(w.metadata.resourceVersion) >= Number(rv) ? true : undefined;
    });
  };
  const gone = (name: string): Promise<boolean> =>
    waitFor(`the informer to drop work ${name}`, () =>
      hub.informer.get(`${HUB_NS}/${name}`) ? undefined : true,
    );

  const createWork = async (name: string, m: Obj, spec: Partial<Work['spec']> = {}): Promise<Work> => {
    const w = await client.create<Work>(worksPath(HUB_NS), workObject(name, m, spec));
    await seen(name, String(w.metadata.resourceVersion));
    return w;
  };
  /** Replaces the Work's manifest (a JSON patch: a merge patch would keep dropped fields). */
  const setManifest = async (name: string, m: Obj): Promise<Work> => {
    const w = await client.jsonPatch<Work>(workPath(name), [
      { op: 'replace', path: '/spec/manifest', value: m },
    ]);
    await seen(name, String(w.metadata.resourceVersion));
    return w;
  };

  /** Deletes the Work on the hub (our finalizer holds it) and waits until the agent sees the mark. */
  const deleteWork = async (name: string): Promise<void> => {
    await client.delete(workPath(name));
    const held = await getWork(name);
    assert.ok(held?.metadata.deletionTimestamp, 'held by the finalizer');
    await seen(name, String(held.metadata.resourceVersion));
  };

  before(async () => {
    api = await startInProcessApi({
      crds: ['works.edgefed.io'],
      namespaces: [HUB_NS],
      prefix: 'reconciler-',
    });
    dir = tempDir('reconciler-agent-');
    client = api.client;
    cache = new WorkCache(join(dir, 'cache.db'));
    logs = recordingLogger();
    hub = new HubConnection({
      kubeconfigPath: api.kubeconfigPath,
      namespace: HUB_NS,
      log: pino({ level: 'silent' }),
      events: {
        upsert: (w) => {
          if (feedCache) cache.put(w);
        },
        delete: () => undefined,
        synced: () => undefined,
      },
    });
    // Observes (does not replace) the agent's status writes: a no-op write leaves no trace in the API.
    const jsonPatch = hub.client.jsonPatch.bind(hub.client);
    hub.client.jsonPatch = ((path: string, ops: Parameters<typeof jsonPatch>[1]) => {
      statusWrites.push(path);
      return jsonPatch(path, ops);
    }) as typeof hub.client.jsonPatch;
    hub.start();
    await hub.informer.waitForSync();
    const member = new KubeClient(api.kc, { fieldManager: 'edgefed-agent', timeoutMs: 10_000 });
    reconciler = new WorkReconciler({
      cache,
      applier: new Applier(member, new Discovery(member)),
      hub: () => hub,
      namespace: HUB_NS,
      log: logs.log,
      now: () => NOW,
    });
  });
  after(async () => {
    await hub?.stop();
    cache?.close();
    await api?.close();
    if (dir) cleanup(dir);
  });
  beforeEach(async () => {
    feedCache = true;
    ns = `member-${++seq}`;
    logs.records.length = 0;
  });

  describe('create and update', () => {
    it('holds the finalizer, applies with the managed label, reports Applied for the generation', async () => {
      await createWork('w-create', manifest('cfg', { a: '1' }));
      assert.equal(await reconciler.reconcile('w-create'), undefined);
      const cm = await getCm('cfg');
      assert.deepEqual(cm?.data, { a: '1' });
      assert.equal(cm?.metadata.labels?.[MANAGED_LABEL], 'true');
      const w = await getWork('w-create');
      assert.deepEqual(w?.metadata.finalizers, [WORK_FINALIZER]);
      assert.equal(w?.status?.observedGeneration, w?.metadata.generation);
      const applied = w?.status?.conditions?.find((c) => c.type === 'Applied');
      assert.equal(applied?.status, 'True');
      assert.equal(applied?.lastTransitionTime, '2026-01-01T00:00:00Z');
      assert.equal(w?.status?.clusterStatus, undefined);
      assert.equal(cache.get('w-create')?.appliedHash, manifestHash(manifest('cfg', { a: '1' }), undefined));
    });

    it('a quiet second reconcile writes nothing (hub Work and member object keep their resourceVersions)', async () => {
      await createWork('w-quiet', manifest('cfg', { a: '1' }));
      await reconciler.reconcile('w-quiet');
      const w1 = await getWork('w-quiet');
      await seen('w-quiet', String(w1?.metadata.resourceVersion));
      const cm1 = await getCm('cfg');
      const writes = statusWrites.length;
      await reconciler.reconcile('w-quiet');
      assert.equal(statusWrites.length, writes, 'no status write');
      assert.equal((await getWork('w-quiet'))?.metadata.resourceVersion, w1?.metadata.resourceVersion);
      assert.equal((await getCm('cfg'))?.metadata.resourceVersion, cm1?.metadata.resourceVersion);
      assert.equal(await reconciler.statusStale('w-quiet'), false);
    });

    it('a new Work generation updates the member and the observedGeneration', async () => {
      await createWork('w-update', manifest('cfg', { a: '1' }));
      await reconciler.reconcile('w-update');
      const w = await setManifest('w-update', manifest('cfg', { a: '2' }));
      assert.equal(await reconciler.statusStale('w-update'), true, 'a new generation is stale');
      await reconciler.reconcile('w-update');
      assert.deepEqual((await getCm('cfg'))?.data, { a: '2' });
      assert.equal((await getWork('w-update'))?.status?.observedGeneration, w.metadata.generation);
    });

    it('a field the new manifest dropped is removed from the member (the Work hash forces the write)', async () => {
      await createWork('w-drop', manifest('cfg', { a: '1', b: '2' }));
      await reconciler.reconcile('w-drop');
      await setManifest('w-drop', manifest('cfg', { a: '1' }));
      await reconciler.reconcile('w-drop');
      assert.deepEqual((await getCm('cfg'))?.data, { a: '1' });
    });
  });

  describe('drift', () => {
    it('puts back a member field changed by hand', async () => {
      await createWork('w-drift', manifest('cfg', { a: '1' }));
      await reconciler.reconcile('w-drift');
      await client.mergePatch(cmPath('cfg'), { data: { a: 'by-hand' } });
      await reconciler.reconcile('w-drift');
      assert.deepEqual((await getCm('cfg'))?.data, { a: '1' });
    });

    it('a member object deleted by hand is stale at once and re-created', async () => {
      await createWork('w-deleted', manifest('cfg', { a: '1' }));
      await reconciler.reconcile('w-deleted');
      await client.delete(cmPath('cfg'));
      assert.equal(await reconciler.statusStale('w-deleted'), true);
      await reconciler.reconcile('w-deleted');
      assert.deepEqual((await getCm('cfg'))?.data, { a: '1' });
    });
  });

  describe('deletion', () => {
    it('Delete policy: removes the member object, then the finalizer; the Work goes and is forgotten', async () => {
      await createWork('w-del', manifest('cfg', { a: '1' }));
      await reconciler.reconcile('w-del');
      await deleteWork('w-del');
      assert.ok(cache.get('w-del')?.work.metadata.deletionTimestamp);
      assert.equal(await reconciler.reconcile('w-del'), undefined);
      assert.equal(await getCm('cfg'), undefined);
      assert.equal(await getWork('w-del'), undefined, 'the finalizer was released');
      assert.equal(cache.get('w-del'), undefined);
    });

    it('waits (requeue, finalizer kept) while a member finalizer holds the object', async () => {
      await createWork('w-held', manifest('cfg', { a: '1' }));
      await reconciler.reconcile('w-held');
      await client.mergePatch(cmPath('cfg'), { metadata: { finalizers: ['member.example/hold'] } });
      await deleteWork('w-held');
      const r = await reconciler.reconcile('w-held');
      assert.ok(
        r && typeof r.requeueAfterMs === 'number' && r.requeueAfterMs > 0,
        'asks to be looked at again',
      );
      assert.deepEqual((await getWork('w-held'))?.metadata.finalizers, [WORK_FINALIZER]);
      assert.ok((await getCm('cfg'))?.metadata.deletionTimestamp);
      await client.mergePatch(cmPath('cfg'), { metadata: { finalizers: null } });
      assert.equal(await reconciler.reconcile('w-held'), undefined);
      assert.equal(await getWork('w-held'), undefined);
      assert.equal(await getCm('cfg'), undefined);
    });

    it('Orphan policy: leaves the member object without the managed label, releases the Work', async () => {
      await createWork('w-orphan', manifest('cfg', { a: '1' }), { deletePolicy: 'Orphan' });
      await reconciler.reconcile('w-orphan');
      await deleteWork('w-orphan');
      await reconciler.reconcile('w-orphan');
      const cm = await getCm('cfg');
      assert.deepEqual(cm?.data, { a: '1' });
      assert.equal(cm?.metadata.labels?.[MANAGED_LABEL], undefined);
      assert.equal(await getWork('w-orphan'), undefined);
      assert.equal(cache.get('w-orphan'), undefined);
    });

    it('a Work released from the hub behind the agent (finalizer stripped): the member object is left', async () => {
      await createWork('w-released', manifest('cfg', { a: '1' }));
      await reconciler.reconcile('w-released');
      feedCache = false; // the agent's cache still holds the Work with our finalizer
      await client.mergePatch(workPath('w-released'), { metadata: { finalizers: null } });
      await client.delete(workPath('w-released'));
      await gone('w-released');
      assert.equal(await reconciler.reconcile('w-released'), undefined);
      assert.deepEqual((await getCm('cfg'))?.data, { a: '1' });
      assert.equal(cache.get('w-released'), undefined);
    });

    it('a Work gone from the hub that never got our finalizer but was applied: cleaned up per policy', async () => {
      // The finalizer patch never reached the hub (it was down); the Work was then deleted there.
      feedCache = false;
      const w = workObject('w-nofin', manifest('cfg', { a: '1' }));
      cache.put({ ...w, metadata: { ...w.metadata, resourceVersion: '1', generation: 1 } });
      const member = new KubeClient(api.kc, { fieldManager: 'edgefed-agent' });
      const applied = await new Applier(member, new Discovery(member)).apply(w.spec.manifest);
      assert.ok(applied.ok);
      cache.setApplied('w-nofin', manifestHash(w.spec.manifest, undefined));
      assert.equal(await reconciler.reconcile('w-nofin'), undefined);
      assert.equal(await getCm('cfg'), undefined);
      assert.equal(cache.get('w-nofin'), undefined);
    });
  });

  describe('errors', () => {
    it('the member refusing a write: status says so, no retry storm, warned once', async () => {
      await createWork('w-refused', manifest('cfg', { a: '1' }, { bad: 'not a label value!' }));
      // Permanent (422): resolves, so the queue does not retry it hot; the next Work change or resync does.
      assert.equal(await reconciler.reconcile('w-refused'), undefined);
      const w = await getWork('w-refused');
      assert.equal(w?.status?.clusterStatus, 'CreationFailed');
      assert.match(String(w?.status?.message), /label/i);
      const applied = w?.status?.conditions?.find((c) => c.type === 'Applied');
      assert.equal(applied?.status, 'False');
      assert.equal(applied?.reason, 'CreationFailed');
      await seen('w-refused', String(w?.metadata.resourceVersion));
      const writes = statusWrites.length;
      await reconciler.reconcile('w-refused');
      assert.equal(statusWrites.length, writes, 'the same status is not written again');
      assert.equal(
        (await getWork('w-refused'))?.metadata.resourceVersion,
        w?.metadata.resourceVersion,
        'same status not rewritten',
      );
      assert.equal(logs.records.filter((r) => r.msg === 'apply failed').length, 1);
      // Fixed on the hub: applied, and the status says so.
      await setManifest('w-refused', manifest('cfg', { a: '1' }));
      await reconciler.reconcile('w-refused');
      const fixed = await getWork('w-refused');
      assert.equal(fixed?.status?.clusterStatus, undefined);
      assert.equal(fixed?.status?.conditions?.find((c) => c.type === 'Applied')?.status, 'True');
    });

    it('an unreachable member: status says so and the reconcile fails, so the queue backs off', async () => {
      const down = new KubeClient(kubeConfigAt(api.kc, `https://127.0.0.1:${await closedPort()}`), {
        timeoutMs: 5_000,
      });
      const r = new WorkReconciler({
        cache,
        applier: new Applier(down, new Discovery(down)),
        hub: () => hub,
        namespace: HUB_NS,
        log: pino({ level: 'silent' }),
        now: () => NOW,
      });
      await createWork('w-down', manifest('cfg', { a: '1' }));
      await assert.rejects(r.reconcile('w-down'), /CreationFailed/);
      const w = await getWork('w-down');
      assert.equal(w?.status?.clusterStatus, 'CreationFailed');
      assert.deepEqual(w?.metadata.finalizers, [WORK_FINALIZER]);

      // Through the agent's own queue: retried, with growing delays (no hot loop).
      const queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 10_000 });
      const calls: number[] = [];
      const workers = runWorkers(queue, 1, (k) => {
        calls.push(Date.now());
        return r.reconcile(k);
      });
      queue.add('w-down');
      await waitFor('three attempts', () => (calls.length >= 3 ? true : undefined), 10_000, 20);
      queue.shutdown();
      await workers;
      // 100 ms then 200 ms of back-off at least between attempts, however fast the machine is.
      assert.ok(calls[1]! - calls[0]! >= 95, `second attempt after ${calls[1]! - calls[0]!} ms`);
      assert.ok(calls[2]! - calls[1]! >= 195, `third attempt after ${calls[2]! - calls[1]!} ms`);
    });

    it('an unreachable hub: applies from the cache anyway (autonomy), then fails for the finalizer retry', async () => {
      const port = await closedPort();
      const kubeconfig = join(dir, 'down-hub.kubeconfig');
      const kc = kubeConfigAt(api.kc, `https://127.0.0.1:${port}`);
      writeFileSync(kubeconfig, kc.exportConfig());
      const downHub = new HubConnection({
        kubeconfigPath: kubeconfig,
        namespace: HUB_NS,
        log: pino({ level: 'silent' }),
        events: { upsert: () => undefined, delete: () => undefined, synced: () => undefined },
        timeoutMs: 2_000,
      });
      const member = new KubeClient(api.kc, { fieldManager: 'edgefed-agent' });
      const r = new WorkReconciler({
        cache,
        applier: new Applier(member, new Discovery(member)),
        hub: () => downHub,
        namespace: HUB_NS,
        log: pino({ level: 'silent' }),
        now: () => NOW,
      });
      feedCache = false;
      const w = workObject('w-offline', manifest('cfg', { a: '1' }));
      cache.put({ ...w, metadata: { ...w.metadata, resourceVersion: '1', generation: 1 } });
      await assert.rejects(r.reconcile('w-offline'));
      assert.deepEqual((await getCm('cfg'))?.data, { a: '1' }, 'applied although the hub is down');
      assert.ok(cache.get('w-offline')?.appliedHash, 'the cache remembers what was applied');
      cache.delete('w-offline');
    });
  });
});
