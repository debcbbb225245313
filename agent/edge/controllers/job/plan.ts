/**
 * One pass of kube's Job controller (pkg/controller/job) as a pure function: from the Job and its
 * pods, the pods to delete and create, the status to write, and the pods whose tracking finalizer
 * may then go.
 *
 * Pods carry the batch.kubernetes.io/job-tracking finalizer, so a finished pod is counted exactly
 * once even if it is deleted right away: its outcome is first written to
 * status.uncountedTerminatedPods (or, for Indexed Jobs, completedIndexes), then its finalizer is
 * removed, then a later pass moves it into the succeeded/failed counters. The terminal condition
 * (Complete / Failed) comes once nothing is left uncounted, after the interim one
 * (SuccessCriteriaMet / FailureTarget), as in kube 1.31+.
 */
import { isIndexedJob, jobBackoffLimit, jobCompletions } from '../defaults.js';
import { rfc3339 } from '../../../../api/time.js';
import { timeMs } from '../meta.js';
import { isPodActive, isPodReady, isPodTerminal } from '../pod-state.js';
import type { Job, JobCondition, JobStatus, Pod } from '../types.js';
import {
  COMPLETIONS_REACHED,
  JOB_CONDITION,
  JOB_REASON,
  ensureJobCondition,
  findCondition,
  type FinishedCondition,
} from './conditions.js';
import { completionIndexOf, formatIndexes, parseIndexes } from './indexes.js';
import { manageIndexed, manageNonIndexed, type ManageClock } from './manage.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

export interface JobSyncOptions extends ManageClock {
  /** No pod this controller created or deleted is still unseen in the cache. */
  expectationsSatisfied: boolean;
}

export interface JobSyncPlan {
  status: JobStatus;
  deletePods: Pod[];
  /** One entry per pod to create: its completion index (Indexed) or undefined. */
  create: (number | undefined)[];
  /** Pods whose outcome `status` records: their finalizer goes once it is written. */
  removeFinalizers: Pod[];
  requeueAfterMs?: number;
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

/** isPodFailed: Failed, or deleted before succeeding (an orphan that never reached Failed). */
export function isPodFailedForJob(pod: Pod): boolean {
  if (pod.status?.phase === 'Failed') return true;
  return Boolean(pod.metadata.deletionTimestamp) && pod.status?.phase !== 'Succeeded';
}

/** pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts count as failures. */
export function pastBackoffLimitOnFailure(job: Job, activePods: readonly Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of activePods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])])
      restarts += c.restartCount ?? 0;
  }
  const limit = jobBackoffLimit(job);
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

function pastActiveDeadline(
  job: Job,
  startTime: string | undefined,
  suspended: boolean,
  nowMs: number,
): boolean {
  const ads = job.spec?.activeDeadlineSeconds;
  const start = timeMs(startTime);
  if (ads === undefined || ads === null || start === undefined || suspended) return false;
  return nowMs - start >= ads * 1000;
}

