/**
 * What a CronJob does in one pass (kube's cronjob_controllerv2.go, pure): the most recent
 * scheduled time since the last one (or since creation, or within startingDeadlineSeconds) gets a
 * Job named `<cronjob>-<minutes since the epoch>`, unless concurrencyPolicy Forbid sees one still
 * running (Replace deletes it first) or the CronJob is suspended; finished Jobs beyond
 * successfulJobsHistoryLimit (3) and failedJobsHistoryLimit (1) are deleted, oldest first.
 */
import type { KubeObject } from '../../../../api/kubernetes.js';
import { hasTrueCondition, isJobFinished } from '../job/conditions.js';
import { rfc3339 } from '../../../../api/time.js';
import { controllerRefTo, timeMs } from '../meta.js';
import type { Job, JobSpec } from '../types.js';
import { nextTime, parseSchedule, previousTime } from './cron.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobSpec {
  schedule?: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace' | string;
  suspend?: boolean;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  jobTemplate?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: JobSpec;
  };
}

export interface JobReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
}

export interface CronJobStatus {
  active?: JobReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface CronJob extends KubeObject {
  spec?: CronJobSpec;
  status?: CronJobStatus;
}

export interface CronJobPlan {
  create?: Job;
  delete: Job[];
  status: CronJobStatus;
  requeueAfterMs?: number;
  /** Why nothing could be scheduled (an invalid schedule or time zone). */
  problem?: string;
}

const isSucceeded = (j: Job) => hasTrueCondition(j, 'Complete') || hasTrueCondition(j, 'SuccessCriteriaMet');

function startedMs(j: Job): number {
  return timeMs(j.status?.startTime) ?? timeMs(j.metadata.creationTimestamp) ?? 0;
}

/** Finished Jobs beyond the limit, oldest first. */
function overLimit(jobs: Job[], limit: number): Job[] {
  const sorted = [...jobs].sort((a, b) => startedMs(a) - startedMs(b));
  return sorted.slice(0, Math.max(0, sorted.length - limit));
}

export function jobName(cj: CronJob, scheduledMs: number): string {
  return `${String(cj.metadata.name)}-${Math.floor(scheduledMs / 60_000)}`;
}

export function jobForCronJob(cj: CronJob, scheduledMs: number): Job {
  const t = cj.spec?.jobTemplate ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduledMs),
      namespace: String(cj.metadata.namespace),
      labels: { ...(t.metadata?.labels ?? {}) },
      annotations: {
        ...(t.metadata?.annotations ?? {}),
        [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(new Date(scheduledMs)),
      },
      ownerReferences: [controllerRefTo(cj, 'batch/v1', 'CronJob')],
    },
    spec: structuredClone(t.spec ?? {}),
  };
}

export function planCronJob(cj: CronJob, owned: readonly Job[], nowMs: number): CronJobPlan {
  const jobs = owned.filter((j) => !j.metadata.deletionTimestamp);
  const active = jobs.filter((j) => !isJobFinished(j));
  const succeeded = jobs.filter((j) => isJobFinished(j) && isSucceeded(j));
  const failed = jobs.filter((j) => isJobFinished(j) && !isSucceeded(j));
  const status: CronJobStatus = {};
  const refs = active
    .map((j) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: String(j.metadata.name),
      namespace: String(j.metadata.namespace),
      uid: String(j.metadata.uid),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  if (refs.length) status.active = refs;
  if (cj.status?.lastScheduleTime) status.lastScheduleTime = cj.status.lastScheduleTime;
  const lastSuccess = Math.max(
    timeMs(cj.status?.lastSuccessfulTime) ?? 0,
    ...succeeded.map((j) => timeMs(j.status?.completionTime) ?? 0),
  );
  if (lastSuccess > 0) status.lastSuccessfulTime = rfc3339(new Date(lastSuccess));
  const plan: CronJobPlan = {
    delete: [
      ...overLimit(succeeded, cj.spec?.successfulJobsHistoryLimit ?? 3),
      ...overLimit(failed, cj.spec?.failedJobsHistoryLimit ?? 1),
    ],
    status,
  };

  let schedule;
  try {
    schedule = parseSchedule(cj.spec?.schedule ?? '', cj.spec?.timeZone);
  } catch (e) {
    plan.problem = `invalid schedule ${JSON.stringify(cj.spec?.schedule ?? '')}: ${(e as Error).message}`;
    return plan;
  }
  const next = nextTime(schedule, nowMs);
  if (next !== undefined) plan.requeueAfterMs = next - nowMs + 100;
  if (cj.spec?.suspend) return plan;

  const deadline = cj.spec?.startingDeadlineSeconds;
  let earliest = timeMs(cj.status?.lastScheduleTime) ?? timeMs(cj.metadata.creationTimestamp) ?? nowMs;
  if (deadline !== undefined) earliest = Math.max(earliest, nowMs - deadline * 1000);
  const scheduled = previousTime(schedule, nowMs);
  if (scheduled === undefined || scheduled <= earliest) return plan;
  if (deadline !== undefined && scheduled + deadline * 1000 < nowMs) return plan; // missed its window

  const name = jobName(cj, scheduled);
  if (owned.some((j) => j.metadata.name === name)) {
    status.lastScheduleTime = rfc3339(new Date(scheduled));
    return plan;
  }
  const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && active.length > 0) return plan; // tried again when the running one ends
  if (policy === 'Replace') plan.delete.push(...active);
  plan.create = jobForCronJob(cj, scheduled);
  status.lastScheduleTime = rfc3339(new Date(scheduled));
  return plan;
}
