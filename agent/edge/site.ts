/**
 * An edge site with no Kubernetes: the apiserver library as the site's local Kubernetes API
 * (SQLite under <agent data dir>/site, on 127.0.0.1, with its own admin kubeconfig so `kubectl`
 * works at the site even offline), the workload controllers kube-controller-manager would run, and
 * the node runtime that runs pods as containers. The agent then treats it like any member cluster:
 * Works are applied to this API, statuses come back from it, the tunnel proxies to it.
 *
 * Everything the site must keep doing while the hub is away lives here, in local state: the API's
 * SQLite file and the engine's containers. Nothing in it depends on the hub being reachable.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { startApiServer, type RunningApiServer } from '../../apiserver/boot.js';
import { startSiteControllers } from './controllers/index.js';
import { ServiceProxy } from './proxy/proxy.js';
import { ensureDnsService, startSiteRouting, type SiteRouting } from './dns/routing.js';
import { DockerEngine } from './engine/docker.js';
import { iptablesUsable } from './proxy/iptables.js';
import type { ContainerEngine } from './engine/engine.js';
import { metricsApi } from './metrics/api.js';
import { MetricsScraper } from './metrics/scraper.js';
import { NodeRuntime } from './node/node-runtime.js';
import { podLogHandler } from './pod-logs.js';
import { closeStreams, registerStreams } from './streams/handlers.js';

export interface EdgeSiteOptions {
  /** The agent's data dir; the site keeps its state in `<dataDir>/site`. */
  dataDir: string;
  engine: ContainerEngine;
  /** The node's name (the cluster name: several sites may share one engine). */
  nodeName: string;
  /** Where the site's services are reached (Service status, DNS). */
  nodeIp: string;
  logger: Logger;
  /** Site API port; default: the one used last time, else a free one. */
  port?: number;
  /** Crash-loop back-off (kubelet's 10 s → 5 min by default). */
  crashBackoff?: { baseMs: number; maxMs: number };
  /** Engine poll interval of the node runtime (default 2 s). */
  syncIntervalMs?: number;
  /** How often metrics.k8s.io usage is scraped (metrics-server's 15 s by default). */
  metricsResolutionMs?: number;
}

export interface EdgeSite {
  /** The site's own admin kubeconfig (`kubectl --kubeconfig` at the site). */
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  url: string;
  api: RunningApiServer;
  runtime: NodeRuntime;
  /** Cluster DNS and ClusterIP routing for bridge pods (podman engines, as root). */
  routing?: SiteRouting;
  stop(): Promise<void>;
}

export function siteDir(agentDataDir: string): string {
  return join(agentDataDir, 'site');
}

function rememberedPort(dir: string): number {
  const f = join(dir, 'port');
  if (!existsSync(f)) return 0;
  const n = Number(readFileSync(f, 'utf8').trim());
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : 0;
}

async function startSiteApi(
  dir: string,
  port: number | undefined,
  logger: Logger,
): Promise<RunningApiServer> {
  const wanted = port ?? rememberedPort(dir);
  const start = (p: number) =>
    startApiServer({ dataDir: dir, port: p, bind: '127.0.0.1', logger, clusterName: 'edgefed-site' });
  let api: RunningApiServer;
  try {
    api = await start(wanted);
  } catch (e) {
    // The port we used last time is taken (another process): any port will do; the kubeconfig follows.
    if (port !== undefined || wanted === 0 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    logger.warn({ port: wanted }, 'site API port in use; picking another');
    api = await start(0);
  }
  writeFileSync(join(dir, 'port'), `${api.port}\n`);
  return api;
}

export async function startEdgeSite(opts: EdgeSiteOptions): Promise<EdgeSite> {
  const dir = siteDir(opts.dataDir);
  const log = opts.logger;
  const api = await startSiteApi(dir, opts.port, log.child({ component: 'site-api' }));
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  // ClusterIPs and cluster DNS for bridge pods need podman's bridge and our own iptables chains.
  const routed = opts.engine instanceof DockerEngine && (await iptablesUsable());
  const clusterDns = routed ? await ensureDnsService(kc) : undefined;
  const runtime = new NodeRuntime({
    clusterDns,
    kc,
    engine: opts.engine,
    nodeName: opts.nodeName,
    nodeIp: opts.nodeIp,
    dataDir: dir,
    log: log.child({ component: 'node' }),
    crashBackoff: opts.crashBackoff,
    syncIntervalMs: opts.syncIntervalMs,
  });
  api.api.registerConnect('', 'pods', 'log', podLogHandler(runtime));
  registerStreams(api.api, { engine: opts.engine, nodeName: opts.nodeName });
  const metrics = new MetricsScraper({
    engine: opts.engine,
    nodeName: opts.nodeName,
    kc,
    log: log.child({ component: 'metrics' }),
    resolutionMs: opts.metricsResolutionMs,
  });
  api.api.registerAggregated(metricsApi(metrics));
  const controllers = startSiteControllers({
    kc,
    nodeName: opts.nodeName,
    nodeIp: opts.nodeIp,
    log: log.child({ component: 'site-controllers' }),
  });
  const proxy = new ServiceProxy({
    services: controllers.informers.services,
    endpoints: controllers.informers.endpoints,
    nodeIp: opts.nodeIp,
    log: log.child({ component: 'service-proxy' }),
  });
  let routing: SiteRouting | undefined;
  try {
    await runtime.start();
    await controllers.ready();
    metrics.start();
    proxy.start();
    if (clusterDns) {
      const { services, endpoints } = controllers.informers;
      const rlog = log.child({ component: 'service-routing' });
      routing = startSiteRouting({ services, endpoints, site: opts.nodeName, dnsIp: clusterDns, log: rlog });
    }
  } catch (e) {
    await Promise.allSettled([controllers.stop(), runtime.stop()]);
    await api.close();
    throw e;
  }
  log.info({ node: opts.nodeName, nodeIp: opts.nodeIp, api: api.url }, 'edge site running');
  let stopped: Promise<void> | undefined;
  return {
    kubeconfigPath: api.kubeconfigPath,
    kubeConfig: kc,
    url: api.url,
    api,
    runtime,
    routing,
    stop() {
      // Containers keep running: an agent restart (or upgrade) must not restart the site's workloads.
      stopped ??= (async () => {
        await Promise.allSettled([
          controllers.stop(),
          runtime.stop(),
          metrics.stop(),
          proxy.stop(),
          routing?.stop(),
        ]);
        closeStreams(api.api);
        await api.close();
      })();
      return stopped;
    },
  };
}
