import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SqliteStore } from '../../../../apiserver/storage/sqlite-store.js';
import { WatchFanout } from '../../../../apiserver/storage/watch-fanout.js';
import type { StoreEvent } from '../../../../apiserver/storage/store.js';
import { cleanup, tempDir } from '../../../helpers/hub.js';
import { describeStoreConformance } from './store-conformance.js';

describeStoreConformance('sqlite (memory)', async () => new SqliteStore({ path: ':memory:' }));

describe('SqliteStore on disk', () => {
  it('reopens with the same revision and data', async () => {
    const dir = tempDir();
    try {
      const path = join(dir, 'state.db');
      const s1 = new SqliteStore({ path });
      const a = await s1.create('/r/a', { metadata: { name: 'a' } });
      await s1.close();
      const s2 = new SqliteStore({ path });
      assert.equal(s2.currentRevision(), a.revision);
      assert.equal((await s2.get('/r/a'))?.object.metadata.name, 'a');
      const b = await s2.create('/r/b', { metadata: { name: 'b' } });
      assert.equal(b.revision, a.revision + 1);
      await s2.close();
    } finally {
      cleanup(dir);
    }
  });

  it('commits writes that arrive together in one batch, each with its own outcome', async () => {
    const s = new SqliteStore({ path: ':memory:' });
    const results = await Promise.allSettled([
      s.create('/r/a', { metadata: { name: 'a' } }),
      s.create('/r/a', { metadata: { name: 'a' } }),
      s.create('/r/b', { metadata: { name: 'b' } }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    await s.close();
  });
});

describe('WatchFanout', () => {
  const ev = (key: string): StoreEvent => ({
    type: 'ADDED',
    key,
    revision: 1,
    object: { metadata: {} },
    json: '{}',
    previous: () => undefined,
  });

  it('delivers only to watchers whose prefix or key covers the event', () => {
    const f = new WatchFanout();
    const got: Record<string, number> = { all: 0, ns1: 0, ns2: 0, exact: 0 };
    f.add('/registry/core/configmaps/', () => got.all++);
    f.add('/registry/core/configmaps/ns1/', () => got.ns1++);
    f.add('/registry/core/configmaps/ns2/', () => got.ns2++);
    const stop = f.add('/registry/core/configmaps/ns1/x', () => got.exact++);
    f.dispatch(ev('/registry/core/configmaps/ns1/x'));
    f.dispatch(ev('/registry/core/configmaps/ns1/xy'));
    stop();
    f.dispatch(ev('/registry/core/configmaps/ns1/x'));
    f.dispatch(ev('/registry/core/secrets/ns1/x'));
    assert.deepEqual(got, { all: 3, ns1: 3, ns2: 0, exact: 1 });
    assert.equal(f.size(), 3);
  });
});
