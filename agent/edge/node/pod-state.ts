/**
 * What the runtime remembers about a pod between syncs. None of it is needed to keep workloads
 * running: after an agent restart it starts empty, like kubelet's (back-offs restart from the base,
 * waiting reasons are recomputed on the next sync).
 */
import type { ObservedContainer } from '../engine/engine.js';
import type { BackoffEntry } from './backoff.js';
import type { Waiting } from './restart.js';
import type { Pod, PodStatus } from '../../../api/core.js';

export class PodState {
  /** The last pod object seen (its grace period is needed once it is gone from the API). */
  lastPod?: Pod;
  /** Crash back-off per container name. */
  readonly backoffs = new Map<string, BackoffEntry>();
  /** Pull back-off and the last pull error, per image. */
  readonly imageBackoffs = new Map<string, BackoffEntry>();
  readonly imageErrors = new Map<string, string>();
  /** Why each container is not running, from the last sync. */
  waiting = new Map<string, Waiting>();
  /**
   * Per container id: facts the engine does not give but back-off needs stable (a start that
   * failed; when an exited container without finishedAt was first seen).
   */
  readonly overrides = new Map<string, { error?: string; finishedAt: string }>();
  /** The status last computed (what logs() reads). */
  lastStatus?: PodStatus;
  /** The status last written, and the resourceVersion it was written on top of. */
  written?: { baseRv: string; status: PodStatus };

  constructor(readonly uid: string) {}

  /** The engine's view with this state's overrides applied. */
  view(c: ObservedContainer, nowIso: string): ObservedContainer {
    const exitedWithoutTime = (c.status === 'exited' || (c.status === 'created' && c.error)) && !c.finishedAt;
    let o = this.overrides.get(c.id);
    if (!o && exitedWithoutTime) this.overrides.set(c.id, (o = { finishedAt: nowIso }));
    if (!o) return c;
    const v: ObservedContainer = { ...c };
    if (o.error && !v.error && v.status === 'created') v.error = o.error;
    if (!v.finishedAt && (v.status === 'exited' || v.error)) v.finishedAt = o.finishedAt;
    return v;
  }

  /** Forgets overrides of containers that no longer exist. */
  prune(existing: ReadonlySet<string>): void {
    for (const id of this.overrides.keys()) if (!existing.has(id)) this.overrides.delete(id);
  }
}
