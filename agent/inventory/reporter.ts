/**
 * The agent's fleet report: every `intervalMs` (30 s by default) it lists the member's Nodes and
 * Pods (and metrics.k8s.io usage when the member serves it: an edge site does, a cluster with
 * metrics-server does), and writes to the hub what changed meaningfully (decide.ts):
 *
 * - its KubeFedCluster `status.resources` (the summary), by merge patch on the status subresource;
 * - its ClusterInventory (named like the cluster, in its own namespace), created or replaced.
 *
 * The agent is the only writer of both, so the inventory is replaced without a resourceVersion.
 * A failed write is retried at the next tick; nothing here stops the agent's real work.
 */
import type { KubeClient } from '../../client/client.js';
import { isNotFound } from '../../client/errors.js';
import type { RuntimeLogger } from '../../client/log.js';
import {
  INVENTORY_GROUP,
  INVENTORY_KIND,
  INVENTORY_VERSION,
  inventoryCollectionPath,
  type ClusterInventory,
  type ClusterInventoryStatus,
  type ClusterResourceSummary,
} from '../../api/inventory.js';
import { kubeFedClusterStatusPath } from '../heartbeat.js';
import {
  buildInventory,
  type InventoryCaps,
  type MemberNode,
  type MemberPod,
  type MetricsItem,
} from './build.js';
import { inventoryChanged, shouldWrite, summaryChanged } from './decide.js';

export const DEFAULT_REPORT_INTERVAL_MS = 30_000;
export const DEFAULT_REFRESH_MS = 5 * 60_000;

export interface ReporterDeps {
  hub: () => KubeClient;
  member: KubeClient;
  cluster: string;
  namespace: string;
  log: RuntimeLogger;
  intervalMs?: number;
  /** Written at least this often even when nothing changed (default 5 min). */
  refreshMs?: number;
  caps?: InventoryCaps;
  now?: () => number;
}

interface Written<T> {
  value: T;
  atMs: number;
}

export class InventoryReporter {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private summary?: Written<ClusterResourceSummary>;
  private inventory?: Written<ClusterInventoryStatus>;
  private failures = 0;
  private nodesWarned = false;

  constructor(private readonly d: ReporterDeps) {}

  private get intervalMs(): number {
    return this.d.intervalMs ?? DEFAULT_REPORT_INTERVAL_MS;
  }

  private get refreshMs(): number {
    return Math.max(this.d.refreshMs ?? DEFAULT_REFRESH_MS, this.intervalMs);
  }

  start(): void {
    const tick = (): void => {
      if (this.running) return;
      this.running = this.report().finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One report; never throws. */
  async report(): Promise<void> {
    try {
      const nowMs = this.d.now?.() ?? Date.now();
      const status = await this.observe(nowMs);
      const timing = { nowMs, minIntervalMs: this.intervalMs, refreshMs: this.refreshMs };
      const writeSummary = shouldWrite({
        ...timing,
        changed: summaryChanged(this.summary?.value, status.summary),
        lastWriteMs: this.summary?.atMs,
      });
      if (writeSummary) {
        await this.d.hub().mergePatch(kubeFedClusterStatusPath(this.d.cluster), {
          status: { resources: status.summary },
        });
        this.summary = { value: status.summary, atMs: nowMs };
      }
      const writeInventory = shouldWrite({
        ...timing,
        changed: inventoryChanged(this.inventory?.value, status),
        lastWriteMs: this.inventory?.atMs,
      });
      if (writeInventory) {
        await this.put(status);
        this.inventory = { value: status, atMs: nowMs };
      }
      if (this.failures > 0) this.d.log.info('inventory report: written again');
      this.failures = 0;
    } catch (e) {
      if (this.failures++ === 0)
        this.d.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'inventory report failed');
    }
  }

  private async observe(nowMs: number): Promise<ClusterInventoryStatus> {
    const m = this.d.member;
    const [nodes, pods, nodeMetrics, podMetrics] = await Promise.all([
      // An agent whose member RBAC does not grant nodes (the helm chart's federatedTypes scope)
      // still reports its pods.
      optional(m.listAll<MemberNode>('/api/v1/nodes')),
      m.listAll<MemberPod>('/api/v1/pods'),
      optional(m.listAll<MetricsItem>('/apis/metrics.k8s.io/v1beta1/nodes')),
      optional(m.listAll<MetricsItem>('/apis/metrics.k8s.io/v1beta1/pods')),
    ]);
    if (!nodes && !this.nodesWarned) {
      this.nodesWarned = true;
      this.d.log.warn("inventory: cannot list the member's nodes (RBAC?); reporting pods only");
    }
    return buildInventory({
      nodes: nodes?.items ?? [],
      pods: pods.items,
      nodeMetrics: nodeMetrics?.items,
      podMetrics: podMetrics?.items,
      now: new Date(nowMs),
      refreshSeconds: Math.round(this.refreshMs / 1000),
      caps: this.d.caps,
    });
  }

  private async put(status: ClusterInventoryStatus): Promise<void> {
    const hub = this.d.hub();
    const collection = inventoryCollectionPath(this.d.namespace);
    const obj: ClusterInventory = {
      apiVersion: `${INVENTORY_GROUP}/${INVENTORY_VERSION}`,
      kind: INVENTORY_KIND,
      metadata: { name: this.d.cluster, namespace: this.d.namespace },
      status,
    };
    try {
      await hub.update(`${collection}/${encodeURIComponent(this.d.cluster)}`, obj);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await hub.create(collection, obj);
    }
  }
}

/** A member without metrics.k8s.io (no metrics-server) answers 404 or 503: no usage, not an error. */
async function optional<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch {
    return undefined;
  }
}
