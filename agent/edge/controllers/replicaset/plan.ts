/** What a ReplicaSet does about its pods, and the status it reports (kube's replica_set.go, pure). */
import { labelSelectorFromSet, matchesLabels } from '../../../../apiserver/selectors/label-selector.js';
import { minReadySeconds, replicaSetReplicas } from '../defaults.js';
import { isPodAvailable, isPodReady, podAvailableAtMs } from '../pod-state.js';
import { podsToDeleteForScaleDown } from '../scale-down-order.js';
import type { Pod, ReplicaSet, ReplicaSetStatus } from '../types.js';

/** kube's burstReplicas: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;

export interface ReplicaSetPodPlan {
  create: number;
  delete: Pod[];
}

/** manageReplicas: create the missing pods, or delete the surplus in kube's order. */
export function planReplicaSetPods(rs: ReplicaSet, activePods: readonly Pod[]): ReplicaSetPodPlan {
  const diff = activePods.length - replicaSetReplicas(rs);
  if (diff < 0) return { create: Math.min(-diff, BURST_REPLICAS), delete: [] };
  if (diff > 0)
    return { create: 0, delete: podsToDeleteForScaleDown(activePods, Math.min(diff, BURST_REPLICAS)) };
  return { create: 0, delete: [] };
}

/**
 * calculateStatus: counts over the RS's active pods. fullyLabeled: pods carrying every template
 * label; available: ready for minReadySeconds. Conditions are carried over.
 */
export function replicaSetStatusFor(
  rs: ReplicaSet,
  activePods: readonly Pod[],
  nowMs: number,
): ReplicaSetStatus {
  const templateLabels = labelSelectorFromSet(rs.spec?.template?.metadata?.labels);
  const minReady = minReadySeconds(rs);
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of activePods) {
    if (matchesLabels(templateLabels, p.metadata.labels)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, nowMs)) available++;
    }
  }
  // replicas is always present (no omitempty in kube); the other counters are omitted at zero.
  const status: ReplicaSetStatus = { replicas: activePods.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (rs.metadata.generation) status.observedGeneration = rs.metadata.generation;
  if (rs.status?.conditions?.length) status.conditions = rs.status.conditions;
  return status;
}

/** When the next ready pod becomes available (minReadySeconds), to look again then. */
export function nextAvailabilityCheckMs(
  rs: ReplicaSet,
  activePods: readonly Pod[],
  nowMs: number,
): number | undefined {
  const times = activePods
    .map((p) => podAvailableAtMs(p, minReadySeconds(rs), nowMs))
    .filter((t): t is number => t !== undefined);
  return times.length === 0 ? undefined : Math.max(0, Math.min(...times) - nowMs);
}
