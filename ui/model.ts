/**
 * The dashboard's decisions as pure functions of API objects and the clock (table-tested in
 * test/unit/ui/model.test.ts): a cluster's health, grouping by region and zone, a workload's
 * per-cluster readiness and problems, ages. No DOM here.
 */
import type { FederatedObject, KubeFedCluster } from '../api/federation.js';
import type { PodProblem } from '../api/pod-summary.js';

export type Health = 'Ready' | 'NotReady' | 'Unknown';

export interface ClusterView {
  name: string;
  region: string;
  zone: string;
  health: Health;
  /** Why not Ready (the condition's reason and message). */
  reason?: string;
  /** Last agent heartbeat (ms since epoch), if known. */
  heartbeat?: number;
  /** Set when the cluster is not Ready: its data is as of this time. */
  staleSince?: number;
  version?: string;
  /** "3/3 nodes", "12 pods", capacity..., when the agent reports a summary. */
  resources?: { nodes?: string; pods?: string; cpu?: string; memory?: string };
}

export const REGION_LABELS = [
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/region',
  'region',
];
export const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone', 'zone'];
export const NO_REGION = '(no region)';
export const NO_ZONE = '(no zone)';

function firstLabel(labels: Record<string, string> | undefined, keys: string[]): string | undefined {
  for (const k of keys) if (labels?.[k]) return labels[k];
  return undefined;
}

