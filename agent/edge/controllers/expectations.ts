/**
 * kube's ControllerExpectations, kept simple: the pods a controller has just created or deleted
 * and not yet seen in its informer cache. While any is outstanding the controller does not
 * create or delete again: counting from a cache that lags its own writes would create twice.
 *
 * Checked at the level (is the pod in the cache now?) and also told by the informer's events, so
 * a pod that came and went between two reconciles still counts as seen. A record older than the
 * TTL is dropped (a write whose answer was lost must not block the controller for ever).
 */
import type { Pod } from './types.js';

interface Outstanding {
  creates: Set<string>;
  /** name → uid of the pod being deleted */
  deletes: Map<string, string>;
  at: number;
}

/** kube's ExpectationsTimeout. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

export class PodExpectations {
  private readonly records = new Map<string, Outstanding>();

  constructor(
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  private record(owner: string): Outstanding {
    let r = this.records.get(owner);
    if (!r) this.records.set(owner, (r = { creates: new Set(), deletes: new Map(), at: this.now() }));
    r.at = this.now();
    return r;
  }

  expectCreate(owner: string, podName: string): void {
    this.record(owner).creates.add(podName);
  }

  expectDelete(owner: string, podName: string, uid: string): void {
    this.record(owner).deletes.set(podName, uid);
  }

  /** The create was refused: nothing will show up. */
  creationFailed(owner: string, podName: string): void {
    this.records.get(owner)?.creates.delete(podName);
  }

  /** The delete was refused (or found nothing): nothing will go away. */
  deletionFailed(owner: string, podName: string): void {
    this.records.get(owner)?.deletes.delete(podName);
  }

  /** The informer delivered the pod. */
  observedCreate(owner: string, podName: string): void {
    this.records.get(owner)?.creates.delete(podName);
  }

  /** The informer delivered the pod's deletion (or its deletionTimestamp). */
  observedDelete(owner: string, podName: string): void {
    this.records.get(owner)?.deletes.delete(podName);
  }

  forget(owner: string): void {
    this.records.delete(owner);
  }

  /** True when nothing is outstanding for owner, judging also by the cache as it is now. */
  satisfied(owner: string, lookup: (podName: string) => Pod | undefined): boolean {
    const r = this.records.get(owner);
    if (!r) return true;
    for (const name of r.creates) if (lookup(name)) r.creates.delete(name);
    for (const [name, uid] of r.deletes) {
      const p = lookup(name);
      if (!p || p.metadata.uid !== uid || p.metadata.deletionTimestamp) r.deletes.delete(name);
    }
    if ((r.creates.size === 0 && r.deletes.size === 0) || this.now() - r.at > this.ttlMs) {
      this.records.delete(owner);
      return true;
    }
    return false;
  }

  /** Outstanding counts, for logs and tests. */
  pending(owner: string): { creates: number; deletes: number } {
    const r = this.records.get(owner);
    return { creates: r?.creates.size ?? 0, deletes: r?.deletes.size ?? 0 };
  }
}
