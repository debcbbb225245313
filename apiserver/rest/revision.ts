import { ApiError } from '../errors.js';

/** kube-apiserver waits up to 3 s for a resourceVersion from the future before giving up. */
export async function caughtUp(
  store: { currentRevision(): number },
  rv: number,
  waitMs = 3000,
): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (store.currentRevision() < rv) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

export function tooLargeResourceVersion(rv: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}
