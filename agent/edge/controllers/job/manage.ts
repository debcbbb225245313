/** manageJob (pure): which active pods a running Job deletes, which it creates. */
import { jobCompletions, jobParallelism } from '../defaults.js';
import { podsToDeleteForScaleDown } from '../scale-down-order.js';
import type { Job, Pod } from '../types.js';
import { jobBackoffRemainingMs } from './backoff.js';
import { completionIndexOf } from './indexes.js';

/** kube's MaxPodCreateDeletePerSync. */
export const MAX_POD_CHANGES_PER_SYNC = 500;

/** What managing needs to know of time: now, and the back-off between failures and new pods. */
export interface ManageClock {
  now: Date;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface Manage {
  deletePods: Pod[];
  create: (number | undefined)[];
  requeueAfterMs?: number;
}

/** manageJob for NonIndexed Jobs: as many active pods as parallelism and the remaining completions allow. */
export function manageNonIndexed(
  job: Job,
  pods: readonly Pod[],
  active: Pod[],
  succeeded: number,
  o: ManageClock,
): Manage {
  const completions = jobCompletions(job);
  const parallelism = jobParallelism(job);
  // Without completions, the first success means "finish what runs, start nothing".
  const wantActive =
    completions === undefined
      ? succeeded > 0
        ? active.length
        : parallelism
      : Math.max(0, Math.min(completions - succeeded, parallelism));
  const surplus = Math.min(active.length - wantActive, MAX_POD_CHANGES_PER_SYNC);
  if (surplus > 0) return { deletePods: podsToDeleteForScaleDown(active, surplus), create: [] };
  return createAfterBackoff(pods, wantActive - active.length, () => undefined, o);
}

/** manageJob for Indexed Jobs: one active pod per missing index, lowest indexes first. */
export function manageIndexed(
  job: Job,
  pods: readonly Pod[],
  active: Pod[],
  succeeded: Set<number>,
  o: ManageClock,
): Manage {
  const completions = jobCompletions(job) ?? 0;
  const byIndex = new Map<number, Pod[]>();
  const remove: Pod[] = [];
  for (const p of active) {
    const i = completionIndexOf(p);
    if (i === undefined || i >= completions || succeeded.has(i)) remove.push(p);
    else byIndex.set(i, [...(byIndex.get(i) ?? []), p]);
  }
  // Duplicates of an index: keep the one a scale-down would delete last.
  for (const dup of byIndex.values())
    if (dup.length > 1) remove.push(...podsToDeleteForScaleDown(dup, dup.length - 1));
  const wantActive = Math.max(0, Math.min(jobParallelism(job), completions - succeeded.size));
  const kept = [...byIndex.keys()].sort((a, b) => b - a);
  for (const i of kept.slice(0, Math.max(0, kept.length - wantActive)))
    remove.push(...(byIndex.get(i) ?? []));
  if (remove.length > 0)
    return { deletePods: [...new Set(remove)].slice(0, MAX_POD_CHANGES_PER_SYNC), create: [] };
  const missing: number[] = [];
  for (let i = 0; i < completions && missing.length < wantActive - kept.length; i++)
    if (!succeeded.has(i) && !byIndex.has(i)) missing.push(i);
  let next = 0;
  return createAfterBackoff(pods, missing.length, () => missing[next++], o);
}

function createAfterBackoff(
  pods: readonly Pod[],
  count: number,
  index: () => number | undefined,
  o: ManageClock,
): Manage {
  if (count <= 0) return { deletePods: [], create: [] };
  const wait = jobBackoffRemainingMs(pods, o.now.getTime(), o.backoffBaseMs, o.backoffMaxMs);
  if (wait > 0) return { deletePods: [], create: [], requeueAfterMs: wait };
  return { deletePods: [], create: Array.from({ length: Math.min(count, MAX_POD_CHANGES_PER_SYNC) }, index) };
}
