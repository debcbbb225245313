/**
 * The edgefed agent: runs next to a member cluster, dials out to the hub, and applies the Works of
 * its cluster namespace to the member. startAgent() is the embedding API (the CLI, the tunnel and
 * the edge runtime plug in here).
 *
 * Autonomy: the Work cache (SQLite) is the agent's source of truth between hub contacts. At start
 * every cached Work is applied at once, without waiting for the hub; every `resyncMs` all of them
 * are re-applied (drift in the member is repaired); member objects are deleted only for Works the
 * hub deleted (deletionTimestamp), never because the hub is unreachable.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KubeClient } from '../client/client.js';
import { silentLogger, type RuntimeLogger } from '../client/log.js';
import { WorkQueue, runWorkers } from '../client/workqueue.js';
import { Applier } from './apply/applier.js';
import { Discovery } from './apply/discovery.js';
import { WorkCache } from './cache.js';
import { agentPaths, readAgentConfig, type AgentConfig } from './data-dir.js';
import { Heartbeat } from './heartbeat.js';
import { InventoryReporter } from './inventory/reporter.js';
import { HubConnection } from './hub-connection.js';
import { PodIndex } from './pods/pod-index.js';
import { WorkReconciler } from './reconciler.js';
import { CertRotator } from './rotation.js';
import { startTunnel, tunnelTlsFrom } from './tunnel/client.js';

export interface AgentOptions {
  /** What `edgefed agent join` wrote: agent.json, pki/, hub.kubeconfig; cache.db is created here. */
  dataDir: string;
  /** The member cluster's API (a kubeconfig file, or KubeConfig.loadFromCluster()). */
  member: KubeConfig;
  /** Re-apply every cached Work this often (default 30 s). */
  resyncMs?: number;
  /** Compare member object statuses with the hub's this often (default 5 s). */
  statusIntervalMs?: number;
  /** Heartbeat Lease renewal interval (default HEARTBEAT_INTERVAL_SECONDS). */
  heartbeatIntervalMs?: number;
  /** Concurrent reconciles (default 4). */
  workers?: number;
  /** Renew the client certificate at ~75 % of its life (default true). */
  rotateCertificates?: boolean;
  logger?: Logger | RuntimeLogger;
  /**
   * Hook for components that need the member connection (the tunnel's hub→member proxy, the edge
   * runtime): called once at start with the KubeConfig the agent applies with.
   */
  onMemberKubeConfig?: (kc: KubeConfig) => void | Promise<void>;
  /** Serve the hub→member tunnel (default true). */
  tunnel?: boolean;
  /** Report workload pod summaries (count, ready, restarts, problems) in Work status (default true). */
  podSummaries?: boolean;
  /** Report the cluster summary and node/pod inventory this often (default 30 s; 0: never). */
  inventoryIntervalMs?: number;
}

