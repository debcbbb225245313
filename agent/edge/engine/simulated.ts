/**
 * A container engine without processes (like KWOK): containers live in memory and reach running
 * at once, so a site can be exercised with thousands of pods on one machine, and the node runtime
 * tested without a real engine. Cheap by design: a container is one small object, its log a few
 * generated lines, and nothing ticks in the background.
 *
 * Methods under "test hooks" exist for tests and benchmarks only (simulate a crash, an image that
 * cannot be pulled, a failing exec probe, a box reboot).
 */
import { randomBytes } from 'node:crypto';
import { arch, platform } from 'node:os';
import { PassThrough, type Readable } from 'node:stream';
import { isValidImageReference } from '../node/image-policy.js';
import {
  ENGINE_HINT,
  EngineError,
  SIMULATED_NO_PROCESSES,
  type ContainerEngine,
  type InteractiveSession,
  type ContainerSpec,
  type ContainerStatus,
  type EngineEvent,
  type EngineInfo,
  type ExecResult,
  type LogOptions,
  type ObservedContainer,
} from './engine.js';

/** Log lines kept per container (oldest dropped first). */
const MAX_LOG_LINES = 50;

interface LogLine {
  ms: number;
  text: string;
}

interface Follower {
  out: PassThrough;
  format: (l: LogLine) => string;
}

interface SimContainer {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  hostNetwork: boolean;
  status: ContainerStatus;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  oomKilled?: boolean;
  pid?: number;
  ip?: string;
  lines: LogLine[];
  followers?: Set<Follower>;
  execExitCode?: number;
}

