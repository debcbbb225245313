/**
 * ReplicaSchedulingPreference: kubefed's replica planner (pkg/controller/util/planner/planner.go),
 * cluster eligibility with failover, and the placement/overrides the schedule is written as. Pure.
 */
import type { KubeFedCluster, Override, ReplicaSchedulingPreference } from '../../api/federation.js';

export type RspSpec = ReplicaSchedulingPreference['spec'];
export type ClusterPreference = NonNullable<RspSpec['clusters']>[string];
/** Cluster name → replicas. Keys in sorted order. */
export type ReplicaSchedule = Record<string, number>;

export const REPLICAS_PATH = '/spec/replicas';

interface Named {
  name: string;
  hash: number;
  min: number;
  max: number | undefined;
  weight: number;
}

/**
 * kubefed's Planner.Plan (without pod-capacity estimates):
 * - clusters without an entry use "*"; with neither they get nothing and are left out of the result
 *   (so they drop out of placement). No entries at all means `{"*": {weight: 1}}`, as kubefed defaulted.
 * - Preferences are ordered by weight (descending), then by the FNV-1 32-bit hash of cluster name +
 *   objectKey (kubefed's exact hash, so ties and remainders land where kubefed put them).
 * - minReplicas are granted first in that order (a total below the sum of mins starves the tail).
 * - rebalance=false: a cluster currently running more than its min keeps up to its current count
 *   (capped by max and by what is left) — running replicas are not moved.
 * - The rest is spread in proportion to weight, each share rounded up, capped by maxReplicas, over
 *   repeated rounds until all is placed or no cluster can take more. Weight 0 (the default of an entry
 *   without weight) gets only its min. So the sum equals totalReplicas unless every cluster with
 *   weight is capped, or no cluster has weight.
 * Negative or fractional numbers are treated as their floored, non-negative value.
 */
export function scheduleReplicas(
  spec: RspSpec,
  clusters: string[],
  current: Record<string, number>,
  objectKey: string,
): ReplicaSchedule {
  const prefs =
    spec.clusters && Object.keys(spec.clusters).length > 0 ? spec.clusters : { '*': { weight: 1 } };
  let preferences: Named[] = [];
  for (const name of new Set(clusters)) {
    const p = Object.hasOwn(prefs, name) ? prefs[name] : Object.hasOwn(prefs, '*') ? prefs['*'] : undefined;
    if (!p) continue;
    preferences.push({
      name,
      hash: fnv1_32(name + objectKey),
      min: count(p.minReplicas),
      max: p.maxReplicas === undefined || p.maxReplicas === null ? undefined : count(p.maxReplicas),
      weight: count(p.weight),
    });
  }
  preferences.sort((a, b) => b.weight - a.weight || a.hash - b.hash);

  const plan = new Map<string, number>();
  let remaining = count(spec.totalReplicas);

  for (const p of preferences) {
    const min = Math.min(p.min, remaining);
    remaining -= min;
    plan.set(p.name, min);
  }

  const preallocated = new Map<string, number>();
  if (!spec.rebalance) {
    for (const p of preferences) {
      const planned = plan.get(p.name) ?? 0;
      const have = current[p.name];
      if (have === undefined || !(count(have) > planned)) continue;
      const target = p.max === undefined ? count(have) : Math.min(p.max, count(have));
      const extra = Math.max(0, Math.min(target - planned, remaining));
      remaining -= extra;
      preallocated.set(p.name, extra);
      plan.set(p.name, planned + extra);
    }
  }

  let modified = true;
  while (modified && remaining > 0) {
    modified = false;
    // BigInt so weights like kubefed's 10000 times large totals stay exact.
    const weightSum = preferences.reduce((s, p) => s + BigInt(p.weight), 0n);
    if (weightSum <= 0n) break;
    const next: Named[] = [];
    const distribute = remaining;
    for (const p of preferences) {
      const start = plan.get(p.name) ?? 0;
      // Shares are rounded up; earlier (heavier, lower-hash) clusters get the remainder.
      const share = (BigInt(distribute) * BigInt(p.weight) + weightSum - 1n) / weightSum;
      let extra = Math.min(Number(share), remaining);
      const prealloc = preallocated.get(p.name) ?? 0;
      const used = Math.min(extra, prealloc);
      preallocated.set(p.name, prealloc - used);
      extra -= used;
      if (used > 0) modified = true;
      let total = start + extra;
      let full = false;
      if (p.max !== undefined && total > p.max) {
        total = p.max;
        full = true;
      }
      if (!full) next.push(p);
      remaining -= total - start;
      plan.set(p.name, total);
      if (total > start) modified = true;
    }
    preferences = next;
  }

  const out: ReplicaSchedule = {};
  for (const name of [...plan.keys()].sort(compare)) out[name] = plan.get(name) ?? 0;
  return out;
}

export interface Eligibility {
  /** Clusters the planner may use, sorted. */
  eligible: string[];
  /** Clusters left out because they have not been Ready for longer than the grace period, sorted. */
  failedOver: string[];
}

