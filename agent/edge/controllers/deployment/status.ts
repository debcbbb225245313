/**
 * A Deployment's status from its ReplicaSets (kube's calculateStatus and syncRolloutStatus), and
 * its conditions: Available (MinimumReplicasAvailable / MinimumReplicasUnavailable) and
 * Progressing (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated, NewReplicaSetAvailable,
 * ProgressDeadlineExceeded, DeploymentPaused / DeploymentResumed). Pure.
 */
import { DEFAULT_PROGRESS_DEADLINE_SECONDS, deploymentReplicas } from '../defaults.js';
import { rfc3339 } from '../../../../api/time.js';
import { timeMs } from '../meta.js';
import type {
  ConditionStatus,
  Deployment,
  DeploymentCondition,
  DeploymentStatus,
  ReplicaSet,
} from '../types.js';
import { maxUnavailable } from './fenceposts.js';
import { actualReplicasOf, availableReplicasOf, readyReplicasOf, specReplicasOf } from './replica-sets.js';

export const PROGRESSING = 'Progressing';
export const AVAILABLE = 'Available';
export const REASON = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minimumAvailable: 'MinimumReplicasAvailable',
  minimumUnavailable: 'MinimumReplicasUnavailable',
} as const;

const MAX_INT32 = 2147483647;

/** Go's %q for the names in condition messages. */
const q = (s: string | undefined): string => JSON.stringify(s ?? '');

export function condition(status: DeploymentStatus, type: string): DeploymentCondition | undefined {
  return status.conditions?.find((c) => c.type === type);
}

export function newCondition(
  type: string,
  status: ConditionStatus,
  reason: string,
  message: string,
  now: Date,
): DeploymentCondition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/**
 * deploymentutil.SetDeploymentCondition: same status and reason → unchanged (so lastUpdateTime
 * only moves on a real change); same status → the transition time is kept.
 */
export function setCondition(status: DeploymentStatus, c: DeploymentCondition): void {
  const current = condition(status, c.type);
  if (current && current.status === c.status && current.reason === c.reason) return;
  const next = { ...c };
  if (current && current.status === c.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
}

export function hasProgressDeadline(d: Deployment): boolean {
  return (d.spec?.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS) !== MAX_INT32;
}

function progressDeadlineMs(d: Deployment): number {
  return (d.spec?.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS) * 1000;
}

/** deploymentutil.DeploymentComplete. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const replicas = deploymentReplicas(d);
  return (
    (s.updatedReplicas ?? 0) === replicas &&
    (s.replicas ?? 0) === replicas &&
    (s.availableReplicas ?? 0) === replicas &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** deploymentutil.DeploymentProgressing: any counter moved the right way since the last status. */
function deploymentProgressing(old: DeploymentStatus, s: DeploymentStatus): boolean {
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = condition(s, PROGRESSING);
  if (!c || c.reason === REASON.newRSAvailable) return false;
  if (c.reason === REASON.timedOut) return true;
  const from = timeMs(c.lastUpdateTime);
  return from !== undefined && from + progressDeadlineMs(d) < now.getTime();
}

/** Kubernetes omits zero counters (omitempty); so do we, so a status compares equal to what it stored. */
function omitZeros(s: DeploymentStatus): DeploymentStatus {
  const out: DeploymentStatus = {};
  for (const [k, v] of Object.entries(s) as [keyof DeploymentStatus, unknown][]) {
    if (v === undefined || v === 0 || (Array.isArray(v) && v.length === 0)) continue;
    (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** calculateStatus: counters from the RSs, conditions carried over, Available re-evaluated. */
export function calculateStatus(
  d: Deployment,
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
  now: Date,
): DeploymentStatus {
  const available = availableReplicasOf(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: actualReplicasOf(allRSs),
    updatedReplicas: actualReplicasOf([newRS]),
    readyReplicas: readyReplicasOf(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicasOf(allRSs) - available),
    collisionCount: d.status?.collisionCount,
    conditions: (d.status?.conditions ?? []).map((c) => ({ ...c })),
  };
  if (available >= deploymentReplicas(d) - maxUnavailable(d)) {
    setCondition(
      status,
      newCondition(AVAILABLE, 'True', REASON.minimumAvailable, 'Deployment has minimum availability.', now),
    );
  } else {
    setCondition(
      status,
      newCondition(
        AVAILABLE,
        'False',
        REASON.minimumUnavailable,
        'Deployment does not have minimum availability.',
        now,
      ),
    );
  }
  return omitZeros(status);
}

/**
 * The status a sync writes. rollout = syncRolloutStatus (a rollout step ran: Progressing is
 * re-evaluated against the deadline); otherwise syncDeploymentStatus (scaling, paused).
 */
export function deploymentStatusFor(
  d: Deployment,
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
  now: Date,
  rollout: boolean,
): DeploymentStatus {
  const status = calculateStatus(d, allRSs, newRS, now);
  if (!rollout) return status;
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
  const old = d.status ?? {};
  const current = condition(old, PROGRESSING);
  const isComplete = status.replicas === status.updatedReplicas && current?.reason === REASON.newRSAvailable;
  if (hasProgressDeadline(d) && !isComplete) {
    const subject = newRS ? `ReplicaSet ${q(newRS.metadata.name)}` : `Deployment ${q(d.metadata.name)}`;
    if (deploymentComplete(d, status)) {
      setCondition(
        status,
        newCondition(
          PROGRESSING,
          'True',
          REASON.newRSAvailable,
          `${subject} has successfully progressed.`,
          now,
        ),
      );
    } else if (deploymentProgressing(old, status)) {
      const c = newCondition(PROGRESSING, 'True', REASON.rsUpdated, `${subject} is progressing.`, now);
      // A progressing rollout refreshes lastUpdateTime on every step: the deadline counts from the last progress.
      if (current) {
        if (current.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, PROGRESSING);
      }
      setCondition(status, c);
    } else if (deploymentTimedOut(d, status, now)) {
      setCondition(
        status,
        newCondition(PROGRESSING, 'False', REASON.timedOut, `${subject} has timed out progressing.`, now),
      );
    }
  }
  return omitZeros(status);
}

/** When to look again for a progress deadline (requeueStuckDeployment); undefined: no need. */
export function progressRecheckMs(d: Deployment, s: DeploymentStatus, now: Date): number | undefined {
  const c = condition(s, PROGRESSING);
  if (!hasProgressDeadline(d) || !c) return undefined;
  if (deploymentComplete(d, s) || c.reason === REASON.timedOut) return undefined;
  const from = timeMs(c.lastUpdateTime);
  if (from === undefined) return undefined;
  return Math.max(1000, from + progressDeadlineMs(d) - now.getTime() + 1000);
}

/** checkPausedConditions: Progressing Unknown/DeploymentPaused while paused, DeploymentResumed after. */
export function setPausedConditions(d: Deployment, status: DeploymentStatus, now: Date): void {
  if (!hasProgressDeadline(d)) return;
  const c = condition(status, PROGRESSING);
  if (c?.reason === REASON.timedOut) return;
  const pausedCond = c?.reason === REASON.paused;
  if (d.spec?.paused && !pausedCond) {
    setCondition(status, newCondition(PROGRESSING, 'Unknown', REASON.paused, 'Deployment is paused', now));
  } else if (!d.spec?.paused && pausedCond) {
    setCondition(status, newCondition(PROGRESSING, 'Unknown', REASON.resumed, 'Deployment is resumed', now));
  }
}
