import { StoreError, type StoreListener } from '../store.js';
import { keyMatchesPrefix } from '../watch-fanout.js';
import type { EtcdEvent } from './codec.js';

/**
 * The in-memory window of recent events that watches replay from (kube's watch cache), bounded by
 * event count and bytes; a watch from before it gets Compacted and its client relists.
 */
export class WatchCache {
  /** Recent events in revision order from `head`; every event after `windowStart` is here. */
  private window: EtcdEvent[] = [];
  private head = 0;
  private windowBytes = 0;
  windowStart = 0;

  constructor(
    readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  /** The oldest revision a watch may start after, given what etcd itself compacted. */
  compactedRevision(etcdCompacted: number): number {
    return Math.max(etcdCompacted, this.windowStart);
  }

  /** Throws Compacted for a watch from before the window; else replays the events after `afterRevision`. */
  replay(prefix: string, afterRevision: number, etcdCompacted: number, listener: StoreListener): void {
    const compacted = this.compactedRevision(etcdCompacted);
    if (afterRevision < compacted) {
      throw new StoreError('Compacted', `too old resource version: ${afterRevision} (${compacted})`);
    }
    for (let i = this.firstAfter(afterRevision); i < this.window.length; i++) {
      const ev = this.window[i];
      if (keyMatchesPrefix(ev.key, prefix)) listener(ev);
    }
  }

  /** etcd compacted past what the window holds: it restarts empty at the compaction. */
  restartAt(compactRev: number): void {
    this.window = [];
    this.head = 0;
    this.windowBytes = 0;
    this.windowStart = Math.max(this.windowStart, compactRev - 1);
  }

  push(e: EtcdEvent): void {
    this.window.push(e);
    this.windowBytes += e.size;
  }

  /** Drops whole revisions from the front while over budget or compacted. */
  trim(etcdCompacted: number): void {
    const w = this.window;
    while (
      this.head < w.length &&
      (w.length - this.head > this.maxEvents ||
        this.windowBytes > this.maxBytes ||
        w[this.head].revision <= etcdCompacted)
    ) {
      const rev = w[this.head].revision;
      while (this.head < w.length && w[this.head].revision === rev) this.windowBytes -= w[this.head++].size;
      this.windowStart = Math.max(this.windowStart, rev);
    }
    if (this.head > 1024 && this.head * 2 > w.length) {
      this.window = w.slice(this.head);
      this.head = 0;
    }
  }

  /** Index of the first window event with revision > `rev`. */
  private firstAfter(rev: number): number {
    let lo = this.head;
    let hi = this.window.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.window[mid].revision <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
