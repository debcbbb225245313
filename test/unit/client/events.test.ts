import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startApiServer, type RunningApiServer } from '../../../apiserver/boot.js';
import { KubeClient } from '../../../client/client.js';
import { EventBroadcaster, newEvent, refFor } from '../../../client/events.js';
import {
  COMBINED_PREFIX,
  EventCorrelator,
  Lru,
  takeToken,
  type CoreEvent,
  type EventType,
} from '../../../client/events/correlator.js';
import { cleanup, tempDir } from '../../helpers/hub.js';

const POD = { apiVersion: 'v1', kind: 'Pod', namespace: 'ns', name: 'web-1', uid: 'u1' };
const T0 = Date.parse('2026-01-01T00:00:00Z');

function ev(
  reason: string,
  message: string,
  o: { type?: EventType; name?: string; at?: number } = {},
): CoreEvent {
  return newEvent(
    { ...POD, name: o.name ?? POD.name },
    { component: 'kubelet', host: 'node-1' },
    o.type ?? 'Normal',
    reason,
    message,
    o.at ?? T0,
  );
}

describe('event correlator (client-go EventCorrelator)', () => {
  it('token bucket: burst, then one token per refill period', () => {
    const cases: { name: string; steps: [number, boolean][]; burst: number; qps: number }[] = [
      {
        name: 'burst 2 at one instant',
        burst: 2,
        qps: 1,
        steps: [
          [0, true],
          [0, true],
          [0, false],
        ],
      },
      {
        name: 'refills at qps',
        burst: 1,
        qps: 1,
        steps: [
          [0, true],
          [500, false],
          [1000, true],
        ],
      },
      {
        name: 'never above burst',
        burst: 2,
        qps: 1,
        steps: [
          [0, true],
          [100_000, true],
          [100_000, true],
          [100_000, false],
        ],
      },
      {
        name: 'client-go: 1 per 5 min',
        burst: 1,
        qps: 1 / 300,
        steps: [
          [0, true],
          [299_000, false],
          [300_000, true],
        ],
      },
    ];
    for (const c of cases) {
      let bucket;
      for (const [i, [at, want]] of c.steps.entries()) {
        const r = takeToken(bucket, at, c.burst, c.qps);
        bucket = r.bucket;
        assert.equal(r.allowed, want, `${c.name}: step ${i}`);
      }
    }
  });

  it('LRU keeps the most recently used entries', () => {
    const l = new Lru<number>(2);
    l.set('a', 1);
    l.set('b', 2);
    l.get('a');
    l.set('c', 3);
    assert.equal(l.get('b'), undefined);
    assert.equal(l.get('a'), 1);
    assert.equal(l.size, 2);
  });

  it('dedups identical events into one object with a growing count (a PATCH)', () => {
    const c = new EventCorrelator();
    const first = c.correlate(ev('BackOff', 'Back-off restarting failed container'), T0);
    assert.equal(first.patch, undefined);
    assert.equal(first.skip, false);
    c.written({ ...first.event, metadata: { ...first.event.metadata, resourceVersion: '7' } });
    const second = c.correlate(
      ev('BackOff', 'Back-off restarting failed container', { at: T0 + 10_000 }),
      T0 + 10_000,
    );
    assert.deepEqual(second.patch, {
      count: 2,
      lastTimestamp: '2026-01-01T00:00:10Z',
      message: 'Back-off restarting failed container',
    });
    assert.equal(second.event.metadata.name, first.event.metadata.name);
    assert.equal(second.event.firstTimestamp, '2026-01-01T00:00:00Z');
    assert.equal(second.event.metadata.resourceVersion, '7');
  });

  it('table: which events are new, repeats or combined', () => {
    const cases: { name: string; events: [string, string, EventType?][]; want: string[] }[] = [
      {
        name: 'different reasons are different events',
        events: [
          ['Pulling', 'a'],
          ['Pulled', 'a'],
        ],
        want: ['new', 'new'],
      },
      {
        name: 'different types are different events',
        events: [
          ['X', 'a', 'Normal'],
          ['X', 'a', 'Warning'],
        ],
        want: ['new', 'new'],
      },
      {
        name: 'same event repeats',
        events: [
          ['X', 'a'],
          ['X', 'a'],
          ['X', 'a'],
        ],
        want: ['new', 'repeat 2', 'repeat 3'],
      },
      {
        name: '10th distinct message is combined, later ones repeat the combined event',
        events: [...Array.from({ length: 12 }, (_, i): [string, string] => ['Failed', `m${i}`])],
        want: [...Array.from({ length: 9 }, () => 'new'), 'combined', 'repeat 2', 'repeat 3'],
      },
    ];
    for (const c of cases) {
      const corr = new EventCorrelator();
      const got = c.events.map(([reason, msg, type], i) => {
        const r = corr.correlate(ev(reason, msg, { type, at: T0 + i * 1000 }), T0 + i * 1000);
        if (!r.patch) corr.written(r.event, corr.keyOf(r.event));
        if (r.patch) return `repeat ${r.patch.count}`;
        return r.event.message.startsWith(COMBINED_PREFIX) ? 'combined' : 'new';
      });
      assert.deepEqual(got, c.want, c.name);
    }
  });

  it('aggregation window: similar events spread beyond 10 minutes are not combined', () => {
    const corr = new EventCorrelator();
    for (let i = 0; i < 12; i++) {
      const at = T0 + i * 601_000;
      const r = corr.correlate(ev('Failed', `m${i}`, { at }), at);
      assert.ok(!r.event.message.startsWith(COMBINED_PREFIX), `event ${i}`);
    }
  });

  it('spam filter: 25 events per source+object, then one per 5 minutes', () => {
    const corr = new EventCorrelator();
    const allowed = (at: number, reason: string): boolean =>
      !corr.correlate(ev(reason, 'x', { at }), at).skip;
    const first = Array.from({ length: 30 }, (_, i) => allowed(T0 + i * 1000, `R${i % 3}`));
    assert.equal(first.filter(Boolean).length, 25);
    assert.deepEqual(first.slice(25), [false, false, false, false, false]);
    // Another object has its own bucket.
    assert.equal(!corr.correlate(ev('R0', 'x', { name: 'other' }), T0 + 31_000).skip, true);
    assert.equal(allowed(T0 + 29_000 + 300_000, 'R0'), true);
    assert.equal(allowed(T0 + 29_000 + 301_000, 'R0'), false);
  });
});

