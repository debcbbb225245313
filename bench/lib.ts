/**
 * Small helpers for the benchmarks: a hub process, raw HTTPS with the admin certificate through a
 * keep-alive agent, newline-delimited JSON watch streams, percentiles and machine conditions.
 * Copied (not imported) from test/helpers so the bench has no module-load side effects and works
 * from dist/bench as well as from the sources.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest ancestor of this file holding package.json (works from dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'edgefed'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the edgefed package root');
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Tls {
  ca: string;
  cert: string;
  key: string;
}

export interface Hub {
  url: URL;
  pid: number;
  dataDir: string;
  tls: Tls;
  proc: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

/** Hub flags beyond the defaults: `pkiDir` is passed as --pki-dir and is where the admin TLS is read. */
export interface HubOptions {
  extraArgs?: string[];
  pkiDir?: string;
}

/** Starts `edgefed hub` on a free port on 127.0.0.1 and waits until it serves. */
export async function startHub(dataDir: string, timeoutMs = 30_000, opts: HubOptions = {}): Promise<Hub> {
  const bin = join(packageRoot(), 'bin', 'edgefed');
  // e.g. BENCH_HUB_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the hub (written on exit).
  const nodeArgs = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
  const args = [
    ...nodeArgs,
    bin,
    'hub',
    '--data-dir',
    dataDir,
    '--port',
    '0',
    '--bind',
    '127.0.0.1',
    '--log-level',
    'warn',
    ...(opts.pkiDir !== undefined ? ['--pki-dir', opts.pkiDir] : []),
    ...(opts.extraArgs ?? []),
  ];
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  };
  let url: string;
  try {
    url = await waitForServing(proc, 'hub', () => stderr, timeoutMs);
  } catch (e) {
    await stop();
    throw e;
  }
  const pki = opts.pkiDir ?? join(dataDir, 'pki');
  const tls = {
    ca: readFileSync(join(pki, 'ca.crt'), 'utf8'),
    cert: readFileSync(join(pki, 'admin.crt'), 'utf8'),
    key: readFileSync(join(pki, 'admin.key'), 'utf8'),
  };
  return { url: new URL(url), pid: proc.pid ?? -1, dataDir, tls, proc, logs: () => stderr, stop };
}

export interface Response {
  status: number;
  body: string;
}

/** HTTPS client for one hub: a keep-alive agent carrying the admin client certificate. */
export class Client {
  readonly agent: Agent;

