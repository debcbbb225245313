/**
 * The arithmetic of kube's rolling update (pkg/controller/deployment/rolling.go) and Recreate
 * (recreate.go) as pure functions. Each call decides one step, as kube's rolloutRolling does:
 * scale the new RS up if it may grow; otherwise scale old RSs down as far as availability allows;
 * otherwise nothing (the rollout is done). The next step waits for the pods to move.
 */
import { deploymentReplicas, isRecreate, replicaSetReplicas } from '../defaults.js';
import { byCreationTimestamp } from '../meta.js';
import type { Deployment, Pod, ReplicaSet } from '../types.js';
import { maxSurge, maxUnavailable } from './fenceposts.js';
import { actualReplicasOf, activeReplicaSets, availableReplicasOf, specReplicasOf } from './replica-sets.js';

/** Set this RS's spec.replicas. */
export interface ScaleOp {
  name: string;
  replicas: number;
}

/**
 * deploymentutil.NewRSNewReplicas: how big the new RS may be now. Recreate: all replicas at once.
 * RollingUpdate: up to replicas+maxSurge pods in total across all RSs, never above replicas.
 */
export function newReplicaSetReplicas(
  d: Deployment,
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet,
): number {
  const replicas = deploymentReplicas(d);
  if (isRecreate(d)) return replicas;
  const current = specReplicasOf(allRSs);
  const maxTotal = replicas + maxSurge(d);
  const newReplicas = replicaSetReplicas(newRS);
  if (current >= maxTotal) return newReplicas;
  return newReplicas + Math.min(maxTotal - current, replicas - newReplicas);
}

/**
 * One step of a rolling update: the RSs to resize (empty when the rollout has nothing left to do).
 * minAvailable = replicas - maxUnavailable is never crossed: old pods go only as new ones become
 * available (or when they are unavailable themselves, which costs nothing).
 */
export function planRollingUpdate(
  d: Deployment,
  newRS: ReplicaSet,
  oldRSs: readonly ReplicaSet[],
): ScaleOp[] {
  const replicas = deploymentReplicas(d);
  const allRSs = [...oldRSs, newRS];
  const newSize = replicaSetReplicas(newRS);
  if (newSize !== replicas) {
    const target = newSize > replicas ? replicas : newReplicaSetReplicas(d, allRSs, newRS);
    if (target !== newSize) return [{ name: String(newRS.metadata.name), replicas: target }];
  }
  return planOldReplicaSetsScaleDown(d, newRS, oldRSs);
}

/** reconcileOldReplicaSets: unhealthy old pods first, then as many as availability allows. */
function planOldReplicaSetsScaleDown(
  d: Deployment,
  newRS: ReplicaSet,
  oldRSs: readonly ReplicaSet[],
): ScaleOp[] {
  const old = activeReplicaSets(oldRSs).sort(byCreationTimestamp);
  if (specReplicasOf(old) === 0) return [];
  const size = new Map(old.map((rs) => [rs, replicaSetReplicas(rs)]));
  const allPods = specReplicasOf([...old, newRS]);
  const minAvailable = deploymentReplicas(d) - maxUnavailable(d);
  const newUnavailable = replicaSetReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  // cleanupUnhealthyReplicas: removing pods that are not available costs no availability.
  let cleaned = 0;
  for (const rs of old) {
    if (cleaned >= maxScaledDown) break;
    const r = size.get(rs) ?? 0;
    const available = rs.status?.availableReplicas ?? 0;
    if (r === 0 || r <= available) continue;
    const n = Math.min(maxScaledDown - cleaned, r - available);
    size.set(rs, r - n);
    cleaned += n;
  }

  // scaleDownOldReplicaSetsForRollingUpdate: keep minAvailable available pods.
  const available = availableReplicasOf([...old, newRS]);
  if (available > minAvailable) {
    const total = available - minAvailable;
    let scaled = 0;
    for (const rs of old) {
      if (scaled >= total) break;
      const r = size.get(rs) ?? 0;
      if (r === 0) continue;
      const n = Math.min(r, total - scaled);
      size.set(rs, r - n);
      scaled += n;
    }
  }
  return old
    .filter((rs) => size.get(rs) !== replicaSetReplicas(rs))
    .map((rs) => ({ name: String(rs.metadata.name), replicas: size.get(rs) ?? 0 }));
}

/** What a Recreate rollout does next. */
export type RecreateStep =
  | { kind: 'scale-down-old'; scales: ScaleOp[] }
  /** Old RSs are at zero but some of their pods still run: wait for them. */
  | { kind: 'wait-for-old-pods' }
  /** No RS has the template yet: create it, at full size. */
  | { kind: 'create-new' }
  /** The new RS to full size (nothing when it is). */
  | { kind: 'scale-up-new'; scales: ScaleOp[] };

/**
 * rolloutRecreate: every old RS to 0 first; then wait until no old pod runs; then the new RS to
 * full size.
 */
export function planRecreate(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
  oldPods: readonly Pod[],
): RecreateStep {
  const activeOld = activeReplicaSets(oldRSs);
  if (activeOld.length > 0) {
    return {
      kind: 'scale-down-old',
      scales: activeOld.map((rs) => ({ name: String(rs.metadata.name), replicas: 0 })),
    };
  }
  if (oldPodsRunning(oldRSs, oldPods)) return { kind: 'wait-for-old-pods' };
  if (!newRS) return { kind: 'create-new' };
  const replicas = deploymentReplicas(d);
  const scales =
    replicaSetReplicas(newRS) === replicas ? [] : [{ name: String(newRS.metadata.name), replicas }];
  return { kind: 'scale-up-new', scales };
}

/** oldPodsRunning: an old RS still reports pods, or a pod of one has not finished. */
export function oldPodsRunning(oldRSs: readonly ReplicaSet[], oldPods: readonly Pod[]): boolean {
  if (actualReplicasOf(oldRSs) > 0) return true;
  return oldPods.some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
}
