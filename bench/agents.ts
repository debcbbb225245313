/**
 * Agent-scale benchmark: one real `edgefed hub` process on 127.0.0.1 and N lightweight agents
 * simulated in THIS process (N = 100, then 1,000, each against a fresh hub). Every simulated agent
 * has what a real one holds open against the hub:
 *
 *   - its own EC P-256 key, CSR and client certificate, from a real POST /edgefed/v1/register with a
 *     bootstrap token;
 *   - its own Work watch (list, then raw HTTPS watch on edgefed-cluster-<name>, newline-delimited JSON,
 *     re-watch from the last resourceVersion, relist on 410) with its own client certificate;
 *   - its own heartbeat: the agent-heartbeat Lease renewed every 10 s (phases spread over the period);
 *   - its own tunnel (agent/tunnel/client.ts startTunnel), whose member is ONE shared bare
 *     `edgefed apiserver` process.
 *
 * Watches, heartbeats and tunnels reconnect with exponential backoff and FULL jitter (base 500 ms,
 * cap 30 s). Measured per N: registration latency, time until all N are Ready on the hub,
 * propagation of a FederatedDeployment to all N as the agents' watches see it, hub RSS per connected
 * agent, and a reconnection storm (kill -9 of the hub, restart on the same data dir and port).
 *
 * Every loop is bounded in count and time; a hard limit kills everything; hubs are killed and temp dirs
 * removed on exit, SIGINT and SIGTERM.
 *
 *   npm run bench:agents
 *   BENCH_AGENTS=100          run one size only (comma-separated list)
 *   BENCH_STORM=0             skip the kill -9 / restart part
 *   BENCH_HUB_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'   profile the hub (written on SIGTERM)
 */
import 'reflect-metadata';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { KubeConfig } from '@kubernetes/client-node';
import { generateKeyAndCsr } from '../agent/csr.js';
import { leasePath, leaseSpec } from '../agent/heartbeat.js';
import {
  HEARTBEAT_INTERVAL_SECONDS,
  HEARTBEAT_LEASE,
  REGISTER_PATH,
  type RegisterResponse,
} from '../api/protocol.js';
import { startTunnel, type Tunnel } from '../agent/tunnel/client.js';
import { Backoff, sleep as abortableSleep } from '../client/backoff.js';
import { KubeClient } from '../client/client.js';
import { parseTime } from '../api/time.js';
import { silentLogger } from '../client/log.js';
import type { KubeFedCluster, Work } from '../api/federation.js';
import { createToken } from '../hub/join/tokens.js';
import {
  Client,
  WatchStream,
  cpuMs,
  machine,
  packageRoot,
  percentile,
  removeDir,
  rssMiB,
  runBounded,
  sleep,
  tempDir,
  type Tls,
  waitForServing,
  guardBench,
  loadLine,
  verdictLines,
  type Goal,
} from './lib.js';

// ---------------------------------------------------------------------------------------------
// Sizes and budgets.

const SIZES = (process.env.BENCH_AGENTS ?? '100,1000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0 && n <= 5_000);
const REGISTER_CONCURRENCY = 32;
const PROP_RUNS = (n: number): number => (n <= 100 ? 5 : 3);
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30_000;
const HEARTBEAT_MS = HEARTBEAT_INTERVAL_SECONDS * 1000;
/** Sockets per agent on the bench side: watch, heartbeat keep-alive, tunnel, member keep-alive. */
const FDS_PER_AGENT = 4;
const BUDGET = {
  register: 180_000,
  ready: 120_000,
  connected: 90_000,
  fedNamespace: 90_000,
  propRun: 60_000,
  steady: HEARTBEAT_MS + 2_000,
  hubDown: 15_000,
  storm: 150_000,
};
const HARD_LIMIT_MS = 9.5 * 60_000;

const KFC = '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters';
const LEASES = '/apis/coordination.k8s.io/v1/leases';
const FED = '/apis/types.kubefed.io/v1beta1';
const PROP_NS = 'bench-agents';
const ANCHOR_REGISTER = 'Karmada p99 6.9 s';
const ANCHOR_PROP = 'Karmada pull mode p99 989 ms at 100 clusters';

const clusterName = (i: number): string => `a${String(i).padStart(4, '0')}`;
const worksPath = (ns: string): string => `/apis/edgefed.io/v1alpha1/namespaces/${ns}/works`;

// ---------------------------------------------------------------------------------------------
// Output helpers.

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
const ms = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n)
    ? 'n/a'
    : n >= 10_000
      ? `${fmt(n / 1000, 1)} s`
      : `${fmt(n, n < 10 ? 2 : 0)} ms`;
const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

// ---------------------------------------------------------------------------------------------
// Processes (hub and member API server) and cleanup on every exit path.

