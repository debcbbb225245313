/**
 * Folds what the hub knows (placement, clusters, Works and their agent-reported status) into a
 * federated object's status, in kubefed's vocabulary. Pure: the same inputs (including the previous
 * status) give deep-equal output, so the controller can skip the write with statusEqual.
 */
import {
  isClusterReady,
  type ClusterPropagationStatus,
  type Condition,
  type FederatedClusterStatus,
  type FederatedObject,
  type FederatedStatus,
  type KubeFedCluster,
  type Work,
} from '../../api/federation.js';
import { compareStrings } from './placement.js';
import { jsonEqual } from '../../apiserver/json-equal.js';

export const PROPAGATION_CONDITION = 'Propagation';

/** kubefed's aggregate reasons for the Propagation condition ('' = success, omitted). */
export type AggregateReason = '' | 'CheckClusters' | 'NamespaceNotFederated' | 'ComputePlacementFailed';

export interface FoldInput {
  fed: FederatedObject;
  /** Clusters the object is placed in (after the namespace rule). */
  placed: string[];
  clusters: Map<string, KubeFedCluster>;
  /** Work per cluster name. */
  works: Map<string, Work>;
  /** Cluster → renderForCluster's error message. */
  renderErrors: Map<string, string>;
  namespaceNotFederated: boolean;
  /** Clusters whose member object is being removed (unplaced, or the federated object is deleting). */
  deletingWaitingFor?: string[];
  /** Placement could not be computed (e.g. invalid clusterSelector): reason ComputePlacementFailed. */
  placementError?: string;
  /** RFC 3339 timestamp used for condition times that change. */
  now: string;
}

/** Kinds whose spec.replicas defaults to 1 when the manifest leaves it out. */
const REPLICA_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController']);
const MAX_CLUSTERS_IN_MESSAGE = 10;

export function foldClusterStatus(input: FoldInput): FederatedStatus {
  const { fed, works, clusters, renderErrors } = input;
  const placed = [...new Set(input.placed)].sort(compareStrings);
  const placedSet = new Set(placed);
  const removing = new Set(input.deletingWaitingFor ?? []);
  const names = [...new Set([...placed, ...removing])].sort(compareStrings);

  const entries: FederatedClusterStatus[] = names.map((name) => {
    const work = works.get(name);
    const entry: FederatedClusterStatus = { name };
    const verdict = clusterVerdict(
      name,
      removing.has(name),
      clusters.get(name),
      renderErrors.get(name),
      work,
    );
    if (verdict) {
      entry.status = verdict.status;
      if (verdict.message) entry.message = verdict.message;
    }
    const remote = work?.status?.remoteStatus;
    if (remote !== undefined && remote !== null) entry.remoteStatus = structuredClone(remote);
    if (work?.status?.pods) entry.pods = structuredClone(work.status.pods);
    return entry;
  });

  const notOk = entries.filter((e) => e.status !== undefined);
  const okCount = entries.filter((e) => e.status === undefined && placedSet.has(e.name)).length;

  let reason: AggregateReason = '';
  let message = '';
  if (input.placementError !== undefined) {
    reason = 'ComputePlacementFailed';
    message = input.placementError;
  } else if (input.namespaceNotFederated) {
    reason = 'NamespaceNotFederated';
    message = `namespace ${JSON.stringify(fed.metadata.namespace ?? '')} is not federated: create a FederatedNamespace named after it`;
  } else if (notOk.length > 0) {
    reason = 'CheckClusters';
    const shown = notOk.slice(0, MAX_CLUSTERS_IN_MESSAGE).map((e) => `${e.name} (${e.status})`);
    const more = notOk.length > shown.length ? `, and ${notOk.length - shown.length} more` : '';
    message = `${notOk.length} of ${names.length} clusters not in sync: ${shown.join(', ')}${more}`;
  }

  const status: FederatedStatus = {};
  if (fed.metadata.generation !== undefined) status.observedGeneration = fed.metadata.generation;
  status.conditions = foldConditions(fed.status?.conditions, reason, message, input.now);
  if (entries.length > 0) status.clusters = entries;
  status.clustersSummary = `${okCount}/${placed.length}`;
  const ready = readySummary(placed, works);
  if (ready !== undefined) status.readySummary = ready;
  return status;
}

interface Verdict {
  status: ClusterPropagationStatus;
  message?: string;
}

