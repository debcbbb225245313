/**
 * Summarises the pods of a member workload (api/pod-summary.ts): a Deployment's own status says
 * nothing of restarts or ErrImagePull, and an operator at the hub needs them to see that the edge
 * site is failing and why, without a tunnel round trip.
 */
import { MAX_PROBLEMS, type PodProblem, type PodSummary } from '../../api/pod-summary.js';
import type { KubeObject } from '../../api/kubernetes.js';
import {
  labelSelectorFromMeta,
  matchesLabels,
  type MetaLabelSelector,
} from '../../apiserver/selectors/label-selector.js';

/** Kinds whose spec.selector picks their pods. */
export const WORKLOAD_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; message?: string; exitCode?: number };
  };
}

export interface Pod extends KubeObject {
  status?: {
    phase?: string;
    podIP?: string;
    reason?: string;
    message?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

/** Reasons that are not a problem: the pod is on its way, or done as intended. */
const BENIGN = new Set(['ContainerCreating', 'PodInitializing', 'Completed']);

function problemsOf(pod: Pod): PodProblem[] {
  const name = String(pod.metadata.name);
  const out: PodProblem[] = [];
  if (pod.status?.phase === 'Failed' || pod.status?.reason)
    out.push({
      pod: name,
      reason: pod.status.reason ?? 'Failed',
      ...(pod.status.message ? { message: pod.status.message } : {}),
    });
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const w = c.state?.waiting;
    const t = c.state?.terminated;
    const reason = w?.reason ?? (t && t.exitCode !== 0 ? (t.reason ?? 'Error') : undefined);
    if (!reason || BENIGN.has(reason)) continue;
    const message = w?.message ?? t?.message;
    out.push({ pod: name, container: c.name, reason, ...(message ? { message } : {}) });
  }
  return out;
}

export function summarizePods(pods: readonly Pod[]): PodSummary {
  let ready = 0;
  let restarts = 0;
  const problems: PodProblem[] = [];
  for (const p of pods) {
    if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ready++;
    for (const c of p.status?.containerStatuses ?? []) restarts += c.restartCount ?? 0;
    problems.push(...problemsOf(p));
  }
  problems.sort((a, b) =>
    a.pod === b.pod ? (a.container ?? '').localeCompare(b.container ?? '') : a.pod.localeCompare(b.pod),
  );
  const summary: PodSummary = { total: pods.length, ready, restarts };
  if (problems.length > 0) summary.problems = problems.slice(0, MAX_PROBLEMS);
  return summary;
}

/**
 * A Service's backends as the endpoints controller counts them: selected, not terminating, not
 * finished, with an IP. Their summary's `ready` is the Service's ready endpoint count, which the
 * hub's DNS controller needs (kubefed publishes a cluster only while it has ready endpoints).
 * Services without a selector (hand-written Endpoints) get no summary.
 */
function podsOfService(svc: KubeObject, pods: readonly Pod[]): Pod[] | undefined {
  const sel = (svc as { spec?: { selector?: Record<string, string>; type?: string } }).spec;
  if (!sel?.selector || Object.keys(sel.selector).length === 0 || sel.type === 'ExternalName')
    return undefined;
  const want = Object.entries(sel.selector);
  const ns = svc.metadata.namespace;
  return pods.filter(
    (p) =>
      p.metadata.namespace === ns &&
      want.every(([k, v]) => p.metadata.labels?.[k] === v) &&
      !p.metadata.deletionTimestamp &&
      p.status?.phase !== 'Succeeded' &&
      p.status?.phase !== 'Failed' &&
      Boolean(p.status?.podIP),
  );
}

/**
 * The pods of `workload` among `pods` (same namespace, matching spec.selector), or a Service's
 * backends; undefined for other kinds.
 */
export function podsOfWorkload(workload: KubeObject, pods: readonly Pod[]): Pod[] | undefined {
  if (workload.kind === 'Service') return podsOfService(workload, pods);
  if (!WORKLOAD_KINDS.has(String(workload.kind))) return undefined;
  const sel = (workload as { spec?: { selector?: MetaLabelSelector } }).spec?.selector;
  if (!sel) return undefined;
  const selector = labelSelectorFromMeta(sel);
  const ns = workload.metadata.namespace;
  return pods.filter((p) => p.metadata.namespace === ns && matchesLabels(selector, p.metadata.labels));
}
