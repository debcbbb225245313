/**
 * The Work status the agent reports (pure): what the hub's status fold reads — observedGeneration
 * against metadata.generation, clusterStatus/message on failure, remoteStatus (the member object's
 * .status, e.g. readyReplicas for the READY column) — plus an Applied condition for `kubectl get works`.
 */
import type { ClusterPropagationStatus, Condition, WorkStatus } from '../api/federation.js';
import { jsonEqual } from '../apiserver/json-equal.js';
import type { PodSummary } from '../api/pod-summary.js';

export const APPLIED_CONDITION = 'Applied';

export type OutcomeSummary =
  { ok: true } | { ok: false; clusterStatus: ClusterPropagationStatus; message: string };

export interface StatusInput {
  /** The Work's metadata.generation the outcome is about. */
  generation: number | undefined;
  outcome: OutcomeSummary;
  /** The member object's .status (undefined when there is none). */
  remoteStatus: unknown;
  /** For workloads: their pods in the member. */
  pods?: PodSummary;
  /** The status the hub has now (keeps lastTransitionTime while the condition holds). */
  previous: WorkStatus | undefined;
  /** RFC 3339, seconds precision. */
  now: string;
}

export function buildWorkStatus(input: StatusInput): WorkStatus {
  const { outcome } = input;
  const condStatus: Condition['status'] = outcome.ok ? 'True' : 'False';
  const prev = (input.previous?.conditions ?? []).find((c) => c.type === APPLIED_CONDITION);
  const condition: Condition = {
    type: APPLIED_CONDITION,
    status: condStatus,
    reason: outcome.ok ? 'Applied' : outcome.clusterStatus,
    message: outcome.ok ? 'the member cluster has the manifest as rendered' : outcome.message,
    lastTransitionTime:
      prev && prev.status === condStatus && prev.lastTransitionTime ? prev.lastTransitionTime : input.now,
  };
  const status: WorkStatus = {};
  if (input.generation !== undefined) status.observedGeneration = input.generation;
  status.conditions = [
    ...(input.previous?.conditions ?? [])
      .filter((c) => c.type !== APPLIED_CONDITION)
      .map((c) => structuredClone(c)),
    condition,
  ];
  if (!outcome.ok) {
    status.clusterStatus = outcome.clusterStatus;
    status.message = outcome.message;
  }
  if (input.remoteStatus !== undefined && input.remoteStatus !== null)
    status.remoteStatus = structuredClone(input.remoteStatus);
  if (input.pods) status.pods = structuredClone(input.pods);
  return status;
}

export { jsonEqual };