describe('event recorder against a real API server', function () {
  this.timeout(60_000);
  let dir: string;
  let site: RunningApiServer;
  let client: KubeClient;

  before(async () => {
    dir = tempDir('edgefed-events-');
    site = await startApiServer({
      dataDir: dir,
      port: 0,
      bind: '127.0.0.1',
      logger: pino({ level: 'silent' }),
    });
    const kc = new KubeConfig();
    kc.loadFromFile(site.kubeconfigPath);
    client = new KubeClient(kc);
  });
  after(async () => {
    await site?.close();
    cleanup(dir);
  });

  interface Listed {
    metadata: { name: string };
    reason: string;
    count: number;
    message: string;
    involvedObject: { name: string; kind: string; uid: string };
    source: { component: string; host: string };
    reportingComponent: string;
    reportingInstance: string;
    type: string;
  }
  const list = async (ns: string): Promise<Listed[]> =>
    (await client.list<Listed>(`/api/v1/namespaces/${ns}/events`)).items;

  it('writes core/v1 Events, dedups repeats into a count, and never blocks the caller', async () => {
    let now = T0;
    const b = new EventBroadcaster({ client, now: () => now });
    const rec = b.newRecorder({ component: 'kubelet', host: 'node-1' });
    const pod = { metadata: { name: 'web-1', namespace: 'default', uid: 'u1' } };
    rec.event(
      refFor(pod, { apiVersion: 'v1', kind: 'Pod' }),
      'Normal',
      'Pulled',
      'Successfully pulled image "x"',
    );
    for (let i = 0; i < 5; i++) {
      now += 1000;
      rec.event(
        refFor(pod, { apiVersion: 'v1', kind: 'Pod' }),
        'Warning',
        'BackOff',
        'Back-off restarting failed container',
      );
    }
    await b.flush();
    const items = await list('default');
    const pulled = items.find((e) => e.reason === 'Pulled');
    const backoff = items.filter((e) => e.reason === 'BackOff');
    assert.ok(pulled);
    assert.match(pulled.metadata.name, /^web-1\.[0-9a-f]+$/);
    assert.deepEqual(pulled.involvedObject, {
      apiVersion: 'v1',
      kind: 'Pod',
      name: 'web-1',
      namespace: 'default',
      uid: 'u1',
    });
    assert.deepEqual(pulled.source, { component: 'kubelet', host: 'node-1' });
    assert.equal(pulled.reportingComponent, 'kubelet');
    assert.equal(pulled.reportingInstance, 'node-1');
    assert.equal(backoff.length, 1);
    assert.equal(backoff[0].count, 5);
    assert.equal(backoff[0].type, 'Warning');
    assert.deepEqual(b.stats, { queued: 6, created: 2, patched: 4, skipped: 0, dropped: 0, failed: 0 });
  });

  it('a full queue drops events instead of growing; a crash loop is spam-filtered', async () => {
    const b = new EventBroadcaster({ client, queueSize: 3 });
    const rec = b.newRecorder({ component: 'test' });
    const obj = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', namespace: 'default', uid: 'u2' },
    };
    for (let i = 0; i < 10; i++) rec.event(obj, 'Normal', 'Changed', `change ${i}`);
    // The first event is being written; three wait; the rest were dropped.
    assert.equal(b.stats.dropped, 6);
    await b.flush();
    assert.equal(b.stats.created, 4);

    const storm = new EventBroadcaster({ client });
    const r2 = storm.newRecorder({ component: 'kubelet', host: 'n' });
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'crashy', namespace: 'default', uid: 'u3' },
    };
    for (let i = 0; i < 100; i++) r2.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await storm.flush();
    assert.equal(storm.stats.skipped, 75);
    assert.equal(storm.stats.created + storm.stats.patched, 25);
    const e = (await list('default')).find((x) => x.involvedObject.name === 'crashy');
    assert.equal(e?.count, 25);
  });

  it('shutdown waits a bounded time for an unreachable API, then drops what is queued', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const b = new EventBroadcaster({ client: new KubeClient(kc) });
    const rec = b.newRecorder({ component: 'test' });
    for (let i = 0; i < 5; i++) rec.event(POD, 'Normal', 'R', `m${i}`);
    const started = Date.now();
    await b.shutdown(300);
    assert.ok(Date.now() - started < 2000, `shutdown took ${Date.now() - started} ms`);
    assert.ok(b.stats.dropped >= 4, JSON.stringify(b.stats));
    rec.event(POD, 'Normal', 'R', 'after shutdown');
    assert.equal(b.stats.queued, 5);
  });

  it('cluster-scoped objects get their events in default; a repeat of an expired event is created again', async () => {
    const b = new EventBroadcaster({ client });
    const rec = b.newRecorder({ component: 'kubelet', host: 'node-9' });
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-9', uid: 'n9' } };
    rec.event(node, 'Normal', 'NodeReady', 'Node node-9 status is now: NodeReady');
    await b.flush();
    const first = (await list('default')).find((e) => e.involvedObject.name === 'node-9');
    assert.ok(first);
    await client.delete(`/api/v1/namespaces/default/events/${first.metadata.name}`);
    rec.event(node, 'Normal', 'NodeReady', 'Node node-9 status is now: NodeReady');
    await b.flush();
    const again = (await list('default')).find((e) => e.involvedObject.name === 'node-9');
    assert.equal(again?.count, 2);
  });
});
