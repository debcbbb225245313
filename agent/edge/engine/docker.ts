/**
 * The Docker Engine API over a unix socket: real Docker, or `podman system service` (its
 * Docker-compatible API). Plain `node:http`, no client library: the runtime needs a dozen calls,
 * and owning them lets us keep the engine's own error text in every EngineError.
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { PassThrough, pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import {
  EngineError,
  type ContainerEngine,
  type ContainerSpec,
  type ContainerStatus,
  type EngineErrorReason,
  type EngineEvent,
  type EngineInfo,
  type ExecResult,
  type LogOptions,
  type ObservedContainer,
} from './engine.js';

/** Every call we make exists in 1.41 (Docker 20.10, podman 4); newer daemons reject older clients (Docker 29: < 1.44). */
const MIN_API_VERSION = '1.41';
/** The newest API version whose semantics for our calls we know; a newer daemon still serves it. */
const MAX_API_VERSION = '1.47';
const DEFAULT_TIMEOUT_MS = 120_000;
/** Kubelet caps probe output too: a chatty probe must not grow the agent's memory. */
const EXEC_OUTPUT_CAP = 16 * 1024;
const INSPECT_CONCURRENCY = 8;
/** Re-inspect a container whose listed state did not change at least this often (an outside restart keeps `running`). */
const DETAIL_TTL_MS = 60_000;
const EVENT_BACKOFF_MIN_MS = 250;
const EVENT_BACKOFF_MAX_MS = 10_000;
/** Socket errors that mean nothing usable listens on the engine socket. */
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK', 'EPIPE', 'ECONNRESET']);
/** Event attributes the engine adds next to the container's labels. */
const NON_LABEL_ATTRIBUTES = new Set([
  'image',
  'name',
  'exitCode',
  'containerExitCode',
  'podId',
  'signal',
  'execID',
  'health_status',
]);
const ZERO_TIME = '0001-01-01T00:00:00Z';

type Query = Record<string, string | number | boolean | undefined>;

interface RequestSpec {
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
class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface DockerState {
  Status?: string;
  Running?: boolean;
  OOMKilled?: boolean;
  Pid?: number;
  ExitCode?: number;
  Error?: string;
  StartedAt?: string;
  FinishedAt?: string;
}

interface DockerNetworks {
  IPAddress?: string;
  Networks?: Record<string, { IPAddress?: string }> | null;
}

interface DockerListEntry {
  Id: string;
  Names?: string[];
  Image?: string;
  ImageID?: string;
  Labels?: Record<string, string> | null;
  State?: string | DockerState;
  Status?: string;
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: DockerNetworks | null;
}

interface DockerInspect {
  Id: string;
  Name?: string;
  Image?: string;
  Config?: { Image?: string; Labels?: Record<string, string> | null; Tty?: boolean };
  State?: DockerState;
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: DockerNetworks | null;
}

interface DockerVersion {
  Version?: string;
  ApiVersion?: string;
  Os?: string;
  Arch?: string;
  Platform?: { Name?: string };
  Components?: { Name?: string }[];
}

interface DockerEventMessage {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

interface DockerProgress {
  error?: string;
  errorDetail?: { message?: string };
}

interface ExecInspect {
  Running?: boolean;
  ExitCode?: number | null;
}

/** Inspect-only fields, cached by container id while the listed state stays the same. */
interface Detail {
  key: string;
  at: number;
  observed: ObservedContainer;
}

interface EventSubscription {
  abort: AbortController;
  /** Engine time (ns) of the newest event delivered: a reconnect asks for events since then. */
  cursorNs: number;
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

export class DockerEngine implements ContainerEngine {
  readonly socketPath: string;
  private readonly agent = new Agent({ keepAlive: true });
  private apiPrefix?: Promise<string>;
  private readonly details = new Map<string, Detail>();
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private events?: EventSubscription;
  private closed = false;

  constructor(
    endpoint: string,
    private readonly opts: { apiVersion?: string } = {},
  ) {
    this.socketPath = socketPathOf(endpoint);
  }