export function planJobSync(job: Job, pods: readonly Pod[], o: JobSyncOptions): JobSyncPlan {
  const nowMs = o.now.getTime();
  const old = job.status ?? {};
  const indexed = isIndexedJob(job);
  const completions = jobCompletions(job);
  const suspended = job.spec?.suspend === true;
  const deleting = Boolean(job.metadata.deletionTimestamp);
  const byUid = new Map(pods.map((p) => [String(p.metadata.uid), p]));

  // Outcomes recorded earlier whose pod has since lost its finalizer (or is gone) join the counters.
  let succeededCounter = old.succeeded ?? 0;
  let failedCounter = old.failed ?? 0;
  const uncountedSucceeded = new Set<string>();
  const uncountedFailed = new Set<string>();
  for (const uid of old.uncountedTerminatedPods?.succeeded ?? []) {
    const p = byUid.get(uid);
    if (p && hasTrackingFinalizer(p)) uncountedSucceeded.add(uid);
    else succeededCounter++;
  }
  for (const uid of old.uncountedTerminatedPods?.failed ?? []) {
    const p = byUid.get(uid);
    if (p && hasTrackingFinalizer(p)) uncountedFailed.add(uid);
    else failedCounter++;
  }
  const recorded = (p: Pod): boolean =>
    uncountedSucceeded.has(String(p.metadata.uid)) || uncountedFailed.has(String(p.metadata.uid));
  const unrecorded = pods.filter((p) => hasTrackingFinalizer(p) && !recorded(p));
  const newSucceeded = unrecorded.filter((p) => p.status?.phase === 'Succeeded');
  const newFailed = unrecorded.filter((p) => p.status?.phase !== 'Succeeded' && isPodFailedForJob(p));

  const validIndex = (p: Pod): number | undefined => {
    const i = completionIndexOf(p);
    return i !== undefined && completions !== undefined && i < completions ? i : undefined;
  };
  const succeededIndexes = new Set(
    indexed
      ? parseIndexes(old.completedIndexes).filter((i) => completions !== undefined && i < completions)
      : [],
  );
  if (indexed) {
    for (const p of newSucceeded) {
      const i = validIndex(p);
      if (i !== undefined) succeededIndexes.add(i);
    }
  }
  const succeeded = indexed
    ? succeededIndexes.size
    : succeededCounter + uncountedSucceeded.size + newSucceeded.length;
  const failed = failedCounter + uncountedFailed.size + newFailed.length;

  const active = pods.filter(isPodActive);
  const terminating = pods.filter((p) => p.metadata.deletionTimestamp && !isPodTerminal(p)).length;
  let conditions: JobCondition[] = [...(old.conditions ?? [])];
  let startTime = old.startTime;
  if (!startTime && !suspended) startTime = rfc3339(o.now);
  const requeue: number[] = [];

  // A finish decided in an earlier pass (the interim condition) stands.
  let finished: FinishedCondition | undefined;
  const failureTarget = findCondition(conditions, JOB_CONDITION.failureTarget);
  if (failureTarget?.status === 'True') {
    finished = {
      type: JOB_CONDITION.failed,
      reason: failureTarget.reason ?? '',
      message: failureTarget.message ?? '',
    };
  } else if (findCondition(conditions, JOB_CONDITION.successCriteriaMet)?.status === 'True') {
    finished = COMPLETIONS_REACHED;
  }
  if (!finished) {
    if (failed > jobBackoffLimit(job) || pastBackoffLimitOnFailure(job, active)) {
      finished = {
        type: JOB_CONDITION.failed,
        reason: JOB_REASON.backoffLimitExceeded,
        message: 'Job has reached the specified backoff limit',
      };
    } else if (pastActiveDeadline(job, startTime, suspended, nowMs)) {
      finished = {
        type: JOB_CONDITION.failed,
        reason: JOB_REASON.deadlineExceeded,
        message: 'Job was active longer than specified deadline',
      };
    } else if (job.spec?.activeDeadlineSeconds !== undefined && !suspended) {
      requeue.push((timeMs(startTime) ?? nowMs) + job.spec.activeDeadlineSeconds * 1000 - nowMs);
    }
  }

  let deletePods: Pod[] = [];
  let create: (number | undefined)[] = [];
  if (finished?.type === JOB_CONDITION.failed) {
    deletePods = active;
  } else if (!finished && o.expectationsSatisfied && !deleting) {
    if (suspended) {
      deletePods = active;
    } else {
      const m = indexed
        ? manageIndexed(job, pods, active, succeededIndexes, o)
        : manageNonIndexed(job, pods, active, succeeded, o);
      deletePods = m.deletePods;
      create = m.create;
      if (m.requeueAfterMs !== undefined) requeue.push(m.requeueAfterMs);
    }
    const suspendedCond = suspended
      ? ensureJobCondition(
          conditions,
          JOB_CONDITION.suspended,
          'True',
          'JobSuspended',
          'Job suspended',
          o.now,
        )
      : ensureJobCondition(conditions, JOB_CONDITION.suspended, 'False', 'JobResumed', 'Job resumed', o.now);
    conditions = suspendedCond.conditions;
    // A resumed Job's activeDeadlineSeconds counts from the resume.
    if (!suspended && suspendedCond.changed) startTime = rfc3339(o.now);
  }
  const activeAfter = active.length - deletePods.length + create.length;
  if (!finished) {
    const complete =
      completions === undefined
        ? succeeded > 0 && activeAfter === 0
        : succeeded >= completions && activeAfter === 0;
    if (complete) finished = COMPLETIONS_REACHED;
  }

  // Record outcomes; their pods' finalizers go once this status is written.
  const failing = finished?.type === JOB_CONDITION.failed;
  const removeFinalizers: Pod[] = [];
  for (const p of pods) {
    if (!hasTrackingFinalizer(p)) continue;
    const uid = String(p.metadata.uid);
    if (recorded(p)) {
      removeFinalizers.push(p);
      continue;
    }
    const podSucceeded = p.status?.phase === 'Succeeded';
    // Once the Job has failed, every pod that did not succeed is a failure.
    const podFailed = !podSucceeded && (isPodFailedForJob(p) || failing);
    if (!(deleting || finished || podSucceeded || podFailed)) continue;
    if (podSucceeded && !indexed) uncountedSucceeded.add(uid);
    else if (podFailed && (!indexed || validIndex(p) !== undefined)) uncountedFailed.add(uid);
    removeFinalizers.push(p);
  }

  let completionTime = old.completionTime;
  if (finished) {
    const interim = failing ? JOB_CONDITION.failureTarget : JOB_CONDITION.successCriteriaMet;
    conditions = ensureJobCondition(
      conditions,
      interim,
      'True',
      finished.reason,
      finished.message,
      o.now,
    ).conditions;
    const settled =
      uncountedSucceeded.size === 0 &&
      uncountedFailed.size === 0 &&
      removeFinalizers.length === 0 &&
      activeAfter === 0 &&
      terminating === 0;
    if (settled) {
      conditions = ensureJobCondition(
        conditions,
        finished.type,
        'True',
        finished.reason,
        finished.message,
        o.now,
      ).conditions;
      if (finished.type === JOB_CONDITION.complete)
        completionTime ??= findCondition(conditions, JOB_CONDITION.complete)?.lastTransitionTime;
    }
  }

  const status: JobStatus = {};
  if (conditions.length > 0) status.conditions = conditions;
  if (startTime) status.startTime = startTime;
  if (completionTime) status.completionTime = completionTime;
  if (activeAfter > 0) status.active = activeAfter;
  const succeededCount = indexed ? succeededIndexes.size : succeededCounter;
  if (succeededCount > 0) status.succeeded = succeededCount;
  if (failedCounter > 0) status.failed = failedCounter;
  if (indexed && succeededIndexes.size > 0) status.completedIndexes = formatIndexes(succeededIndexes);
  status.terminating = terminating + deletePods.length;
  status.ready = active.filter((p) => isPodReady(p) && !deletePods.includes(p)).length;
  status.uncountedTerminatedPods = {};
  if (uncountedSucceeded.size > 0) status.uncountedTerminatedPods.succeeded = [...uncountedSucceeded].sort();
  if (uncountedFailed.size > 0) status.uncountedTerminatedPods.failed = [...uncountedFailed].sort();

  const positive = requeue.filter((ms) => ms >= 0);
  const plan: JobSyncPlan = { status, deletePods, create, removeFinalizers };
  if (positive.length > 0) plan.requeueAfterMs = Math.min(...positive) + 1;
  return plan;
}

/** ttlSecondsAfterFinished: ms until a finished Job is to be deleted (≤ 0: now); undefined: never. */
export function jobTtlRemainingMs(job: Job, nowMs: number): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null) return undefined;
  const conds = job.status?.conditions;
  const finishedAt =
    timeMs(job.status?.completionTime) ??
    timeMs(findCondition(conds, JOB_CONDITION.failed)?.lastTransitionTime) ??
    timeMs(findCondition(conds, JOB_CONDITION.complete)?.lastTransitionTime);
  if (finishedAt === undefined) return undefined;
  return finishedAt + ttl * 1000 - nowMs;
}
