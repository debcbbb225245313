/**
 * Exponential backoff with full jitter (a random delay in [0, min(max, base·2^n)]): after a hub
 * restart every informer of every controller reconnects, and jitter keeps them from doing it in
 * lock-step.
 */
export class Backoff {
  private n = 0;

  constructor(
    private readonly baseMs = 200,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call doubles the ceiling up to maxMs. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.n, 30));
    this.n++;
    return Math.floor(this.random() * ceiling);
  }

  /** Back to the base delay (after something succeeded). */
  reset(): void {
    this.n = 0;
  }

  get attempts(): number {
    return this.n;
  }
}

/** setTimeout as a promise that an AbortSignal ends early (resolving, not rejecting). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