interface Proc {
  url: URL;
  pid: number;
  dataDir: string;
  tls: Tls;
  proc: ChildProcess;
  spawnedAt: number;
  servingAt: number;
  logs(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

const liveProcs = new Set<Proc>();
const tempDirs: string[] = [];

async function spawnProc(
  command: 'hub' | 'apiserver',
  dataDir: string,
  extraArgs: string[],
  port = 0,
  timeoutMs = 60_000,
): Promise<Proc> {
  const bin = join(packageRoot(), 'bin', 'edgefed');
  // e.g. BENCH_HUB_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (written on a graceful exit).
  const nodeArgs =
    command === 'hub' ? (process.env.BENCH_HUB_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '') : [];
  const args = [
    ...nodeArgs,
    bin,
    command,
    '--data-dir',
    dataDir,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--log-level',
    'warn',
    ...extraArgs,
  ];
  const spawnedAt = performance.now();
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const alive = (): boolean => proc.exitCode === null && proc.signalCode === null;
  const p: Proc = {
    url: new URL('https://127.0.0.1'),
    pid: proc.pid ?? -1,
    dataDir,
    tls: { ca: '', cert: '', key: '' },
    proc,
    spawnedAt,
    servingAt: NaN,
    logs: () => stderr,
    async stop() {
      if (alive()) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      liveProcs.delete(p);
    },
    async kill9() {
      if (alive()) {
        proc.kill('SIGKILL');
        await exited;
      }
      liveProcs.delete(p);
    },
  };
  liveProcs.add(p);
  try {
    const url = await waitForServing(proc, command, () => stderr, timeoutMs);
    const u = new URL(url);
    if (u.hostname !== '127.0.0.1') throw new Error(`${command} serves at ${url}, not on 127.0.0.1`);
    p.url = u;
    p.servingAt = performance.now();
  } catch (e) {
    await p.stop();
    throw e;
  }
  const pki = join(dataDir, 'pki');
  p.tls = {
    ca: readFileSync(join(pki, 'ca.crt'), 'utf8'),
    cert: readFileSync(join(pki, 'admin.crt'), 'utf8'),
    key: readFileSync(join(pki, 'admin.key'), 'utf8'),
  };
  return p;
}

function benchDir(prefix: string): string {
  const d = tempDir(prefix);
  tempDirs.push(d);
  return d;
}

function killAllSync(): void {
  for (const p of liveProcs)
    if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}

/** The soft limit on open files of this process (children inherit it). */
function openFilesLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return undefined;
  }
}

