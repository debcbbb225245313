/**
 * The unix-socket HTTP client of the Docker Engine API: API version negotiation, requests, and
 * the mapping of socket and HTTP failures to EngineErrors.
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { EngineError, type EngineErrorReason } from '../engine.js';
import { readText } from './streams.js';

/** Every call we make exists in 1.41 (Docker 20.10, podman 4); newer daemons reject older clients (Docker 29: < 1.44). */
const MIN_API_VERSION = '1.41';
/** The newest API version whose semantics for our calls we know; a newer daemon still serves it. */
const MAX_API_VERSION = '1.47';
export const DEFAULT_TIMEOUT_MS = 120_000;
/** Socket errors that mean nothing usable listens on the engine socket. */
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK', 'EPIPE', 'ECONNRESET']);

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Query;
  json?: unknown;
  /** Unversioned paths: `/_ping` and `/version` answer for every API version. */
  unversioned?: boolean;
  /** Idle timeout of the socket; streaming calls pass 0. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A non-2xx/3xx answer of the engine, with its own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `unix:///run/docker.sock` or `/run/docker.sock`. */
export function socketPathOf(endpoint: string): string {
  if (endpoint.startsWith('unix://')) {
    const path = endpoint.slice('unix://'.length);
    if (path.startsWith('/')) return path;
  } else if (endpoint.startsWith('/')) {
    return endpoint;
  }
  throw new EngineError(
    'EngineError',
    `unsupported container engine endpoint ${JSON.stringify(endpoint)}: expected unix:///path/to/docker.sock`,
  );
}

export class DockerHttp {
  private readonly agent = new Agent({ keepAlive: true });
  private apiPrefix?: Promise<string>;
  private closed = false;

  constructor(
    readonly socketPath: string,
    private readonly opts: { apiVersion?: string } = {},
  ) {}

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  private versionPrefix(): Promise<string> {
    if (this.opts.apiVersion) return Promise.resolve(`/v${this.opts.apiVersion}`);
    this.apiPrefix ??= this.negotiateVersion().catch((err: unknown) => {
      this.apiPrefix = undefined;
      throw err;
    });
    return this.apiPrefix;
  }

  private async negotiateVersion(): Promise<string> {
    const res = await this.open({ method: 'GET', path: '/_ping', unversioned: true });
    const text = await readText(res);
    if ((res.statusCode ?? 0) >= 400) throw new ApiError(res.statusCode ?? 0, messageOf(text));
    const header = res.headers['api-version'];
    return `/v${pickApiVersion(typeof header === 'string' ? header : undefined)}`;
  }

  async json<T = unknown>(spec: RequestSpec): Promise<T> {
    const res = await this.open({ timeoutMs: DEFAULT_TIMEOUT_MS, ...spec });
    let text: string;
    try {
      text = await readText(res);
    } catch (err) {
      throw spec.signal?.aborted ? err : this.unreachable(err as NodeJS.ErrnoException);
    }
    const status = res.statusCode ?? 0;
    if (status >= 400) throw new ApiError(status, messageOf(text) || `HTTP ${status}`);
    if (!text.trim()) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new EngineError(
        'EngineError',
        `${spec.method} ${spec.path}: the engine answered with invalid JSON`,
      );
    }
  }

  /** Resolves with the response once its headers arrived, whatever its status. */
  async open(spec: RequestSpec, retried = false): Promise<IncomingMessage> {
    if (this.closed) throw new EngineError('EngineError', 'the container engine client is closed');
    const prefix = spec.unversioned ? '' : await this.versionPrefix();
    const body = spec.json === undefined ? undefined : Buffer.from(JSON.stringify(spec.json));
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest({
        agent: this.agent,
        socketPath: this.socketPath,
        method: spec.method,
        path: prefix + spec.path + queryString(spec.query),
        headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {},
        signal: spec.signal,
      });
      req.on('response', resolve);
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive socket the engine closed meanwhile: the request never reached it.
        if (!retried && req.reusedSocket && err.code === 'ECONNRESET') {
          resolve(this.open(spec, true));
          return;
        }
        if (spec.signal?.aborted) reject(err);
        else reject(this.unreachable(err));
      });
      if (spec.timeoutMs) {
        req.setTimeout(spec.timeoutMs, () =>
          req.destroy(
            new EngineError(
              'EngineError',
              `${spec.method} ${spec.path}: no answer from the engine in ${spec.timeoutMs} ms`,
            ),
          ),
        );
      }
      req.end(body);
    });
  }

  /**
   * A hijacked connection (exec/attach start): `Connection: Upgrade, Upgrade: tcp`, answered with
   * 101 and then the raw stream both ways. Never on the keep-alive agent: the socket is ours after.
   */
  async upgrade(spec: RequestSpec): Promise<{ socket: Socket; head: Buffer }> {
    if (this.closed) throw new EngineError('EngineError', 'the container engine client is closed');
    const prefix = await this.versionPrefix();
    // No body unless there is JSON to send: an attach would take any body bytes as stdin.
    const body = spec.json === undefined ? undefined : Buffer.from(JSON.stringify(spec.json));
    return new Promise((resolve, reject) => {
      const req = httpRequest({
        socketPath: this.socketPath,
        method: spec.method,
        path: prefix + spec.path + queryString(spec.query),
        headers: {
          ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
          connection: 'Upgrade',
          upgrade: 'tcp',
        },
      });
      req.once('upgrade', (_res, socket, head) => resolve({ socket, head }));
      req.once('response', (res) => {
        // Not upgraded: an error (or an engine that does not hijack, which we cannot use).
        void readText(res).then(
          (text) => reject(new ApiError(res.statusCode ?? 0, messageOf(text) || `HTTP ${res.statusCode}`)),
          reject,
        );
      });
      req.once('error', (err: NodeJS.ErrnoException) => reject(this.unreachable(err)));
      req.end(body);
    });
  }

  private unreachable(err: NodeJS.ErrnoException): Error {
    if (err instanceof EngineError) return err;
    if (err.code && UNREACHABLE.has(err.code)) {
      return new EngineError(
        'EngineUnavailable',
        `cannot reach the container engine at ${this.socketPath}: ${err.message}. Is \`podman system service\` (or dockerd) running?`,
      );
    }
    return new EngineError('EngineError', `container engine at ${this.socketPath}: ${err.message}`);
  }
}

function pickApiVersion(server: string | undefined): string {
  if (!server || !/^\d+\.\d+$/.test(server)) return MIN_API_VERSION;
  return compareVersions(server, MAX_API_VERSION) > 0 ? MAX_API_VERSION : server;
}

function compareVersions(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number);
  const [b1, b2] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

function queryString(q: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q ?? {})) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Docker and podman answer errors with `{"message": ...}` (podman adds `cause` and `response`). */
export function messageOf(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
      return parsed.message;
    }
  } catch {
    // Not JSON: the text is the message.
  }
  return text.trim();
}

export function asEngineError(reason: EngineErrorReason, err: unknown): Error {
  if (err instanceof EngineError) return err;
  if (err instanceof ApiError) return new EngineError(reason, err.message);
  if (err instanceof Error && err.name === 'AbortError') return err;
  return new EngineError(reason, err instanceof Error ? err.message : String(err));
}
