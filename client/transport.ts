/**
 * One HTTP(S) request to the API server with a KubeConfig's credentials.
 *
 * Why not client-node's generated clients or its Watch: the controllers need (a) the raw response
 * stream for watches, so a watchdog can destroy a silently dead connection (client-node's Watch
 * hides the socket), and (b) plain JSON with the HTTP code and Status reason on errors, for any
 * resource including CRs. KubeConfig.applyToHTTPSOptions() supplies the CA, client certificate,
 * bearer token (including exec/auth-provider plugins) and TLS server name; we only replace its
 * per-call agent with one shared keep-alive agent per KubeConfig so requests reuse connections.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node';
import { isInProcess, requestInProcess } from './inprocess.js';

export type QueryValue = string | number | boolean | undefined;
export type Query = Record<string, QueryValue>;

export interface RawRequest {
  method: string;
  /** Path from the server root, e.g. `/api/v1/namespaces/x/configmaps`; may carry its own query. */
  path: string;
  query?: Query;
  body?: string;
  headers?: Record<string, string>;
  /** Socket idle timeout: the request fails if no bytes move for this long. 0 disables it. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface OpenResponse {
  req: http.ClientRequest;
  res: http.IncomingMessage;
}

/** Keep-alive agents, one per KubeConfig (TLS options are part of the agent's pool key). */
const agents = new WeakMap<KubeConfig, { http: http.Agent; https: https.Agent }>();

function agentsFor(kc: KubeConfig): { http: http.Agent; https: https.Agent } {
  let a = agents.get(kc);
  if (!a) {
    a = {
      http: new http.Agent({ keepAlive: true }),
      https: new https.Agent({ keepAlive: true }),
    };
    agents.set(kc, a);
  }
  return a;
}

/**
 * One parsed TLS context per KubeConfig credentials: otherwise every new connection (each watch is
 * one) parses the CA, certificate and key again — measurable when one process runs hundreds of
 * informers (bench:edge, many sites per process). Keyed by the PEMs, so a rotated certificate gets
 * a new context.
 */
const contexts = new WeakMap<KubeConfig, { pems: string; ctx: tls.SecureContext }>();

function useSharedSecureContext(
  kc: KubeConfig,
  opts: https.RequestOptions & { secureContext?: tls.SecureContext },
): void {
  const pem = (v: unknown): string =>
    v === undefined
      ? ''
      : Buffer.isBuffer(v)
        ? v.toString('utf8')
        : Array.isArray(v)
          ? v.map(pem).join('')
          : String(v);
  if (opts.pfx !== undefined || opts.passphrase !== undefined) return;
  const pems = `${pem(opts.ca)}\0${pem(opts.cert)}\0${pem(opts.key)}`;
  let c = contexts.get(kc);
  if (!c || c.pems !== pems) {
    c = { pems, ctx: tls.createSecureContext({ ca: opts.ca, cert: opts.cert, key: opts.key }) };
    contexts.set(kc, c);
  }
  opts.secureContext = c.ctx;
  delete opts.ca;
  delete opts.cert;
  delete opts.key;
}

/** Builds the full URL: the cluster's server (which may carry a path prefix) + path + query. */
export function requestUrl(kc: KubeConfig, path: string, query?: Query): URL {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const base = cluster.server.replace(/\/+$/, '');
  const url = new URL(base + (path.startsWith('/') ? path : `/${path}`));
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  }
  return url;
}

/**
 * Sends the request and resolves once response headers arrive, whatever the status. The caller
 * owns the response stream (and must consume or destroy it).
 */
export async function openRequest(kc: KubeConfig, r: RawRequest): Promise<OpenResponse> {
  const url = requestUrl(kc, r.path, r.query);
  const opts: https.RequestOptions & { secureContext?: tls.SecureContext } = { headers: {} };
  // Fills ca/cert/key/servername/rejectUnauthorized, Authorization and Impersonate-User headers,
  // and an agent (a fresh one per call, or a proxy agent when the cluster has proxy-url).
  await kc.applyToHTTPSOptions(opts);
  const cluster = kc.getCurrentCluster();
  const secure = url.protocol === 'https:';
  if (!cluster?.proxyUrl) opts.agent = secure ? agentsFor(kc).https : agentsFor(kc).http;
  if (secure) useSharedSecureContext(kc, opts);
  const headers: http.OutgoingHttpHeaders = {
    accept: 'application/json',
    ...(opts.headers as http.OutgoingHttpHeaders | undefined),
    ...r.headers,
  };
  if (r.body !== undefined) headers['content-length'] = Buffer.byteLength(r.body);
  const reqOpts: https.RequestOptions = {
    ...opts,
    method: r.method,
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port || (secure ? 443 : 80),
    path: url.pathname + url.search,
    headers,
  };
  return new Promise<OpenResponse>((resolve, reject) => {
    if (r.signal?.aborted) {
      reject(abortError(r.signal));
      return;
    }
    const req = (secure ? https : http).request(reqOpts);
    const onAbort = (): void => {
      req.destroy(abortError(r.signal));
    };
    r.signal?.addEventListener('abort', onAbort, { once: true });
    req.once('close', () => r.signal?.removeEventListener('abort', onAbort));
    if (r.timeoutMs) {
      req.setTimeout(r.timeoutMs, () => {
        req.destroy(new TimeoutError(`${r.method} ${url.pathname}: no data for ${r.timeoutMs} ms`));
      });
    }
    req.once('error', reject);
    req.once('response', (res) => resolve({ req, res }));
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

export interface TextResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request whose whole response body is read as text. */
export async function requestText(kc: KubeConfig, r: RawRequest): Promise<TextResponse> {
  // A KubeConfig bound to the API server of this very process (the hub's controllers): no TLS hop.
  if (isInProcess(kc, r)) return requestInProcess(kc, r);
  const { res } = await openRequest(kc, r);
  return new Promise<TextResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('error', reject);
    // 'aborted' covers a connection dropped mid-body (the body would be silently truncated).
    res.once('aborted', () => reject(new Error(`${r.method} ${r.path}: connection closed mid-response`)));
    res.once('end', () =>
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }),
    );
  });
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('request aborted');
  e.name = 'AbortError';
  return e;
}
