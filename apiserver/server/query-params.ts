import { errors } from '../errors.js';

/**
 * Query parameters read as kube-apiserver's Go conversions read them, checked once at the door so
 * every handler below sees canonical values ("true"/"false", plain decimal integers). Clients
 * differ: client-go sends `watch=true`, the Python client `watch=True`, curl users `watch=1`.
 */

/** The boolean parameters of kube's ListOptions, DeleteOptions, PodLogOptions and friends. */
export const BOOL_PARAMS = [
  'watch',
  'allowWatchBookmarks',
  'sendInitialEvents',
  'force',
  'follow',
  'previous',
  'timestamps',
  'insecureSkipTLSVerifyBackend',
  'pretty',
  'orphanDependents',
  'ignoreStoreReadErrorWithClusterBreakingPotential',
] as const;

/** Integer parameters and the least value each may take. */
export const INT_PARAMS: Record<string, number> = {
  limit: 0,
  timeoutSeconds: 0,
  tailLines: 0,
  limitBytes: 1,
  sinceSeconds: 1,
  gracePeriodSeconds: 0,
};

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool. */
export function parseGoBool(v: string): boolean | undefined {
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return undefined;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Go's strconv.ParseInt(v, 10, 64): the value, or the error text Go gives. */
export function parseGoInt64(v: string): { value: bigint } | { error: string } {
  if (!/^[+-]?[0-9]+$/.test(v))
    return { error: `strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax` };
  const n = BigInt(v);
  if (n > INT64_MAX || n < INT64_MIN)
    return { error: `strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range` };
  return { value: n };
}

function invalidParam(name: string, detail: string): never {
  throw errors.badRequest(`invalid value for query parameter "${name}": ${detail}`);
}

/**
 * Validates the known parameters of `q` and rewrites them in place to canonical form. Throws a
 * 400 naming the first bad parameter.
 */
export function normalizeQuery(q: URLSearchParams): void {
  for (const name of BOOL_PARAMS) {
    const all = q.getAll(name);
    if (all.length === 0) continue;
    const b = parseGoBool(all[0]);
    if (b === undefined)
      invalidParam(name, `strconv.ParseBool: parsing ${JSON.stringify(all[0])}: invalid syntax`);
    q.set(name, String(b));
  }
  for (const [name, min] of Object.entries(INT_PARAMS)) {
    const all = q.getAll(name);
    if (all.length === 0) continue;
    const r = parseGoInt64(all[0]);
    if ('error' in r) invalidParam(name, r.error);
    if (r.value < BigInt(min)) invalidParam(name, `must be greater than or equal to ${min}, got ${r.value}`);
    // Values past what a JS number holds exactly are clamped: they are all "forever" in practice.
    const n = r.value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(r.value);
    q.set(name, String(n));
  }
}

/** The longest a watch stays open: kube's default ceiling (2 × --min-request-timeout of 1800 s). */
export const MAX_WATCH_TIMEOUT_SECONDS = 3600;
/** kube-apiserver's --min-request-timeout: watches without a timeout last 1 to 2 times this. */
export const MIN_REQUEST_TIMEOUT_SECONDS = 1800;

/**
 * How long a watch stays open: timeoutSeconds when given (capped, so that a huge value neither
 * overflows Node's 32-bit timers nor pins a watch forever), otherwise kube's random 30-60 minutes.
 */
export function watchTimeoutSeconds(q: URLSearchParams, random: () => number = Math.random): number {
  const t = q.get('timeoutSeconds');
  const n = t ? Number(t) : 0;
  if (n > 0) return Math.min(n, MAX_WATCH_TIMEOUT_SECONDS);
  return Math.floor(MIN_REQUEST_TIMEOUT_SECONDS * (1 + random()));
}
