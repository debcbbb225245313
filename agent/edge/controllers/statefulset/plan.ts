/**
 * What a StatefulSet does about its pods in one pass (kube's stateful_set_control.go, pure): pods
 * `<name>-<ordinal>` with a stable identity; OrderedReady creates one ordinal at a time, in order,
 * each only once the lower ones are Running and Ready, and deletes from the highest ordinal, one at
 * a time; Parallel creates and deletes all at once. RollingUpdate replaces pods of an old revision
 * from the highest ordinal down to the partition, one at a time, each after the others are ready.
 */
import { canonicalJson, fnv32a, safeEncodeString } from '../pod-template-hash.js';
import { isPodAvailable, isPodReady, isPodTerminal } from '../pod-state.js';
import type { Pod } from '../types.js';
import { REVISION_LABEL, type StatefulSet, type StatefulSetStatus } from './types.js';

export interface StatefulSetPlan {
  /** Ordinals to create, in order. */
  create: number[];
  /** Pods to delete (scale-down, failed pods, rolling update). */
  delete: Pod[];
  status: StatefulSetStatus;
}

/** The revision name pods carry in controller-revision-hash: `<name>-<hash of the template>`. */
export function updateRevision(sts: StatefulSet): string {
  const h = fnv32a(new TextEncoder().encode(canonicalJson(sts.spec?.template ?? {})));
  return `${String(sts.metadata.name)}-${safeEncodeString(h.toString())}`;
}

export function ordinalOf(sts: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${String(sts.metadata.name)}-`;
  const name = String(pod.metadata.name ?? '');
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

const running = (p: Pod) => p.status?.phase === 'Running';
const healthy = (p: Pod) => running(p) && isPodReady(p) && !p.metadata.deletionTimestamp;

export function planStatefulSet(sts: StatefulSet, owned: readonly Pod[], nowMs: number): StatefulSetPlan {
  const replicas = sts.spec?.replicas ?? 1;
  const start = sts.spec?.ordinals?.start ?? 0;
  const parallel = sts.spec?.podManagementPolicy === 'Parallel';
  const revision = updateRevision(sts);
  const byOrdinal = new Map<number, Pod>();
  for (const p of owned) {
    const o = ordinalOf(sts, p);
    if (o !== undefined) byOrdinal.set(o, p);
  }
  const wanted = Array.from({ length: replicas }, (_, i) => start + i);
  const condemned = [...byOrdinal.keys()]
    .filter((o) => o < start || o >= start + replicas)
    .sort((a, b) => b - a);
  const plan: StatefulSetPlan = { create: [], delete: [], status: statusFor(sts, owned, revision, nowMs) };

  // Creation and failed-pod replacement, in ordinal order.
  for (const o of wanted) {
    const pod = byOrdinal.get(o);
    if (!pod) {
      plan.create.push(o);
      if (!parallel) return plan;
      continue;
    }
    if (isPodTerminal(pod) && !pod.metadata.deletionTimestamp) {
      // A finished pod is deleted and created again under its name.
      plan.delete.push(pod);
      if (!parallel) return plan;
      continue;
    }
    if (!parallel && !healthy(pod)) return plan; // wait for this ordinal before the next
  }

  // Scale-down from the highest ordinal.
  if (condemned.length > 0) {
    if (parallel) {
      plan.delete.push(
        ...condemned.map((o) => byOrdinal.get(o) as Pod).filter((p) => !p.metadata.deletionTimestamp),
      );
      return plan;
    }
    const highest = byOrdinal.get(condemned[0]) as Pod;
    // One at a time, and only while every other pod is healthy.
    const othersHealthy = owned.every((p) => p === highest || healthy(p) || ordinalOf(sts, p) === undefined);
    if (!highest.metadata.deletionTimestamp && othersHealthy) plan.delete.push(highest);
    return plan;
  }

  // Rolling update: highest ordinal first, down to the partition.
  const strategy = sts.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate') return plan;
  const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  const pods = wanted.map((o) => byOrdinal.get(o)).filter((p): p is Pod => p !== undefined);
  if (pods.some((p) => !healthy(p))) return plan;
  for (const o of [...wanted].reverse()) {
    if (o < start + partition) break;
    const pod = byOrdinal.get(o);
    if (pod && pod.metadata.labels?.[REVISION_LABEL] !== revision) {
      plan.delete.push(pod);
      break;
    }
  }
  return plan;
}

function statusFor(
  sts: StatefulSet,
  owned: readonly Pod[],
  revision: string,
  nowMs: number,
): StatefulSetStatus {
  const minReady = sts.spec?.minReadySeconds ?? 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  let current = 0;
  const live = owned.filter((p) => !p.metadata.deletionTimestamp);
  const currentRevision = sts.status?.currentRevision ?? revision;
  for (const p of live) {
    if (isPodReady(p)) ready++;
    if (isPodAvailable(p, minReady, nowMs)) available++;
    const rev = p.metadata.labels?.[REVISION_LABEL];
    if (rev === revision) updated++;
    if (rev === currentRevision) current++;
  }
  const replicas = sts.spec?.replicas ?? 1;
  // The update is complete once every pod runs the update revision: it becomes the current one.
  const done = updated === replicas && ready === replicas;
  const status: StatefulSetStatus = {
    replicas: live.length,
    availableReplicas: available,
    collisionCount: 0,
    currentRevision: done ? revision : currentRevision,
    updateRevision: revision,
  };
  if (ready) status.readyReplicas = ready;
  if (done ? updated : current) status.currentReplicas = done ? updated : current;
  if (updated) status.updatedReplicas = updated;
  if (sts.metadata.generation) status.observedGeneration = sts.metadata.generation;
  return status;
}
