/** Completion indexes of Indexed Jobs: the pod's index, and status.completedIndexes ("1,3-5"). */
import type { Pod } from '../types.js';

export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

/** The pod's completion index (annotation, else label); undefined when absent or malformed. */
export function completionIndexOf(pod: Pod): number | undefined {
  const v = pod.metadata.annotations?.[COMPLETION_INDEX] ?? pod.metadata.labels?.[COMPLETION_INDEX];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** "1,3-5" → [1, 3, 4, 5]; malformed parts are skipped. */
export function parseIndexes(s: string | undefined): number[] {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** [1, 3, 4, 5] → "1,3-5" (kube's orderedIntervals.String). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
