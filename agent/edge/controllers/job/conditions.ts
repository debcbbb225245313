/** Job conditions as kube's job controller sets them (pure). */
import { rfc3339 } from '../../../../api/time.js';
import type { ConditionStatus, Job, JobCondition } from '../types.js';

export const JOB_CONDITION = {
  complete: 'Complete',
  failed: 'Failed',
  successCriteriaMet: 'SuccessCriteriaMet',
  failureTarget: 'FailureTarget',
  suspended: 'Suspended',
} as const;

export const JOB_REASON = {
  backoffLimitExceeded: 'BackoffLimitExceeded',
  deadlineExceeded: 'DeadlineExceeded',
  completionsReached: 'CompletionsReached',
} as const;

export interface FinishedCondition {
  type: typeof JOB_CONDITION.complete | typeof JOB_CONDITION.failed;
  reason: string;
  message: string;
}

export const COMPLETIONS_REACHED: FinishedCondition = {
  type: JOB_CONDITION.complete,
  reason: JOB_REASON.completionsReached,
  message: 'Reached expected number of succeeded pods',
};

export function findCondition(
  conditions: readonly JobCondition[] | undefined,
  type: string,
): JobCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function hasTrueCondition(job: Job, type: string): boolean {
  return findCondition(job.status?.conditions, type)?.status === 'True';
}

/** util.IsJobFinished: Complete or Failed is True. */
export function isJobFinished(job: Job): boolean {
  return hasTrueCondition(job, JOB_CONDITION.complete) || hasTrueCondition(job, JOB_CONDITION.failed);
}

/**
 * ensureJobConditionStatus: a condition of that type is replaced when its status, reason or
 * message differ; a missing one is added unless it would be False. Answers the new list and
 * whether it changed.
 */
export function ensureJobCondition(
  conditions: readonly JobCondition[],
  type: string,
  status: ConditionStatus,
  reason: string,
  message: string,
  now: Date,
): { conditions: JobCondition[]; changed: boolean } {
  const t = rfc3339(now);
  const fresh: JobCondition = { type, status, lastProbeTime: t, lastTransitionTime: t, reason, message };
  const i = conditions.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = conditions[i];
    if (c.status === status && c.reason === reason && c.message === message)
      return { conditions: [...conditions], changed: false };
    const out = [...conditions];
    out[i] = fresh;
    return { conditions: out, changed: true };
  }
  if (status === 'False') return { conditions: [...conditions], changed: false };
  return { conditions: [...conditions, fresh], changed: true };
}
