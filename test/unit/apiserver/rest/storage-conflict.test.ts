import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import { ResourceRegistry } from '../../../../apiserver/registry/registry.js';
import { newContext, SYSTEM_USER } from '../../../../apiserver/rest/context.js';
import { storageKey } from '../../../../apiserver/rest/keys.js';
import { ObjectStorage, type WriteOptions } from '../../../../apiserver/rest/storage.js';
import { SqliteStore } from '../../../../apiserver/storage/sqlite-store.js';
import type { Store, StoredObject } from '../../../../apiserver/storage/store.js';
import type { KubeObject } from '../../../../api/kubernetes.js';

/**
 * A real store where another writer gets in between a read and the compare-and-swap write that
 * follows it: `race` runs right after every get() while armed.
 */
function racingStore(inner: SqliteStore): { store: Store; arm(race: () => Promise<void>): void } {
  let race: (() => Promise<void>) | undefined;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'get') {
        return async (key: string): Promise<StoredObject | undefined> => {
          const cur = await target.get(key);
          const r = race;
          race = undefined;
          if (r) await r();
          return cur;
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store, arm: (r) => (race = r) };
}

describe('apiserver/rest/storage: a lost compare-and-swap is 409 Conflict, never 500', () => {
  const registry = new ResourceRegistry();
  const resolved = registry.resolve('', 'v1', 'configmaps');
  if (!resolved) throw new Error('configmaps not registered');
  const { info, version } = resolved;
  const opts: WriteOptions = { dryRun: false, fieldManager: 'test', fieldValidation: 'Strict' };
  let inner: SqliteStore;
  let storage: ObjectStorage;
  let arm: (race: () => Promise<void>) => void;
  const ctx = () => newContext(SYSTEM_USER);
  const cm = (data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'default' },
    data,
  });
  /** Another writer changes the object behind our back. */
  const KEY = () => storageKey(info, 'default', 'c');
  const bump = async () => {
    const cur = await inner.get(KEY());
    if (!cur) throw new Error('missing');
    await inner.update(KEY(), { ...cur.object, data: { by: 'other' } }, cur.revision);
  };

  beforeEach(async () => {
    inner = new SqliteStore({ path: ':memory:' });
    const r = racingStore(inner);
    arm = r.arm;
    storage = new ObjectStorage(r.store, registry);
    const ns = registry.get('', 'namespaces');
    if (!ns) throw new Error('namespaces not registered');
    await inner.create(storageKey(ns, undefined, 'default'), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'default', uid: 'u' },
    });
    await storage.create(ctx(), info, version, 'default', cm({ a: '1' }), opts);
  });
  afterEach(() => inner.close());

  async function conflict(p: Promise<unknown>): Promise<void> {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof ApiError, `not an ApiError: ${String(e)}`);
      assert.equal(e.code, 409);
      assert.equal(e.reason, 'Conflict');
      assert.match(
        e.message,
        /^Operation cannot be fulfilled on configmaps "c": the object has been modified/,
      );
      return true;
    });
  }

  it('PUT whose object moved between read and write', async () => {
    arm(bump);
    await conflict(storage.update(ctx(), info, version, 'default', 'c', cm({ a: '2' }), opts));
  });

  it('a patch carrying a resourceVersion is not retried: 409', async () => {
    const cur = await storage.get(info, version, 'default', 'c');
    arm(bump);
    await conflict(
      storage.patch(
        ctx(),
        info,
        version,
        'default',
        'c',
        'merge',
        { metadata: { resourceVersion: cur.metadata.resourceVersion }, data: { a: '4' } },
        { ...opts, force: false },
      ),
    );
  });

  it('a patch without one is retried and succeeds', async () => {
    arm(bump);
    const res = await storage.patch(
      ctx(),
      info,
      version,
      'default',
      'c',
      'merge',
      { data: { z: '1' } },
      {
        ...opts,
        force: false,
      },
    );
    assert.deepEqual(res.object.data, { by: 'other', z: '1' });
  });

  it('PUT of an object deleted between read and write: 404', async () => {
    arm(async () => {
      await inner.delete(KEY());
    });
    await assert.rejects(
      storage.update(ctx(), info, version, 'default', 'c', cm({ a: '5' }), opts),
      (e: unknown) => e instanceof ApiError && e.code === 404 && e.reason === 'NotFound',
    );
  });
});