  async info(): Promise<EngineInfo> {
    let v: DockerVersion;
    try {
      v = await this.json<DockerVersion>({ method: 'GET', path: '/version', unversioned: true });
    } catch (err) {
      throw asEngineError('EngineError', err);
    }
    const names = [v.Platform?.Name ?? '', ...(v.Components ?? []).map((c) => c.Name ?? '')];
    return {
      name: names.some((n) => /podman/i.test(n)) ? 'podman' : 'docker',
      version: v.Version ?? 'unknown',
      apiVersion: v.ApiVersion,
      os: v.Os,
      arch: v.Arch,
    };
  }

  async imagePresent(image: string): Promise<boolean> {
    parseReference(image);
    try {
      await this.json({ method: 'GET', path: `/images/${imagePath(image)}/json` });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return false;
      throw asEngineError('EngineError', err);
    }
  }

  async pullImage(image: string, signal?: AbortSignal): Promise<void> {
    const ref = parseReference(image);
    const fail = (message: string): EngineError =>
      /invalid reference format/i.test(message)
        ? new EngineError('InvalidImageName', `invalid image name ${JSON.stringify(image)}: ${message}`)
        : new EngineError('ErrImagePull', `failed to pull image ${JSON.stringify(image)}: ${message}`);
    let res: IncomingMessage;
    try {
      res = await this.open({
        method: 'POST',
        path: '/images/create',
        // Without a tag Docker pulls every tag of the repository.
        query: { fromImage: ref.name, tag: ref.digest ?? ref.tag ?? 'latest' },
        timeoutMs: 0,
        signal,
      });
    } catch (err) {
      throw asEngineError('ErrImagePull', err);
    }
    if ((res.statusCode ?? 0) >= 400) {
      throw fail(messageOf(await readText(res).catch(() => '')));
    }
    // A failed pull is still HTTP 200: the error is the last progress line.
    let pullError: string | undefined;
    try {
      await forEachJsonLine<DockerProgress>(res, (p) => {
        if (p.error ?? p.errorDetail?.message) pullError = p.errorDetail?.message ?? p.error;
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw asEngineError('ErrImagePull', err);
    }
    if (pullError !== undefined) throw fail(pullError);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    try {
      const created = await this.json<{ Id: string }>({
        method: 'POST',
        path: '/containers/create',
        query: { name: spec.name },
        json: createBody(spec),
      });
      return created.Id;
    } catch (err) {
      throw asEngineError('CreateContainerError', err);
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.json({ method: 'POST', path: `/containers/${encodeURIComponent(id)}/start` });
    } catch (err) {
      throw asEngineError(
        err instanceof ApiError && err.status === 404 ? 'NotFound' : 'RunContainerError',
        err,
      );
    } finally {
      // After the call, not before: a list racing with it would cache the state from before.
      this.details.delete(id);
    }
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    const t = Math.max(0, Math.ceil(graceSeconds));
    try {
      // 304: already stopped. The engine answers only after SIGKILL, hence the timeout past the grace period.
      await this.json({
        method: 'POST',
        path: `/containers/${encodeURIComponent(id)}/stop`,
        query: { t },
        timeoutMs: t * 1000 + DEFAULT_TIMEOUT_MS,
      });
    } catch (err) {
      // A container that no longer exists is as stopped as it gets.
      if (err instanceof ApiError && err.status === 404) return;
      throw asEngineError('EngineError', err);
    } finally {
      this.details.delete(id);
    }
  }

  async removeContainer(id: string): Promise<void> {
    this.details.delete(id);
    try {
      await this.json({
        method: 'DELETE',
        path: `/containers/${encodeURIComponent(id)}`,
        query: { force: 1, v: 1 },
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return;
      // Docker: a concurrent remove of the same container is already doing our job.
      if (err instanceof ApiError && err.status === 409 && /already in progress/i.test(err.message)) return;
      throw asEngineError('EngineError', err);
    }
  }

  async listContainers(labels: Record<string, string>): Promise<ObservedContainer[]> {
    const wanted = Object.entries(labels);
    let entries: DockerListEntry[];
    try {
      entries = await this.json<DockerListEntry[]>({
        method: 'GET',
        path: '/containers/json',
        query: {
          all: 1,
          filters: wanted.length ? JSON.stringify({ label: wanted.map(([k, v]) => `${k}=${v}`) }) : undefined,
        },
      });
    } catch (err) {
      throw asEngineError('EngineError', err);
    }
    // The engine filters already; this guards against an engine that ORs label filters.
    entries = entries.filter((e) => wanted.every(([k, v]) => e.Labels?.[k] === v));
    this.forgetDetailsOlderThan(10 * DETAIL_TTL_MS);
    const out: (ObservedContainer | undefined)[] = await mapLimit(entries, INSPECT_CONCURRENCY, (e) =>
      this.observeListed(e),
    );
    return out.filter((c): c is ObservedContainer => c !== undefined);
  }

  async inspectContainer(id: string): Promise<ObservedContainer | undefined> {
    try {
      const c = await this.json<DockerInspect>({
        method: 'GET',
        path: `/containers/${encodeURIComponent(id)}/json`,
      });
      return fromInspect(c);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw asEngineError('EngineError', err);
    }
  }

  async exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    const signal = abort.signal;
    try {
      const { Id: execId } = await this.json<{ Id: string }>({
        method: 'POST',
        path: `/containers/${encodeURIComponent(id)}/exec`,
        json: { Cmd: command, AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false },
        signal,
      });
      const res = await this.open({
        method: 'POST',
        path: `/exec/${encodeURIComponent(execId)}/start`,
        json: { Detach: false, Tty: false },
        timeoutMs: 0,
        signal,
      });
      if ((res.statusCode ?? 0) >= 400)
        throw new ApiError(res.statusCode ?? 0, messageOf(await readText(res)));
      // pipeline: a timeout that cuts the response must fail the read, not leave it waiting.
      const output = await readCapped(
        pipeline(res, new Demultiplexer(), () => {}),
        EXEC_OUTPUT_CAP,
      );
      return { exitCode: await this.execExitCode(execId, signal), output };
    } catch (err) {
      if (signal.aborted) {
        // The engine has no way to kill an exec: the process may live on in the container.
        throw new EngineError(
          'EngineError',
          `exec ${JSON.stringify(command)} in ${id} timed out after ${timeoutMs} ms`,
        );
      }
      throw asEngineError(err instanceof ApiError && err.status === 404 ? 'NotFound' : 'EngineError', err);
    } finally {
      clearTimeout(timer);
    }
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    const c = await this.inspectRaw(id);
    if (opts.signal?.aborted) return ended();
    const query: Query = {
      stdout: 1,
      stderr: 1,
      follow: opts.follow ? 1 : 0,
      timestamps: opts.timestamps ? 1 : 0,
      tail: opts.tailLines !== undefined ? Math.max(0, Math.floor(opts.tailLines)) : 'all',
      since:
        opts.sinceSeconds !== undefined
          ? Math.floor(Date.now() / 1000) - Math.floor(opts.sinceSeconds)
          : undefined,
    };
    let res: IncomingMessage;
    try {
      res = await this.open({
        method: 'GET',
        path: `/containers/${encodeURIComponent(id)}/logs`,
        query,
        timeoutMs: opts.follow ? 0 : DEFAULT_TIMEOUT_MS,
        signal: opts.signal,
      });
    } catch (err) {
      if (opts.signal?.aborted) return ended();
      throw asEngineError('EngineError', err);
    }
    if ((res.statusCode ?? 0) >= 400) {
      const message = messageOf(await readText(res).catch(() => ''));
      throw new EngineError(res.statusCode === 404 ? 'NotFound' : 'EngineError', message);
    }
    // With a TTY the engine sends the terminal's bytes as they are; without, stdout/stderr frames.
    const out: Transform = c.Config?.Tty ? new PassThrough() : new Demultiplexer();
    const signal = opts.signal;
    const finish = (): void => {
      if (!out.writableEnded) out.end();
      res.destroy();
      signal?.removeEventListener('abort', finish);
    };
    res.pipe(out);
    // An aborted follow ends the text rather than failing it: the reader went away, nothing broke.
    res.on('error', finish);
    res.on('close', finish);
    out.on('close', finish);
    signal?.addEventListener('abort', finish, { once: true });
    return out;
  }

  onEvent(listener: (e: EngineEvent) => void): () => void {
    if (this.closed) return () => {};
    this.listeners.add(listener);
    if (!this.events) {
      const sub: EventSubscription = { abort: new AbortController(), cursorNs: Date.now() * 1e6 };
      this.events = sub;
      void this.followEvents(sub);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.events) {
        this.events.abort.abort();
        this.events = undefined;
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.events?.abort.abort();
    this.events = undefined;
    this.details.clear();
    this.agent.destroy();
  }

  /** The list lacks pid, start/finish times, exit code and errors: inspect, but only when something changed. */
  private async observeListed(e: DockerListEntry): Promise<ObservedContainer | undefined> {
    const state = typeof e.State === 'string' ? e.State : (e.State?.Status ?? '');
    const key = `${state}|${e.Status?.match(/\((-?\d+)\)/)?.[1] ?? ''}`;
    const cached = this.details.get(e.Id);
    const now = Date.now();
    let observed: ObservedContainer | undefined;
    if (cached && cached.key === key && now - cached.at < DETAIL_TTL_MS) {
      observed = cached.observed;
    } else {
      observed = await this.inspectContainer(e.Id);
      // Removed between list and inspect: it is gone, as the next list will say.
      if (!observed) return undefined;
      this.details.set(e.Id, { key, at: now, observed });
    }
    return { ...observed, labels: { ...(e.Labels ?? observed.labels) } };
  }

  private forgetDetailsOlderThan(ms: number): void {
    const limit = Date.now() - ms;
    for (const [id, d] of this.details) if (d.at < limit) this.details.delete(id);
  }

  private async inspectRaw(id: string): Promise<DockerInspect> {
    try {
      return await this.json<DockerInspect>({
        method: 'GET',
        path: `/containers/${encodeURIComponent(id)}/json`,
      });
    } catch (err) {
      throw asEngineError(err instanceof ApiError && err.status === 404 ? 'NotFound' : 'EngineError', err);
    }
  }

  /** The exec's stream can end a moment before the engine records the exit code. */
  private async execExitCode(execId: string, signal: AbortSignal): Promise<number> {
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const e = await this.json<ExecInspect>({
        method: 'GET',
        path: `/exec/${encodeURIComponent(execId)}/json`,
        signal,
      });
      if (!e.Running && typeof e.ExitCode === 'number') return e.ExitCode;
      await sleep(delay, signal);
    }
  }

  private async followEvents(sub: EventSubscription): Promise<void> {
    const { signal } = sub.abort;
    let backoff = EVENT_BACKOFF_MIN_MS;
    let reconnect = false;
    while (!signal.aborted && !this.closed) {
      try {
        const res = await this.open({
          method: 'GET',
          path: '/events',
          query: {
            filters: JSON.stringify({ type: ['container'] }),
            // Replays what happened while disconnected; the cursor drops what was already delivered.
            since: reconnect ? Math.floor(sub.cursorNs / 1e9) : undefined,
          },
          timeoutMs: 0,
          signal,
        });
        if ((res.statusCode ?? 0) >= 400)
          throw new ApiError(res.statusCode ?? 0, messageOf(await readText(res)));
        backoff = EVENT_BACKOFF_MIN_MS;
        await forEachJsonLine<DockerEventMessage>(res, (m) => this.dispatchEvent(sub, m, reconnect));
      } catch {
        // Best effort by contract: the runtime polls as well. Retry below.
      }
      if (signal.aborted || this.closed) return;
      reconnect = true;
      try {
        await sleep(backoff, signal);
      } catch {
        return;
      }
      backoff = Math.min(backoff * 2, EVENT_BACKOFF_MAX_MS);
    }
  }

  private dispatchEvent(sub: EventSubscription, m: DockerEventMessage, replayed: boolean): void {
    if ((m.Type ?? 'container') !== 'container') return;
    const ns = m.timeNano ?? (m.time ?? 0) * 1e9;
    if (replayed && ns <= sub.cursorNs) return;
    sub.cursorNs = Math.max(sub.cursorNs, ns);
    const containerId = m.Actor?.ID ?? m.id;
    const raw = m.Action ?? m.status;
    if (!containerId || !raw) return;
    this.details.delete(containerId);
    // Docker: `exec_start: sh -c ...`, `health_status: healthy`. Podman says `remove` where Docker says `destroy`.
    let action = raw.split(':')[0].trim();
    if (action === 'remove') action = 'destroy';
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.Actor?.Attributes ?? {}))
      if (!NON_LABEL_ATTRIBUTES.has(k)) labels[k] = v;
    const event: EngineEvent = { containerId, labels, action };
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // One listener's bug must not end the subscription of the others.
      }
    }
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