function clusterVerdict(
  name: string,
  removing: boolean,
  cluster: KubeFedCluster | undefined,
  renderError: string | undefined,
  work: Work | undefined,
): Verdict | undefined {
  if (removing) {
    return { status: 'WaitingForRemoval', message: 'waiting for the member object to be removed' };
  }
  if (!cluster)
    return { status: 'ClusterNotReady', message: `cluster ${JSON.stringify(name)} is not registered` };
  if (!isClusterReady(cluster)) {
    const ready = (cluster.status?.conditions ?? []).find((c) => c.type === 'Ready');
    const why = ready?.message || ready?.reason;
    return {
      status: 'ClusterNotReady',
      message: why ? `cluster is not Ready: ${why}` : 'cluster is not Ready',
    };
  }
  if (renderError !== undefined) return { status: 'ApplyOverridesFailed', message: renderError };
  if (!work) return { status: 'WaitingForApply', message: 'work not created yet' };
  const observed = work.status?.observedGeneration;
  const generation = work.metadata.generation;
  if (observed === undefined || (generation !== undefined && observed < generation)) {
    // Any clusterStatus the agent reported is about an older generation.
    return { status: 'WaitingForApply', message: 'the cluster agent has not applied the latest version yet' };
  }
  if (work.status?.clusterStatus) {
    const verdict: Verdict = { status: work.status.clusterStatus };
    if (work.status.message) verdict.message = work.status.message;
    return verdict;
  }
  return undefined;
}

/**
 * Replaces the Propagation condition, keeping the others. lastTransitionTime is kept while the
 * condition's status stays the same; lastUpdateTime moves only when status, reason or message change.
 */
function foldConditions(
  previous: Condition[] | undefined,
  reason: AggregateReason,
  message: string,
  now: string,
): Condition[] {
  const prev = (previous ?? []).find((c) => c.type === PROPAGATION_CONDITION);
  const status: Condition['status'] = reason === '' ? 'True' : 'False';
  const sameStatus = prev !== undefined && prev.status === status;
  const unchanged = sameStatus && (prev.reason ?? '') === reason && (prev.message ?? '') === message;
  const next: Condition = { type: PROPAGATION_CONDITION, status };
  if (reason !== '') next.reason = reason;
  if (message !== '') next.message = message;
  next.lastUpdateTime = unchanged && prev.lastUpdateTime ? prev.lastUpdateTime : now;
  next.lastTransitionTime = sameStatus && prev.lastTransitionTime ? prev.lastTransitionTime : now;

  const out = (previous ?? []).map((c) => (c.type === PROPAGATION_CONDITION ? next : structuredClone(c)));
  if (!prev) out.push(next);
  // A duplicate Propagation condition (hand-written status) collapses to the first.
  return out.filter((c, i) => c.type !== PROPAGATION_CONDITION || out.indexOf(c) === i);
}

/**
 * "<ready>/<desired>" over the placed clusters' Works, for kinds with replicas: desired is the
 * manifest's spec.replicas (1 when a Deployment/ReplicaSet/StatefulSet leaves it out; with
 * retainReplicas, the member's status.replicas when reported), ready is remoteStatus.readyReplicas.
 * Undefined when no placed Work carries a replicated kind.
 */
function readySummary(placed: string[], works: Map<string, Work>): string | undefined {
  let ready = 0;
  let desired = 0;
  let any = false;
  for (const name of placed) {
    const work = works.get(name);
    if (!work) continue;
    const manifest = work.spec?.manifest;
    const spec = asRecord(manifest?.spec);
    const remote = asRecord(work.status?.remoteStatus);
    let want: number | undefined = numberOr(spec?.replicas);
    if (want === undefined && manifest?.kind !== undefined && REPLICA_KINDS.has(manifest.kind)) want = 1;
    if (want === undefined) continue;
    any = true;
    if (work.spec.retainReplicas) want = numberOr(remote?.replicas) ?? want;
    desired += want;
    ready += numberOr(remote?.readyReplicas) ?? 0;
  }
  return any ? `${ready}/${desired}` : undefined;
}

/** Deep equality with JSON semantics (what the API stores): keys with undefined values are absent. */
export function statusEqual(a: FederatedStatus | undefined, b: FederatedStatus | undefined): boolean {
  return jsonEqual(a, b);
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function numberOr(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
