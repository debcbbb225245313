/**
 * The fleet view's decisions and formatting, as pure functions: which clusters' reports are stale,
 * which rows a selection keeps, and the tables `edgefed get` and `edgefed top` print (karmadactl's
 * shape: a CLUSTER column first). The data comes from the hub's store (each agent's
 * ClusterInventory and its KubeFedCluster), so the view answers quickly and still lists a site
 * whose agent is away, marking its rows stale.
 */
import {
  cpuMillis,
  quantityValue,
  type ClusterInventoryStatus,
  type NodeEntry,
  type PodEntry,
  type ResourceAmounts,
} from '../../api/inventory.js';
import type { KubeFedCluster } from '../../api/federation.js';
import { matchesLabels, parseLabelSelector } from '../../apiserver/selectors/label-selector.js';

/** A report older than this many refresh periods (plus a minute of slack) is stale even while Ready. */
const STALE_REFRESHES = 2;
const STALE_SLACK_MS = 60_000;

export interface ClusterReport {
  cluster: string;
  kfc?: KubeFedCluster;
  inventory?: ClusterInventoryStatus;
}

export interface Staleness {
  stale: boolean;
  /** Since when the data may be out of date (ms since epoch). */
  sinceMs?: number;
  /** Why, for the warning line. */
  why?: string;
}

interface ReadyCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

/**
 * A cluster's report is stale when its agent is away: the hub marks the cluster not Ready (no
 * heartbeat), or the report is older than the agent's promised refresh period allows.
 */
export function staleness(r: ClusterReport, nowMs: number): Staleness {
  const reportMs = r.inventory ? Date.parse(r.inventory.reportTime) : NaN;
  const ready = (r.kfc?.status?.conditions as ReadyCondition[] | undefined)?.find((c) => c.type === 'Ready');
  if (ready && ready.status !== 'True') {
    const t = Date.parse(ready.lastTransitionTime ?? '');
    return {
      stale: true,
      sinceMs: Number.isNaN(t) ? undefined : t,
      why: 'cluster is not Ready (agent away)',
    };
  }
  if (!Number.isNaN(reportMs) && r.inventory) {
    const maxAge = r.inventory.refreshSeconds * 1000 * STALE_REFRESHES + STALE_SLACK_MS;
    if (nowMs - reportMs > maxAge) return { stale: true, sinceMs: reportMs, why: 'no report for too long' };
  }
  return { stale: false };
}

/** "12s", "3m", "2h5m", "4d", like kubectl's AGE. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 && h < 6 ? `${h}h${m % 60}m` : `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** The REPORT column: how old the data is, or "stale since 2m". */
export function reportCell(r: ClusterReport, s: Staleness, nowMs: number): string {
  if (s.stale) return s.sinceMs === undefined ? 'stale' : `stale since ${shortDuration(nowMs - s.sinceMs)}`;
  const at = r.inventory ? Date.parse(r.inventory.reportTime) : NaN;
  return Number.isNaN(at) ? '<none>' : `${shortDuration(nowMs - at)} ago`;
}

export interface Selection {
  /** undefined: every namespace (-A). */
  namespace?: string;
  labelSelector?: string;
  /** undefined: every cluster. */
  clusters?: string[];
}

export interface Row<T> {
  cluster: string;
  entry: T;
  staleness: Staleness;
  report: string;
}

function rowsOf<T extends { labels?: Record<string, string> }>(
  reports: ClusterReport[],
  pick: (s: ClusterInventoryStatus) => T[],
  sel: Selection,
  nowMs: number,
  keep: (e: T) => boolean = () => true,
): Row<T>[] {
  const labels = parseLabelSelector(sel.labelSelector ?? '');
  const out: Row<T>[] = [];
  for (const r of [...reports].sort((a, b) => a.cluster.localeCompare(b.cluster))) {
    if (sel.clusters && !sel.clusters.includes(r.cluster)) continue;
    if (!r.inventory) continue;
    const s = staleness(r, nowMs);
    const report = reportCell(r, s, nowMs);
    for (const e of pick(r.inventory))
      if (keep(e) && matchesLabels(labels, e.labels ?? {}))
        out.push({ cluster: r.cluster, entry: e, staleness: s, report });
  }
  return out;
}

export function nodeRows(reports: ClusterReport[], sel: Selection, nowMs: number): Row<NodeEntry>[] {
  return rowsOf(reports, (s) => [...s.nodes].sort((a, b) => a.name.localeCompare(b.name)), sel, nowMs);
}

export function podRows(reports: ClusterReport[], sel: Selection, nowMs: number): Row<PodEntry>[] {
  return rowsOf(
    reports,
    (s) => [...s.pods].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)),
    sel,
    nowMs,
    (p) => sel.namespace === undefined || p.namespace === sel.namespace,
  );
}

