import { join } from 'node:path';
import type { Logger } from 'pino';
import { KubeConfig } from '@kubernetes/client-node';
import { ControllerManager } from '../controllers/manager.js';
import { inProcessApi } from './inprocess-api.js';
import { DEFAULT_NAMESPACES, startApiServer } from '../apiserver/boot.js';
import type { ApiServer } from '../apiserver/server/api-server.js';
import type { EtcdStoreOptions } from '../apiserver/storage/etcd-store.js';
import type { Store } from '../apiserver/storage/store.js';
import type { Pki } from '../pki/pki.js';
import { installCrds, installDefaults, readManifests } from './crd-loader.js';
import { packageRoot } from './package-root.js';
import { registerTunnel } from './tunnel/index.js';
import {
  HubReplicas,
  advertiseUrlHost,
  pkiLocation,
  retryConflicts,
  type ReplicaOptions,
} from './replicas/index.js';
import { KubeClient } from '../client/client.js';
import { registerAgentAdmission } from './join/agent-admission-hook.js';
import { agentAuthorizer } from './join/agent-authorizer.js';
import { KnownClusters } from './join/known-clusters.js';
import { registerJoinRoutes } from './join/registration.js';
import { registerDashboard } from './dashboard/routes.js';

export interface HubOptions {
  dataDir: string;
  port: number;
  bind: string;
  logger: Logger;
  /** Extra names for the serving certificate (the address agents and users dial). */
  advertise?: string[];
  crdDir?: string;
  /** Push mode: runs the agents of clusters joined with `edgefed join` (see push/supervisor.ts). */
  pushAgents?: (deps: PushAgentsDeps) => { start(): void; stop(): Promise<void> };
  /** Run the federation controllers in this process (default true). */
  controllers?: boolean;
  /** Grace before a not-Ready cluster's replicas fail over (RSP). */
  failoverGraceSeconds?: number;
  /** History compaction: how often, and how many recent revisions stay watchable. */
  compaction?: { intervalMs: number; keepRevisions: number };
  /** Events are deleted this long after their last write (default 1 h). */
  eventTtlMs?: number;
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

/** What the push supervisor needs from the hub it runs in. */
export interface PushAgentsDeps {
  /** Admin credentials for the hub's own API. */
  kc: KubeConfig;
  dataDir: string;
  /** The hub's own URL (what in-process agents dial) and the sha256 of its CA. */
  hubUrl: string;
  caHash: string;
  log: Logger;
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

/** The hub's namespaces: kube's defaults and the federation system namespace. */
const SYSTEM_NAMESPACES = [...DEFAULT_NAMESPACES, 'kube-federation-system'];

/**
 * The hub process: the standalone API server (apiserver/boot.ts) with the federation CRDs shipped in
 * crds/, the agent gateway (join, tunnel, proxy), the federation controllers, push agents and DNS.
 */
export async function startHub(opts: HubOptions): Promise<RunningHub> {
  const log = opts.logger;
  const urlHost = advertiseUrlHost(opts.replica?.advertiseUrl);
  // Several replicas on one etcd: Leases for discovery, proxy requests forwarded to the tunnel's replica.
  let replicas: HubReplicas | undefined;
  // Admin credentials for the join endpoints; loaded once the admin kubeconfig is written (after listen).
  const adminKc = new KubeConfig();
  // Joined clusters, for the agent authorizer (fails closed until its first list).
  const known = new KnownClusters();
  const inProcess = inProcessApi();
  const server = await startApiServer({
    accessControl: true,
    tokens: inProcess.tokens,
    dataDir: opts.dataDir,
    port: opts.port,
    bind: opts.bind,
    logger: log,
    advertise: [...(opts.advertise ?? []), ...(urlHost ? [urlHost] : [])],
    pki: pkiLocation(opts.dataDir, opts.pkiDir),
    etcd: opts.etcd,
    compaction: opts.compaction,
    eventTtlMs: opts.eventTtlMs,
    clusterName: opts.clusterName,
    namespaces: SYSTEM_NAMESPACES,
    retry: retryConflicts,
    authorizer: agentAuthorizer(
      (name) => known.has(name),
      (name) => known.agentKey(name),
    ),
    routes(api, pki) {
      // Body checks the agent authorizer cannot make (a create's name; Work writes only to finalizers).
      registerAgentAdmission(api);
      if (opts.replica?.enabled ?? opts.etcd !== undefined)
        replicas = new HubReplicas({
          options: opts.replica ?? {},
          pki,
          log: log.child({ component: 'replicas' }),
        });
      registerJoinRoutes(api.app, {
        client: new KubeClient(adminKc, { fieldManager: 'edgefed-join' }),
        ca: pki.ca,
        caHash: pki.caHash,
        requireAcceptance: opts.requireAcceptance ?? false,
        certDays: opts.agentCertDays,
        log: log.child({ component: 'join' }),
      });
      // The fleet dashboard at /ui/ (browser bundle built into dist/ui by npm run build).
      registerDashboard(api.app, {
        assetDir: join(packageRoot(), 'dist', 'ui'),
        log: log.child({ component: 'dashboard' }),
      });
      // The hub→member tunnel (agents dial in; admins proxy to /clusters/<name>/proxy/...).
      registerTunnel(api.app, {
        caCert: pki.ca.cert,
        log: log.child({ component: 'tunnel' }),
        isClusterKnown: (name) => known.has(name),
        agentKey: (name) => known.agentKey(name),
        ...replicas?.tunnelDeps(),
      });
    },
    async install(api) {
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
    },
  });
  const { api, store, pki, port, url, kubeconfigPath } = server;
  adminKc.loadFromFile(kubeconfigPath);
  known.start(adminKc, log.child({ component: 'known-clusters' }));
  const replica = replicas?.start(adminKc, { port, bind: opts.bind });
  let manager: ControllerManager | undefined;
  if (opts.controllers !== false) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    inProcess.bind(kc, api.app);
    manager = new ControllerManager({
      kc,
      log: log.child({ component: 'controllers' }),
      failoverGraceSeconds: opts.failoverGraceSeconds,
      heartbeatThresholdSeconds: opts.heartbeatThresholdSeconds,
      ...opts.leaderElection,
    });
    manager.start();
  }
  // Push mode (`edgefed join`): the hub runs the agents of clusters it can reach. The agent code is
  // not the hub's: the command that starts the hub passes it in (push/supervisor.ts).
  const push = opts.pushAgents?.({
    kc: adminKc,
    dataDir: opts.dataDir,
    hubUrl: url,
    caHash: pki.caHash,
    log,
  });
  push?.start();
  // Multi-cluster DNS (dns/service.ts): zones from Domains and DNSEndpoints, served and exported.
  const dnsService = opts.dns
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
