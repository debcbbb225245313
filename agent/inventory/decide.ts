/**
 * When the agent writes its summary and inventory to the hub: only when something changed
 * meaningfully (a node or pod came, went or changed state; usage moved by more than 10 % and more
 * than a small floor), never more often than the report interval, and at least every refresh
 * period so the hub can tell a quiet cluster from an agent that is away. At 1,000 clusters a
 * write per heartbeat would be 100 writes/s for nothing. Pure.
 */
import {
  cpuMillis,
  quantityValue,
  type ClusterInventoryStatus,
  type ClusterResourceSummary,
  type ResourceAmounts,
} from '../../api/inventory.js';

const RELATIVE = 0.1;
const CPU_FLOOR_MILLIS = 10;
const MEMORY_FLOOR_BYTES = 16 * 1024 * 1024;

function moved(a: number, b: number, floor: number): boolean {
  const d = Math.abs(a - b);
  return d > floor && d > RELATIVE * Math.max(Math.abs(a), Math.abs(b));
}

/** Usage differs enough to be worth a write. Appearing or disappearing usage always is. */
export function usageMoved(a: ResourceAmounts | undefined, b: ResourceAmounts | undefined): boolean {
  if (!a || !b) return a !== b;
  return (
    moved(cpuMillis(a.cpu) ?? 0, cpuMillis(b.cpu) ?? 0, CPU_FLOOR_MILLIS) ||
    moved(quantityValue(a.memory) ?? 0, quantityValue(b.memory) ?? 0, MEMORY_FLOOR_BYTES)
  );
}

/** The fields compared exactly: everything but usage and timestamps. */
function shape(s: ClusterResourceSummary): string {
  return JSON.stringify([s.nodes, s.pods, s.capacity, s.allocatable]);
}

export function summaryChanged(
  prev: ClusterResourceSummary | undefined,
  next: ClusterResourceSummary,
): boolean {
  return !prev || shape(prev) !== shape(next) || usageMoved(prev.usage, next.usage);
}

function withoutUsage<T extends { usage?: ResourceAmounts }>(list: T[]): string {
  return JSON.stringify(list.map(({ usage: _usage, ...rest }) => rest));
}

export function inventoryChanged(
  prev: ClusterInventoryStatus | undefined,
  next: ClusterInventoryStatus,
): boolean {
  if (!prev) return true;
  if (summaryChanged(prev.summary, next.summary)) return true;
  if (prev.nodesOmitted !== next.nodesOmitted || prev.podsOmitted !== next.podsOmitted) return true;
  if (withoutUsage(prev.nodes) !== withoutUsage(next.nodes)) return true;
  if (withoutUsage(prev.pods) !== withoutUsage(next.pods)) return true;
  return (
    prev.nodes.some((n, i) => usageMoved(n.usage, next.nodes[i]?.usage)) ||
    prev.pods.some((p, i) => usageMoved(p.usage, next.pods[i]?.usage))
  );
}

export interface WriteTiming {
  changed: boolean;
  /** When this object was last written successfully (undefined: never, in this process). */
  lastWriteMs: number | undefined;
  nowMs: number;
  minIntervalMs: number;
  refreshMs: number;
}

export function shouldWrite(t: WriteTiming): boolean {
  if (t.lastWriteMs === undefined) return true;
  const since = t.nowMs - t.lastWriteMs;
  if (since < t.minIntervalMs) return false;
  return t.changed || since >= t.refreshMs;
}
