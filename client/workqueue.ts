/**
 * client-go's rate-limited work queue, for keys ('ns/name').
 *
 * Invariants that make controllers correct (and why each exists):
 * - a key is queued at most once (dirty set): ten events for one object → one reconcile;
 * - a key is never processed by two workers at once (processing set): a key added while being
 *   processed is parked and queued again on done(), so the change it signals is not lost;
 * - failures back off per key (base·2^n, capped) so one broken object cannot spin a worker,
 *   and forget() resets that after a success.
 */
import { silentLogger, type RuntimeLogger } from './log.js';

export interface WorkQueueOptions {
  /** First retry delay of addRateLimited (default 5 ms). */
  baseDelayMs?: number;
  /** Cap on the per-key delay (default 1000 s). */
  maxDelayMs?: number;
}

export class WorkQueue {
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private queue: string[] = [];
  /** Keys waiting to be processed (queued, or parked while processing). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  /** Per-key failure counts for addRateLimited. */
  private readonly failures = new Map<string, number>();
  /** addAfter timers, one per key (the earliest wins). */
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000_000;
  }

  /** Queues key unless it is already waiting. Ignored after shutdown. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    // Being processed: done() will queue it again.
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) this.hand(key, waiter);
    else this.queue.push(key);
  }

  /** The next key to process (mark it done() afterwards), or undefined once shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends processing of key; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) {
      const waiter = this.waiters.shift();
      if (waiter) this.hand(key, waiter);
      else this.queue.push(key);
    }
  }

  /** Re-queues key after its per-key backoff: base·2^failures, capped at maxDelayMs. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.when(key));
  }

  /** The delay addRateLimited would use now, counting this as one more failure. */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(n, 60));
  }

  /** Clears key's failure count (call after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Queues key after ms; a pending later addAfter of the same key is brought forward. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Keys ready to be handed out (not counting delayed or in-process ones). */
  len(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops the queue: waiting and future get() calls answer undefined; pending work is dropped. */
  shutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.queue = [];
    this.dirty.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private hand(key: string, waiter: (key: string | undefined) => void): void {
    this.dirty.delete(key);
    this.processing.add(key);
    waiter(key);
  }
}

export type ReconcileResult = void | { requeueAfterMs?: number };

/**
 * Runs n workers until the queue shuts down; resolves when all have finished their current key.
 * Failure → log and addRateLimited; success → forget, and addAfter when the reconciler asks.
 */
export async function runWorkers(
  queue: WorkQueue,
  n: number,
  reconcile: (key: string) => Promise<ReconcileResult>,
  log: RuntimeLogger = silentLogger,
): Promise<void> {
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const res = await reconcile(key);
        queue.forget(key);
        if (res && res.requeueAfterMs !== undefined) queue.addAfter(key, res.requeueAfterMs);
      } catch (e) {
        const retries = queue.numRequeues(key);
        log.error({ err: e, key, retries }, 'reconcile failed; requeueing with backoff');
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, n) }, () => worker()));
}
