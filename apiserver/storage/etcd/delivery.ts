/**
 * Which revision the etcd watch has delivered to this process, and the writes waiting for theirs:
 * the EtcdStore acknowledges a write only once its own event came back through the watch, so
 * in-process watchers (namespace tracking, informers) have seen it by then, as with SQLite.
 */
interface Waiter {
  rev: number;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

export class Delivery {
  /** The highest revision whose events every watcher has been given. */
  processed = 0;
  private waiters: Waiter[] = [];
  private closed = false;

  /** Resolves once revision `rev` was delivered, or after `timeoutMs` (the watch being down). */
  delivered(rev: number, timeoutMs: number): Promise<void> {
    if (this.processed >= rev || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const w: Waiter = {
        rev,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve();
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** Everything up to `rev` was delivered: wakes the writes waiting for it. */
  advance(rev: number): void {
    this.processed = Math.max(this.processed, rev);
    if (this.waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.rev <= this.processed) {
        clearTimeout(w.timer);
        w.resolve();
      } else keep.push(w);
    }
    this.waiters = keep;
  }

  /** The store closes: nobody waits any longer. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve();
    }
    this.waiters = [];
  }
}
