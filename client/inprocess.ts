/**
 * In-process transport: unary requests of a KubeConfig bound here are dispatched to the API
 * server's own HTTP app (fastify's inject: the same routes, authentication, authorization,
 * admission and storage path as a network request) instead of a TLS connection to loopback.
 *
 * Why: the hub's controllers call the API server living in the same process. Over loopback HTTPS
 * every request paid TLS record encryption/decryption, HTTP parsing and socket round-trips on both
 * ends of the same event loop — about a quarter of the hub's CPU in bench:propagation at 1,000
 * clusters. Watches stay on HTTPS (informer.ts opens them with openRequest, which this never
 * touches): they are long-lived streams, one per informer, and cost nothing per event here.
 *
 * The request carries a bearer token that exists only in this process's memory, so the API server
 * authenticates it as an ordinary user (the same identity as the admin certificate) through its
 * normal authenticator chain — nothing in the server knows or trusts "in-process" as such.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Query } from './transport.js';

/** What a unary request needs from the API server's app (fastify's `inject`, structurally). */
export interface Injector {
  inject(opts: { method: string; url: string; headers: Record<string, string>; payload?: string }): Promise<{
    statusCode: number;
    headers: Record<string, string | string[] | number | undefined>;
    body: string;
  }>;
}

export interface InProcessRequest {
  method: string;
  path: string;
  query?: Query;
  body?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface InProcessResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Binding {
  app: Injector;
  token: string;
}

const bindings = new WeakMap<KubeConfig, Binding>();

/** Unary requests made with `kc` go to `app`, authenticated with `token`. */
export function bindInProcess(kc: KubeConfig, app: Injector, token: string): void {
  bindings.set(kc, { app, token });
}

/** Whether a request of `kc` is served in-process: bound, and not a watch (those stream over HTTPS). */
export function isInProcess(kc: KubeConfig, r: InProcessRequest): boolean {
  if (!bindings.has(kc)) return false;
  const w = r.query?.watch;
  return !(w === true || w === 'true' || w === '1' || /[?&]watch=(true|1)(&|$)/.test(r.path));
}

/** The path with its query, as a request line would carry it (`url` of inject). */
export function requestPath(path: string, query?: Query): string {
  const u = new URL(path.startsWith('/') ? path : `/${path}`, 'http://in-process');
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== '') u.searchParams.set(k, String(v));
  }
  return u.pathname + u.search;
}

/** Serves one unary request in-process; callers check isInProcess first. */
export async function requestInProcess(kc: KubeConfig, r: InProcessRequest): Promise<InProcessResponse> {
  const b = bindings.get(kc);
  if (!b) throw new Error('kubeconfig is not bound to an in-process API server');
  if (r.signal?.aborted) {
    const reason: unknown = r.signal.reason;
    throw reason instanceof Error
      ? reason
      : Object.assign(new Error('request aborted'), { name: 'AbortError' });
  }
  const res = await b.app.inject({
    method: r.method,
    url: requestPath(r.path, r.query),
    headers: { accept: 'application/json', ...r.headers, authorization: `Bearer ${b.token}` },
    ...(r.body !== undefined ? { payload: r.body } : {}),
  });
  const headers: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    if (k === 'set-cookie') headers[k] = Array.isArray(v) ? v : [String(v)];
    else headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return { status: res.statusCode, headers, body: res.body };
}
