import assert from 'node:assert/strict';
import type { Store, StoreEvent } from '../../../../apiserver/storage/store.js';
import { StoreError } from '../../../../apiserver/storage/store.js';
import type { KubeObject } from '../../../../api/kubernetes.js';

const obj = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns' },
  ...extra,
});

/**
 * The Store contract, run against every implementation (SQLite in sqlite-store.test.ts, etcd in
 * test/integration/etcd-store.test.ts), so the API server can rely on the same semantics whatever
 * holds the data.
 */
export function describeStoreConformance(name: string, open: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('assigns increasing revisions and stamps resourceVersion', async () => {
      const a = await store.create('/r/a', obj('a'));
      const b = await store.create('/r/b', obj('b'));
      assert.ok(b.revision > a.revision);
      assert.equal(a.object.metadata.resourceVersion, String(a.revision));
      assert.equal(store.currentRevision(), b.revision);
      const got = await store.get('/r/a');
      assert.equal(got?.revision, a.revision);
    });

    it('refuses a second create of the same key', async () => {
      await store.create('/r/a', obj('a'));
      await assert.rejects(store.create('/r/a', obj('a')), (e: StoreError) => e.code === 'KeyExists');
    });

    it('updates only at the expected revision (compare-and-swap)', async () => {
      const a = await store.create('/r/a', obj('a'));
      const u = await store.update('/r/a', obj('a', { data: { x: '1' } }), a.revision);
      assert.equal(u.createRevision, a.revision);
      await assert.rejects(
        store.update('/r/a', obj('a'), a.revision),
        (e: StoreError) => e.code === 'Conflict' && e.current?.revision === u.revision,
      );
      await assert.rejects(store.update('/r/missing', obj('m'), 1), (e: StoreError) => e.code === 'NotFound');
    });

    it('concurrent writers at one revision: exactly one wins', async () => {
      const a = await store.create('/r/a', obj('a'));
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          store.update('/r/a', obj('a', { data: { i: String(i) } }), a.revision),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    });

    it('deletes, allows re-create, and lists only live keys in key order', async () => {
      for (const n of ['c', 'a', 'b']) await store.create(`/r/${n}`, obj(n));
      await store.create('/other/z', obj('z'));
      const d = await store.delete('/r/b');
      assert.equal(d.object.metadata.name, 'b');
      assert.equal(d.object.metadata.resourceVersion, String(d.revision));
      const l = await store.list('/r/');
      assert.deepEqual(
        l.items.map((i) => i.key),
        ['/r/a', '/r/c'],
      );
      await store.create('/r/b', obj('b'));
      assert.equal((await store.list('/r/')).items.length, 3);
      assert.equal(await store.count('/r/'), 3);
    });

    it('paginates with limit/startAfter and reads a consistent snapshot', async () => {
      for (let i = 0; i < 5; i++) await store.create(`/r/${i}`, obj(String(i)));
      const p1 = await store.list('/r/', { limit: 2 });
      assert.equal(p1.more, true);
      assert.deepEqual(
        p1.items.map((i) => i.key),
        ['/r/0', '/r/1'],
      );
      await store.delete('/r/3');
      const p2 = await store.list('/r/', { limit: 10, startAfter: '/r/1', atRevision: p1.revision });
      assert.deepEqual(
        p2.items.map((i) => i.key),
        ['/r/2', '/r/3', '/r/4'],
        'snapshot still shows /r/3',
      );
      assert.equal(p2.more, false);
    });

    it('watch replays history after a revision, then follows live writes in order', async () => {
      const a = await store.create('/r/a', obj('a'));
      await store.update('/r/a', obj('a', { data: { v: '2' } }), a.revision);
      const seen: StoreEvent[] = [];
      const h = store.watch('/r/', a.revision - 1, (e) => seen.push(e));
      await store.create('/other/x', obj('x'));
      const b = await store.create('/r/b', obj('b'));
      await store.delete('/r/b');
      h.stop();
      await store.create('/r/c', obj('c'));
      assert.deepEqual(
        seen.map((e) => `${e.type} ${e.key}`),
        ['ADDED /r/a', 'MODIFIED /r/a', 'ADDED /r/b', 'DELETED /r/b'],
      );
      assert.ok(seen.every((e, i) => i === 0 || e.revision > seen[i - 1].revision));
      assert.equal(seen[3].previous()?.metadata.resourceVersion, String(b.revision));
      assert.equal(seen[1].previous()?.metadata.resourceVersion, String(a.revision));
    });

    it('an exact-key watch sees only that key', async () => {
      const seen: string[] = [];
      store.watch('/r/a', store.currentRevision(), (e) => seen.push(e.key));
      await store.create('/r/ab', obj('ab'));
      await store.create('/r/a', obj('a'));
      assert.deepEqual(seen, ['/r/a']);
    });

    it('compaction makes older revisions unwatchable (410) but keeps the latest state', async () => {
      const a = await store.create('/r/a', obj('a'));
      let cur = a;
      for (let i = 0; i < 5; i++)
        cur = await store.update('/r/a', obj('a', { data: { i: String(i) } }), cur.revision);
      await store.create('/r/b', obj('b'));
      await store.compact(cur.revision);
      assert.throws(
        () => store.watch('/r/', a.revision, () => {}),
        (e: StoreError) => e.code === 'Compacted',
      );
      assert.equal((await store.get('/r/a'))?.revision, cur.revision);
      const seen: string[] = [];
      store.watch('/r/', cur.revision, (e) => seen.push(e.key)).stop();
      assert.deepEqual(seen, ['/r/b']);
    });
  });
}
