import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../client/client.js';
import { LeaderElector } from '../client/leader-election.js';
import type { RuntimeLogger } from '../client/log.js';
import { DnsController } from './dns/controller.js';
import { ClusterHealthController } from './health/cluster-health.js';
import { ReplicaSchedulingController } from './scheduling/controller.js';
import { SyncController } from './sync/controller.js';
import { HUB_NAMESPACE } from '../api/federation.js';

export interface ControllerManagerOptions {
  kc: KubeConfig;
  log: RuntimeLogger;
  /** Unique per process; defaults to hostname + pid. */
  identity?: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  failoverGraceSeconds?: number;
  /** Agent heartbeat age after which a cluster is NotReady (default 40 s, or $EDGEFED_HEARTBEAT_THRESHOLD). */
  heartbeatThresholdSeconds?: number;
}

export const CONTROLLER_LEASE = 'edgefed-controller-manager';

/**
 * Runs the federation controllers only while this process holds the controller Lease, so several
 * hub processes (or a hub and an in-cluster controller) never both reconcile. Speaks only the
 * Kubernetes API, so it runs against the hub's own API or any Kubernetes cluster.
 */
export class ControllerManager {
  private readonly elector: LeaderElector;
  private running:
    | {
        sync: SyncController;
        rsp: ReplicaSchedulingController;
        health: ClusterHealthController;
        dns: DnsController;
      }
    | undefined;
  private transition: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ControllerManagerOptions) {
    this.elector = new LeaderElector({
      kc: opts.kc,
      namespace: HUB_NAMESPACE,
      name: CONTROLLER_LEASE,
      identity: opts.identity ?? `${hostname()}-${process.pid}`,
      leaseDurationSeconds: opts.leaseDurationSeconds,
      renewDeadlineSeconds: opts.renewDeadlineSeconds,
      retryPeriodSeconds: opts.retryPeriodSeconds,
      logger: opts.log,
      onStartedLeading: () => this.serially(() => this.startControllers()),
      onStoppedLeading: () => this.serially(() => this.stopControllers()),
    });
  }

  start(): void {
    this.elector.start();
  }

  isLeader(): boolean {
    return this.elector.isLeader();
  }

  async stop(): Promise<void> {
    await this.serially(() => this.stopControllers());
    await this.elector.stop();
  }

  private serially(fn: () => Promise<void>): Promise<void> {
    this.transition = this.transition
      .then(fn)
      .catch((e: unknown) => this.opts.log.error({ err: e }, 'controller transition failed'));
    return this.transition;
  }

  private async startControllers(): Promise<void> {
    if (this.running) return;
    const client = new KubeClient(this.opts.kc, { fieldManager: 'edgefed-controller-manager' });
    const sync = new SyncController({ client, log: this.opts.log });
    const rsp = new ReplicaSchedulingController(
      client,
      sync.clusterInformer,
      this.opts.log,
      this.opts.failoverGraceSeconds,
    );
    const health = new ClusterHealthController({
      kc: this.opts.kc,
      client,
      log: this.opts.log,
      thresholdSeconds: this.opts.heartbeatThresholdSeconds,
    });
    const dns = new DnsController({ client, log: this.opts.log, clusters: sync.clusterInformer });
    await sync.start();
    rsp.start();
    health.start();
    dns.start();
    this.running = { sync, rsp, health, dns };
    this.opts.log.info({}, 'leading: federation controllers started');
  }

  private async stopControllers(): Promise<void> {
    const r = this.running;
    if (!r) return;
    this.running = undefined;
    await r.dns.stop();
    await r.health.stop();
    await r.rsp.stop();
    await r.sync.stop();
    this.opts.log.info({}, 'federation controllers stopped');
  }
}
