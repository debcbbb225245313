import { EtcdStore, type EtcdStoreOptions } from './etcd-store.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
import type { Store } from './store.js';

export type OpenStoreOptions =
  ({ kind: 'sqlite' } & SqliteStoreOptions) | ({ kind: 'etcd' } & EtcdStoreOptions);

/** The hub's one place that turns `--store` and its flags into a Store. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.kind === 'etcd') {
    const { kind: _, ...etcd } = opts;
    return EtcdStore.open(etcd);
  }
  const { kind: _, ...sqlite } = opts;
  return new SqliteStore(sqlite);
}
