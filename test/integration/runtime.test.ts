import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/kubernetes.js';
import { KubeClient } from '../../client/client.js';
import { ApiError, isAlreadyExists, isConflict, isNotFound } from '../../client/errors.js';
import { Informer, objectKey } from '../../client/informer.js';
import { LeaderElector, type Lease } from '../../client/leader-election.js';
import { cleanup, startHub, tempDir, waitFor, type HubProcess } from '../helpers/hub.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function loadKc(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** The same credentials against another server URL (the proxy). */
function kcVia(kc: KubeConfig, server: string): KubeConfig {
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: kc.clusters.map((c) => ({ ...c, server })),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return out;
}

/**
 * A TCP proxy to the hub that can black-hole traffic: connections stay open (no FIN, no RST) but
 * no byte moves — what a dead NAT mapping or a silently dropped peer looks like to a client.
 */
class StallProxy {
  private server?: Server;
  private readonly conns = new Set<{ client: Socket; upstream: Socket; stalled: boolean }>();
  /** When true, new connections are accepted and then black-holed too. */
  stallNew = false;

  constructor(private readonly targetPort: number) {}

  async listen(): Promise<number> {
    this.server = createServer((client) => {
      const c = { client, upstream: connect(this.targetPort, '127.0.0.1'), stalled: this.stallNew };
      this.conns.add(c);
      client.on('data', (d: Buffer) => {
        if (!c.stalled) c.upstream.write(d);
      });
      c.upstream.on('data', (d: Buffer) => {
        if (!c.stalled) client.write(d);
      });
      const close = (): void => {
        // A stalled connection must not even pass on the close.
        if (c.stalled) return;
        client.destroy();
        c.upstream.destroy();
        this.conns.delete(c);
      };
      client.on('close', () => {
        c.upstream.destroy();
        this.conns.delete(c);
      });
      c.upstream.on('close', close);
      client.on('error', () => undefined);
      c.upstream.on('error', () => undefined);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const addr = this.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no proxy address');
    return addr.port;
  }

  /** Black-holes every open connection (and, with stallNew, the ones to come). */
  stallAll(): void {
    for (const c of this.conns) c.stalled = true;
  }

  /** New connections flow again; black-holed ones are closed. */
  heal(): void {
    this.stallNew = false;
    for (const c of this.conns) {
      if (!c.stalled) continue;
      c.client.destroy();
      c.upstream.destroy();
      this.conns.delete(c);
    }
  }

  async close(): Promise<void> {
    for (const c of this.conns) {
      c.client.destroy();
      c.upstream.destroy();
    }
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** An informer plus a mirror built only from its events, to check events and cache agree. */
function mirrored(inf: Informer<KubeObject>): Map<string, string> {
  const mirror = new Map<string, string>();
  inf.on('add', (o) => {
    assert.ok(!mirror.has(objectKey(o)), `add for ${objectKey(o)} already present`);
    mirror.set(objectKey(o), o.metadata.resourceVersion ?? '');
  });
  inf.on('update', (o) => {
    assert.ok(mirror.has(objectKey(o)), `update for unknown ${objectKey(o)}`);
    mirror.set(objectKey(o), o.metadata.resourceVersion ?? '');
  });
  inf.on('delete', (o) => {
    assert.ok(mirror.has(objectKey(o)), `delete for unknown ${objectKey(o)}`);
    mirror.delete(objectKey(o));
  });
  return mirror;
}

function snapshot(objs: KubeObject[]): string {
  return objs
    .map((o) => `${objectKey(o)}@${o.metadata.resourceVersion}`)
    .sort()
    .join(',');
}

/** Waits until the informer cache and its event mirror equal the server's list exactly. */
async function converged(
  client: KubeClient,
  path: string,
  inf: Informer<KubeObject>,
  mirror: Map<string, string>,
  what: string,
  timeoutMs = 15_000,
): Promise<string> {
  let server = '';
  try {
    return await waitFor(
      what,
      async () => {
        server = snapshot((await client.listAll(path)).items);
        const cache = snapshot(inf.list());
        const fromEvents = [...mirror]
          .map(([k, rv]) => `${k}@${rv}`)
          .sort()
          .join(',');
        return cache === server && fromEvents === server ? server : undefined;
      },
      timeoutMs,
      100,
    );
  } catch (e) {
    throw new Error(`${String(e)}\nserver: ${server}\ncache:  ${snapshot(inf.list())}`);
  }
}

const cm = (ns: string, name: string, v = '1'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data: { v },
});

async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

describe('controller runtime against a real hub', function () {
  this.timeout(40_000);
  const dataDir = tempDir();
  let hub: HubProcess;
  let kc: KubeConfig;
  let client: KubeClient;
  const cleanups: (() => Promise<void> | void)[] = [];

  before(async function () {
    hub = await startHub({ dataDir });
    kc = loadKc(hub.kubeconfig);
    client = new KubeClient(kc);
  });

  afterEach(async function () {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  after(async function () {
    await hub?.stop();
    cleanup(dataDir);
  });

  it('client: CRUD, merge and JSON patch, errors carry code and reason', async function () {
    await ensureNamespace(client, 'rt-client');
    const coll = '/api/v1/namespaces/rt-client/configmaps';
    const created = await client.create(coll, cm('rt-client', 'c1'));
    assert.equal(created.metadata.name, 'c1');
    await assert.rejects(client.create(coll, cm('rt-client', 'c1')), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 409);
      assert.equal(e.reason, 'AlreadyExists');
      return true;
    });
    const merged = await client.mergePatch(`${coll}/c1`, { data: { w: '2' } });
    assert.deepEqual(merged.data, { v: '1', w: '2' });
    const patched = await client.jsonPatch(`${coll}/c1`, [{ op: 'replace', path: '/data/v', value: '3' }]);
    assert.deepEqual(patched.data, { v: '3', w: '2' });
    const stale = { ...created, data: { v: 'stale' } };
    await assert.rejects(client.update(`${coll}/c1`, stale), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 409);
      assert.equal(e.reason, 'Conflict');
      assert.ok(isConflict(e));
      return true;
    });
    assert.equal(await client.deleteIfExists(`${coll}/c1`), true);
    assert.equal(await client.deleteIfExists(`${coll}/c1`), false);
    await assert.rejects(client.get(`${coll}/c1`), (e: unknown) => isNotFound(e));
    assert.equal(await client.getIfExists(`${coll}/c1`), undefined);
  });

  it('informer stays exact across hub kill -9 + restarts, with changes while it is disconnected', async function () {
    const ns = 'rt-inf';
    await ensureNamespace(client, ns);
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    for (const n of ['a1', 'a2', 'a3']) await client.create(path, cm(ns, n));
    // Paging is exercised with pageSize 2.
    const inf = new Informer<KubeObject>({
      kc,
      listPath: path,
      pageSize: 2,
      watchdogMs: 10_000,
      backoff: { maxMs: 1000 },
    });
    const mirror = mirrored(inf);
    let synced = 0;
    inf.on('synced', () => synced++);
    inf.addIndex('v', (o) => [String((o.data as Record<string, string> | undefined)?.v ?? '')]);
    inf.start();
    cleanups.push(() => inf.stop());
    await inf.waitForSync();
    assert.equal(synced, 1);
    assert.ok(inf.hasSynced());
    await converged(client, path, inf, mirror, 'initial list');
    assert.ok(inf.get(`${ns}/a1`));
    await client.create(path, cm(ns, 'a4', '2'));
    await client.mergePatch(`${path}/a1`, { data: { v: '2' } });
    await converged(client, path, inf, mirror, 'live events');
    assert.deepEqual(
      inf
        .byIndex('v', '2')
        .map((o) => o.metadata.name)
        .sort(),
      ['a1', 'a4'],
    );

    /** Kills the hub, changes things through a hub on another port, then serves the original port again. */
    const restartWithOfflineChanges = async (
      offlineArgs: string[],
      change: (c: KubeClient) => Promise<void>,
      settleMs: number,
    ): Promise<void> => {
      const port = hub.port;
      await hub.kill9();
      const offline = await startHub({ dataDir, extraArgs: offlineArgs });
      const offClient = new KubeClient(loadKc(offline.kubeconfig));
      await change(offClient);
      await sleep(settleMs);
      await offline.kill9();
      hub = await startHub({ dataDir, port });
    };

    // 1) Resume: the history is still there, so the watch resumes from its RV and replays the
    //    changes made while it was away (including the deletion), without a relist.
    const listsBefore = inf.stats.lists;
    await restartWithOfflineChanges(
      [],
      async (c) => {
        await c.delete(`${path}/a2`);
        await c.create(path, cm(ns, 'b1'));
        await c.mergePatch(`${path}/a3`, { data: { v: '2' } });
      },
      0,
    );
    await converged(client, path, inf, mirror, 'after restart 1');
    assert.equal(inf.get(`${ns}/a2`), undefined);
    assert.equal(inf.stats.lists, listsBefore, `resumed without relisting: ${JSON.stringify(inf.stats)}`);

    // 2) Expired: aggressive compaction drops the RV the informer would resume from → 410 → relist,
    //    whose diff must also emit the deletes.
    const expiredBefore = inf.stats.expired;
    await restartWithOfflineChanges(
      ['--compact-interval', '1', '--compact-keep', '1'],
      async (c) => {
        await c.delete(`${path}/a1`);
        await c.delete(`${path}/b1`);
        await c.create(path, cm(ns, 'b2'));
        for (let i = 0; i < 5; i++) await c.mergePatch(`${path}/a4`, { data: { v: String(10 + i) } });
      },
      2500,
    );
    await converged(client, path, inf, mirror, 'after restart 2 (relist)');
    assert.ok(inf.stats.expired > expiredBefore, `expected a 410 relist, stats ${JSON.stringify(inf.stats)}`);
    assert.deepEqual(
      inf
        .byIndex('v', '2')
        .map((o) => o.metadata.name)
        .sort(),
      ['a3'],
      'index follows deletes and updates',
    );

    // 3) After the restart the stream is live again.
    await client.create(path, cm(ns, 'c1'));
    await client.delete(`${path}/a3`);
    await converged(client, path, inf, mirror, 'after restart, live');
    assert.equal(synced, 1, 'synced fires once');
  });

  it('watchdog: a stalled stream (connection kept, no bytes) is restarted and catches up', async function () {
    const ns = 'rt-stall';
    await ensureNamespace(client, ns);
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    await client.create(path, cm(ns, 's1'));
    const proxy = new StallProxy(hub.port);
    const proxyPort = await proxy.listen();
    cleanups.push(() => proxy.close());
    const inf = new Informer<KubeObject>({
      kc: kcVia(kc, `https://127.0.0.1:${proxyPort}`),
      listPath: path,
      // The server-side watch timeout defaults to ~half of this, so a healthy idle stream ends
      // cleanly before the watchdog could fire.
      watchdogMs: 1500,
      backoff: { maxMs: 500 },
    });
    const mirror = mirrored(inf);
    inf.start();
    cleanups.push(() => inf.stop());
    await inf.waitForSync();
    await converged(client, path, inf, mirror, 'initial');
    await sleep(2000);
    assert.equal(inf.stats.watchdogRestarts, 0, 'a healthy idle stream never trips the watchdog');
    assert.ok(inf.stats.watches >= 2, 'watches end server-side and are resumed');

    proxy.stallAll();
    const t0 = Date.now();
    await client.create(path, cm(ns, 's2'));
    await client.delete(`${path}/s1`);
    // The stream went idle at most 1 s (its server-side timeout) before the stall, so the
    // watchdog cannot fire within the first 500 ms: nothing may arrive in that time.
    await sleep(300);
    assert.equal(inf.get(`${ns}/s2`), undefined, 'the stalled stream delivered nothing');
    await converged(client, path, inf, mirror, 'after the stall', 8000);
    const took = Date.now() - t0;
    assert.ok(inf.stats.watchdogRestarts >= 1, JSON.stringify(inf.stats));
    assert.ok(took < 6000, `caught up after ${took} ms`);
  });

  it('leader election: one leader, never two; handover on lost renewals and on release', async function () {
    await ensureNamespace(client, 'rt-lease');
    const proxy = new StallProxy(hub.port);
    const proxyPort = await proxy.listen();
    cleanups.push(() => proxy.close());

    /** Leadership intervals from the callbacks, to prove they never overlap. */
    const spans: { who: string; from: number; to?: number }[] = [];
    const make = (id: string, kcx: KubeConfig): LeaderElector =>
      new LeaderElector({
        kc: kcx,
        namespace: 'rt-lease',
        name: 'runtime-test',
        identity: id,
        leaseDurationSeconds: 2,
        renewDeadlineSeconds: 1.5,
        retryPeriodSeconds: 0.3,
        onStartedLeading: () => spans.push({ who: id, from: Date.now() }),
        onStoppedLeading: () => {
          const s = spans.findLast((x) => x.who === id && x.to === undefined);
          assert.ok(s, `${id} stopped without starting`);
          s.to = Date.now();
        },
      });
    // e1 reaches the hub through the proxy, so its renewals can be cut.
    const e1 = make('e1', kcVia(kc, `https://127.0.0.1:${proxyPort}`));
    const e2 = make('e2', kc);
    cleanups.push(() => e1.stop());
    cleanups.push(() => e2.stop());

    let both = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      samples++;
      if (e1.isLeader() && e2.isLeader()) both++;
    }, 50);
    cleanups.push(() => clearInterval(sampler));

    e1.start();
    await waitFor('e1 leads', () => e1.isLeader() || undefined, 5000, 20);
    e2.start();
    await sleep(1200);
    assert.ok(e1.isLeader() && !e2.isLeader(), 'the holder keeps the lease; the candidate waits');
    assert.equal(e2.observedLeader(), 'e1');

    // Cut e1 off: its renewals hang, it must step down within the renew deadline, and e2 may
    // only take over once the lease has expired.
    proxy.stallNew = true;
    proxy.stallAll();
    const cut = Date.now();
    await waitFor('e1 steps down', () => !e1.isLeader() || undefined, 3000, 20);
    const stepDown = Date.now() - cut;
    await waitFor('e2 leads', () => e2.isLeader() || undefined, 5000, 20);
    const takeover = Date.now() - cut;
    assert.ok(stepDown <= 1600, `e1 stepped down after ${stepDown} ms`);
    assert.ok(takeover <= 2000 + 300 * 1.2 + 600, `e2 took over after ${takeover} ms`);

    // e1 rejoins as a candidate but must not win against a live holder.
    proxy.heal();
    await sleep(1000);
    assert.ok(!e1.isLeader() && e2.isLeader());

    // Release: e2 stops and clears the holder, so e1 takes over without waiting out the lease.
    const released = Date.now();
    await e2.stop();
    await waitFor('e1 leads again', () => e1.isLeader() || undefined, 3000, 10);
    const handover = Date.now() - released;
    assert.ok(handover < 1200, `handover after release took ${handover} ms`);

    await e1.stop();
    clearInterval(sampler);
    const lease = await client.get<Lease>(
      '/apis/coordination.k8s.io/v1/namespaces/rt-lease/leases/runtime-test',
    );
    assert.equal(lease.spec?.holderIdentity ?? '', '', 'released on stop');
    assert.ok((lease.spec?.leaseTransitions ?? 0) >= 2, JSON.stringify(lease.spec));
    assert.match(lease.spec?.renewTime ?? '', /\.\d{6}Z$/);

    assert.equal(both, 0, `both leaders in ${both}/${samples} samples`);
    assert.ok(samples > 50);
    const ordered = [...spans].sort((a, b) => a.from - b.from);
    assert.deepEqual(
      ordered.map((s) => s.who),
      ['e1', 'e2', 'e1'],
    );
    for (let i = 1; i < ordered.length; i++) {
      const prev = ordered[i - 1];
      assert.ok(
        prev.to !== undefined && prev.to <= ordered[i].from,
        `spans overlap: ${JSON.stringify(ordered)}`,
      );
    }
  });
});
