/** `--store sqlite|etcd` and the etcd flags (named as kube-apiserver names them). */
import { Option, type Command } from 'commander';
import type { EtcdStoreOptions } from '../../apiserver/storage/etcd-store.js';

export interface StoreCliOptions {
  store: string;
  etcdEndpoints?: string;
  etcdPrefix: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
}

export function addStoreOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--store <kind>', 'where the state lives: sqlite (in the data dir) or etcd')
        .choices(['sqlite', 'etcd'])
        .default('sqlite'),
    )
    .option('--etcd-endpoints <urls>', 'etcd client URLs, comma-separated (with --store etcd)')
    .option('--etcd-prefix <prefix>', 'key prefix in etcd', '/registry')
    .option('--etcd-cafile <file>', 'CA bundle that signs the etcd server certificates')
    .option('--etcd-certfile <file>', 'client certificate for etcd')
    .option('--etcd-keyfile <file>', 'client key for etcd');
}

/** undefined for SQLite; throws a message that says what to add when etcd is half-configured. */
export function etcdFromCli(o: StoreCliOptions): EtcdStoreOptions | undefined {
  if (o.store !== 'etcd') {
    if (o.etcdEndpoints) throw new Error('--etcd-endpoints needs --store etcd');
    return undefined;
  }
  const endpoints = (o.etcdEndpoints ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (endpoints.length === 0)
    throw new Error('--store etcd needs --etcd-endpoints, e.g. --etcd-endpoints http://127.0.0.1:2379');
  if (Boolean(o.etcdCertfile) !== Boolean(o.etcdKeyfile))
    throw new Error('give both --etcd-certfile and --etcd-keyfile, or neither');
  const tls =
    o.etcdCafile || o.etcdCertfile
      ? { ca: o.etcdCafile, cert: o.etcdCertfile, key: o.etcdKeyfile }
      : undefined;
  return { endpoints, prefix: o.etcdPrefix, ...(tls ? { tls } : {}) };
}