function openFds(pid: number): number | undefined {
  try {
    return spawnSync('ls', [`/proc/${pid}/fd`], { encoding: 'utf8', timeout: 5_000 })
      .stdout.split('\n')
      .filter((l) => l !== '').length;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// One simulated agent.

interface HttpResult {
  status: number;
  body: string;
}

function httpsCall(
  url: URL,
  opts: { method: string; path: string; agent: HttpsAgent | false; tls?: Partial<Tls>; headers?: object },
  body?: string,
  timeoutMs = 15_000,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        method: opts.method,
        hostname: url.hostname,
        port: url.port,
        path: opts.path,
        agent: opts.agent,
        ...(opts.tls ?? {}),
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}),
          ...(opts.headers ?? {}),
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
    req.on('timeout', () => req.destroy(new Error(`${opts.method} ${opts.path} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

interface WatchEventLine {
  type: string;
  object: Partial<Work> & { metadata?: { resourceVersion?: string }; code?: number };
}

class SimAgent {
  readonly namespace: string;
  key = '';
  csr = '';
  cert = '';
  private ca = '';
  private http?: HttpsAgent;
  private tunnel?: Tunnel;
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];
  private rv: string | undefined;
  private watchReq?: ReturnType<typeof httpsRequest>;
  /** source name → performance.now() when an ADDED event (or the relist) first showed a Work of it. */
  readonly seen = new Map<string, number>();
  watchOpen = false;
  /** performance.now() of the last watch (re)open and of the last successful heartbeat. */
  watchOpenedAt = 0;
  beatOkAt = 0;
  counters = { watchOpens: 0, watchFailures: 0, relists: 0, beats: 0, beatFailures: 0 };

  constructor(
    readonly name: string,
    private readonly hubUrl: URL,
  ) {
    this.namespace = `edgefed-cluster-${name}`;
  }

  async makeKey(): Promise<void> {
    const k = await generateKeyAndCsr(this.name);
    this.key = k.key;
    this.csr = k.csr;
  }

  /** POST register → 200 with a certificate; returns the latency (ms). Throws otherwise. */
  async register(token: string, ca: string): Promise<number> {
    const body = JSON.stringify({ cluster: this.name, csr: this.csr, labels: { bench: 'agents' } });
    const t0 = performance.now();
    // A fresh connection (TLS handshake included), as a joining agent makes.
    const r = await httpsCall(
      this.hubUrl,
      {
        method: 'POST',
        path: REGISTER_PATH,
        agent: false,
        tls: { ca },
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      },
      body,
      60_000,
    );
    const dt = performance.now() - t0;
    if (r.status !== 200) throw new Error(`register ${this.name}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
    const res = JSON.parse(r.body) as RegisterResponse;
    if (!res.certificate) throw new Error(`register ${this.name}: no certificate`);
    this.cert = res.certificate;
    this.ca = res.ca;
    return dt;
  }

  start(member: KubeConfig): void {
    const tls = { ca: this.ca, cert: this.cert, key: this.key };
    // Watch + heartbeat share one keep-alive pool (the watch holds one socket, beats reuse another).
    this.http = new HttpsAgent({ keepAlive: true, maxSockets: 4, maxFreeSockets: 2, ...tls });
    this.loops.push(this.watchLoop(), this.heartbeatLoop());
    this.tunnel = startTunnel({
      hubUrl: this.hubUrl.toString(),
      tls,
      member,
      log: silentLogger,
      backoff: { initialMs: BACKOFF_BASE_MS, maxMs: BACKOFF_CAP_MS },
    });
  }

  tunnelConnected(): boolean {
    return this.tunnel?.connected() ?? false;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.watchReq?.destroy();
    await Promise.all([this.tunnel?.stop(), ...this.loops]);
    this.http?.destroy();
  }

  private call(method: string, path: string, body?: unknown, contentType?: string): Promise<HttpResult> {
    return httpsCall(
      this.hubUrl,
      {
        method,
        path,
        agent: this.http ?? false,
        headers: contentType ? { 'content-type': contentType } : {},
      },
      body === undefined ? undefined : JSON.stringify(body),
    );
  }

  // Heartbeat: renew every 10 s; after a failure, retry with backoff + full jitter until it works.
  private async heartbeatLoop(): Promise<void> {
    const backoff = new Backoff(BACKOFF_BASE_MS, BACKOFF_CAP_MS);
    let first = true;
    for (let i = 0; i < 1_000_000 && !this.stopping.signal.aborted; i++) {
      const ok = await this.beat();
      let delay: number;
      if (ok) {
        backoff.reset();
        // The second beat lands at a random phase in the period: beats spread over the 10 s.
        delay = first ? Math.random() * HEARTBEAT_MS : HEARTBEAT_MS;
        first = false;
      } else delay = backoff.next();
      await abortableSleep(delay, this.stopping.signal);
    }
  }

  private async beat(): Promise<boolean> {
    const path = leasePath(this.namespace);
    const spec = leaseSpec(this.name, Date.now());
    try {
      let r = await this.call('PATCH', path, { spec }, 'application/merge-patch+json');
      if (r.status === 404)
        r = await this.call(
          'POST',
          path.slice(0, path.lastIndexOf('/')),
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: HEARTBEAT_LEASE, namespace: this.namespace },
            spec,
          },
          'application/json',
        );
      if (r.status !== 200 && r.status !== 201) throw new Error(`HTTP ${r.status}`);
      this.counters.beats++;
      this.beatOkAt = performance.now();
      return true;
    } catch {
      this.counters.beatFailures++;
      return false;
    }
  }

  // Work watch: list (when there is no resourceVersion), then watch from it; reconnect with backoff.
  private async watchLoop(): Promise<void> {
    const backoff = new Backoff(BACKOFF_BASE_MS, BACKOFF_CAP_MS);
    for (let i = 0; i < 100_000 && !this.stopping.signal.aborted; i++) {
      let healthy = false;
      let clean = false;
      try {
        if (this.rv === undefined) await this.relist();
        const r = await this.watchOnce();
        healthy = r.lastedMs >= 10_000;
        clean = r.clean;
      } catch {
        // Connection refused/reset, timeouts: backoff below.
      }
      this.watchOpen = false;
      if (this.stopping.signal.aborted) break;
      if (healthy) backoff.reset();
      if (clean) continue; // the server ended the watch (timeoutSeconds): re-watch at once
      this.counters.watchFailures++;
      await abortableSleep(backoff.next(), this.stopping.signal);
    }
  }

  private async relist(): Promise<void> {
    const r = await this.call('GET', worksPath(this.namespace));
    if (r.status !== 200) throw new Error(`list works: HTTP ${r.status}`);
    const l = JSON.parse(r.body) as { items: Work[]; metadata: { resourceVersion?: string } };
    const now = performance.now();
    for (const w of l.items) this.markSeen(w, now);
    this.rv = l.metadata.resourceVersion;
    this.counters.relists++;
  }

  private markSeen(w: Partial<Work>, at: number): void {
    const src = w.spec?.source?.name;
    if (src !== undefined && !this.seen.has(src)) this.seen.set(src, at);
  }

  /** One watch connection until it ends. `clean`: the server finished it normally. */
  private watchOnce(): Promise<{ lastedMs: number; clean: boolean }> {
    const path =
      `${worksPath(this.namespace)}?watch=true&allowWatchBookmarks=true&timeoutSeconds=1800` +
      `&resourceVersion=${encodeURIComponent(this.rv ?? '')}`;
    return new Promise((resolve, reject) => {
      let openedAt = 0;
      let settled = false;
      const done = (clean: boolean): void => {
        if (settled) return;
        settled = true;
        resolve({ lastedMs: openedAt ? performance.now() - openedAt : 0, clean });
      };
      const req = httpsRequest(
        {
          method: 'GET',
          hostname: this.hubUrl.hostname,
          port: this.hubUrl.port,
          path,
          agent: this.http,
          headers: { accept: 'application/json' },
        },
        (res: IncomingMessage) => {
          clearTimeout(timer);
          if (res.statusCode === 410) {
            this.rv = undefined;
            res.resume();
            done(true);
            return;
          }
          if (res.statusCode !== 200) {
            res.resume();
            settled = true;
            reject(new Error(`watch: HTTP ${res.statusCode}`));
            return;
          }
          openedAt = performance.now();
          this.watchOpen = true;
          this.watchOpenedAt = openedAt;
          this.counters.watchOpens++;
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const now = performance.now();
            buf += chunk;
            for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (line.trim() === '') continue;
              let ev: WatchEventLine;
              try {
                ev = JSON.parse(line) as WatchEventLine;
              } catch {
                continue;
              }
              if (ev.type === 'ERROR') {
                if (ev.object.code === 410) this.rv = undefined;
                continue;
              }
              const rv = ev.object.metadata?.resourceVersion;
              if (rv) this.rv = rv;
              if (ev.type === 'ADDED') this.markSeen(ev.object, now);
            }
          });
          res.once('end', () => done(res.complete));
          res.once('aborted', () => done(false));
          res.once('error', () => done(false));
          res.once('close', () => done(res.complete));
        },
      );
      this.watchReq = req;
      const timer = setTimeout(() => req.destroy(new Error('watch: no answer in 15 s')), 15_000);
      req.on('error', (e) => {
        clearTimeout(timer);
        if (openedAt) done(false);
        else if (!settled) {
          settled = true;
          reject(e);
        }
      });
      req.end();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Hub-side views.

async function readyCount(c: Client): Promise<number> {
  try {
    const l = await c.json<{ items: KubeFedCluster[] }>('GET', `${KFC}?labelSelector=bench%3Dagents`);
    return l.items.filter((k) =>
      (k.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True'),
    ).length;
  } catch {
    return -1;
  }
}

/** Heartbeat Leases the hub holds with renewTime at or after `sinceWallMs`. */
async function leasesRenewedSince(c: Client, sinceWallMs: number): Promise<number> {
  try {
    const l = await c.json<{ items: { metadata: { name?: string }; spec?: { renewTime?: string } }[] }>(
      'GET',
      LEASES,
    );
    return l.items.filter(
      (x) => x.metadata.name === HEARTBEAT_LEASE && (parseTime(x.spec?.renewTime) ?? 0) >= sinceWallMs,
    ).length;
  } catch {
    return -1;
  }
}

/** GET /version of the member through each cluster's tunnel (the hub's view of the tunnels). */
async function tunnelsThroughHub(c: Client, names: string[], budgetMs: number): Promise<number> {
  let ok = 0;
  await runBounded(names.length, 32, budgetMs, async (i) => {
    try {
      const r = await c.request('GET', `/clusters/${names[i]}/proxy/version`, undefined, 10_000);
      if (r.status === 200) ok++;
    } catch {
      // counted as not reachable
    }
  });
  return ok;
}

async function until(
  fn: () => boolean | Promise<boolean>,
  budgetMs: number,
  everyMs = 250,
): Promise<boolean> {
  const deadline = performance.now() + budgetMs;
  for (let i = 0; i < 1_000_000; i++) {
    if (await fn()) return true;
    if (performance.now() > deadline) return false;
    await sleep(everyMs);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// One size.

interface SizeResult {
  n: number;
  rows: [string, string, string][];
  checks: [string, boolean][];
  notes: string[];
  goals: Goal[];
}

/**
 * Goals (issue 16) against Karmada's published figures: Karmada cannot run on this machine, so the
 * reference is an anchor, not a same-run measurement, and the output says so.
 */
const GOAL_REGISTER_P99_MS = 6_900;
const GOAL_PROP_P99_MS = new Map([[100, 989]]);

async function runSize(n: number, memberKc: KubeConfig, hardDeadline: number): Promise<SizeResult> {
  const rows: [string, string, string][] = [];
  const checks: [string, boolean][] = [];
  const notes: string[] = [];
  const res: SizeResult = { n, rows, checks, notes, goals: [] };
  const dir = benchDir(`edgefed-bench-agents-${n}-`);
  const dataDir = join(dir, 'hub');
  const hubArgs = ['--heartbeat-threshold', '40'];
  let hub = await spawnProc('hub', dataDir, hubArgs);
  let c = new Client(hub.url, hub.tls, 32);
  const agents: SimAgent[] = [];
  const left = (): number => hardDeadline - performance.now();
  const benchCpu0 = process.cpuUsage();
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  try {
    // Idle hub RSS, before any agent.
    await sleep(3_000);
    const rssIdle = rssMiB(hub.pid) ?? NaN;

    const kc = new KubeConfig();
    kc.loadFromFile(join(dataDir, 'admin.kubeconfig'));
    const { token } = await createToken(new KubeClient(kc), {
      ttlSeconds: 3600,
      labels: { bench: 'agents' },
      description: 'bench:agents',
    });

    // Keys and CSRs (bench-side cost, not timed as registration).
    const tk = performance.now();
    for (let i = 0; i < n; i++) agents.push(new SimAgent(clusterName(i), hub.url));
    await runBounded(n, 16, 60_000, (i) => agents[i].makeKey());
    const keyMs = performance.now() - tk;
    log(`${n}: ${n} keys + CSRs in ${ms(keyMs)}; registering with concurrency ${REGISTER_CONCURRENCY}...`);

    // Join wave: register, then start the agent at once (watch, heartbeat, tunnel).
    const regLat: number[] = [];
    let regFailures = 0;
    let firstError = '';
    const t0 = performance.now();
    const regCpu0 = cpuMs(hub.pid) ?? NaN;
    let lastRegAt = t0;
    const reg = await runBounded(
      n,
      REGISTER_CONCURRENCY,
      Math.min(BUDGET.register, left() - 120_000),
      async (i) => {
        try {
          regLat.push(await agents[i].register(token, hub.tls.ca));
          lastRegAt = performance.now();
          agents[i].start(memberKc);
        } catch (e) {
          regFailures++;
          firstError ||= (e as Error).message;
        }
      },
    );
    const registered = agents.filter((a) => a.cert !== '');
    const regWaveMs = lastRegAt - t0;
    const regCpuMs = (cpuMs(hub.pid) ?? NaN) - regCpu0;
    log(
      `${n}: ${registered.length} registered in ${ms(regWaveMs)} (p50 ${ms(percentile(regLat, 50))}, ` +
        `p99 ${ms(percentile(regLat, 99))})${regFailures ? `; ${regFailures} failed: ${firstError}` : ''}`,
    );
    rows.push([
      `registration (POST register → 200 + cert), concurrency ${REGISTER_CONCURRENCY}`,
      `p50 ${ms(percentile(regLat, 50))}, p99 ${ms(percentile(regLat, 99))}, max ${ms(Math.max(...regLat))}; ` +
        `${registered.length}/${n} in ${ms(regWaveMs)} (${fmt(registered.length / (regWaveMs / 1000), 1)}/s)` +
        `${regFailures ? `, ${regFailures} FAILED` : ''}; hub CPU ${ms(regCpuMs / Math.max(1, registered.length))} ` +
        `per join (agents starting meanwhile included); keys+CSRs ${ms(keyMs)} (bench side)`,
      ANCHOR_REGISTER,
    ]);
    checks.push([
      `${n}: all agents registered${reg.timedOut ? ' (TIMED OUT)' : ''}`,
      registered.length === n,
    ]);
    const regP99 = percentile(regLat, 99);
    res.goals.push({
      what: `${fmt(n)} agents: registration p99 (POST register → cert, concurrency ${REGISTER_CONCURRENCY}; agents simulated in the bench process)`,
      measured: ms(regP99),
      goal: `<= ${ms(GOAL_REGISTER_P99_MS)}`,
      reference: `${ANCHOR_REGISTER} (published anchor, not run here)`,
      ratio: regP99 / GOAL_REGISTER_P99_MS,
      ok: registered.length === n && regP99 <= GOAL_REGISTER_P99_MS,
    });
    if (registered.length === 0) return res;
    const m = registered.length;

    // All Ready on the hub (health controller from heartbeats).
    let readyAt: number | undefined;
    let lastReady = 0;
    const readyOk = await until(
      async () => {
        lastReady = await readyCount(c);
        if (lastReady >= m) readyAt = performance.now();
        return lastReady >= m;
      },
      Math.min(BUDGET.ready, left() - 90_000),
      250,
    );
    rows.push([
      'all clusters Ready on the hub (from heartbeats)',
      readyOk && readyAt !== undefined
        ? `${ms(readyAt - t0)} after the first registration, ${ms(readyAt - lastRegAt)} after the last`
        : `NOT reached: ${lastReady}/${m} Ready`,
      'health check every 2 s',
    ]);
    checks.push([`${n}: all ${m} clusters Ready`, readyOk]);
    log(`${n}: ${lastReady}/${m} Ready after ${ms(performance.now() - t0)}`);

    // Every watch open and every tunnel connected (agent side), then the tunnels as the hub sees them.
    const connOk = await until(
      () => registered.every((a) => a.watchOpen && a.tunnelConnected()),
      Math.min(BUDGET.connected, left() - 60_000),
      250,
    );
    const connectedAt = performance.now();
    const viaHub = await tunnelsThroughHub(
      c,
      registered.map((a) => a.name),
      60_000,
    );
    rows.push([
      'watches open + tunnels connected',
      `${registered.filter((a) => a.watchOpen).length}/${m} watches, ` +
        `${registered.filter((a) => a.tunnelConnected()).length}/${m} tunnels at ${ms(connectedAt - t0)}; ` +
        `${viaHub}/${m} members answer GET /version through the hub's tunnel proxy`,
      'all',
    ]);
    checks.push([`${n}: all watches and tunnels up; every tunnel proxies`, connOk && viaHub === m]);

    // Propagation to all agents, as their own watches see it.
    const c0 = performance.now();
    await c.json('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: PROP_NS },
    });
    await c.json('POST', `${FED}/namespaces/${PROP_NS}/federatednamespaces`, {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedNamespace',
      metadata: { name: PROP_NS, namespace: PROP_NS },
      spec: { placement: { clusterSelector: {} } },
    });
    const fnsOk = await until(
      () => registered.every((a) => a.seen.has(PROP_NS)),
      Math.min(BUDGET.fedNamespace, left() - 60_000),
      50,
    );
    const fnsSeen = registered.filter((a) => a.seen.has(PROP_NS)).length;
    const fnsLat = registered.map((a) => (a.seen.get(PROP_NS) ?? NaN) - c0).filter(Number.isFinite);
    rows.push([
      'FederatedNamespace (clusterSelector {}) → Work seen by every agent',
      `${fnsSeen}/${m}; p50 ${ms(percentile(fnsLat, 50))}, p99 ${ms(percentile(fnsLat, 99))}, last ${ms(Math.max(...fnsLat))}`,
      '',
    ]);
    await sleep(2_000);
    const propLat: number[] = [];
    const allSeen: number[] = [];
    let propFailed = '';
    for (let run = 0; run < PROP_RUNS(n) && fnsOk && left() > 120_000; run++) {
      const name = `web-${run}`;
      const tp = performance.now();
      await c.json('POST', `${FED}/namespaces/${PROP_NS}/federateddeployments`, {
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedDeployment',
        metadata: { name, namespace: PROP_NS },
        spec: {
          template: {
            metadata: { labels: { app: name } },
            spec: {
              replicas: 3,
              selector: { matchLabels: { app: name } },
              template: {
                metadata: { labels: { app: name } },
                spec: { containers: [{ image: 'nginx:1.17.0-alpine', name: 'nginx' }] },
              },
            },
          },
          placement: { clusterSelector: {} },
        },
      });
      const ok = await until(() => registered.every((a) => a.seen.has(name)), BUDGET.propRun, 20);
      const lat = registered.map((a) => (a.seen.get(name) ?? NaN) - tp).filter(Number.isFinite);
      if (!ok) {
        propFailed = `run ${run}: only ${lat.length}/${m} agents saw ${name} in ${ms(BUDGET.propRun)}`;
        log(propFailed);
        break;
      }
      propLat.push(...lat);
      allSeen.push(Math.max(...lat));
      log(`${n}: run ${run}: p50 ${ms(percentile(lat, 50))}, last agent ${ms(Math.max(...lat))}`);
      await sleep(1_500);
    }
    rows.push([
      `FederatedDeployment POST → Work ADDED on each agent's watch (${allSeen.length} runs × ${m})`,
      `p50 ${ms(percentile(propLat, 50))}, p99 ${ms(percentile(propLat, 99))}, max ${ms(Math.max(...propLat))}; ` +
        `last agent per run p50 ${ms(percentile(allSeen, 50))}${propFailed ? `; ${propFailed}` : ''}`,
      ANCHOR_PROP,
    ]);
    checks.push([
      `${n}: propagation reached every agent in every run`,
      fnsOk && propFailed === '' && allSeen.length > 0,
    ]);
    const propGoal = GOAL_PROP_P99_MS.get(n);
    if (propGoal !== undefined) {
      const p99 = percentile(propLat, 99);
      res.goals.push({
        what: `${fmt(n)} agents: FederatedDeployment POST → Work on each agent's watch, p99`,
        measured: ms(p99),
        goal: `<= ${ms(propGoal)}`,
        reference: `${ANCHOR_PROP} (published anchor, not run here)`,
        ratio: p99 / propGoal,
        ok: p99 <= propGoal && propFailed === '',
      });
    }

    // Steady state: one heartbeat period with everything connected; count what the hub writes meanwhile.
    const writes = new Map<string, number>();
    const adminAgent = new HttpsAgent({ keepAlive: false, ...hub.tls });
    const counters: WatchStream[] = [];
    try {
      const rv = (await c.json<{ metadata: { resourceVersion: string } }>('GET', `${KFC}?limit=1`)).metadata
        .resourceVersion;
      for (const [label, path] of [
        ['KubeFedCluster', KFC],
        ['Work', '/apis/edgefed.io/v1alpha1/works'],
        ['Lease', LEASES],
        [`Federated*`, `${FED}/namespaces/${PROP_NS}/federateddeployments`],
      ] as const) {
        const w = new WatchStream(label, (ev) => {
          if (ev.type !== 'BOOKMARK') writes.set(label, (writes.get(label) ?? 0) + 1);
        });
        counters.push(w);
        await w.open(hub.url, `${path}?watch=true&resourceVersion=${rv}&timeoutSeconds=120`, adminAgent);
      }
    } catch (e) {
      notes.push(`${n}: could not count steady-state writes: ${(e as Error).message}`);
    }
    const s0 = performance.now();
    const cpuS0 = cpuMs(hub.pid) ?? NaN;
    let rssMax = 0;
    for (let i = 0; i < 20 && performance.now() - s0 < BUDGET.steady; i++) {
      await sleep(1_000);
      rssMax = Math.max(rssMax, rssMiB(hub.pid) ?? 0);
    }
    const steadyMs = performance.now() - s0;
    const steadyCpu = ((cpuMs(hub.pid) ?? NaN) - cpuS0) / steadyMs;
    for (const w of counters) w.close();
    adminAgent.destroy();
    const perS = (k: string): string => fmt(((writes.get(k) ?? 0) * 1000) / steadyMs, 1);
    const rssN = rssMiB(hub.pid) ?? NaN;
    const hubFds = openFds(hub.pid);
    rows.push([
      `hub RSS, idle → ${m} agents connected (watch + tunnel + heartbeats)`,
      `${fmt(rssIdle)} MiB → ${fmt(rssN)} MiB (max ${fmt(rssMax)} over ${ms(BUDGET.steady)}); ` +
        `${fmt(((rssN - rssIdle) * 1024) / m)} KiB per agent; hub fds ${hubFds ?? 'n/a'}`,
      `includes ${fmt(m * (2 + allSeen.length))} Works, ${m} clusters, namespaces, Leases`,
    ]);
    rows.push([
      'hub CPU, steady state',
      `${fmt(steadyCpu * 100, 1)}% of one core; writes/s: ${perS('Lease')} Lease, ${perS('KubeFedCluster')} ` +
        `KubeFedCluster, ${perS('Work')} Work, ${perS('Federated*')} FederatedDeployment`,
      `${fmt(m / HEARTBEAT_INTERVAL_SECONDS, 0)} Lease renewals/s expected; nothing else`,
    ]);

    // Reconnection storm: kill -9, restart on the same data dir and port.
    if (left() < 60_000 || process.env.BENCH_STORM === '0') {
      notes.push(
        `${n}: reconnection storm skipped (${left() < 60_000 ? 'too little time left' : 'BENCH_STORM=0'})`,
      );
      return res;
    }
    const port = Number(hub.url.port);
    log(`${n}: kill -9 of the hub (pid ${hub.pid}), restart on port ${port}...`);
    c.close();
    const killedAt = performance.now();
    await hub.kill9();
    const tunnelsDown = await until(() => registered.every((a) => !a.tunnelConnected()), BUDGET.hubDown, 50);
    const stillUp = registered.filter((a) => a.tunnelConnected()).length;
    const restartWall = Date.now();
    const restartedAt = performance.now();
    hub = await spawnProc('hub', dataDir, hubArgs, port);
    c = new Client(hub.url, hub.tls, 32);
    const servingMs = hub.servingAt - restartedAt;
    const cpuServing = cpuMs(hub.pid) ?? NaN;
    const at: Record<'leases' | 'ready' | 'watches' | 'tunnels', number | undefined> = {
      leases: undefined,
      ready: undefined,
      watches: undefined,
      tunnels: undefined,
    };
    let minReady = Infinity;
    let lastReadyStorm = -1;
    let lastLeases = 0;
    const stormOk = await until(
      async () => {
        const now = performance.now();
        if (at.watches === undefined && registered.every((a) => a.watchOpen && a.watchOpenedAt > restartedAt))
          at.watches = now;
        if (at.tunnels === undefined && registered.every((a) => a.tunnelConnected())) at.tunnels = now;
        if (at.leases === undefined) {
          lastLeases = await leasesRenewedSince(c, restartWall);
          if (lastLeases >= m) at.leases = performance.now();
        }
        const r = await readyCount(c);
        if (r >= 0) {
          minReady = Math.min(minReady, r);
          lastReadyStorm = r;
        }
        if (at.ready === undefined && at.leases !== undefined && r >= m) at.ready = performance.now();
        return Object.values(at).every((v) => v !== undefined);
      },
      Math.min(BUDGET.storm, left() - 30_000),
      250,
    );
    const stormEnd = performance.now();
    const recoveredAt = stormOk ? Math.max(...Object.values(at).map((v) => v ?? NaN)) : stormEnd;
    // The respawned process' whole CPU time: startup, re-lists, TLS handshakes, the storm itself.
    const stormCpu = (cpuMs(hub.pid) ?? NaN) / 1000;
    const viaHub2 =
      left() > 70_000
        ? await tunnelsThroughHub(
            c,
            registered.map((a) => a.name),
            60_000,
          )
        : undefined;
    const since = (t: number | undefined): string => (t === undefined ? 'NOT reached' : ms(t - restartedAt));
    rows.push([
      'storm: kill -9 → restart (same data dir + port)',
      `${tunnelsDown ? 'all' : `${m - stillUp}/${m}`} agents saw their tunnel drop in ${ms(restartedAt - killedAt)}; ` +
        `hub serving ${ms(servingMs)} after respawn`,
      `backoff: full jitter, ${BACKOFF_BASE_MS} ms base, ${BACKOFF_CAP_MS / 1000} s cap`,
    ]);
    rows.push([
      '  after respawn: all watches re-established',
      `${since(at.watches)} (${registered.filter((a) => a.watchOpenedAt > restartedAt).length}/${m})`,
      '',
    ]);
    rows.push([
      '  after respawn: all tunnels reconnected',
      `${since(at.tunnels)}; ${viaHub2 === undefined ? 'not checked (time)' : `${viaHub2}/${m}`} ` +
        `proxy GET /version through the hub${stormOk ? '' : ' (checked after the storm budget)'}`,
      '',
    ]);
    rows.push([
      '  after respawn: every Lease renewed (hub view)',
      `${since(at.leases)}${at.leases === undefined ? ` (${lastLeases}/${m})` : ''}`,
      `≤ one heartbeat period (${HEARTBEAT_INTERVAL_SECONDS} s) + backoff`,
    ]);
    rows.push([
      '  after respawn: all Ready again',
      `${since(at.ready)}${at.ready === undefined ? ` (${lastReadyStorm}/${m} at the end)` : ''}; ` +
        `fewest Ready seen during the storm: ${Number.isFinite(minReady) ? minReady : 'n/a'}/${m}`,
      'the 40 s threshold outlasts a short outage',
    ]);
    rows.push([
      `  hub CPU, respawn → ${stormOk ? 'everything recovered' : 'end of the storm budget (NOT recovered)'}`,
      `${fmt(stormCpu, 1)} s CPU in ${ms(recoveredAt - restartedAt)} (${fmt((stormCpu * 100000) / (recoveredAt - restartedAt), 0)}% of one core; ` +
        `${fmt(cpuServing / 1000, 1)} s of it to start serving)`,
      '',
    ]);
    checks.push([`${n}: everything reconnected after kill -9 and restart`, stormOk && viaHub2 === m]);
    const failures = registered.reduce((a, x) => a + x.counters.watchFailures, 0);
    const relists = registered.reduce((a, x) => a + x.counters.relists, 0);
    notes.push(
      `${n}: agents' watch failures ${failures}, relists ${relists} (${m} initial), heartbeat failures ` +
        `${registered.reduce((a, x) => a + x.counters.beatFailures, 0)}`,
    );
    return res;
  } finally {
    lag.disable();
    const cpu = process.cpuUsage(benchCpu0);
    const benchFds = openFds(process.pid);
    notes.push(
      `${n}: bench process: ${fmt((cpu.user + cpu.system) / 1e6, 1)} s CPU; event-loop delay p50 ` +
        `${ms(lag.percentile(50) / 1e6)}, p99 ${ms(lag.percentile(99) / 1e6)}, max ${ms(lag.max / 1e6)}; ` +
        `fds ${benchFds ?? 'n/a'}; RSS ${fmt(process.memoryUsage().rss / 2 ** 20)} MiB`,
    );
    log(`${n}: stopping ${agents.length} agents...`);
    await Promise.race([Promise.all(agents.map((a) => a.stop())), sleep(20_000)]);
    c.close();
    await hub.stop();
    removeDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------

function conditions(sizes: number[], fdLimit: number | undefined): [string, string][] {
  const mc = machine();
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const git = spawnSync('git', ['describe', '--always', '--dirty'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 5_000,
  });
  return [
    ['CPU', `${mc.cpu} (${cpus().length} cores)`],
    ['RAM', mc.ram],
    ['Node', process.version],
    ['edgefed', `${pkg.version}${git.status === 0 ? ` (git ${git.stdout.trim()})` : ''}`],
    ['N', sizes.map((n) => fmt(n)).join(', ') + ' agents (fresh hub per N)'],
    [
      'Setup',
      'one `edgefed hub` (SQLite, controllers, --heartbeat-threshold 40), one bare `edgefed apiserver` as the ' +
        'shared tunnel member; all agents simulated in the bench process (same 2 cores)',
    ],
    ['Open files', `ulimit -n ${fdLimit ?? 'unknown'} (bench needs ~${FDS_PER_AGENT} per agent, the hub ~3)`],
  ];
}

async function main(): Promise<void> {
  const benchStart = performance.now();
  const hardDeadline = benchStart + HARD_LIMIT_MS;
  const loadStart = loadavg()[0];
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await Promise.all([...liveProcs].map((p) => p.stop()));
      for (const d of tempDirs) removeDir(d);
    })());
  process.once('exit', killAllSync);
  const guard = guardBench(HARD_LIMIT_MS, cleanup);

  const fdLimit = openFilesLimit();
  const notes: string[] = [];
  const sizes: number[] = [];
  for (const n of SIZES) {
    const need = n * FDS_PER_AGENT + 500;
    if (fdLimit !== undefined && need > fdLimit) {
      const cap = Math.max(1, Math.floor((fdLimit - 500) / FDS_PER_AGENT));
      notes.push(`ulimit -n ${fdLimit} is too low for ${n} agents (~${need} fds): capped at ${cap}`);
      sizes.push(cap);
    } else sizes.push(n);
  }
  const results: SizeResult[] = [];
  try {
    const cond = conditions(sizes, fdLimit);
    const member = await spawnProc('apiserver', join(benchDir('edgefed-bench-member-'), 'member'), []);
    const memberKc = new KubeConfig();
    memberKc.loadFromFile(join(member.dataDir, 'admin.kubeconfig'));
    for (const n of sizes) {
      if (hardDeadline - performance.now() < 150_000) {
        notes.push(`${n} agents skipped: too little time left`);
        break;
      }
      results.push(await runSize(n, memberKc, hardDeadline));
    }
    const elapsed = (performance.now() - benchStart) / 1000;
    const loadEnd = loadavg()[0];
    cond.push(['Load avg', loadLine(loadStart, loadEnd)]);

    const out: string[] = ['', 'edgefed agents benchmark', ''];
    const cw = Math.max(...cond.map(([k]) => k.length));
    for (const [k, v] of cond) out.push(`  ${k.padEnd(cw)}  ${v}`);
    const checks: [string, boolean][] = [];
    const goals: Goal[] = [];
    for (const r of results) {
      goals.push(...r.goals);
      out.push('', `  N = ${fmt(r.n)} agents`, '');
      const w0 = Math.max(...r.rows.map((x) => x[0].length), 'measurement'.length);
      const w1 = Math.min(110, Math.max(...r.rows.map((x) => x[1].length), 'result'.length));
      const line = (a: string, b: string, t: string): string => `  ${a.padEnd(w0)} | ${b.padEnd(w1)} | ${t}`;
      out.push(line('measurement', 'result', 'anchor / expectation'));
      out.push(`  ${'-'.repeat(w0)}-+-${'-'.repeat(w1)}-+-${'-'.repeat(24)}`);
      for (const [a, b, t] of r.rows) out.push(line(a, b, t));
      checks.push(...r.checks);
      notes.push(...r.notes);
    }
    out.push(...verdictLines(goals, checks, notes));
    out.push(`  bench took ${fmt(elapsed, 1)} s`, '');
    process.stdout.write(out.join('\n'));
  } catch (e) {
    if (!guard.aborted()) {
      process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      for (const p of liveProcs)
        process.stderr.write(`process ${p.pid} log tail:\n${p.logs().slice(-4_000)}\n`);
    }
    process.exitCode = 1;
  } finally {
    guard.done();
    if (!guard.aborted()) await cleanup();
  }
}

await main();
