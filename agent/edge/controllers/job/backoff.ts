/**
 * The delay between a Job's pod failures and the next pod (kube's backoffRecord): base·2^(n-1)
 * for n failures since the last success, capped, counted from the last failure. Computed from the
 * pods themselves (a Job keeps its finished pods), so it survives an agent restart.
 */
import { timeMs } from '../meta.js';
import { readyCondition } from '../pod-state.js';
import type { Pod } from '../types.js';

/** kube's DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const DEFAULT_JOB_BACKOFF_BASE_MS = 10_000;
export const DEFAULT_JOB_BACKOFF_MAX_MS = 360_000;

export function jobBackoffDelayMs(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  let delay = baseMs;
  for (let i = 1; i < failures; i++) {
    delay *= 2;
    if (delay >= maxMs) return maxMs;
  }
  return Math.min(delay, maxMs);
}

/**
 * When the pod finished: its containers' last finishedAt, else when Ready went False, else its
 * deletion, else its creation (kube's getFinishedTime, same fallbacks).
 */
export function podFinishedAtMs(pod: Pod): number {
  const finished = (pod.status?.containerStatuses ?? [])
    .map((c) => timeMs(c.state?.terminated?.finishedAt))
    .filter((t): t is number => t !== undefined);
  if (finished.length > 0) return Math.max(...finished);
  const ready = readyCondition(pod);
  const notReadySince = ready?.status === 'False' ? timeMs(ready.lastTransitionTime) : undefined;
  return (
    notReadySince ?? timeMs(pod.metadata.deletionTimestamp) ?? timeMs(pod.metadata.creationTimestamp) ?? 0
  );
}

/** How long the Job must still wait before creating a pod (0: go ahead). */
export function jobBackoffRemainingMs(
  pods: readonly Pod[],
  nowMs: number,
  baseMs: number,
  maxMs: number,
): number {
  const lastSuccess = Math.max(
    -Infinity,
    ...pods.filter((p) => p.status?.phase === 'Succeeded').map(podFinishedAtMs),
  );
  const failures = pods
    .filter((p) => p.status?.phase === 'Failed')
    .map(podFinishedAtMs)
    .filter((t) => t > lastSuccess);
  if (failures.length === 0) return 0;
  const delay = jobBackoffDelayMs(failures.length, baseMs, maxMs);
  return Math.max(0, delay - (nowMs - Math.max(...failures)));
}
