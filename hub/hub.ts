import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { KubeConfig } from '@kubernetes/client-node';
import { ControllerManager } from '../controllers/manager.js';
import { BearerTokenAuthenticator, UnionAuthenticator, X509Authenticator } from '../apiserver/auth/authn.js';
import { SYSTEM_USER, newContext } from '../apiserver/rest/context.js';
import { ApiServer } from '../apiserver/server/api-server.js';
import { openStore } from '../apiserver/storage/open-store.js';
import type { EtcdStoreOptions } from '../apiserver/storage/etcd-store.js';
import type { Store } from '../apiserver/storage/store.js';
import { installCrds, installDefaults, readManifests } from './crd-loader.js';
import { writeKubeconfig } from './kubeconfig.js';
import { packageRoot } from './package-root.js';
import { ensurePki, type Pki } from './pki.js';
import { registerTunnel } from './tunnel/index.js';
import {
  HubReplicas,
  advertiseUrlHost,
  pkiLocation,
  retryConflicts,
  type ReplicaOptions,
} from './replicas/index.js';
import { KubeClient } from '../controllers/runtime/client.js';
import { agentAuthorizer } from './join/agent-authorizer.js';
import { KnownClusters } from './join/known-clusters.js';
import { registerJoinRoutes } from './join/registration.js';

export interface HubOptions {
  dataDir: string;
  port: number;
  bind: string;
  logger: Logger;
  /** Extra names for the serving certificate (the address agents and users dial). */
  advertise?: string[];
  crdDir?: string;
  /** A bare Kubernetes-compatible API server: no federation CRDs, defaults or controllers (a member stand-in). */
  bare?: boolean;
  /** Run the federation controllers in this process (default true). */
  controllers?: boolean;
  /** Grace before a not-Ready cluster's replicas fail over (RSP). */
  failoverGraceSeconds?: number;
  /** History compaction: how often, and how many recent revisions stay watchable. */
  compaction?: { intervalMs: number; keepRevisions: number };
  /** Clusters that join wait for `edgefed clusters accept <name>` before they get a certificate. */
  requireAcceptance?: boolean;
  /** Lifetime of agent certificates (default 365 days). */
  agentCertDays?: number;
  /** A cluster whose agent heartbeat is older than this is NotReady (default 40 s). */
  heartbeatThresholdSeconds?: number;
  /** Multi-cluster DNS (dns/): serve the Domain/DNSEndpoint zones and export them; undefined = off. */
  dns?: import('../dns/options.js').DnsConfig;
  /** Keep the state in etcd (endpoints, prefix, TLS) instead of SQLite in the data dir. */
  etcd?: EtcdStoreOptions;
  /** Cluster name in the written admin.kubeconfig (default `edgefed`). */
  clusterName?: string;
  /** PKI directory (default <dataDir>/pki). One given here is shared by replicas: created once, used as is. */
  pkiDir?: string;
  /** Several replicas on one store: replica id, the URL peers reach this one at (hub/replicas). */
  replica?: ReplicaOptions;
  /** Controller leader election on the edgefed-controller-manager Lease (defaults 15 / 10 / 2 s). */
  leaderElection?: {
    leaseDurationSeconds?: number;
    renewDeadlineSeconds?: number;
    retryPeriodSeconds?: number;
  };
}

export interface RunningHub {
  api: ApiServer;
  store: Store;
  pki: Pki;
  port: number;
  url: string;
  kubeconfigPath: string;
  /** `host:port` the DNS server listens on (UDP and TCP), when it does. */
  dnsAddress?: string;
  close(): Promise<void>;
}

/** Namespaces every Kubernetes API has; kubectl's default namespace must exist. */
const BARE_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
/** ...and the hub's own. */
const SYSTEM_NAMESPACES = [...BARE_NAMESPACES, 'kube-federation-system'];

/**
 * The hub process: PKI and kubeconfig in the data dir, the API server on SQLite, the CRDs shipped
 * in crds/. Federation controllers, the agent gateway and DNS attach here as they land.
 */