/**
 * Failover (beyond kubefed, which simply dropped every not-Ready cluster): a Ready cluster is eligible;
 * a not-Ready one stays eligible — keeping its replicas — until it has been not Ready for more than
 * `graceSeconds`, then it is left out and the planner divides its replicas among the others. When it
 * is Ready again it is eligible again. `graceSeconds` 0 is kubefed's behaviour.
 * `notReadySince` gives the time (ms since the epoch) the cluster stopped being Ready, undefined when
 * unknown (which counts as "longer than any grace period"); by default the Ready condition's
 * lastTransitionTime when its status is False or Unknown. Clusters being deleted (unjoin) are never
 * eligible and are not reported as failed over.
 */
export function eligibleClusters(
  clusters: KubeFedCluster[],
  now: number,
  graceSeconds: number,
  notReadySince: (c: KubeFedCluster) => number | undefined = readyConditionNotReadySince,
): Eligibility {
  const eligible: string[] = [];
  const failedOver: string[] = [];
  for (const c of clusters) {
    const name = c.metadata.name;
    if (!name || c.metadata.deletionTimestamp) continue;
    if (isReady(c)) {
      eligible.push(name);
      continue;
    }
    const since = notReadySince(c);
    const withinGrace =
      graceSeconds > 0 && since !== undefined && Number.isFinite(since) && now - since <= graceSeconds * 1000;
    (withinGrace ? eligible : failedOver).push(name);
  }
  return {
    eligible: [...new Set(eligible)].sort(compare),
    failedOver: [...new Set(failedOver)].sort(compare),
  };
}

/** When the Ready condition went False/Unknown (its lastTransitionTime), or undefined. */
export function readyConditionNotReadySince(c: KubeFedCluster): number | undefined {
  const ready = (c.status?.conditions ?? []).find((x) => x.type === 'Ready');
  if (!ready || ready.status === 'True' || !ready.lastTransitionTime) return undefined;
  const t = Date.parse(ready.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

function isReady(c: KubeFedCluster): boolean {
  return (c.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True');
}

export interface ScheduledPlacement {
  /** spec.placement.clusters: every scheduled cluster, including those given 0 replicas (as kubefed). */
  clusters: { name: string }[];
  /** One override entry per scheduled cluster setting /spec/replicas. */
  overrides: Override[];
}

/** The schedule as the target's placement clusters plus per-cluster /spec/replicas overrides. */
export function toOverrides(schedule: ReplicaSchedule): ScheduledPlacement {
  const names = Object.keys(schedule).sort(compare);
  return {
    clusters: names.map((name) => ({ name })),
    overrides: names.map((clusterName) => ({
      clusterName,
      clusterOverrides: [replicasOverride(schedule[clusterName])],
    })),
  };
}

/**
 * Merges the schedule into existing overrides (kubefed's updateOverridesMap): other overrides are
 * kept in place; a cluster's /spec/replicas override is set (in place when there is one, else
 * appended) when scheduled and removed when not; an entry left with no overrides by that removal is
 * dropped; new clusters are appended in name order. Idempotent, and the inputs are not mutated.
 *
 * The op written is "add", not kubefed's implicit "replace": on an object member RFC 6902 add sets
 * the value whether or not it exists, so a template that leaves spec.replicas to its default still
 * renders instead of failing with ApplyOverridesFailed.
 */
export function mergeReplicaOverrides(
  existing: Override[] | undefined,
  schedule: ReplicaSchedule,
): Override[] {
  const out: Override[] = [];
  const done = new Set<string>();
  for (const item of existing ?? []) {
    const name = item.clusterName;
    const scheduled = Object.hasOwn(schedule, name) && !done.has(name);
    const ops = item.clusterOverrides ?? [];
    const hadReplicas = ops.some((o) => o.path === REPLICAS_PATH);
    if (!scheduled && !hadReplicas) {
      out.push(structuredClone(item));
      continue;
    }
    const kept = ops.filter((o) => o.path !== REPLICAS_PATH).map((o) => structuredClone(o));
    if (scheduled) {
      const at = ops.findIndex((o) => o.path === REPLICAS_PATH);
      const position = at < 0 ? kept.length : ops.slice(0, at).filter((o) => o.path !== REPLICAS_PATH).length;
      kept.splice(position, 0, replicasOverride(schedule[name]));
      done.add(name);
    } else if (hadReplicas && kept.length === 0) {
      continue;
    }
    out.push({ ...structuredClone(item), clusterOverrides: kept });
  }
  for (const name of Object.keys(schedule).sort(compare)) {
    if (!done.has(name))
      out.push({ clusterName: name, clusterOverrides: [replicasOverride(schedule[name])] });
  }
  return out;
}

function replicasOverride(replicas: number): { op: string; path: string; value: number } {
  return { op: 'add', path: REPLICAS_PATH, value: replicas };
}

/** FNV-1 (not 1a), 32 bits, over the UTF-8 bytes — Go's hash/fnv New32, as kubefed's planner uses. */
export function fnv1_32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(s)) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ byte) >>> 0;
  }
  return h;
}

function count(n: number | undefined | null): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