export interface RunningAgent {
  config: AgentConfig;
  /** The member cluster's KubeConfig (for the tunnel). */
  memberKubeConfig: KubeConfig;
  /** The current hub KubeConfig (changes after a certificate rotation). */
  hubKubeConfig(): KubeConfig;
  /** Queue every cached Work now (what the resync timer does). */
  resync(): void;
  /** Renew the client certificate now (normally timer-driven). */
  renewCertificate(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const log: RuntimeLogger = opts.logger ?? silentLogger;
  const child = (component: string): RuntimeLogger =>
    'child' in log && typeof log.child === 'function' ? (log as Logger).child({ component }) : log;
  const config = readAgentConfig(opts.dataDir);
  const paths = agentPaths(opts.dataDir);
  const cache = new WorkCache(paths.cache);
  const member = new KubeClient(opts.member, { timeoutMs: 30_000, fieldManager: 'edgefed-agent' });
  const applier = new Applier(member, new Discovery(member));
  const queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 30_000 });
  const enqueueAll = (): void => {
    for (const name of cache.names()) queue.add(name);
  };

  const hub = new HubConnection({
    kubeconfigPath: paths.kubeconfig,
    namespace: config.namespace,
    log: child('hub-informer'),
    events: {
      upsert: (w) => {
        // Cached before it is applied: what the member may hold is always in the cache.
        cache.put(w);
        queue.add(String(w.metadata.name));
      },
      delete: (w) => queue.add(String(w.metadata.name)),
      // The first list tells which cached Works the hub no longer has.
      synced: enqueueAll,
    },
  });
  // Pod summaries for workload Works: what is failing at the member, visible from the hub.
  const pods = opts.podSummaries === false ? undefined : new PodIndex(opts.member, child('pods'));
  pods?.start();
  const reconciler = new WorkReconciler({
    cache,
    applier,
    hub: () => hub,
    namespace: config.namespace,
    log: child('works'),
    pods,
  });

  // Autonomy: apply from the cache straight away, whether or not the hub answers.
  const cached = cache.names();
  log.info({ cluster: config.cluster, hub: config.hub, cachedWorks: cached.length }, 'agent starting');
  enqueueAll();
  const workers = runWorkers(queue, opts.workers ?? 4, (name) => reconciler.reconcile(name), child('works'));
  hub.start();

  const resync = setInterval(enqueueAll, opts.resyncMs ?? 30_000);
  resync.unref();
  // remoteStatus reaches the hub through this: member statuses change without any Work event.
  let probing: Promise<void> | undefined;
  const probe = setInterval(() => {
    if (probing) return;
    probing = (async () => {
      for (const name of cache.names()) {
        if (queue.isShuttingDown()) break;
        if (await reconciler.statusStale(name)) queue.add(name);
      }
    })()
      .catch((e: unknown) => log.warn({ err: e }, 'status probe failed'))
      .finally(() => (probing = undefined));
  }, opts.statusIntervalMs ?? 5_000);
  probe.unref();

  const heartbeat = new Heartbeat({
    hub: () => hub.client,
    member,
    cluster: config.cluster,
    namespace: config.namespace,
    log: child('heartbeat'),
    intervalMs: opts.heartbeatIntervalMs,
  });
  heartbeat.start();
  const inventory =
    opts.inventoryIntervalMs === 0
      ? undefined
      : new InventoryReporter({
          hub: () => hub.client,
          member,
          cluster: config.cluster,
          namespace: config.namespace,
          log: child('inventory'),
          intervalMs: opts.inventoryIntervalMs,
        });
  inventory?.start();

  const rotator = new CertRotator({
    dataDir: opts.dataDir,
    config,
    log: child('rotation'),
    onRotated: async () => {
      await hub.reload();
      log.info('hub clients reloaded with the new certificate');
    },
  });
  if (opts.rotateCertificates !== false) rotator.start();

  await opts.onMemberKubeConfig?.(opts.member);

  // The hub reaches the member through this outbound connection (kubectl via /clusters/<name>/proxy).
  const tunnel =
    opts.tunnel === false
      ? undefined
      : startTunnel({
          hubUrl: String(hub.kc.getCurrentCluster()?.server),
          tls: () => tunnelTlsFrom(hub.kc),
          member: opts.member,
          log: child('tunnel'),
        });

  let stopped: Promise<void> | undefined;
  return {
    config,
    memberKubeConfig: opts.member,
    hubKubeConfig: () => hub.kc,
    resync: enqueueAll,
    renewCertificate: () => rotator.renewNow(),
    stop() {
      stopped ??= (async () => {
        clearInterval(resync);
        clearInterval(probe);
        queue.shutdown();
        await Promise.all([
          heartbeat.stop(),
          inventory?.stop(),
          rotator.stop(),
          hub.stop(),
          probing,
          tunnel?.stop(),
          pods?.stop(),
        ]);
        await workers;
        cache.close();
        log.info('agent stopped');
      })();
      return stopped;
    },
  };
}
