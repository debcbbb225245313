/**
 * A pod's containers as the engine reports them, grouped per container name with the newest
 * attempt first: the newest is the container's current instance, the one before it is what
 * `lastState` and `logs --previous` show.
 */
import { LABELS, type ObservedContainer } from '../engine/engine.js';
import { attemptOf } from './container-spec.js';
import { parseTime, rfc3339 } from '../../../api/time.js';

/** Newest attempt first. */
export type History = readonly ObservedContainer[];

export function groupByContainer(containers: Iterable<ObservedContainer>): Map<string, ObservedContainer[]> {
  const out = new Map<string, ObservedContainer[]>();
  for (const c of containers) {
    const name = c.labels[LABELS.container];
    if (!name) continue;
    let list = out.get(name);
    if (!list) out.set(name, (list = []));
    list.push(c);
  }
  for (const list of out.values()) list.sort((a, b) => attemptOf(b.labels) - attemptOf(a.labels));
  return out;
}

/** Done for good: exited, or created but its process could not be started (the engine says why). */
export function isExited(c: ObservedContainer): boolean {
  return c.status === 'exited' || (c.status === 'created' && Boolean(c.error));
}

export function exitCodeOf(c: ObservedContainer): number {
  if (c.exitCode !== undefined) return c.exitCode;
  // A process that never started: containerd reports 128 (StartError).
  return c.status === 'created' ? 128 : 0;
}

/** The time a container ended (its finishedAt), for back-off; `fallbackMs` when unknown. */
export function finishedMs(c: ObservedContainer, fallbackMs: number): number {
  return parseTime(c.finishedAt) ?? fallbackMs;
}

/** RFC 3339 at whole seconds, as kube's status times are (engines give nanoseconds). */
export function toSeconds(ts: string | undefined): string | undefined {
  const ms = parseTime(ts);
  if (ms === undefined || ms <= 0) return undefined;
  return rfc3339(ms);
}

export function nowSeconds(ms = Date.now()): string {
  return rfc3339(ms);
}
