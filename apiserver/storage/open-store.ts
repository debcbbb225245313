import type { EtcdStoreOptions } from './etcd-store.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
import type { Store } from './store.js';

export type OpenStoreOptions =
  ({ kind: 'sqlite' } & SqliteStoreOptions) | ({ kind: 'etcd' } & EtcdStoreOptions);

/** The hub's one place that turns `--store` and its flags into a Store. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.kind === 'etcd') {
    const { kind: _, ...etcd } = opts;
    // Loaded only when asked for: etcd3 pulls in gRPC, which a SQLite hub or an edge site never needs.
    const { EtcdStore } = await import('./etcd-store.js');
    return EtcdStore.open(etcd);
  }
  const { kind: _, ...sqlite } = opts;
  return new SqliteStore(sqlite);
}