  private async json<T = unknown>(spec: RequestSpec): Promise<T> {
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
  private async open(spec: RequestSpec, retried = false): Promise<IncomingMessage> {
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

/** Strips the 8-byte frame headers ([stream, 0, 0, 0, size32be]) of a non-TTY stdout/stderr stream. */
export class Demultiplexer extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  /** Not framed after all (a TTY we did not know of): pass bytes through. */
  private raw = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.raw) {
      done(null, chunk);
      return;
    }
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      if (buf[0] > 3 || buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0) {
        this.raw = true;
        this.push(buf);
        buf = Buffer.alloc(0);
        break;
      }
      const end = 8 + buf.readUInt32BE(4);
      if (buf.length < end) break;
      // 0 would be stdin (never attached); 3 is the daemon's own error text, worth showing.
      if (buf[0] !== 0 && end > 8) this.push(buf.subarray(8, end));
      buf = buf.subarray(end);
    }
    this.pending = buf;
    done();
  }

  override _flush(done: TransformCallback): void {
    // A stream cut mid-frame (follow aborted) ends without the partial frame.
    if (this.raw && this.pending.length) this.push(this.pending);
    done();
  }
}

function createBody(spec: ContainerSpec): Record<string, unknown> {
  const portKey = (p: ContainerSpec['ports'][number]): string =>
    `${p.containerPort}/${p.protocol.toLowerCase()}`;
  const ports = spec.hostNetwork ? [] : spec.ports;
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  // Like Kubernetes, a containerPort alone is reachable on the container's IP; only a hostPort publishes.
  for (const p of ports) {
    if (p.hostPort === undefined) continue;
    (bindings[portKey(p)] ??= []).push({ HostIp: p.hostIP ?? '', HostPort: String(p.hostPort) });
  }
  const host: Record<string, unknown> = {
    NetworkMode: spec.hostNetwork ? 'host' : 'bridge',
    PortBindings: bindings,
    Binds: spec.mounts.map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`),
    // The node runtime restarts containers itself (new container per attempt, with backoff).
    RestartPolicy: { Name: 'no' },
  };
  if (spec.resources.memoryBytes !== undefined) {
    host.Memory = spec.resources.memoryBytes;
    // Otherwise the engine allows as much swap again, and a container over its limit swaps instead of OOMing.
    host.MemorySwap = spec.resources.memoryBytes;
  }
  if (spec.resources.nanoCpus !== undefined) host.NanoCpus = spec.resources.nanoCpus;
  // Kubernetes treats empty lists as unset, and a command without args drops the image's cmd too
  // (an explicit empty Cmd does that; an empty Entrypoint would instead drop the image's entrypoint).
  const command = spec.command?.length ? spec.command : undefined;
  const args = spec.args?.length ? spec.args : undefined;
  return {
    Image: spec.image,
    Entrypoint: command,
    Cmd: args ?? (command ? [] : undefined),
    Env: spec.env.map((e) => `${e.name}=${e.value}`),
    WorkingDir: spec.workingDir,
    Labels: spec.labels,
    User: spec.user,
    Tty: spec.tty ?? false,
    OpenStdin: spec.stdin ?? false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ExposedPorts: Object.fromEntries(ports.map((p) => [portKey(p), {}])),
    HostConfig: host,
  };
}

function fromInspect(c: DockerInspect): ObservedContainer {
  const s = c.State ?? {};
  const status = mapStatus(s.Status);
  const hostNetwork = c.HostConfig?.NetworkMode === 'host';
  return {
    id: c.Id,
    name: (c.Name ?? '').replace(/^\//, ''),
    image: c.Config?.Image ?? c.Image ?? '',
    imageId: c.Image,
    labels: { ...(c.Config?.Labels ?? {}) },
    status,
    exitCode: status === 'exited' ? s.ExitCode : undefined,
    startedAt: timeOf(s.StartedAt),
    finishedAt: status === 'exited' ? timeOf(s.FinishedAt) : undefined,
    oomKilled: s.OOMKilled ?? undefined,
    error: s.Error || undefined,
    pid: status === 'running' && s.Pid ? s.Pid : undefined,
    ip: hostNetwork ? undefined : ipOf(c.NetworkSettings),
  };
}

function mapStatus(state: string | undefined): ContainerStatus {
  switch (state) {
    case 'running':
    case 'paused':
    case 'restarting':
    case 'stopping':
      return 'running';
    case 'created':
    case 'configured':
    case 'initialized':
      return 'created';
    // `stopped`: podman's state between the process exiting and its cleanup.
    case 'exited':
    case 'dead':
    case 'stopped':
      return 'exited';
    default:
      return 'unknown';
  }
}

function timeOf(t: string | undefined): string | undefined {
  return !t || t === ZERO_TIME || t.startsWith('0001-') ? undefined : t;
}

function ipOf(n: DockerNetworks | null | undefined): string | undefined {
  if (n?.IPAddress) return n.IPAddress;
  for (const net of Object.values(n?.Networks ?? {})) if (net.IPAddress) return net.IPAddress;
  return undefined;
}

/** Distribution's reference grammar (what `docker pull` accepts), so a bad name fails before the engine. */
const REFERENCE =
  /^((?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}))?$/;

function parseReference(image: string): { name: string; tag?: string; digest?: string } {
  const m = REFERENCE.exec(image);
  if (!m || m[1].length > 255) {
    throw new EngineError(
      'InvalidImageName',
      `invalid image name ${JSON.stringify(image)}: invalid reference format`,
    );
  }
  return { name: m[1], tag: m[2], digest: m[3] };
}

/** The engine routes `/images/{name}/json` with slashes in the name left as they are. */
function imagePath(image: string): string {
  return image.split('/').map(encodeURIComponent).join('/').replace(/%3A/gi, ':').replace(/%40/gi, '@');
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
function messageOf(text: string): string {
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

function asEngineError(reason: EngineErrorReason, err: unknown): Error {
  if (err instanceof EngineError) return err;
  if (err instanceof ApiError) return new EngineError(reason, err.message);
  if (err instanceof Error && err.name === 'AbortError') return err;
  return new EngineError(reason, err instanceof Error ? err.message : String(err));
}

function ended(): Readable {
  const s = new PassThrough();
  s.end();
  return s;
}

async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readCapped(stream: Readable, cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    if (size < cap) chunks.push(b.subarray(0, cap - size));
    size += b.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Newline-delimited JSON (pull progress, events); lines that do not parse are skipped. */
async function forEachJsonLine<T>(res: IncomingMessage, each: (value: T) => void): Promise<void> {
  let pending = '';
  const emit = (line: string): void => {
    if (!line.trim()) return;
    try {
      each(JSON.parse(line) as T);
    } catch {
      // A partial or foreign line; the stream goes on.
    }
  };
  res.setEncoding('utf8');
  for await (const chunk of res) {
    pending += chunk as string;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(emit);
  }
  emit(pending);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
