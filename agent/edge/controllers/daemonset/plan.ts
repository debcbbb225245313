/**
 * What a DaemonSet does on the site's node (kube's daemon_controller.go for one node, pure): a pod
 * runs there when the node matches the template's nodeSelector and required node affinity and
 * every NoSchedule/NoExecute taint is tolerated; extra or failed pods go; RollingUpdate replaces a
 * pod of an old template (maxUnavailable 1, the one node), OnDelete waits for the user.
 */
import { canonicalJson, fnv32a, safeEncodeString } from '../pod-template-hash.js';
import { isPodAvailable, isPodReady, isPodTerminal } from '../pod-state.js';
import { byCreationTimestamp } from '../meta.js';
import type { Pod, PodSpec } from '../types.js';
import {
  REVISION_LABEL,
  type DaemonSet,
  type DaemonSetStatus,
  type Node,
  type NodeSelectorRequirement,
  type Toleration,
} from './types.js';

export interface DaemonSetPlan {
  create: boolean;
  delete: Pod[];
  status: DaemonSetStatus;
}

export function daemonSetRevision(ds: DaemonSet): string {
  return safeEncodeString(
    fnv32a(new TextEncoder().encode(canonicalJson(ds.spec?.template ?? {}))).toString(),
  );
}

function requirementMatches(r: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(v);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const n = Number(v);
      const bound = Number(r.values?.[0]);
      if (!has || !Number.isInteger(n) || !Number.isInteger(bound)) return false;
      return r.operator === 'Gt' ? n > bound : n < bound;
    }
    default:
      return false;
  }
}

type Affinity = {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: {
      nodeSelectorTerms?: {
        matchExpressions?: NodeSelectorRequirement[];
        matchFields?: NodeSelectorRequirement[];
      }[];
    };
  };
};

/** tolerations.ToleratesTaint. */
export function tolerates(
  tolerations: Toleration[],
  taint: { key: string; value?: string; effect: string },
): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** Whether a daemon pod of this template belongs on the node (predicates.go's checks kube runs). */
export function shouldRunOn(spec: PodSpec | undefined, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  const nodeSelector = (spec?.nodeSelector ?? {}) as Record<string, string>;
  if (!Object.entries(nodeSelector).every(([k, v]) => labels[k] === v)) return false;
  const terms = (spec?.affinity as Affinity | undefined)?.nodeAffinity
    ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length > 0) {
    const fields: Record<string, string> = { 'metadata.name': String(node.metadata.name) };
    const ok = terms.some(
      (t) =>
        (t.matchExpressions?.length || t.matchFields?.length) &&
        (t.matchExpressions ?? []).every((r) => requirementMatches(r, labels)) &&
        (t.matchFields ?? []).every((r) => requirementMatches(r, fields)),
    );
    if (!ok) return false;
  }
  const tolerations = (spec?.tolerations ?? []) as Toleration[];
  return (node.spec?.taints ?? [])
    .filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
    .every((t) => tolerates(tolerations, t));
}

export function planDaemonSet(
  ds: DaemonSet,
  node: Node | undefined,
  owned: readonly Pod[],
  nowMs: number,
): DaemonSetPlan {
  const revision = daemonSetRevision(ds);
  const live = owned.filter((p) => !p.metadata.deletionTimestamp);
  const run = node !== undefined && shouldRunOn(ds.spec?.template?.spec, node);
  const plan: DaemonSetPlan = {
    create: false,
    delete: [],
    status: statusFor(ds, live, run, revision, nowMs),
  };
  if (!run) {
    plan.delete = live;
    return plan;
  }
  const failed = live.filter(isPodTerminal);
  const active = live.filter((p) => !isPodTerminal(p)).sort(byCreationTimestamp);
  plan.delete.push(...failed, ...active.slice(1)); // the oldest stays
  const pod = active[0];
  if (!pod) {
    // A pod still terminating keeps the slot (one daemon pod per node).
    plan.create = owned.every((p) => !p.metadata.deletionTimestamp || isPodTerminal(p));
    return plan;
  }
  const onDelete = ds.spec?.updateStrategy?.type === 'OnDelete';
  if (!onDelete && pod.metadata.labels?.[REVISION_LABEL] !== revision) plan.delete.push(pod);
  return plan;
}

function statusFor(
  ds: DaemonSet,
  live: Pod[],
  run: boolean,
  revision: string,
  nowMs: number,
): DaemonSetStatus {
  const active = live.filter((p) => !isPodTerminal(p));
  const scheduled = active.length > 0 ? 1 : 0;
  const ready = active.some(isPodReady) ? 1 : 0;
  const available = active.some((p) => isPodAvailable(p, ds.spec?.minReadySeconds ?? 0, nowMs)) ? 1 : 0;
  const updated = active.some((p) => p.metadata.labels?.[REVISION_LABEL] === revision) ? 1 : 0;
  const desired = run ? 1 : 0;
  const status: DaemonSetStatus = {
    currentNumberScheduled: run ? scheduled : 0,
    numberMisscheduled: run ? 0 : scheduled,
    desiredNumberScheduled: desired,
    numberReady: run ? ready : 0,
  };
  if (ds.metadata.generation) status.observedGeneration = ds.metadata.generation;
  if (run && updated) status.updatedNumberScheduled = updated;
  if (run && available) status.numberAvailable = available;
  if (desired - (run ? available : 0) > 0) status.numberUnavailable = desired - (run ? available : 0);
  return status;
}
