/**
 * The Docker Engine API over a unix socket: real Docker, or `podman system service` (its
 * Docker-compatible API). Plain `node:http`, no client library: the runtime needs a dozen calls,
 * and owning them lets us keep the engine's own error text in every EngineError.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, pipeline, type Readable, type Transform } from 'node:stream';
import {
  EngineError,
  type ContainerEngine,
  type ContainerSpec,
  type EngineEvent,
  type EngineInfo,
  type ExecResult,
  type InteractiveOptions,
  type InteractiveSession,
  type LogOptions,
  type ObservedContainer,
} from './engine.js';
import { createBody, fromInspect, type DockerInspect, type DockerListEntry } from './docker/containers.js';
import { DockerEvents } from './docker/events.js';
import {
  ApiError,
  asEngineError,
  DEFAULT_TIMEOUT_MS,
  DockerHttp,
  messageOf,
  socketPathOf,
  type Query,
} from './docker/http.js';
import { imagePath, parseReference } from './docker/image-ref.js';
import { interactiveSession } from './docker/interactive.js';
import { Demultiplexer, ended, forEachJsonLine, readCapped, readText } from './docker/streams.js';
import { mapLimit, sleep } from './docker/util.js';

export { socketPathOf } from './docker/http.js';
export { Demultiplexer } from './docker/streams.js';

/** Kubelet caps probe output too: a chatty probe must not grow the agent's memory. */
const EXEC_OUTPUT_CAP = 16 * 1024;
const INSPECT_CONCURRENCY = 8;
/** Re-inspect a container whose listed state did not change at least this often (an outside restart keeps `running`). */
const DETAIL_TTL_MS = 60_000;

interface DockerVersion {
  Version?: string;
  ApiVersion?: string;
  Os?: string;
  Arch?: string;
  Platform?: { Name?: string };
  Components?: { Name?: string }[];
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

export class DockerEngine implements ContainerEngine {
  readonly socketPath: string;
  private readonly http: DockerHttp;
  private readonly details = new Map<string, Detail>();
  private readonly events: DockerEvents;

  constructor(endpoint: string, opts: { apiVersion?: string } = {}) {
    this.socketPath = socketPathOf(endpoint);
    this.http = new DockerHttp(this.socketPath, opts);
    this.events = new DockerEvents(this.http, (id) => this.details.delete(id));
  }

  async info(): Promise<EngineInfo> {
    let v: DockerVersion;
    try {
      v = await this.http.json<DockerVersion>({ method: 'GET', path: '/version', unversioned: true });
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
      await this.http.json({ method: 'GET', path: `/images/${imagePath(image)}/json` });
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
      res = await this.http.open({
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
      const created = await this.http.json<{ Id: string }>({
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
      await this.http.json({ method: 'POST', path: `/containers/${encodeURIComponent(id)}/start` });
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
      await this.http.json({
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
      await this.http.json({
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
      entries = await this.http.json<DockerListEntry[]>({
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
      const c = await this.http.json<DockerInspect>({
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
      const { Id: execId } = await this.http.json<{ Id: string }>({
        method: 'POST',
        path: `/containers/${encodeURIComponent(id)}/exec`,
        json: { Cmd: command, AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false },
        signal,
      });
      const res = await this.http.open({
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

  async execInteractive(
    id: string,
    command: string[],
    opts: InteractiveOptions,
  ): Promise<InteractiveSession> {
    try {
      const { Id: execId } = await this.http.json<{ Id: string }>({
        method: 'POST',
        path: `/containers/${encodeURIComponent(id)}/exec`,
        json: {
          Cmd: command,
          AttachStdin: opts.stdin,
          AttachStdout: true,
          AttachStderr: true,
          Tty: opts.tty,
        },
      });
      const exec = `/exec/${encodeURIComponent(execId)}`;
      const { socket, head } = await this.http.upgrade({
        method: 'POST',
        path: `${exec}/start`,
        json: { Detach: false, Tty: opts.tty },
      });
      return interactiveSession({
        socket,
        head,
        tty: opts.tty,
        stdin: opts.stdin,
        resize: (w, h) => this.resize(`${exec}/resize`, w, h),
        exitCode: () => this.execExitCode(execId, new AbortController().signal),
      });
    } catch (err) {
      throw asEngineError(err instanceof ApiError && err.status === 404 ? 'NotFound' : 'EngineError', err);
    }
  }

  async attach(id: string, opts: InteractiveOptions): Promise<InteractiveSession> {
    const path = `/containers/${encodeURIComponent(id)}`;
    try {
      const { socket, head } = await this.http.upgrade({
        method: 'POST',
        path: `${path}/attach`,
        query: { stream: 1, stdin: opts.stdin ? 1 : 0, stdout: 1, stderr: 1 },
      });
      return interactiveSession({
        socket,
        head,
        tty: opts.tty,
        stdin: opts.stdin,
        resize: (w, h) => this.resize(`${path}/resize`, w, h),
        exitCode: async () => undefined,
      });
    } catch (err) {
      throw asEngineError(err instanceof ApiError && err.status === 404 ? 'NotFound' : 'EngineError', err);
    }
  }

  /** Best effort: a resize racing the process's exit is not an error worth surfacing. */
  private async resize(path: string, width: number, height: number): Promise<void> {
    await this.http.json({ method: 'POST', path, query: { h: height, w: width } }).catch(() => undefined);
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
      res = await this.http.open({
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
    return this.events.onEvent(listener);
  }

  async close(): Promise<void> {
    this.events.close();
    this.details.clear();
    this.http.close();
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
      return await this.http.json<DockerInspect>({
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
      const e = await this.http.json<ExecInspect>({
        method: 'GET',
        path: `/exec/${encodeURIComponent(execId)}/json`,
        signal,
      });
      if (!e.Running && typeof e.ExitCode === 'number') return e.ExitCode;
      await sleep(delay, signal);
    }
  }
}
