import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { KubeObject } from '../../../../api/kubernetes.js';
import { startApiServer, type RunningApiServer } from '../../../../apiserver/boot.js';
import { coreToEventsV1, eventsV1ToCore } from '../../../../apiserver/events/conversion.js';
import { expiredKeys, lastWriteMs } from '../../../../apiserver/events/ttl.js';
import { KubeClient } from '../../../../client/client.js';
import { Informer } from '../../../../client/informer.js';
import { cleanup, tempDir, waitFor } from '../../../helpers/hub.js';

const CORE: KubeObject = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web.1', namespace: 'ns' },
  involvedObject: { kind: 'Pod', name: 'web', namespace: 'ns' },
  reason: 'Started',
  message: 'Started container web',
  source: { component: 'kubelet', host: 'n1' },
  firstTimestamp: '2026-01-01T00:00:00Z',
  lastTimestamp: '2026-01-01T00:01:00Z',
  count: 3,
  type: 'Normal',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'n1',
};

const EVENTS_V1: KubeObject = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'web.1', namespace: 'ns' },
  regarding: { kind: 'Pod', name: 'web', namespace: 'ns' },
  reason: 'Started',
  note: 'Started container web',
  deprecatedSource: { component: 'kubelet', host: 'n1' },
  deprecatedFirstTimestamp: '2026-01-01T00:00:00Z',
  deprecatedLastTimestamp: '2026-01-01T00:01:00Z',
  deprecatedCount: 3,
  type: 'Normal',
  eventTime: null,
  reportingController: 'kubelet',
  reportingInstance: 'n1',
};

describe('events.k8s.io/v1 ↔ core/v1 Event conversion', () => {
  it('renames the fields both ways and round-trips', () => {
    assert.deepEqual(coreToEventsV1(CORE), EVENTS_V1);
    assert.deepEqual(eventsV1ToCore(EVENTS_V1), CORE);
    assert.deepEqual(eventsV1ToCore(coreToEventsV1(CORE)), CORE);
    // Already in the wanted version: unchanged.
    assert.equal(coreToEventsV1(EVENTS_V1), EVENTS_V1);
    assert.equal(eventsV1ToCore(CORE), CORE);
  });
});

describe('event TTL decisions', () => {
  it('last write: the newest of the event timestamps', () => {
    const cases: [string, KubeObject, string][] = [
      ['creation only', { metadata: { creationTimestamp: '2026-01-01T00:00:00Z' } }, '2026-01-01T00:00:00Z'],
      [
        'lastTimestamp after creation',
        { metadata: { creationTimestamp: '2026-01-01T00:00:00Z' }, lastTimestamp: '2026-01-01T00:05:00Z' },
        '2026-01-01T00:05:00Z',
      ],
      [
        'series',
        {
          metadata: {},
          eventTime: '2026-01-01T00:00:00.000000Z',
          series: { lastObservedTime: '2026-01-01T00:09:00Z' },
        },
        '2026-01-01T00:09:00Z',
      ],
      [
        'a managedFields update (a PATCH bumping count)',
        {
          metadata: {
            creationTimestamp: '2026-01-01T00:00:00Z',
            managedFields: [
              {
                manager: 'm',
                operation: 'Update',
                apiVersion: 'v1',
                fieldsType: 'FieldsV1',
                fieldsV1: {},
                time: '2026-01-01T00:07:00Z',
              },
            ],
          },
        },
        '2026-01-01T00:07:00Z',
      ],
    ];
    for (const [name, o, want] of cases) assert.equal(lastWriteMs(o), Date.parse(want), name);
  });

  it('expired keys: due ones only, oldest first', () => {
    const m = new Map([
      ['a', { revision: 1, expiresMs: 300 }],
      ['b', { revision: 2, expiresMs: 100 }],
      ['c', { revision: 3, expiresMs: 1000 }],
    ]);
    assert.deepEqual(
      expiredKeys(m, 500).map(([k]) => k),
      ['b', 'a'],
    );
    assert.deepEqual(expiredKeys(m, 50), []);
  });
});

