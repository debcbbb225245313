/**
 * Which pods a ReplicaSet deletes first when it has too many: kube's ActivePodsWithRanks order
 * (pkg/controller/controller_utils.go), so a scale-down removes the pods that serve the least.
 * The "doubled up on a node" rank is left out: a site has one node, where every pod ties.
 */
import { maxContainerRestarts, isPodReady, podDeletionCost, podReadySinceMs } from './pod-state.js';
import { timeMs } from './meta.js';
import type { Pod } from './types.js';

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/** kube's afterOrZero: a missing time sorts first, then the later time. */
function afterOrZero(t1: number | undefined, t2: number | undefined): boolean {
  if (t1 === undefined || t2 === undefined) return t1 === undefined;
  return t1 > t2;
}

/** True when a should be deleted before b. */
function deleteBefore(a: Pod, b: Pod): boolean {
  // 1. Unassigned < assigned.
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  // 2. Pending < Unknown < Running.
  const pa = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa < pb;
  // 3. Not ready < ready.
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  // 4. Lower pod-deletion-cost < higher.
  const ca = podDeletionCost(a);
  const cb = podDeletionCost(b);
  if (ca !== cb) return ca < cb;
  // 5. Ready for less time < ready for longer.
  if (ra && rb) {
    const ta = podReadySinceMs(a);
    const tb = podReadySinceMs(b);
    if (ta !== tb) return afterOrZero(ta, tb);
  }
  // 6. More container restarts < fewer.
  const xa = maxContainerRestarts(a);
  const xb = maxContainerRestarts(b);
  if (xa !== xb) return xa > xb;
  // 7. Newer < older.
  const ta = timeMs(a.metadata.creationTimestamp);
  const tb = timeMs(b.metadata.creationTimestamp);
  if (ta !== tb) return afterOrZero(ta, tb);
  return false;
}

export function compareForDeletion(a: Pod, b: Pod): number {
  if (deleteBefore(a, b)) return -1;
  if (deleteBefore(b, a)) return 1;
  return 0;
}

/** The `count` pods to delete, first to go first. */
export function podsToDeleteForScaleDown(pods: readonly Pod[], count: number): Pod[] {
  if (count <= 0) return [];
  return [...pods].sort(compareForDeletion).slice(0, count);
}
