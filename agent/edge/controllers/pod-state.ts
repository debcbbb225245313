/** What the controllers read from a pod's status (kube's podutil), as pure functions. */
import { timeMs } from './meta.js';
import type { Pod, PodCondition } from './types.js';

export function readyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** podutil.IsPodReady. */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** When the pod last became ready (undefined when not ready or unknown). */
export function podReadySinceMs(pod: Pod): number | undefined {
  const c = readyCondition(pod);
  return c?.status === 'True' ? timeMs(c.lastTransitionTime) : undefined;
}

/**
 * podutil.IsPodAvailable: ready, and for at least minReadySeconds. A ready pod without a
 * transition time counts as available only when minReadySeconds is 0, as in kube.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadySinceMs(pod);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

/**
 * When a ready-but-not-yet-available pod becomes available; undefined when nothing is pending. Lets
 * the controllers requeue exactly then instead of polling.
 */
export function podAvailableAtMs(pod: Pod, minReadySeconds: number, nowMs: number): number | undefined {
  if (minReadySeconds <= 0 || !isPodReady(pod) || isPodAvailable(pod, minReadySeconds, nowMs))
    return undefined;
  const since = podReadySinceMs(pod);
  return since === undefined ? undefined : since + minReadySeconds * 1000 + 1;
}

export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata.deletionTimestamp;
}

/** The highest restart count among the pod's (regular) containers. */
export function maxContainerRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

/** controller.kubernetes.io/pod-deletion-cost (0 when absent or not an integer). */
export function podDeletionCost(pod: Pod): number {
  const v = pod.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  if (v === undefined || !/^-?\d+$/.test(v)) return 0;
  return Number(v);
}
