/**
 * The controllers kube-controller-manager would run at an edge site, speaking only the site's
 * Kubernetes API: Deployments, ReplicaSets, Jobs, StatefulSets, DaemonSets, CronJobs, Services'
 * load-balancer status, Endpoints and EndpointSlices, and a garbage
 * collector for what deleted owners leave behind. One node, no scheduler: pods are created bound
 * to it. The node runtime (agent/edge/node) runs them and reports their status.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../../client/client.js';
import { silentLogger, type RuntimeLogger } from '../../../client/log.js';
import { CronJobController } from './cronjob/controller.js';
import { DaemonSetController } from './daemonset/controller.js';
import { DeploymentController } from './deployment/controller.js';
import { SiteEvents } from './events.js';
import { EndpointsController } from './endpoints/controller.js';
import { GarbageCollector } from './gc/controller.js';
import { DEFAULT_JOB_BACKOFF_BASE_MS, DEFAULT_JOB_BACKOFF_MAX_MS } from './job/backoff.js';
import { JobController } from './job/controller.js';
import { ReplicaSetController } from './replicaset/controller.js';
import { ServiceController } from './service/controller.js';
import { StatefulSetController } from './statefulset/controller.js';
import { allInformers, createSiteInformers, type SiteContext, type SiteInformers } from './site.js';

export const FIELD_MANAGER = 'edgefed-site-controllers';

export interface SiteControllersOptions {
  /** Credentials for the site API. */
  kc: KubeConfig;
  /** The site's node: every pod is bound to it. */
  nodeName: string;
  /** Where the site's services are reached (status.loadBalancer.ingress). */
  nodeIp: string;
  log?: RuntimeLogger;
  /** Workers per controller (default 2). */
  workers?: number;
  /** Informer resync period (default 5 min): how soon drift nobody announced is repaired. */
  resyncMs?: number;
  /** Job back-off between pod failures (default kube's: 10 s doubling, capped at 6 min). */
  jobBackoff?: { baseMs?: number; maxMs?: number };
}

export interface SiteControllers {
  /** The shared caches (the service proxy reads Services and Endpoints from them). */
  informers: SiteInformers;
  /** Resolves once every cache has synced and the controllers run; rejects if stopped first. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

interface Runnable {
  start(): void;
  stop(): Promise<void>;
}

export function startSiteControllers(opts: SiteControllersOptions): SiteControllers {
  const log = opts.log ?? silentLogger;
  const informers = createSiteInformers(opts.kc, log, opts.resyncMs);
  const client = new KubeClient(opts.kc, { fieldManager: FIELD_MANAGER });
  const ctx: SiteContext = {
    client,
    events: new SiteEvents(client, log),
    informers,
    log,
    nodeName: opts.nodeName,
    nodeIp: opts.nodeIp,
    workers: opts.workers ?? 2,
    now: () => new Date(),
  };
  const controllers: Runnable[] = [
    new ReplicaSetController(ctx),
    new DeploymentController(ctx),
    new JobController(ctx, {
      backoffBaseMs: opts.jobBackoff?.baseMs ?? DEFAULT_JOB_BACKOFF_BASE_MS,
      backoffMaxMs: opts.jobBackoff?.maxMs ?? DEFAULT_JOB_BACKOFF_MAX_MS,
    }),
    new ServiceController(ctx),
    new EndpointsController(ctx),
    new StatefulSetController(ctx),
    new DaemonSetController(ctx),
    new CronJobController(ctx),
    new GarbageCollector(ctx),
  ];
  for (const i of allInformers(informers)) i.start();

  let stopped = false;
  let abort: (e: Error) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => (abort = reject));
  // Deciding from a half-filled cache would create what already exists: workers start after sync.
  const ready = Promise.race([
    Promise.all(allInformers(informers).map((i) => i.waitForSync())),
    aborted,
  ]).then(() => {
    for (const c of controllers) c.start();
    log.info({ node: opts.nodeName }, 'site controllers running');
  });
  ready.catch(() => undefined);

  return {
    informers,
    ready: () => ready,
    async stop() {
      if (stopped) return;
      stopped = true;
      abort(new Error('site controllers stopped before their caches synced'));
      await Promise.all(controllers.map((c) => c.stop()));
      await Promise.all(allInformers(informers).map((i) => i.stop()));
      await ctx.events.shutdown();
    },
  };
}