function goArch(a: string): string {
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

function nanoTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export class SimulatedEngine implements ContainerEngine {
  private readonly containers = new Map<string, SimContainer>();
  private readonly byName = new Map<string, string>();
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly rejectedImages = new Map<string, string>();
  private nextPid = 1000;
  private nextIp = 2;

  async info(): Promise<EngineInfo> {
    return { name: 'simulated', version: '0.1.0', apiVersion: '1.41', os: platform(), arch: goArch(arch()) };
  }

  async imagePresent(image: string): Promise<boolean> {
    return isValidImageReference(image) && !this.rejectedImages.has(image);
  }

  async pullImage(image: string): Promise<void> {
    if (!isValidImageReference(image))
      throw new EngineError('InvalidImageName', `invalid reference format: "${image}"`);
    const why = this.rejectedImages.get(image);
    if (why !== undefined) throw new EngineError('ErrImagePull', why);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const existing = this.byName.get(spec.name);
    if (existing)
      throw new EngineError(
        'CreateContainerError',
        `Conflict. The container name "/${spec.name}" is already in use by container "${existing}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    if (!(await this.imagePresent(spec.image)))
      throw new EngineError('CreateContainerError', `No such image: ${spec.image}`);
    const id = randomBytes(32).toString('hex');
    this.containers.set(id, {
      id,
      name: spec.name,
      image: spec.image,
      labels: { ...spec.labels },
      hostNetwork: spec.hostNetwork,
      status: 'created',
      lines: [],
    });
    this.byName.set(spec.name, id);
    this.emit(id, 'create');
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.must(id);
    if (c.status === 'running') return;
    const now = Date.now();
    c.status = 'running';
    c.startedAt = new Date(now).toISOString();
    c.finishedAt = undefined;
    c.exitCode = undefined;
    c.oomKilled = undefined;
    c.pid = this.nextPid++;
    if (!c.hostNetwork && !c.ip) c.ip = this.allocateIp();
    this.logLine(c, now, `simulated container ${c.name} started at ${c.startedAt}`);
    this.emit(id, 'start');
  }

  async stopContainer(id: string, _graceSeconds: number): Promise<void> {
    const c = this.must(id);
    if (c.status !== 'running') return;
    // The simulated process honours SIGTERM at once.
    this.exit(c, 143, false);
    this.emit(id, 'stop');
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    if (c.status === 'running') this.exit(c, 137, false);
    this.endFollowers(c);
    this.containers.delete(id);
    this.byName.delete(c.name);
    this.emitFor(c, 'destroy');
  }

  async listContainers(labels: Record<string, string>): Promise<ObservedContainer[]> {
    const want = Object.entries(labels);
    const out: ObservedContainer[] = [];
    for (const c of this.containers.values()) {
      if (want.every(([k, v]) => c.labels[k] === v)) out.push(this.observe(c));
    }
    return out;
  }

  async inspectContainer(id: string): Promise<ObservedContainer | undefined> {
    const c = this.find(id);
    return c ? this.observe(c) : undefined;
  }

  async exec(id: string, _command: string[], _timeoutMs: number): Promise<ExecResult> {
    const c = this.must(id);
    if (c.status !== 'running') throw new EngineError('EngineError', `container ${id} is not running`);
    return { exitCode: c.execExitCode ?? 0, output: '' };
  }

  async execInteractive(id: string): Promise<InteractiveSession> {
    this.must(id);
    throw new EngineError(
      'NotSupported',
      `${SIMULATED_NO_PROCESSES}: exec needs a container engine (${ENGINE_HINT})`,
    );
  }

  async attach(id: string): Promise<InteractiveSession> {
    this.must(id);
    throw new EngineError(
      'NotSupported',
      `${SIMULATED_NO_PROCESSES}: attach needs a container engine (${ENGINE_HINT})`,
    );
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    const c = this.must(id);
    const out = new PassThrough();
    const format = (l: LogLine): string =>
      opts.timestamps ? `${nanoTimestamp(l.ms)} ${l.text}\n` : `${l.text}\n`;
    let lines = c.lines;
    if (opts.sinceSeconds !== undefined) {
      const since = Date.now() - opts.sinceSeconds * 1000;
      lines = lines.filter((l) => l.ms >= since);
    }
    if (opts.tailLines !== undefined) lines = opts.tailLines === 0 ? [] : lines.slice(-opts.tailLines);
    for (const l of lines) out.write(format(l));
    if (!opts.follow || c.status !== 'running' || opts.signal?.aborted) {
      out.end();
      return out;
    }
    // Follow: new lines until the client goes away or the container stops (as Docker does).
    const followers = (c.followers ??= new Set());
    const f: Follower = { out, format };
    followers.add(f);
    const done = (): void => {
      followers.delete(f);
      opts.signal?.removeEventListener('abort', done);
      out.end();
    };
    opts.signal?.addEventListener('abort', done, { once: true });
    out.once('close', done);
    return out;
  }

  onEvent(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const c of this.containers.values()) this.endFollowers(c);
    this.listeners.clear();
  }

  // ---------------------------------------------------------------- test hooks

  /** Test hook: the container's process exits with exitCode (OOM-killed when asked). */
  crash(id: string, exitCode = 1, opts: { oomKilled?: boolean } = {}): void {
    const c = this.must(id);
    if (c.status !== 'running') return;
    if (opts.oomKilled) this.emit(id, 'oom');
    this.exit(c, exitCode, Boolean(opts.oomKilled));
  }

  /** Test hook: pulls of this image fail with `message`, and it is not present. */
  rejectImage(image: string, message = `pull access denied for ${image}, repository does not exist`): void {
    this.rejectedImages.set(image, message);
  }

  /** Test hook: undoes rejectImage. */
  allowImage(image: string): void {
    this.rejectedImages.delete(image);
  }

  /** Test hook: exec in this container (exec probes) answers this exit code. */
  setExecExitCode(id: string, exitCode: number): void {
    this.must(id).execExitCode = exitCode;
  }

  /**
   * Test hook: the box rebooted. Every running container is exited (255, as Docker reports it),
   * without events: the engine was down when it happened.
   */
  reboot(): void {
    const now = Date.now();
    for (const c of this.containers.values()) {
      if (c.status !== 'running') continue;
      c.status = 'exited';
      c.exitCode = 255;
      c.finishedAt = new Date(now).toISOString();
      c.pid = 0;
      this.endFollowers(c);
    }
  }

  /** Test hook: how many containers exist (benchmarks). */
  get size(): number {
    return this.containers.size;
  }

  // ---------------------------------------------------------------- internals

  private find(id: string): SimContainer | undefined {
    return this.containers.get(id) ?? this.containers.get(this.byName.get(id) ?? '');
  }

  private must(id: string): SimContainer {
    const c = this.find(id);
    if (!c) throw new EngineError('NotFound', `No such container: ${id}`);
    return c;
  }

  private allocateIp(): string {
    const n = this.nextIp++;
    return `10.${88 + ((n >> 16) & 0x3f)}.${(n >> 8) & 0xff}.${n & 0xff}`;
  }

  private exit(c: SimContainer, exitCode: number, oomKilled: boolean): void {
    const now = Date.now();
    c.status = 'exited';
    c.exitCode = exitCode;
    c.oomKilled = oomKilled || undefined;
    c.finishedAt = new Date(now).toISOString();
    c.pid = 0;
    this.logLine(c, now, `simulated container ${c.name} exited with code ${exitCode} at ${c.finishedAt}`);
    this.endFollowers(c);
    this.emit(c.id, 'die');
  }

  private endFollowers(c: SimContainer): void {
    for (const f of [...(c.followers ?? [])]) f.out.end();
    c.followers?.clear();
  }

  private logLine(c: SimContainer, ms: number, text: string): void {
    const line = { ms, text };
    c.lines.push(line);
    if (c.lines.length > MAX_LOG_LINES) c.lines.shift();
    for (const f of c.followers ?? []) f.out.write(f.format(line));
  }

  private observe(c: SimContainer): ObservedContainer {
    const o: ObservedContainer = {
      id: c.id,
      name: c.name,
      image: c.image,
      imageId: `sha256:${Buffer.from(c.image).toString('hex').padEnd(64, '0').slice(0, 64)}`,
      labels: { ...c.labels },
      status: c.status,
    };
    if (c.exitCode !== undefined) o.exitCode = c.exitCode;
    if (c.startedAt) o.startedAt = c.startedAt;
    if (c.finishedAt) o.finishedAt = c.finishedAt;
    if (c.oomKilled) o.oomKilled = true;
    if (c.pid) o.pid = c.pid;
    if (c.ip) o.ip = c.ip;
    return o;
  }

  private emit(id: string, action: string): void {
    const c = this.containers.get(id);
    if (c) this.emitFor(c, action);
  }

  private emitFor(c: SimContainer, action: string): void {
    if (this.listeners.size === 0) return;
    const e: EngineEvent = { containerId: c.id, labels: { ...c.labels }, action };
    // Delivered after the call that caused it returns, as a real engine's event stream would.
    setImmediate(() => {
      for (const l of this.listeners) {
        try {
          l(e);
        } catch {
          // A listener's failure is its own.
        }
      }
    });
  }
}
