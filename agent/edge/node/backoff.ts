/**
 * kubelet's back-off (client-go flowcontrol.Backoff) as pure functions over one entry per key
 * (pod uid + container name for crashes, pod uid + image for pulls):
 *
 * - the first failure gets the base delay; each later one doubles it up to the max;
 * - an entry whose last update is older than 2 × max is forgotten: a container that ran for ten
 *   minutes before crashing starts again from the base (10 s) rather than from five minutes;
 * - times are the failure's own time (the container's finishedAt), so the state survives being
 *   computed late (an agent that polls every few seconds sees the same sequence).
 */

export interface BackoffConfig {
  baseMs: number;
  maxMs: number;
}

/** kubelet's defaults: 10 s doubling to 5 min. */
export const KUBELET_BACKOFF: BackoffConfig = { baseMs: 10_000, maxMs: 300_000 };

export interface BackoffEntry {
  delayMs: number;
  /** When the failure that set delayMs happened (ms since epoch). */
  lastUpdateMs: number;
}

function expired(entry: BackoffEntry, eventMs: number, cfg: BackoffConfig): boolean {
  return eventMs - entry.lastUpdateMs > 2 * cfg.maxMs;
}

/** The entry after a failure at eventMs (flowcontrol.Backoff.Next). */
export function backoffNext(
  entry: BackoffEntry | undefined,
  eventMs: number,
  cfg: BackoffConfig,
): BackoffEntry {
  if (!entry || expired(entry, eventMs, cfg)) return { delayMs: cfg.baseMs, lastUpdateMs: eventMs };
  return { delayMs: Math.min(entry.delayMs * 2, cfg.maxMs), lastUpdateMs: eventMs };
}

/**
 * How much longer a failure at eventMs must wait (flowcontrol.Backoff.IsInBackOffSince): 0 when it
 * may be retried now.
 */
export function backoffRemaining(
  entry: BackoffEntry | undefined,
  eventMs: number,
  nowMs: number,
  cfg: BackoffConfig,
): number {
  if (!entry || expired(entry, eventMs, cfg)) return 0;
  return Math.max(0, eventMs + entry.delayMs - nowMs);
}

/** Go's time.Duration.String for whole milliseconds (`10s`, `1m20s`, `5m0s`, `200ms`), as kube's messages print it. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const rest = ms % 60_000;
  const whole = Math.floor(rest / 1000);
  const frac = rest % 1000;
  const s = frac ? `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}s` : `${whole}s`;
  if (h) return `${h}h${m}m${s}`;
  if (m) return `${m}m${s}`;
  return s;
}