  constructor(
    readonly url: URL,
    readonly tls: Tls,
    maxSockets = 64,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, ...tls });
  }

  request(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<Response> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          method,
          hostname: this.url.hostname,
          port: this.url.port,
          path,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(payload !== undefined
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** A request that must answer with one of `ok` statuses; returns the parsed JSON body. */
  async json<T>(method: string, path: string, body?: unknown, ok = [200, 201]): Promise<T> {
    const r = await this.request(method, path, body);
    if (!ok.includes(r.status))
      throw new Error(`${method} ${path}: HTTP ${r.status}: ${r.body.slice(0, 500)}`);
    return JSON.parse(r.body) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface WatchEvent {
  type: string;
  object: {
    metadata?: {
      name?: string;
      namespace?: string;
      resourceVersion?: string;
      annotations?: Record<string, string>;
    };
  };
}

/** One open watch stream: calls `onEvent` with the receive time of every newline-delimited event. */
export class WatchStream {
  private res: IncomingMessage | undefined;
  private req: ReturnType<typeof httpsRequest> | undefined;
  events = 0;
  ended = false;

  constructor(
    readonly label: string,
    private readonly onEvent: (ev: WatchEvent, receivedAt: number, stream: WatchStream) => void,
  ) {}

  /** Resolves once the hub answered 200 and the stream is open. Each stream has its own connection. */
  open(url: URL, path: string, agent: Agent, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          method: 'GET',
          hostname: url.hostname,
          port: url.port,
          path,
          agent,
          headers: { accept: 'application/json' },
        },
        (res) => {
          clearTimeout(timer);
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`watch ${path}: HTTP ${res.statusCode}`));
            return;
          }
          this.res = res;
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const now = performance.now();
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (line.trim() === '') continue;
              this.events++;
              this.onEvent(JSON.parse(line) as WatchEvent, now, this);
            }
          });
          res.on('end', () => (this.ended = true));
          res.on('error', () => (this.ended = true));
          resolve();
        },
      );
      const timer = setTimeout(
        () => req.destroy(new Error(`watch ${path}: no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on('error', (e) => {
        clearTimeout(timer);
        this.ended = true;
        reject(e);
      });
      req.end();
      this.req = req;
    });
  }

  close(): void {
    this.res?.destroy();
    this.req?.destroy();
  }
}

/** Percentile (nearest rank) of an unsorted sample, in the sample's unit. */
export function percentile(sample: number[], p: number): number {
  if (sample.length === 0) return NaN;
  const s = [...sample].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank];
}

/**
 * Runs `total` operations on `concurrency` workers, each calling `op(i)` for the next index, until all
 * are done or `deadline` (performance.now() ms) passes. Returns how many completed, the elapsed ms and
 * per-operation latencies.
 */
export async function runBounded(
  total: number,
  concurrency: number,
  budgetMs: number,
  op: (i: number) => Promise<void>,
): Promise<{ done: number; ms: number; latencies: number[]; timedOut: boolean }> {
  const start = performance.now();
  const deadline = start + budgetMs;
  const latencies: number[] = [];
  let next = 0;
  let timedOut = false;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (next >= total) return;
      if (performance.now() > deadline) {
        timedOut = true;
        return;
      }
      const i = next++;
      const t0 = performance.now();
      await op(i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return { done: latencies.length, ms: performance.now() - start, latencies, timedOut };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** VmRSS of a process in MiB, from /proc (Linux only). */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The filesystem holding `dir`, as `df` reports it (device, type, size, mount point). */
export function diskOf(dir: string): string {
  const r = spawnSync('df', ['-PhT', dir], { encoding: 'utf8', timeout: 5_000 });
  const line = (r.stdout ?? '').trim().split('\n')[1];
  if (r.status !== 0 || !line) return 'unknown (df failed)';
  const [dev, type, size, , avail, , mount] = line.split(/\s+/);
  let rotational = '';
  const base = /^\/dev\/([a-z]+)/.exec(dev)?.[1];
  if (base) {
    try {
      const rot = readFileSync(`/sys/block/${base}/queue/rotational`, 'utf8').trim() === '1';
      rotational = `, kernel says ${rot ? 'rotational' : 'non-rotational'}`;
    } catch {
      // Not a plain block device (overlay, tmpfs, device-mapper).
    }
  }
  return `${dev} (${type}${rotational}) ${size} total, ${avail} free, mounted on ${mount}`;
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat (Linux only). */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime), counted from after the command name, in clock ticks.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2_000 });
  const n = Number((r.stdout ?? '').trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

export function machine(): { cpu: string; ram: string } {
  const list = cpus();
  return {
    cpu: `${list[0]?.model.trim() ?? 'unknown'} x ${list.length}`,
    ram: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
  };
}

/**
 * Resolves with the URL a spawned `edgefed hub|apiserver` prints once it serves; rejects if it
 * exits first or takes longer than `timeoutMs`. `stderr()` supplies its logs for the error.
 */
export function waitForServing(
  proc: ChildProcess,
  what: string,
  stderr: () => string,
  timeoutMs: number,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start in ${timeoutMs} ms:\n${stderr()}`)),
      timeoutMs,
    );
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving at (https:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before serving:\n${stderr()}`));
    });
  });
}

/**
 * Every bench stops by itself: after `limitMs`, or on SIGINT/SIGTERM, it runs `cleanup` (stop
 * processes, remove temp dirs) and exits. `aborted()` tells loops to give up early.
 */
export function guardBench(
  limitMs: number,
  cleanup: () => Promise<void>,
): { aborted: () => boolean; done: () => void } {
  let aborted = false;
  const watchdog = setTimeout(() => {
    aborted = true;
    process.stderr.write(`bench: hard limit of ${limitMs / 1000} s reached, aborting\n`);
    void cleanup().finally(() => process.exit(2));
  }, limitMs);
  watchdog.unref();
  const onSignal = (): void => {
    aborted = true;
    process.stderr.write('bench: interrupted, stopping the processes and removing temp dirs\n');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { aborted: () => aborted, done: () => clearTimeout(watchdog) };
}

/**
 * One goal of a bench. Every bench prints, per goal: what was measured, the goal, the reference
 * measured in the same run (or, where nothing comparable can run here, a published anchor — then
 * `reference` says so), the ratio, and PASS/FAIL. A bench whose goals are not all met exits 1.
 */
export interface Goal {
  /** What is measured, with its conditions (sizes, concurrency). */
  what: string;
  /** The figure, formatted (`812 ms`, `4,210 q/s`). */
  measured: string;
  /** The goal as text (`< 1 s`, `>= 0.8x knotd`). */
  goal: string;
  /** The reference and where it comes from (`knotd 11,000 q/s, same run`). */
  reference?: string;
  /** measured / reference, when both are numbers of one kind. */
  ratio?: number;
  ok: boolean;
}

/** The goals block and the VERDICT line; sets process.exitCode = 1 when a goal or check failed. */
export function verdictLines(
  goals: Goal[],
  checks: [string, boolean][] = [],
  notes: string[] = [],
): string[] {
  const out: string[] = ['', '  Goals (reference measured in this run unless it says otherwise)', ''];
  if (goals.length === 0) out.push('  [FAIL] no goal was measured');
  for (const g of goals) {
    const ref = g.reference !== undefined ? `; reference ${g.reference}` : '';
    const ratio = g.ratio !== undefined && Number.isFinite(g.ratio) ? `; ratio ${g.ratio.toFixed(2)}x` : '';
    out.push(`  [${g.ok ? 'PASS' : 'FAIL'}] ${g.what}: ${g.measured} (goal ${g.goal}${ref}${ratio})`);
  }
  for (const [text, ok] of checks) out.push(`  [${ok ? 'PASS' : 'FAIL'}] ${text}`);
  for (const n of notes) out.push(`  [NOTE] ${n}`);
  const failed = goals.filter((g) => !g.ok).length + checks.filter(([, ok]) => !ok).length;
  const pass = goals.length > 0 && failed === 0;
  out.push(
    '',
    `VERDICT: ${pass ? 'PASS' : 'FAIL'} - ${goals.filter((g) => g.ok).length}/${goals.length} goals met` +
      (checks.length ? `, ${checks.filter(([, ok]) => ok).length}/${checks.length} checks passed` : ''),
    '',
  );
  if (!pass) process.exitCode = 1;
  return out;
}

/** The machine's load, for a bench's conditions: 1-minute load average against the core count. */
export function loadLine(start: number, end: number): string {
  const n = cpus().length;
  const busy = Math.max(start, end) > n;
  return (
    `${start.toFixed(2)} at start, ${end.toFixed(2)} at end (1-min load average, ${n} CPUs)` +
    (busy ? ' - THE MACHINE WAS LOADED BY OTHER PROCESSES: rates and latencies are pessimistic' : '')
  );
}
