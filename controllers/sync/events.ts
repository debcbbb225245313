/**
 * kubefed's Events on federated objects, per member cluster: CreateInClusterSucceeded /
 * UpdateInClusterSucceeded / DeleteInClusterSucceeded, the ...Failed variants, ApplyOverridesFailed,
 * and the placement failures of the Propagation condition.
 *
 * In edgefed the hub writes Works and the agents apply them, so a cluster's result is known when
 * its agent reports the Work status; that is folded into the federated object's status. Events are
 * derived from the change of that folded status (pure: previous status → next status), and only
 * when the status write happens: once per change, nothing on a resync that changes nothing.
 */
import type {
  ClusterPropagationStatus,
  FederatedClusterStatus,
  FederatedStatus,
} from '../../api/federation.js';
import type { EventType } from '../../client/events.js';

export interface FedEvent {
  type: EventType;
  reason: string;
  message: string;
}

export interface Target {
  /** The member object's kind (Deployment). */
  kind: string;
  /** "namespace/name", or the name of a cluster-scoped object. */
  name: string;
}

/** Failures an agent reports → kubefed's failed event reason and verb. */
const FAILURES: Partial<Record<ClusterPropagationStatus, [string, string]>> = {
  CreationFailed: ['CreateInClusterFailed', 'create'],
  AlreadyExists: ['CreateInClusterFailed', 'create'],
  UpdateFailed: ['UpdateInClusterFailed', 'update'],
  DeletionFailed: ['DeleteInClusterFailed', 'delete'],
  ManagedLabelFalse: ['UpdateInClusterFailed', 'update'],
};

function succeeded(op: 'Create' | 'Update' | 'Delete', t: Target, cluster: string): FedEvent {
  const done = { Create: 'Created', Update: 'Updated', Delete: 'Deleted' }[op];
  return {
    type: 'Normal',
    reason: `${op}InClusterSucceeded`,
    message: `${done} ${t.kind} ${JSON.stringify(t.name)} in cluster ${JSON.stringify(cluster)}`,
  };
}

function entryEvents(
  t: Target,
  prev: FederatedClusterStatus | undefined,
  next: FederatedClusterStatus,
  workGeneration: number | undefined,
): FedEvent[] {
  if (prev && prev.status === next.status && (prev.message ?? '') === (next.message ?? '')) return [];
  const c = next.name;
  if (next.status === undefined) {
    if (prev && prev.status === undefined) return [];
    // Back from an outage with nothing new applied is not a result.
    if (prev?.status === 'ClusterNotReady' && (workGeneration ?? 1) <= 1) return [];
    return [succeeded((workGeneration ?? 1) <= 1 ? 'Create' : 'Update', t, c)];
  }
  if (next.status === 'ApplyOverridesFailed') {
    if (prev?.status === 'ApplyOverridesFailed') return [];
    return [
      { type: 'Warning', reason: 'ApplyOverridesFailed', message: `cluster ${c}: ${next.message ?? ''}` },
    ];
  }
  const failure = FAILURES[next.status];
  if (!failure) return []; // waiting (for the agent, for removal) or the cluster is not Ready
  const [reason, verb] = failure;
  const detail = next.message ? `: ${next.message}` : '';
  return [
    {
      type: 'Warning',
      reason,
      message: `Failed to ${verb} ${t.kind} ${JSON.stringify(t.name)} in cluster ${JSON.stringify(c)}${detail}`,
    },
  ];
}

/** The Events for the change from `prev` to `next` status of one federated object. */
export function federatedEvents(
  t: Target,
  prev: FederatedStatus | undefined,
  next: FederatedStatus,
  workGeneration: (cluster: string) => number | undefined,
): FedEvent[] {
  const out: FedEvent[] = [];
  const before = new Map((prev?.clusters ?? []).map((e) => [e.name, e]));
  const after = new Set((next.clusters ?? []).map((e) => e.name));
  for (const e of next.clusters ?? [])
    out.push(...entryEvents(t, before.get(e.name), e, workGeneration(e.name)));
  // A cluster that was placed (or being emptied) and is no longer listed: its member object is gone.
  for (const [name, e] of before) {
    if (!after.has(name) && e.status !== 'ClusterNotReady') out.push(succeeded('Delete', t, name));
  }
  const cond = (s: FederatedStatus | undefined) => s?.conditions?.find((x) => x.type === 'Propagation');
  const was = cond(prev);
  const now = cond(next);
  const placementReasons = new Set(['ComputePlacementFailed', 'NamespaceNotFederated']);
  if (
    now?.reason &&
    placementReasons.has(now.reason) &&
    (was?.reason !== now.reason || was?.message !== now.message)
  ) {
    out.push({ type: 'Warning', reason: now.reason, message: now.message ?? '' });
  }
  return out;
}

/** The RSP's decision, said once per change: "cluster1: 2, cluster2: 1" (and who failed over). */
export function schedulingMessage(
  clusters: Record<string, { replicas: number }>,
  failedOver: string[],
): string {
  const parts = Object.entries(clusters)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([c, v]) => `${c}: ${v.replicas}`);
  const moved = failedOver.length ? `; failed over from ${[...failedOver].sort().join(', ')}` : '';
  return `Scheduled replicas ${parts.length ? parts.join(', ') : '(no eligible cluster)'}${moved}`;
}