function time(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

interface ResourceSummary {
  nodes?: { total?: number; ready?: number };
  pods?: { total?: number; running?: number; ready?: number };
  capacity?: { cpu?: string; memory?: string };
  allocatable?: { cpu?: string; memory?: string };
  usage?: { cpu?: string; memory?: string };
}

/**
 * What the overview shows of one KubeFedCluster. `leaseRenew` is the renewTime of the agent's
 * heartbeat Lease when the viewer may read it: status.lastHeartbeatTime is only rewritten every few
 * minutes (so the hub does not write per heartbeat), the Lease is current.
 */
export function clusterView(c: KubeFedCluster, leaseRenew?: string): ClusterView {
  const status = (c.status ?? {}) as KubeFedCluster['status'] & {
    lastHeartbeatTime?: string;
    resources?: ResourceSummary;
  };
  const ready = status?.conditions?.find((x) => x.type === 'Ready');
  const health: Health =
    ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
  const labels = c.metadata.labels;
  const recorded = time(status?.lastHeartbeatTime);
  const renewed = time(leaseRenew);
  const heartbeat =
    recorded !== undefined && renewed !== undefined
      ? Math.max(recorded, renewed)
      : (renewed ?? recorded ?? time(ready?.lastProbeTime));
  const notReadySince = time(ready?.lastTransitionTime);
  const v: ClusterView = {
    name: c.metadata.name ?? '',
    region: status?.region || firstLabel(labels, REGION_LABELS) || NO_REGION,
    zone: status?.zones?.[0] || firstLabel(labels, ZONE_LABELS) || NO_ZONE,
    health,
    heartbeat,
    version: status?.kubernetesVersion,
  };
  if (health !== 'Ready') {
    v.reason = [ready?.reason, ready?.message].filter(Boolean).join(': ') || 'no Ready condition yet';
    // The data is as old as the last thing the agent said; without a heartbeat, since it went NotReady.
    v.staleSince = heartbeat ?? notReadySince;
  }
  const r = status?.resources;
  if (r) {
    v.resources = {
      nodes: r.nodes ? `${r.nodes.ready ?? 0}/${r.nodes.total ?? 0} ready` : undefined,
      pods: r.pods ? `${r.pods.ready ?? 0}/${r.pods.total ?? 0} ready` : undefined,
      cpu: amounts(r.usage?.cpu, r.allocatable?.cpu ?? r.capacity?.cpu),
      memory: amounts(r.usage?.memory, r.allocatable?.memory ?? r.capacity?.memory),
    };
  }
  return v;
}

function amounts(used: string | undefined, total: string | undefined): string | undefined {
  if (!total && !used) return undefined;
  return used ? `${used} / ${total ?? '?'}` : `${total} allocatable`;
}

export interface RegionGroup {
  region: string;
  zones: { zone: string; clusters: ClusterView[] }[];
}

/** Regions, then zones, then clusters, each sorted by name (the unlabelled last). */
export function groupByRegion(clusters: ClusterView[]): RegionGroup[] {
  const byRegion = new Map<string, Map<string, ClusterView[]>>();
  for (const c of clusters) {
    const zones = byRegion.get(c.region) ?? new Map<string, ClusterView[]>();
    byRegion.set(c.region, zones);
    zones.set(c.zone, [...(zones.get(c.zone) ?? []), c]);
  }
  const order = (a: string, b: string, none: string): number =>
    a === none ? 1 : b === none ? -1 : a.localeCompare(b);
  return [...byRegion.entries()]
    .sort(([a], [b]) => order(a, b, NO_REGION))
    .map(([region, zones]) => ({
      region,
      zones: [...zones.entries()]
        .sort(([a], [b]) => order(a, b, NO_ZONE))
        .map(([zone, cs]) => ({ zone, clusters: cs.sort((x, y) => x.name.localeCompare(y.name)) })),
    }));
}

export interface PlacementRow {
  cluster: string;
  /** kubefed's per-cluster status (ClusterNotReady, CreationFailed...), or 'Propagated'. */
  propagation: string;
  message?: string;
  ready?: number;
  desired?: number;
  restarts?: number;
  problems: PodProblem[];
}

/** The desired replicas of a member object as the template says (1 when it has no replicas field). */
function desiredReplicas(obj: FederatedObject, remote: unknown): number | undefined {
  const r = remote as { replicas?: number } | undefined;
  if (typeof r?.replicas === 'number') return r.replicas;
  const spec = (obj.spec?.template as { spec?: { replicas?: number } } | undefined)?.spec;
  return typeof spec?.replicas === 'number' ? spec.replicas : undefined;
}

/** One row per cluster the object is placed in, from status.clusters[] (kubefed) and its pods summary. */
export function placementRows(obj: FederatedObject): PlacementRow[] {
  return (obj.status?.clusters ?? [])
    .map((c) => {
      const remote = c.remoteStatus as { readyReplicas?: number; replicas?: number } | undefined;
      return {
        cluster: c.name,
        propagation: c.status ?? 'Propagated',
        message: c.message,
        ready: c.pods?.ready ?? remote?.readyReplicas,
        desired: c.pods?.total ?? desiredReplicas(obj, remote),
        restarts: c.pods?.restarts,
        problems: c.pods?.problems ?? [],
      };
    })
    .sort((a, b) => a.cluster.localeCompare(b.cluster));
}

export type WorkloadHealth = 'ok' | 'progressing' | 'failing' | 'pending';

/** One word for a workload: failing if any cluster reports a problem or a failed propagation. */
export function workloadHealth(rows: PlacementRow[]): WorkloadHealth {
  if (rows.length === 0) return 'pending';
  if (rows.some((r) => r.problems.length > 0 || /Failed$/.test(r.propagation))) return 'failing';
  if (rows.every((r) => r.propagation === 'Propagated' && r.desired !== undefined && r.ready === r.desired))
    return 'ok';
  return 'progressing';
}

/** "5s", "3m", "2h", "4d": how long ago, for a heartbeat or a stale mark. */
export function age(since: number | undefined, now: number): string {
  if (since === undefined) return 'never';
  const s = Math.max(0, Math.floor((now - since) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** The claims of a ServiceAccount JWT the page shows (not verified here: the hub verifies). */
export function tokenIdentity(token: string): { user?: string; namespace?: string; expires?: number } {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const c = JSON.parse(json) as { sub?: string; exp?: number; 'kubernetes.io'?: { namespace?: string } };
    const ns = c['kubernetes.io']?.namespace ?? /^system:serviceaccount:([^:]+):/.exec(c.sub ?? '')?.[1];
    return { user: c.sub, namespace: ns, expires: c.exp ? c.exp * 1000 : undefined };
  } catch {
    return {};
  }
}
