/**
 * The agent's heartbeat: every HEARTBEAT_INTERVAL_SECONDS it renews the Lease HEARTBEAT_LEASE in its
 * cluster namespace on the hub (the hub's health controller turns it into KubeFedCluster conditions,
 * which it alone writes). Once per hub connection (the first success after a failure or at start) it
 * also reports the member's Kubernetes version in KubeFedCluster status.kubernetesVersion.
 */
import type { KubeClient } from '../client/client.js';
import { isNotFound } from '../client/errors.js';
import { microTime } from '../api/time.js';
import type { RuntimeLogger } from '../client/log.js';
import { HUB_NAMESPACE } from '../api/federation.js';
import { HEARTBEAT_INTERVAL_SECONDS, HEARTBEAT_LEASE } from '../api/protocol.js';

export const LEASE_DURATION_SECONDS = 40;

export interface HeartbeatDeps {
  hub: () => KubeClient;
  member: KubeClient;
  cluster: string;
  namespace: string;
  log: RuntimeLogger;
  intervalMs?: number;
  now?: () => number;
}

export function leasePath(namespace: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases/${HEARTBEAT_LEASE}`;
}

export function kubeFedClusterStatusPath(cluster: string): string {
  return `/apis/core.kubefed.io/v1beta1/namespaces/${HUB_NAMESPACE}/kubefedclusters/${encodeURIComponent(cluster)}/status`;
}

/** The Lease spec one heartbeat writes (pure). */
export function leaseSpec(cluster: string, nowMs: number): Record<string, unknown> {
  return {
    holderIdentity: cluster,
    leaseDurationSeconds: LEASE_DURATION_SECONDS,
    renewTime: microTime(nowMs),
  };
}

export class Heartbeat {
  private timer?: NodeJS.Timeout;
  private connected = false;
  private failures = 0;
  private versionReported = false;
  private running?: Promise<void>;

  constructor(private readonly d: HeartbeatDeps) {}

  start(): void {
    const tick = (): void => {
      if (this.running) return; // the previous beat is still waiting on a slow hub
      this.running = this.beat().finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.d.intervalMs ?? HEARTBEAT_INTERVAL_SECONDS * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One renewal; never throws. */
  async beat(): Promise<void> {
    const hub = this.d.hub();
    const path = leasePath(this.d.namespace);
    const spec = leaseSpec(this.d.cluster, this.d.now?.() ?? Date.now());
    try {
      try {
        await hub.mergePatch(path, { spec });
      } catch (e) {
        if (!isNotFound(e)) throw e;
        await hub.create(path.slice(0, path.lastIndexOf('/')), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: HEARTBEAT_LEASE, namespace: this.d.namespace },
          spec,
        });
      }
      if (!this.connected) {
        this.d.log.info({ cluster: this.d.cluster }, 'heartbeat: connected to the hub');
        this.connected = true;
        this.versionReported = false;
      }
      this.failures = 0;
    } catch (e) {
      // Logged once per outage, not every beat.
      if (this.failures++ === 0)
        this.d.log.warn(
          { err: e instanceof Error ? e.message : String(e) },
          'heartbeat failed: hub unreachable?',
        );
      this.connected = false;
      return;
    }
    if (!this.versionReported) this.versionReported = await this.reportVersion();
  }

  private async reportVersion(): Promise<boolean> {
    try {
      const v = await this.d.member.get<{ gitVersion?: string }>('/version');
      if (!v?.gitVersion) return true;
      await this.d.hub().mergePatch(kubeFedClusterStatusPath(this.d.cluster), {
        status: { kubernetesVersion: v.gitVersion },
      });
      return true;
    } catch (e) {
      this.d.log.warn(
        { err: e instanceof Error ? e.message : String(e) },
        'could not report the Kubernetes version',
      );
      return false;
    }
  }
}
