/**
 * The page's Kubernetes client: the signed-in bearer token on every request (no cookies), lists,
 * and watches read as newline-delimited JSON from a streaming fetch (no polling). A Collection is
 * list + watch of one resource, kept as a map, re-listed on 410 Gone and re-watched after a drop.
 */
import type { KubeObject } from '../api/kubernetes.js';

const TOKEN_KEY = 'edgefed.dashboard.token';

export function getToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function setToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An API answer that is not 2xx, with the Status message the hub sent. */
export class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason = '',
  ) {
    super(message);
  }
}

/** Called when the hub says the token is no longer good (401): the app signs out. */
let onUnauthorized: (message: string) => void = () => undefined;
export function setUnauthorizedHandler(fn: (message: string) => void): void {
  onUnauthorized = fn;
}

async function failure(res: Response, signOutOn401 = true): Promise<HttpError> {
  let message = `${res.status} ${res.statusText}`;
  let reason = '';
  try {
    const s = (await res.json()) as { message?: string; reason?: string };
    if (s.message) message = s.message;
    reason = s.reason ?? '';
  } catch {
    // not a Status body: the HTTP status line says enough
  }
  if (res.status === 401 && signOutOn401) onUnauthorized(message);
  return new HttpError(res.status, message, reason);
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
  signOutOn401 = true,
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!res.ok) throw await failure(res, signOutOn401);
  return (await res.json()) as T;
}

/** Trades a one-time sign-in code for a token (the code works once). */
export async function exchangeCode(code: string): Promise<string> {
  // A refused code is not a session ending: the caller says why on the sign-in page.
  const r = await api<{ token: string }>('POST', '/ui/api/exchange', { code }, undefined, false);
  return r.token;
}

/** Asks the hub whether the signed-in user may do something (SelfSubjectAccessReview); no on error. */
export async function canI(
  verb: string,
  group: string,
  resource: string,
  namespace?: string,
  name?: string,
): Promise<boolean> {
  try {
    const r = await api<{ status?: { allowed?: boolean } }>(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb, group, resource, namespace, name } },
      },
    );
    return r.status?.allowed === true;
  } catch {
    return false;
  }
}

export type CollectionState =
  | { kind: 'loading' }
  | { kind: 'live' }
  | { kind: 'reconnecting'; since: number; error: string }
  | { kind: 'error'; code: number; error: string };

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string };
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/** list + watch of one collection path; `onChange` after every applied change (the view re-renders). */
export class Collection<T extends KubeObject> {
  readonly items = new Map<string, T>();
  state: CollectionState = { kind: 'loading' };
  private rv = '';
  private readonly abort = new AbortController();
  private backoffMs = 500;

  constructor(
    readonly path: string,
    private readonly onChange: () => void,
  ) {}

  start(): this {
    void this.run();
    return this;
  }

  stop(): void {
    this.abort.abort();
  }

  list(): T[] {
    return [...this.items.values()];
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          const l = await api<{ metadata: { resourceVersion?: string }; items: T[] }>(
            'GET',
            this.path,
            undefined,
            signal,
          );
          this.items.clear();
          for (const o of l.items) this.items.set(key(o), o);
          this.rv = l.metadata.resourceVersion ?? '';
          needList = false;
        }
        this.state = { kind: 'live' };
        this.backoffMs = 500;
        this.onChange();
        needList = await this.watch(signal);
      } catch (e) {
        if (signal.aborted) return;
        const err = e as Error;
        if (e instanceof HttpError && (e.code === 403 || e.code === 404 || e.code === 401)) {
          this.state = { kind: 'error', code: e.code, error: err.message };
          this.onChange();
          return;
        }
        if (this.state.kind !== 'reconnecting')
          this.state = { kind: 'reconnecting', since: Date.now(), error: err.message };
        this.onChange();
        await new Promise((r) => setTimeout(r, this.backoffMs));
        this.backoffMs = Math.min(this.backoffMs * 2, 15_000);
        needList = needList || e instanceof HttpError;
      }
    }
  }

  /** Follows the watch until the stream ends; true when the history is gone and a re-list is needed. */
  private async watch(signal: AbortSignal): Promise<boolean> {
    const sep = this.path.includes('?') ? '&' : '?';
    const url = `${this.path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(this.rv)}`;
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(url, { headers, signal, credentials: 'omit', cache: 'no-store' });
    if (!res.ok) throw await failure(res);
    if (!res.body) throw new Error('the watch answered without a body');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      buf += value;
      let nl: number;
      let changed = false;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const ev = JSON.parse(line) as WatchEvent;
        if (ev.type === 'ERROR') {
          if (ev.object.code === 410) return true;
          throw new Error(ev.object.message ?? 'watch error');
        }
        const o = ev.object as T;
        if (o.metadata?.resourceVersion) this.rv = o.metadata.resourceVersion;
        if (ev.type === 'BOOKMARK') continue;
        if (ev.type === 'DELETED') this.items.delete(key(o));
        else this.items.set(key(o), o);
        changed = true;
      }
      if (changed) this.onChange();
    }
  }
}