/** Warnings for stderr: clusters with no report yet, stale ones, and entries left out by the cap. */
export function warnings(
  reports: ClusterReport[],
  sel: Selection,
  nowMs: number,
  what: 'nodes' | 'pods',
): string[] {
  const out: string[] = [];
  for (const r of [...reports].sort((a, b) => a.cluster.localeCompare(b.cluster))) {
    if (sel.clusters && !sel.clusters.includes(r.cluster)) continue;
    if (!r.inventory) {
      out.push(`cluster ${r.cluster}: no inventory reported yet`);
      continue;
    }
    const s = staleness(r, nowMs);
    if (s.stale)
      out.push(`cluster ${r.cluster}: ${reportCell(r, s, nowMs)} (${s.why}); showing its last report`);
    const omitted = what === 'pods' ? r.inventory.podsOmitted : r.inventory.nodesOmitted;
    if (omitted) out.push(`cluster ${r.cluster}: ${omitted} ${what} not in its report (size cap)`);
  }
  for (const c of sel.clusters ?? [])
    if (!reports.some((r) => r.cluster === c)) out.push(`cluster ${c}: not found`);
  return out;
}

export const cpuCell = (a: ResourceAmounts | undefined): string =>
  a ? `${cpuMillis(a.cpu) ?? 0}m` : '<unknown>';
export const memoryCell = (a: ResourceAmounts | undefined): string =>
  a ? `${Math.round((quantityValue(a.memory) ?? 0) / 2 ** 20)}Mi` : '<unknown>';

function percent(
  used: string | undefined,
  of: string | undefined,
  parse: (q: string | undefined) => number | undefined,
): string {
  const u = parse(used);
  const t = parse(of);
  return u === undefined || !t ? '<unknown>' : `${Math.round((u / t) * 100)}%`;
}

const age = (ts: string | undefined, nowMs: number): string => {
  const t = Date.parse(ts ?? '');
  return Number.isNaN(t) ? '<unknown>' : shortDuration(nowMs - t);
};

export function nodeTable(rows: Row<NodeEntry>[], wide: boolean, nowMs: number): [string[], string[][]] {
  const header = ['CLUSTER', 'NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'];
  if (wide) header.push('INTERNAL-IP', 'CPU', 'MEMORY');
  header.push('REPORT');
  return [
    header,
    rows.map(({ cluster, entry: n, report }) => [
      cluster,
      n.name,
      n.ready ? 'Ready' : 'NotReady',
      n.roles?.join(',') || '<none>',
      age(n.creationTimestamp, nowMs),
      n.kubeletVersion ?? '<unknown>',
      ...(wide ? [n.internalIP ?? '<none>', cpuCell(n.usage), memoryCell(n.usage)] : []),
      report,
    ]),
  ];
}

export function podTable(
  rows: Row<PodEntry>[],
  allNamespaces: boolean,
  wide: boolean,
  nowMs: number,
): [string[], string[][]] {
  const header = [
    'CLUSTER',
    ...(allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    'READY',
    'STATUS',
    'RESTARTS',
    'AGE',
  ];
  if (wide) header.push('IP', 'NODE', 'CPU', 'MEMORY');
  header.push('REPORT');
  return [
    header,
    rows.map(({ cluster, entry: p, report }) => [
      cluster,
      ...(allNamespaces ? [p.namespace] : []),
      p.name,
      `${p.readyContainers}/${p.containers}`,
      p.status,
      String(p.restarts),
      age(p.creationTimestamp, nowMs),
      ...(wide ? [p.podIP ?? '<none>', p.node ?? '<none>', cpuCell(p.usage), memoryCell(p.usage)] : []),
      report,
    ]),
  ];
}

export function topNodeTable(rows: Row<NodeEntry>[]): [string[], string[][]] {
  return [
    ['CLUSTER', 'NAME', 'CPU(cores)', 'CPU%', 'MEMORY(bytes)', 'MEMORY%', 'REPORT'],
    rows.map(({ cluster, entry: n, report }) => [
      cluster,
      n.name,
      cpuCell(n.usage),
      percent(n.usage?.cpu, n.allocatable?.cpu, cpuMillis),
      memoryCell(n.usage),
      percent(n.usage?.memory, n.allocatable?.memory, quantityValue),
      report,
    ]),
  ];
}

export function topPodTable(rows: Row<PodEntry>[], allNamespaces: boolean): [string[], string[][]] {
  return [
    ['CLUSTER', ...(allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'CPU(cores)', 'MEMORY(bytes)', 'REPORT'],
    rows.map(({ cluster, entry: p, report }) => [
      cluster,
      ...(allNamespaces ? [p.namespace] : []),
      p.name,
      cpuCell(p.usage),
      memoryCell(p.usage),
      report,
    ]),
  ];
}

/** `--sort-by cpu|memory` for top, largest first, as kubectl top sorts. */
export function sortByUsage<T extends { usage?: ResourceAmounts }>(
  rows: Row<T>[],
  by: 'cpu' | 'memory' | undefined,
): Row<T>[] {
  if (!by) return rows;
  const v = (r: Row<T>) =>
    by === 'cpu' ? (cpuMillis(r.entry.usage?.cpu) ?? -1) : (quantityValue(r.entry.usage?.memory) ?? -1);
  return [...rows].sort((a, b) => v(b) - v(a));
}

/** -o json|yaml: a v1 List of the entries, each with its cluster and whether its data is stale. */
export function listObject<T extends object>(kind: 'Node' | 'Pod', rows: Row<T>[]): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: rows.map((r) => ({
      kind: `Cluster${kind}`,
      cluster: r.cluster,
      stale: r.staleness.stale,
      ...(r.staleness.sinceMs !== undefined && r.staleness.stale
        ? { staleSince: new Date(r.staleness.sinceMs).toISOString() }
        : {}),
      ...r.entry,
    })),
  };
}
