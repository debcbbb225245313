/**
 * Scaling a Deployment (kube's sync.go scale()): with one active RS it simply takes the new size;
 * mid-rollout the change is spread over the active RSs in proportion to their size, so a scale
 * during a rollout neither restarts it nor loses its progress.
 */
import { deploymentReplicas, replicaSetReplicas } from '../defaults.js';
import { byCreationTimestamp, timeMs } from '../meta.js';
import type { Deployment, ReplicaSet } from '../types.js';
import { maxSurge } from './fenceposts.js';
import {
  activeReplicaSets,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  specReplicasOf,
} from './replica-sets.js';
import type { ScaleOp } from './rolling.js';

/** isScalingEvent: an active RS was sized for another replica count than the Deployment's. */
export function isScalingEvent(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): boolean {
  const replicas = deploymentReplicas(d);
  return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
    const desired = desiredReplicasAnnotation(rs);
    return desired !== undefined && desired !== replicas;
  });
}

/** deploymentutil.FindActiveOrLatest: the single active RS, or the newest when none is active. */
export function findActiveOrLatest(
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** deploymentutil.IsSaturated: the new RS alone runs every replica, all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const replicas = deploymentReplicas(d);
  return (
    desiredReplicasAnnotation(rs) === replicas &&
    replicaSetReplicas(rs) === replicas &&
    (rs.status?.availableReplicas ?? 0) === replicas
  );
}

/** math.Round: halves away from zero. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** getReplicaSetFraction: this RS's share of the change, from its max-replicas annotation. */
function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const replicas = deploymentReplicas(d);
  const size = replicaSetReplicas(rs);
  if (replicas === 0) return -size;
  const deploymentSize = replicas + maxSurge(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  return roundHalfAway((size * deploymentSize) / annotated) - size;
}

function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicaSetReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function newerFirst(a: ReplicaSet, b: ReplicaSet): number {
  return (timeMs(b.metadata.creationTimestamp) ?? 0) - (timeMs(a.metadata.creationTimestamp) ?? 0);
}

/**
 * The sizes scale() gives the RSs. Returned for every RS it touches, changed or not, because kube
 * refreshes their desired/max-replicas annotations too.
 */
export function planProportionalScale(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): ScaleOp[] {
  const replicas = deploymentReplicas(d);
  const op = (rs: ReplicaSet, n: number): ScaleOp => ({ name: String(rs.metadata.name), replicas: n });
  const single = findActiveOrLatest(newRS, oldRSs);
  // Even at the right size: kube returns early here, leaving a stale desired-replicas annotation
  // (a scale 3→1→3 the controller did not see) that makes every later pass a scaling event and
  // blocks rollouts. The op refreshes the annotation; the caller writes only what differs.
  if (single) return [op(single, replicas)];
  if (isSaturated(d, newRS)) return activeReplicaSets(oldRSs).map((rs) => op(rs, 0));
  if (d.spec?.strategy?.type === 'Recreate') return [];

  const active = activeReplicaSets([...oldRSs, newRS]);
  const allowedSize = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowedSize - specReplicasOf(active);
  // Larger first; ties: newer first when growing, older first when shrinking.
  const sorted = [...active].sort(
    (a, b) =>
      replicaSetReplicas(b) - replicaSetReplicas(a) || (toAdd > 0 ? newerFirst(a, b) : newerFirst(b, a)),
  );
  let added = 0;
  const sizes = sorted.map((rs) => {
    if (toAdd === 0) return replicaSetReplicas(rs);
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return replicaSetReplicas(rs) + p;
  });
  // The rounding leftover goes to the largest RS.
  if (toAdd !== 0 && sizes.length > 0) sizes[0] = Math.max(0, sizes[0] + toAdd - added);
  return sorted.map((rs, i) => op(rs, sizes[i]));
}
