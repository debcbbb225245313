import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import * as k8s from '@kubernetes/client-node';
import {
  cleanup,
  kubectlOk,
  kubectlSpawn,
  request,
  startHub,
  tempDir,
  toYaml,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';

interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface WatchObject {
  kind?: string;
  apiVersion?: string;
  metadata?: Meta;
  data?: Record<string, string>;
  status?: string;
  reason?: string;
  code?: number;
}

interface WatchEvent {
  type: string;
  object: WatchObject;
}

interface OpenWatch {
  status: number;
  events: WatchEvent[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  isEnded(): boolean;
  close(): void;
}

/** Opens a raw HTTPS watch as admin and collects its events line by line while it streams. */
function openWatch(hub: HubProcess, path: string): Promise<OpenWatch> {
  const u = new URL(path, hub.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        method: 'GET',
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        ca: hub.tls.ca,
        cert: hub.tls.cert,
        key: hub.tls.key,
        agent: false,
      },
      (res) => {
        const events: WatchEvent[] = [];
        let buf = '';
        let done = false;
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line) events.push(JSON.parse(line) as WatchEvent);
          }
        });
        const ended = new Promise<void>((r) => {
          res.on('end', () => {
            done = true;
            r();
          });
          res.on('close', () => {
            done = true;
            r();
          });
        });
        resolve({
          status: res.statusCode ?? 0,
          events,
          ended,
          isEnded: () => done,
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Compact view of events for deep-equal assertions. */
const summary = (events: WatchEvent[]): string[] =>
  events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''} ${e.object.metadata?.resourceVersion ?? ''}`);

const configMap = (
  ns: string,
  name: string,
  data: Record<string, string> = { k: 'v' },
  labels?: Record<string, string>,
) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  data,
});

async function createNs(hub: HubProcess, name: string): Promise<void> {
  const r = await request(hub, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  });
  assert.equal(r.status, 201, r.body);
}

/** Creates a configmap over raw HTTPS; returns its resourceVersion. */
async function createCm(
  hub: HubProcess,
  ns: string,
  name: string,
  labels?: Record<string, string>,
): Promise<string> {
  const r = await request(
    hub,
    'POST',
    `/api/v1/namespaces/${ns}/configmaps`,
    configMap(ns, name, { k: 'v' }, labels),
  );
  assert.equal(r.status, 201, r.body);
  return r.json<WatchObject>().metadata?.resourceVersion as string;
}

async function patchCm(hub: HubProcess, ns: string, name: string, patch: object): Promise<string> {
  const r = await request(hub, 'PATCH', `/api/v1/namespaces/${ns}/configmaps/${name}`, patch, {
    'content-type': 'application/merge-patch+json',
  });
  assert.equal(r.status, 200, r.body);
  return r.json<WatchObject>().metadata?.resourceVersion as string;
}

/** Deletes a configmap (no finalizers: 200). */
async function deleteCm(hub: HubProcess, ns: string, name: string): Promise<void> {
  const r = await request(hub, 'DELETE', `/api/v1/namespaces/${ns}/configmaps/${name}`);
  assert.equal(r.status, 200, r.body);
}

/** Waits for an event for `name` to arrive: since events are ordered, everything before it has too. */
function waitForEvent(w: OpenWatch, type: string, name: string, timeoutMs = 10_000): Promise<WatchEvent> {
  return waitFor(
    `${type} ${name} on the watch (got ${JSON.stringify(summary(w.events))})`,
    () => w.events.find((e) => e.type === type && e.object.metadata?.name === name),
    timeoutMs,
    20,
  );
}

describe('watch (real hub)', function () {
  let hub: HubProcess;

  before(async function () {
    this.timeout(40_000);
    hub = await startHub();
    for (const ns of ['kw', 'sel', 'resume', 'other']) await createNs(hub, ns);
  });

  after(async function () {
    if (!hub) return;
    await hub.stop();
    cleanup(hub.dataDir);
  });

  it('kubectl get -w --output-watch-events sees ADDED, MODIFIED, DELETED from apply, label, delete', async function () {
    this.timeout(45_000);
    const w = kubectlSpawn(hub.kubeconfig, ['get', 'configmaps', '-n', 'kw', '-w', '--output-watch-events']);
    try {
      const rows = (): string[][] =>
        w
          .output()
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((cols) => cols[1] === 'c1');
      kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], toYaml(configMap('kw', 'c1', { a: '1', b: '2' })));
      await waitFor(
        `ADDED row for c1 in:\n${w.output()}`,
        () => rows().some((r) => r[0] === 'ADDED'),
        15_000,
      );

      kubectlOk(hub.kubeconfig, ['label', 'configmap', 'c1', '-n', 'kw', 'tier=web']);
      await waitFor(`MODIFIED row for c1`, () => rows().some((r) => r[0] === 'MODIFIED'), 15_000);

      kubectlOk(hub.kubeconfig, ['delete', 'configmap', 'c1', '-n', 'kw']);
      await waitFor(`DELETED row for c1`, () => rows().some((r) => r[0] === 'DELETED'), 15_000);

      // The watch must still be alive (kubectl exits on a broken stream), and every event arrived once.
      assert.equal(w.exitCode, null, `kubectl -w exited early:\n${w.output()}`);
      assert.deepEqual(
        rows().map((r) => r[0]),
        ['ADDED', 'MODIFIED', 'DELETED'],
        w.output(),
      );
      // DATA column: the configmap has two keys in every event.
      assert.deepEqual(
        rows().map((r) => r[2]),
        ['2', '2', '2'],
        w.output(),
      );
      const header = w.output().split('\n')[0];
      assert.match(header, /^EVENT\s+NAME\s+DATA\s+AGE/, w.output());
    } finally {
      w.kill();
    }
  });

  it('a label-selector watch sees ADDED when an object gains the label and DELETED when it loses it', async () => {
    const rv0 = await createCm(hub, 'sel', 's1');
    const w = await openWatch(
      hub,
      `/api/v1/namespaces/sel/configmaps?watch=true&labelSelector=a%3Db&resourceVersion=${rv0}`,
    );
    try {
      assert.equal(w.status, 200);
      await createCm(hub, 'sel', 'unlabelled'); // never matches: must not appear
      await createCm(hub, 'other', 's1', { a: 'b' }); // other namespace: must not appear
      const rvGain = await patchCm(hub, 'sel', 's1', { metadata: { labels: { a: 'b' } } });
      const rvMod = await patchCm(hub, 'sel', 's1', { data: { k: 'changed' } });
      const rvLose = await patchCm(hub, 'sel', 's1', { metadata: { labels: { a: 'c' } } });
      await deleteCm(hub, 'sel', 's1'); // already outside the selection: no event
      await createCm(hub, 'sel', 'sentinel', { a: 'b' });
      await waitForEvent(w, 'ADDED', 'sentinel');

      assert.deepEqual(summary(w.events).slice(0, -1), [
        `ADDED s1 ${rvGain}`,
        `MODIFIED s1 ${rvMod}`,
        `DELETED s1 ${rvLose}`,
      ]);
      assert.equal(w.events.length, 4, JSON.stringify(summary(w.events)));
      const [added, modified, deleted] = w.events;
      assert.equal(added.object.metadata?.labels?.a, 'b');
      assert.equal(modified.object.data?.k, 'changed');
      // Leaving the selection: DELETED carries the last state that matched, at the change's revision.
      assert.equal(deleted.object.metadata?.labels?.a, 'b');
      assert.equal(deleted.object.data?.k, 'changed');
      assert.equal(deleted.object.metadata?.namespace, 'sel');
    } finally {
      w.close();
    }
  });

  it('resumes exactly from a resourceVersion: only later events, no synthetic ADDED', async () => {
    const rv1 = await createCm(hub, 'resume', 'r1');
    const rv2 = await patchCm(hub, 'resume', 'r1', { data: { k: 'v2' } });
    const rv3 = await createCm(hub, 'resume', 'r2');
    await deleteCm(hub, 'resume', 'r1');
    const afterDelete = await request(hub, 'GET', '/api/v1/namespaces/resume/configmaps');
    const rv4 = afterDelete.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    await createCm(hub, 'other', 'noise');

    // From rv1: the patch, the second create and the delete, in order; r1's creation is not replayed.
    const w = await openWatch(hub, `/api/v1/namespaces/resume/configmaps?watch=true&resourceVersion=${rv1}`);
    // From the latest revision: nothing old at all.
    const wLatest = await openWatch(
      hub,
      `/api/v1/namespaces/resume/configmaps?watch=true&resourceVersion=${rv4}`,
    );
    try {
      assert.equal(w.status, 200);
      const rvS = await createCm(hub, 'resume', 'sentinel');
      await waitForEvent(w, 'ADDED', 'sentinel');
      await waitForEvent(wLatest, 'ADDED', 'sentinel');
      assert.deepEqual(summary(w.events), [
        `MODIFIED r1 ${rv2}`,
        `ADDED r2 ${rv3}`,
        // The deletion's revision (nothing else was written between it and the list).
        `DELETED r1 ${rv4}`,
        `ADDED sentinel ${rvS}`,
      ]);
      assert.equal(w.events[2].object.data?.k, 'v2', 'DELETED carries the last state');
      assert.deepEqual(summary(wLatest.events), [`ADDED sentinel ${rvS}`]);
    } finally {
      w.close();
      wLatest.close();
    }
  });

  it('resourceVersion=0 or unset sends synthetic ADDED for current objects first, then live events', async () => {
    await createNs(hub, 'initial');
    const rvA = await createCm(hub, 'initial', 'a');
    const rvB0 = await createCm(hub, 'initial', 'b');
    const rvB = await patchCm(hub, 'initial', 'b', { data: { k: 'b2' } });
    await createCm(hub, 'initial', 'gone');
    await deleteCm(hub, 'initial', 'gone');
    assert.ok(Number(rvB) > Number(rvB0));

    for (const query of [
      'watch=true&resourceVersion=0',
      'watch=true',
      'watch=true&allowWatchBookmarks=true',
    ]) {
      const w = await openWatch(hub, `/api/v1/namespaces/initial/configmaps?${query}`);
      try {
        assert.equal(w.status, 200);
        await waitFor(`two synthetic events for ${query}`, () => w.events.length >= 2 || undefined, 5000, 20);
        const name = `live-${w.events.length}-${query.length}`;
        const rvLive = await createCm(hub, 'initial', name);
        await waitForEvent(w, 'ADDED', name);
        const nonBookmark = w.events.filter((e) => e.type !== 'BOOKMARK');
        // Current state only (b at its latest revision, no 'gone'), then the live event.
        assert.deepEqual(
          summary(nonBookmark),
          [`ADDED a ${rvA}`, `ADDED b ${rvB}`, `ADDED ${name} ${rvLive}`],
          query,
        );
        if (!query.includes('allowWatchBookmarks')) {
          assert.ok(!w.events.some((e) => e.type === 'BOOKMARK'), `no bookmarks unless asked (${query})`);
        }
        await deleteCm(hub, 'initial', name);
      } finally {
        w.close();
      }
    }
  });

  it('sendInitialEvents=true with allowWatchBookmarks ends the initial ADDED events with an initial-events-end bookmark', async () => {
    await createNs(hub, 'watchlist');
    const rvA = await createCm(hub, 'watchlist', 'a');
    const w = await openWatch(
      hub,
      '/api/v1/namespaces/watchlist/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan',
    );
    try {
      assert.equal(w.status, 200);
      const bm = await waitFor(
        'initial-events-end bookmark',
        () => w.events.find((e) => e.type === 'BOOKMARK'),
        5000,
        20,
      );
      assert.deepEqual(summary(w.events.slice(0, 1)), [`ADDED a ${rvA}`]);
      assert.equal(w.events[1], bm, 'the bookmark comes right after the initial events');
      assert.equal(bm.object.kind, 'ConfigMap');
      assert.equal(bm.object.apiVersion, 'v1');
      assert.equal(bm.object.metadata?.annotations?.['k8s.io/initial-events-end'], 'true');
      assert.ok(Number(bm.object.metadata?.resourceVersion) >= Number(rvA));
    } finally {
      w.close();
    }
  });

  it('never delivers events at or before a resourceVersion newer than the server has (too large RV)', async function () {
    this.timeout(10_000);
    await createNs(hub, 'future');
    const list = await request(hub, 'GET', '/api/v1/namespaces/future/configmaps');
    const current = Number(list.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion);
    const requested = current + 1000;
    const w = await openWatch(
      hub,
      `/api/v1/namespaces/future/configmaps?watch=true&resourceVersion=${requested}`,
    );
    try {
      assert.equal(w.status, 200);
      await createCm(hub, 'future', 'f1'); // at a revision far below `requested`
      // kube-apiserver waits up to 3 s to catch up, then sends ERROR (504, ResourceVersionTooLarge) and
      // ends; it never sends f1, whose revision is not after the one the client asked to resume from.
      await waitFor(
        'an event or the end of the stream',
        () => w.events.length > 0 || w.isEnded() || undefined,
        4000,
        20,
      ).catch(() => undefined);
      const stale = w.events.filter(
        (e) => e.type !== 'ERROR' && Number(e.object.metadata?.resourceVersion) <= requested,
      );
      assert.deepEqual(summary(stale), [], `events not after resourceVersion ${requested}`);
    } finally {
      w.close();
    }
  });

  it('honours timeoutSeconds by ending the stream', async function () {
    this.timeout(10_000);
    const started = Date.now();
    const w = await openWatch(hub, '/api/v1/namespaces/kw/configmaps?watch=true&timeoutSeconds=1');
    try {
      await Promise.race([w.ended, new Promise((r) => setTimeout(r, 5000))]);
      assert.ok(w.isEnded(), 'watch with timeoutSeconds=1 still open after 5 s');
      assert.ok(Date.now() - started >= 900, 'ended before the timeout');
    } finally {
      w.close();
    }
  });
});

describe('watch from a compacted revision (real hub, --compact-interval 1 --compact-keep 1)', function () {
  let hub: HubProcess;

  before(async function () {
    this.timeout(40_000);
    hub = await startHub({ extraArgs: ['--compact-interval', '1', '--compact-keep', '1'] });
  });

  after(async function () {
    if (!hub) return;
    await hub.stop();
    cleanup(hub.dataDir);
  });

  it('answers 200 with one ERROR event (Status 410 Expired) and ends the stream', async function () {
    this.timeout(20_000);
    await createNs(hub, 'c');
    const first = await createCm(hub, 'c', 'c0');
    for (let i = 1; i <= 5; i++) await patchCm(hub, 'c', 'c0', { data: { k: `v${i}` } });
    await createCm(hub, 'c', 'c1');
    await new Promise((r) => setTimeout(r, 2500));

    const w = await openWatch(hub, `/api/v1/namespaces/c/configmaps?watch=true&resourceVersion=${first}`);
    try {
      assert.equal(w.status, 200);
      await Promise.race([w.ended, new Promise((r) => setTimeout(r, 5000))]);
      assert.ok(w.isEnded(), `the stream must end after the ERROR event; got ${JSON.stringify(w.events)}`);
      assert.equal(w.events.length, 1, JSON.stringify(w.events));
      const [ev] = w.events;
      assert.equal(ev.type, 'ERROR');
      assert.equal(ev.object.kind, 'Status');
      assert.equal(ev.object.apiVersion, 'v1');
      assert.equal(ev.object.status, 'Failure');
      assert.equal(ev.object.code, 410);
      assert.equal(ev.object.reason, 'Expired');
    } finally {
      w.close();
    }

    // A client that relists (as informers do on 410) gets a list and can watch from its revision.
    const list = await request(hub, 'GET', '/api/v1/namespaces/c/configmaps');
    assert.equal(list.status, 200, list.body);
    const rv = list.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const w2 = await openWatch(hub, `/api/v1/namespaces/c/configmaps?watch=true&resourceVersion=${rv}`);
    try {
      assert.equal(w2.status, 200);
      const rvNew = await patchCm(hub, 'c', 'c1', { data: { k: 'after' } });
      await waitForEvent(w2, 'MODIFIED', 'c1');
      assert.deepEqual(summary(w2.events), [`MODIFIED c1 ${rvNew}`]);
    } finally {
      w2.close();
    }
  });
});

describe('@kubernetes/client-node informer across a hub restart', function () {
  let hub: HubProcess | undefined;
  const dataDir = tempDir();

  after(async function () {
    await hub?.stop();
    cleanup(dataDir);
  });

  it('keeps its cache exact (names and resourceVersions) across kill -9 and restart on the same port', async function () {
    this.timeout(50_000);
    hub = await startHub({ dataDir });
    const port = hub.port;
    await createNs(hub, 'inf');

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(hub.kubeconfig);
    const api = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer<k8s.V1ConfigMap>(kc, '/api/v1/namespaces/inf/configmaps', () =>
      api.listNamespacedConfigMap({ namespace: 'inf' }),
    );
    let stopped = false;
    let errors = 0;
    let restartTimer: NodeJS.Timeout | undefined;
    informer.on('error', () => {
      errors++;
      if (stopped || errors > 200) return;
      // The informer stops on errors other than 410: restart it after a short delay.
      restartTimer = setTimeout(() => {
        if (!stopped) void informer.start().catch(() => undefined);
      }, 200);
    });

    const cache = (): string[] =>
      informer
        .list('inf')
        .map((o) => `${o.metadata?.name} ${o.metadata?.resourceVersion}`)
        .sort();
    const server = async (h: HubProcess): Promise<string[]> => {
      const r = await request(h, 'GET', '/api/v1/namespaces/inf/configmaps');
      assert.equal(r.status, 200, r.body);
      return r
        .json<{ items: WatchObject[] }>()
        .items.map((o) => `${o.metadata?.name} ${o.metadata?.resourceVersion}`)
        .sort();
    };

    try {
      await informer.start();
      for (const n of ['a1', 'a2', 'a3']) await createCm(hub, 'inf', n);
      await patchCm(hub, 'inf', 'a3', { data: { k: 'a3-v2' } });
      const before = await server(hub);
      await waitFor('informer to see the first objects', async () => {
        const c = cache();
        return c.length === before.length && c.every((x, i) => x === before[i]);
      });

      await hub.kill9();
      hub = await startHub({ dataDir, port });
      assert.equal(hub.port, port);

      // Changes while the informer is still disconnected or reconnecting.
      for (const n of ['b1', 'b2', 'b3']) await createCm(hub, 'inf', n);
      await deleteCm(hub, 'inf', 'a1');
      await patchCm(hub, 'inf', 'a2', { data: { k: 'a2-v2' } });
      await deleteCm(hub, 'inf', 'b2');
      await createCm(hub, 'inf', 'a1'); // same name, new object

      const h = hub;
      let want: string[] = [];
      await waitFor(
        'informer cache to equal the server list after the restart',
        async () => {
          want = await server(h);
          const c = cache();
          return c.length === want.length && c.every((x, i) => x === want[i]);
        },
        20_000,
        200,
      ).catch((e: Error) => {
        throw new Error(
          `${e.message}\ninformer: ${JSON.stringify(cache())}\nserver:   ${JSON.stringify(want)}`,
        );
      });
      assert.deepEqual(
        cache().map((x) => x.split(' ')[0]),
        ['a1', 'a2', 'a3', 'b1', 'b3'],
      );
      // Recreated a1 is the new object, not the stale cached one.
      const a1 = informer.get('a1', 'inf');
      const live = await request(h, 'GET', '/api/v1/namespaces/inf/configmaps/a1');
      assert.equal(a1?.metadata?.uid, live.json<WatchObject>().metadata?.uid);
    } finally {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      await informer.stop();
    }
  });
});
