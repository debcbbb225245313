/**
 * The standalone boot of a Kubernetes-compatible API server: PKI and admin kubeconfig in a data
 * directory, a store (SQLite there, or etcd), the HTTPS server, kube's default namespaces. The
 * hub builds on it (adding its routes, CRDs and controllers through the hooks), and so do each
 * edge site's local API and `edgefed apiserver` (a member stand-in, like envtest), directly.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeKubeconfig } from '../pki/kubeconfig.js';
import { ensurePki, ensureServiceAccountKey, type Pki } from '../pki/pki.js';
import { AccessControl } from './auth/access-control.js';
import {
  BearerTokenAuthenticator,
  UnionAuthenticator,
  X509Authenticator,
  type TokenChecker,
} from './auth/authn.js';
import type { Authorizer } from './auth/authz.js';
import { SYSTEM_USER, newContext } from './rest/context.js';
import { ApiServer } from './server/api-server.js';
import type { EtcdStoreOptions } from './storage/etcd-store.js';
import { openStore } from './storage/open-store.js';
import type { Store } from './storage/store.js';

/** Namespaces every Kubernetes API has; kubectl's default namespace must exist. */
export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface ApiServerBootOptions {
  dataDir: string;
  port: number;
  bind: string;
  logger: Logger;
  /** Extra names for the serving certificate (the addresses clients dial). */
  advertise?: string[];
  /** PKI directory (default <dataDir>/pki); `shared` ones (hub replicas) are used as they are. */
  pki?: { dir: string; shared: boolean };
  /** etcd instead of SQLite in the data dir. */
  etcd?: EtcdStoreOptions;
  compaction?: { intervalMs: number; keepRevisions: number };
  /** Event TTL (ApiServerOptions.eventTtlMs). */
  eventTtlMs?: number;
  authorizer?: Authorizer;
  /** RBAC, ServiceAccount tokens and the access reviews (auth/access-control.ts), after `authorizer`; default off. */
  accessControl?: boolean;
  /** Bearer-token checkers (the hub's in-process API token). */
  tokens?: TokenChecker[];
  /** Namespaces created at start (default DEFAULT_NAMESPACES). */
  namespaces?: string[];
  /** Cluster name in the written admin.kubeconfig. */
  clusterName?: string;
  /** Before the server starts: register extra HTTP routes (fastify needs them before ready). */
  routes?(api: ApiServer, pki: Pki): void;
  /** After the server started and the namespaces exist, before it listens: install objects (CRDs...). */
  install?(api: ApiServer): Promise<void>;
  /**
   * Wraps the start-up writes: several replicas starting at once on one etcd race for them, and
   * the hub retries on conflicts (see hub/replicas). Default: call once.
   */
  retry?<T>(fn: () => Promise<T>): Promise<T>;
}

export interface RunningApiServer {
  api: ApiServer;
  store: Store;
  pki: Pki;
  port: number;
  url: string;
  kubeconfigPath: string;
  close(): Promise<void>;
}

export async function startApiServer(opts: ApiServerBootOptions): Promise<RunningApiServer> {
  const log = opts.logger;
  const retry = opts.retry ?? (<T>(fn: () => Promise<T>) => fn());
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const pkiAt = opts.pki ?? { dir: join(opts.dataDir, 'pki'), shared: false };
  const pki = await ensurePki(pkiAt.dir, servingNames(opts.bind, opts.advertise ?? []), {
    shared: pkiAt.shared,
  });
  if (pki.uncovered)
    log.warn(
      { pkiDir: pkiAt.dir, uncovered: pki.uncovered },
      'the shared serving certificate does not cover these names of this replica: clients dialling them ' +
        'refuse it (re-create server.crt/server.key once with every replica name in --advertise)',
    );
  const store = await openStore(
    opts.etcd ? { kind: 'etcd', ...opts.etcd } : { kind: 'sqlite', path: join(opts.dataDir, 'state.db') },
  );
  const access = opts.accessControl
    ? new AccessControl({ store, logger: log, signingKey: ensureServiceAccountKey(pkiAt.dir) })
    : undefined;
  const api = new ApiServer({
    store,
    tls: { key: pki.server.key, cert: pki.server.cert, clientCA: pki.ca.cert },
    authenticator: new UnionAuthenticator([
      new X509Authenticator(),
      new BearerTokenAuthenticator([...(opts.tokens ?? []), ...(access?.tokenCheckers() ?? [])]),
    ]),
    logger: log,
    compaction: opts.compaction,
    eventTtlMs: opts.eventTtlMs,
    authorizer: access ? access.authorizer(opts.authorizer) : opts.authorizer,
  });
  access?.attach(api);
  opts.routes?.(api, pki);
  await api.start();
  await retry(() => ensureNamespaces(api, opts.namespaces ?? DEFAULT_NAMESPACES));
  await access?.start(api);
  await opts.install?.(api);
  const port = await api.listen(opts.port, opts.bind);
  const host = opts.bind === '0.0.0.0' || opts.bind === '::' ? '127.0.0.1' : opts.bind;
  const url = `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const kubeconfigPath = join(opts.dataDir, 'admin.kubeconfig');
  writeKubeconfig(kubeconfigPath, {
    server: url,
    caCert: pki.ca.cert,
    clusterName: opts.clusterName ?? 'edgefed',
    userName: 'edgefed-admin',
    clientCert: pki.admin.cert,
    clientKey: pki.admin.key,
  });
  return {
    api,
    store,
    pki,
    port,
    url,
    kubeconfigPath,
    async close() {
      access?.stop();
      await api.close();
      await store.close();
    },
  };
}

/** The serving certificate's names: localhost, this host, the bind address and every advertised name. */
function servingNames(bind: string, advertise: string[]): { dns: string[]; ips: string[] } {
  const dns = ['localhost', hostname(), ...advertise.filter((a) => !isIP(a))];
  const ips = ['127.0.0.1', '::1', ...advertise.filter((a) => isIP(a))];
  if (bind !== '0.0.0.0' && bind !== '::' && isIP(bind)) ips.push(bind);
  return { dns: [...new Set(dns)], ips: [...new Set(ips)] };
}

async function ensureNamespaces(api: ApiServer, names: string[]): Promise<void> {
  const r = api.registry.resolve('', 'v1', 'namespaces');
  if (!r) return;
  for (const name of names) {
    const exists = await api.storage.get(r.info, r.version, undefined, name).catch(() => undefined);
    if (exists) continue;
    await api.storage.create(
      newContext(SYSTEM_USER),
      r.info,
      r.version,
      undefined,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      { dryRun: false, fieldManager: 'edgefed-apiserver', fieldValidation: 'Strict' },
    );
  }
}
