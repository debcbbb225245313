/** Helpers for the controllers' writes. */
import { isConflict, isNotFound } from '../../../client/errors.js';

/**
 * Runs a write whose loss to a newer object is expected: 409 Conflict (our cache was stale) or
 * 404 (the object went away). The informer delivers the newer state and the key comes back, so
 * these are not errors. Answers the write's result, or undefined when it lost.
 */
export async function unlessStale<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (e) {
    if (isConflict(e) || isNotFound(e)) return undefined;
    throw e;
  }
}

/** Runs tasks with at most `limit` in flight; the first failure is rethrown after all settle. */
export async function inParallel(tasks: (() => Promise<void>)[], limit = 16): Promise<void> {
  let next = 0;
  let firstError: unknown;
  const run = async (): Promise<void> => {
    while (next < tasks.length) {
      const t = tasks[next++];
      try {
        await t();
      } catch (e) {
        firstError ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, run));
  if (firstError !== undefined) throw firstError;
}

/**
 * kube's slowStartBatch: `count` calls in batches of 1, 2, 4, ...; a failing batch stops the rest,
 * so a create that cannot succeed (quota, a bad template) is tried once, not `count` times.
 * Throws the first failure.
 */
export async function slowStartBatch(count: number, call: () => Promise<void>): Promise<void> {
  let remaining = count;
  let batch = 1;
  while (remaining > 0) {
    const n = Math.min(batch, remaining);
    const results = await Promise.allSettled(Array.from({ length: n }, () => call()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    remaining -= n;
    batch *= 2;
  }
}

/** A write lost to a newer version of the object: this pass stops; the informer brings the key back. */
export class StaleCacheError extends Error {
  override name = 'StaleCacheError';
}

/** unlessStale, but a lost write ends the pass (later steps were computed from what it assumed). */
export async function mustWrite<T>(write: () => Promise<T>, what: string): Promise<T> {
  const out = await unlessStale(write);
  if (out === undefined) throw new StaleCacheError(`${what}: the cache was stale`);
  return out;
}
