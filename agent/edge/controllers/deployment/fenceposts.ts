/** maxSurge / maxUnavailable of a rolling update, as deploymentutil resolves them. */
import { DEFAULT_MAX_SURGE, DEFAULT_MAX_UNAVAILABLE, deploymentReplicas, isRecreate } from '../defaults.js';
import { scaledValueFromIntOrPercent } from '../intstr.js';
import type { Deployment, IntOrString } from '../types.js';

/**
 * deploymentutil.ResolveFenceposts: surge rounds up, unavailable rounds down, and both 0 would
 * deadlock a rollout, so unavailable becomes 1.
 */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValueFromIntOrPercent(maxSurge ?? DEFAULT_MAX_SURGE, desired, true);
  let unavailable = scaledValueFromIntOrPercent(maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** deploymentutil.MaxSurge: 0 for Recreate. */
export function maxSurge(d: Deployment): number {
  if (isRecreate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, deploymentReplicas(d)).surge;
}

/** deploymentutil.MaxUnavailable: 0 for Recreate or 0 replicas, never more than the replicas. */
export function maxUnavailable(d: Deployment): number {
  const replicas = deploymentReplicas(d);
  if (isRecreate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}
