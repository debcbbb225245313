/**
 * kube's API defaults for the fields the controllers read. The site API stores workloads as
 * written, so what kube-apiserver would have filled in is filled in here, at the point of use.
 */
import type { Deployment, IntOrString, Job, ReplicaSet } from './types.js';

export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_MAX_SURGE: IntOrString = '25%';
export const DEFAULT_MAX_UNAVAILABLE: IntOrString = '25%';
export const DEFAULT_BACKOFF_LIMIT = 6;

export function deploymentReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function isRecreate(d: Deployment): boolean {
  return d.spec?.strategy?.type === 'Recreate';
}

export function replicaSetReplicas(rs: ReplicaSet): number {
  return rs.spec?.replicas ?? 1;
}

export function minReadySeconds(o: Deployment | ReplicaSet): number {
  return o.spec?.minReadySeconds ?? 0;
}

/** Jobs: both absent → 1 and 1; completions absent with parallelism set → a work-queue Job. */
export function jobParallelism(job: Job): number {
  return job.spec?.parallelism ?? 1;
}

export function jobCompletions(job: Job): number | undefined {
  const s = job.spec;
  if (s?.completions !== undefined && s.completions !== null) return s.completions;
  return s?.parallelism === undefined || s.parallelism === null ? 1 : undefined;
}

export function jobBackoffLimit(job: Job): number {
  return job.spec?.backoffLimit ?? DEFAULT_BACKOFF_LIMIT;
}

export function isIndexedJob(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed';
}