export async function startHub(opts: HubOptions): Promise<RunningHub> {
  const log = opts.logger;
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const dns = ['localhost', hostname(), ...(opts.advertise ?? []).filter((a) => !isIP(a))];
  const ips = ['127.0.0.1', '::1', ...(opts.advertise ?? []).filter((a) => isIP(a))];
  if (opts.bind !== '0.0.0.0' && opts.bind !== '::' && isIP(opts.bind)) ips.push(opts.bind);
  const urlHost = advertiseUrlHost(opts.replica?.advertiseUrl);
  if (urlHost) (isIP(urlHost) ? ips : dns).push(urlHost);
  const pkiAt = pkiLocation(opts.dataDir, opts.pkiDir);
  const pki = await ensurePki(
    pkiAt.dir,
    { dns: [...new Set(dns)], ips: [...new Set(ips)] },
    { shared: pkiAt.shared },
  );
  if (pki.uncovered)
    log.warn(
      { pkiDir: pkiAt.dir, uncovered: pki.uncovered },
      'the shared serving certificate does not cover these names of this replica: clients dialling them ' +
        'refuse it (re-create server.crt/server.key once with every replica name in --advertise)',
    );
  // Several replicas on one etcd: Leases for discovery, proxy requests forwarded to the tunnel's replica.
  const replicas =
    !opts.bare && (opts.replica?.enabled ?? opts.etcd !== undefined)
      ? new HubReplicas({ options: opts.replica ?? {}, pki, log: log.child({ component: 'replicas' }) })
      : undefined;
  // SQLite in the data dir by default; etcd when one machine is not enough (several hub replicas).
  const store = await openStore(
    opts.etcd ? { kind: 'etcd', ...opts.etcd } : { kind: 'sqlite', path: join(opts.dataDir, 'state.db') },
  );
  // Admin credentials for the join endpoints; loaded once the admin kubeconfig is written (after listen).
  const adminKc = new KubeConfig();
  // Joined clusters, for the agent authorizer (fails closed until its first list).
  const known = new KnownClusters();
  const api = new ApiServer({
    store,
    tls: { key: pki.server.key, cert: pki.server.cert, clientCA: pki.ca.cert },
    authenticator: new UnionAuthenticator([new X509Authenticator(), new BearerTokenAuthenticator([])]),
    logger: log,
    compaction: opts.compaction,
    authorizer: opts.bare
      ? undefined
      : agentAuthorizer(
          (name) => known.has(name),
          (name) => known.agentKey(name),
        ),
  });
  if (!opts.bare)
    registerJoinRoutes(api.app, {
      client: new KubeClient(adminKc, { fieldManager: 'edgefed-join' }),
      ca: pki.ca,
      caHash: pki.caHash,
      requireAcceptance: opts.requireAcceptance ?? false,
      certDays: opts.agentCertDays,
      log: log.child({ component: 'join' }),
    });
  // The hub→member tunnel (agents dial in; admins proxy to /clusters/<name>/proxy/...). Not on a bare API server.
  if (!opts.bare) {
    registerTunnel(api.app, {
      caCert: pki.ca.cert,
      log: log.child({ component: 'tunnel' }),
      isClusterKnown: (name) => known.has(name),
      agentKey: (name) => known.agentKey(name),
      ...replicas?.tunnelDeps(),
    });
  }
  await api.start();
  // Replicas starting at once on one etcd race for these writes: the loser re-reads and goes on.
  await retryConflicts(() => ensureNamespaces(api, opts.bare ? BARE_NAMESPACES : SYSTEM_NAMESPACES));
  if (!opts.bare) {
    const manifests = readManifests(opts.crdDir ?? join(packageRoot(), 'crds'));
    await retryConflicts(() =>
      installCrds(
        api,
        manifests.filter((m) => m.kind === 'CustomResourceDefinition'),
        log,
      ),
    );
    await retryConflicts(() =>
      installDefaults(
        api,
        manifests.filter((m) => m.kind !== 'CustomResourceDefinition'),
        log,
      ),
    );
  }
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
  adminKc.loadFromFile(kubeconfigPath);
  if (!opts.bare) known.start(adminKc, log.child({ component: 'known-clusters' }));
  const replica = replicas?.start(adminKc, { port, bind: opts.bind });
  let manager: ControllerManager | undefined;
  if (opts.controllers !== false && !opts.bare) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    manager = new ControllerManager({
      kc,
      log: log.child({ component: 'controllers' }),
      failoverGraceSeconds: opts.failoverGraceSeconds,
      heartbeatThresholdSeconds: opts.heartbeatThresholdSeconds,
      ...opts.leaderElection,
    });
    manager.start();
  }
  // Push mode (`edgefed join`): the hub runs the agents of clusters it can reach; its own Lease
  // (edgefed-push-supervisor) keeps them in one hub process. See hub/push/supervisor.ts.
  const push = opts.bare
    ? undefined
    : new (await import('./push/supervisor.js')).PushSupervisor({
        kc: adminKc,
        dataDir: opts.dataDir,
        hubUrl: url,
        caHash: pki.caHash,
        log,
      });
  push?.start();
  // Multi-cluster DNS (dns/service.ts): zones from Domains and DNSEndpoints, served and exported.
  const dnsService =
    opts.dns && !opts.bare
      ? await (
          await import('../dns/service.js')
        ).startDns(opts.dns, {
          kc: adminKc,
          dataDir: opts.dataDir,
          log: log.child({ component: 'dns' }),
          registry: api.metrics.registry,
        })
      : undefined;
  log.info({ url, kubeconfig: kubeconfigPath, replica }, 'hub is serving');
  return {
    api,
    store,
    pki,
    port,
    url,
    kubeconfigPath,
    dnsAddress: dnsService?.address,
    async close() {
      // First, while the API still serves: release this replica's Leases.
      await replicas?.stop();
      await dnsService?.close();
      await push?.stop();
      await manager?.stop();
      await known.stop();
      await api.close();
      await store.close();
    },
  };
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
      {
        dryRun: false,
        fieldManager: 'edgefed-hub',
        fieldValidation: 'Strict',
      },
    );
  }
}