describe('Events in the API server: one storage for core/v1 and events.k8s.io/v1, and a TTL', function () {
  this.timeout(60_000);
  let dir: string;
  let api: RunningApiServer;
  let client: KubeClient;
  const TTL_MS = 3000;

  before(async () => {
    dir = tempDir('edgefed-events-api-');
    api = await startApiServer({
      dataDir: dir,
      port: 0,
      bind: '127.0.0.1',
      logger: pino({ level: 'silent' }),
      eventTtlMs: TTL_MS,
    });
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    client = new KubeClient(kc);
  });
  after(async () => {
    await api?.close();
    cleanup(dir);
  });

  const coreList = '/api/v1/namespaces/default/events';
  const v1List = '/apis/events.k8s.io/v1/namespaces/default/events';

  it('an event written through either API is read through both', async () => {
    const core = { ...CORE, metadata: { name: 'a.1', namespace: 'default' } };
    await client.create(coreList, core);
    const asV1 = await client.get<KubeObject>(`${v1List}/a.1`);
    assert.equal(asV1.apiVersion, 'events.k8s.io/v1');
    assert.equal(asV1.note, 'Started container web');
    assert.deepEqual(asV1.regarding, CORE.involvedObject);
    assert.equal(asV1.deprecatedCount, 3);

    const v1 = { ...EVENTS_V1, metadata: { name: 'b.1', namespace: 'default' }, note: 'from events.k8s.io' };
    await client.create(v1List, v1);
    const asCore = await client.get<KubeObject>(`${coreList}/b.1`);
    assert.equal(asCore.apiVersion, 'v1');
    assert.equal(asCore.message, 'from events.k8s.io');
    assert.equal(asCore.reportingComponent, 'kubelet');

    const names = async (p: string) => (await client.list(p)).items.map((e) => e.metadata.name).sort();
    assert.deepEqual(await names(v1List), ['a.1', 'b.1']);
    assert.deepEqual(await names(coreList), ['a.1', 'b.1']);
    // A patch through events.k8s.io changes the one object.
    await client.mergePatch(`${v1List}/a.1`, { deprecatedCount: 4 });
    assert.equal((await client.get<KubeObject>(`${coreList}/a.1`)).count, 4);
  });

  it('a watch on events.k8s.io/v1 delivers core Events converted', async () => {
    const informer = new Informer<KubeObject>({ kc: client.kc, listPath: v1List, resyncMs: 0 });
    const seen: KubeObject[] = [];
    informer.on('add', (o) => seen.push(o));
    informer.on('update', (o) => seen.push(o));
    informer.start();
    try {
      await informer.waitForSync();
      await client.create(coreList, {
        ...CORE,
        metadata: { name: 'w.1', namespace: 'default' },
        message: 'live',
      });
      const got = await waitFor('the watch event', () => seen.find((o) => o.metadata.name === 'w.1'));
      assert.equal(got.apiVersion, 'events.k8s.io/v1');
      assert.equal(got.note, 'live');
      assert.equal(got.message, undefined);
    } finally {
      await informer.stop();
    }
  });

  it('deletes events one TTL after their last write; a write in between keeps one longer', async () => {
    const mk = (name: string) => ({ ...CORE, metadata: { name, namespace: 'default' } });
    await client.create(coreList, mk('old.1'));
    await client.create(coreList, mk('kept.1'));
    const started = Date.now();
    // Written again before the TTL: lives one TTL from this write.
    await new Promise((r) => setTimeout(r, TTL_MS / 2));
    await client.mergePatch(`${coreList}/kept.1`, { count: 5 });
    const patchedAt = Date.now();
    await waitFor(
      'old.1 expired',
      async () => ((await client.getIfExists(`${coreList}/old.1`)) ? undefined : true),
      TTL_MS * 4,
    );
    assert.ok(Date.now() - started >= TTL_MS, 'not before the TTL');
    if (Date.now() - patchedAt < TTL_MS) assert.ok(await client.getIfExists(`${coreList}/kept.1`));
    await waitFor(
      'kept.1 expired',
      async () => ((await client.getIfExists(`${coreList}/kept.1`)) ? undefined : true),
      TTL_MS * 4,
    );
    assert.ok(Date.now() - patchedAt >= TTL_MS, 'counted from the last write');
    // Other kinds are untouched.
    assert.ok(await client.getIfExists('/api/v1/namespaces/default'));
  });
});
