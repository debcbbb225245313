/**
 * Propagation benchmark: real `edgefed hub` processes on 127.0.0.1 with the federation controllers
 * in-process, driven over HTTPS with the admin client certificate. Measures
 *
 *   1. POST of one FederatedDeployment (clusterSelector {}) → all of its N Works written, seen on a
 *      Work watch, for N = 10, 100 and 1,000 registered clusters (p50/p99 over repeated runs);
 *   2. cold sync: 5,000 FederatedDeployments × 10 clusters written while no controllers ran, then the
 *      same data dir restarted with controllers: process start → all 50,000 Works present;
 *   3. the hub's RSS once that has settled;
 *   4. a full resync with nothing changed (hub restart on the same data dir: re-list, reconcile all)
 *      writes nothing but the leader Lease.
 *
 * Every loop is bounded in count and time; the whole run stays under 12 minutes on 2 cores.
 *
 *   npm run bench:propagation
 *   BENCH_PHASES=latency|cold       run one part only
 *   BENCH_HUB_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'   profile every hub (written on exit)
 *   BENCH_CLUSTERS=10,100           the latency phase's cluster counts (default 10,100,1000)
 *   BENCH_REFERENCE=0               skip the reference run (controllers over loopback HTTPS)
 *   BENCH_REFERENCE_FIRST=1         run the reference first (load drifts: check the order's bias)
 *
 * Goals (issue 16): POST → all Works p99 < 150 ms at 100 clusters and < 1 s at 1,000. The latency
 * phase runs twice in one bench: the hub as shipped (controllers call the API server in-process)
 * and, as the reference, the same hub with EDGEFED_INPROCESS_API=0 (every controller request over
 * loopback HTTPS, as before); the ratio is shipped / reference.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { clusterName, fedDeployment, fedNamespace, registerCluster } from './fixtures.js';
import type { Work } from '../api/federation.js';
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
  type Hub,
  type WatchEvent,
  waitForServing,
  guardBench,
  verdictLines,
  loadLine,
  type Goal,
} from './lib.js';

const SIZES = {
  clusterSteps: (process.env.BENCH_CLUSTERS ?? '10,100,1000')
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((x) => Number.isInteger(x) && x > 0),
  reps: new Map([
    [10, 20],
    [100, 20],
    [1_000, 8],
  ]),
  /** Untimed runs at the first step, so the hub's JIT is warm before anything is measured. */
  warmupReps: 3,
  registerConcurrency: 16,
  coldFeds: 5_000,
  coldClusters: 10,
  createConcurrency: 32,
  listPage: 1_000,
};
/** Per-phase time budgets (ms); a phase that runs out reports what it completed. */
const BUDGET = {
  /** Registering one step's clusters until their namespaces and FederatedNamespace Works exist. */
  register: 150_000,
  /** One run (POST → all N Works; DELETE → all gone), by N. */
  run: new Map([
    [10, 10_000],
    [100, 20_000],
    [1_000, 60_000],
  ]),
  /** All runs at one N. */
  runs: new Map([
    [10, 30_000],
    [100, 45_000],
    [1_000, 120_000],
  ]),
  coldFill: 120_000,
  coldSync: 360_000,
  settle: 120_000,
  resync: 150_000,
  /** Idle observation before the resync: ~2 leader-lease renewal periods (2 s each). */
  idleWindow: 5_000,
};
/** The whole bench is aborted (hubs killed, temp dirs removed) past this. */
const HARD_LIMIT_MS = 11.5 * 60_000;
/** Goals by cluster count: POST → all N Works, p99 (ms). */
const GOAL_P99_MS = new Map([
  [100, 150],
  [1_000, 1_000],
]);

const WORKS = '/apis/edgefed.io/v1alpha1/works';
const FED = '/apis/types.kubefed.io/v1beta1';
const LEASES = '/apis/coordination.k8s.io/v1/leases';
const CONTROLLER_LEASE =
  '/apis/coordination.k8s.io/v1/namespaces/kube-federation-system/leases/edgefed-controller-manager';
const CLUSTER_LABEL = 'edgefed.io/cluster';
const ANCHOR = 'Karmada v1.14: ~4 min for 5,000 deployments to 2 clusters on a many-core machine';

// ---------------------------------------------------------------------------------------------
// Hub processes (lib's startHub takes no hub flags; this one does) and cleanup on every exit path.

interface BenchHub extends Hub {
  /** performance.now() just before spawn. */
  spawnedAt: number;
}

const liveHubs = new Set<BenchHub>();
const tempDirs: string[] = [];

async function spawnHub(
  dataDir: string,
  extraArgs: string[],
  timeoutMs = 60_000,
  env: NodeJS.ProcessEnv = {},
): Promise<BenchHub> {
  const bin = join(packageRoot(), 'bin', 'edgefed');
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
    ...extraArgs,
  ];
  const spawnedAt = performance.now();
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    liveHubs.delete(hub);
  };
  const hub: BenchHub = {
    url: new URL('https://127.0.0.1'),
    pid: proc.pid ?? -1,
    dataDir,
    tls: { ca: '', cert: '', key: '' },
    proc,
    logs: () => stderr,
    stop,
    spawnedAt,
  };
  liveHubs.add(hub);
  try {
    const url = await waitForServing(proc, 'hub', () => stderr, timeoutMs);
    const host = new URL(url);
    if (host.hostname !== '127.0.0.1') throw new Error(`hub serves at ${url}, not on 127.0.0.1`);
    hub.url = host;
  } catch (e) {
    await stop();
    throw e;
  }
  const pki = join(dataDir, 'pki');
  hub.tls = {
    ca: readFileSync(join(pki, 'ca.crt'), 'utf8'),
    cert: readFileSync(join(pki, 'admin.crt'), 'utf8'),
    key: readFileSync(join(pki, 'admin.key'), 'utf8'),
  };
  return hub;
}

function benchDir(prefix: string): string {
  const d = tempDir(prefix);
  tempDirs.push(d);
  return d;
}

/** Last resort on process exit: synchronous kill and removal. */
function killAllSync(): void {
  for (const h of liveHubs) {
    if (h.proc.exitCode === null && h.proc.signalCode === null) h.proc.kill('SIGKILL');
  }
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Objects.

async function createNamespace(c: Client, name: string, labels?: Record<string, string>): Promise<void> {
  await c.json('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, ...(labels ? { labels } : {}) },
  });
}

/** The store's global revision (every write moves it by one). */
async function globalRevision(c: Client): Promise<number> {
  const l = await c.json<{ metadata: { resourceVersion: string } }>(
    'GET',
    '/api/v1/namespaces/default/configmaps?limit=1',
  );
  return Number(l.metadata.resourceVersion);
}

interface Listed {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
}

/** name → resourceVersion of every object in a (paginated) collection. */
async function resourceVersions(c: Client, path: string, deadline: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cont = '';
  for (let page = 0; page < 1_000 && performance.now() < deadline; page++) {
    const l = await c.json<{ items: Listed[]; metadata: { continue?: string } }>(
      'GET',
      `${path}?limit=${SIZES.listPage}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`,
    );
    for (const o of l.items)
      out.set(`${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`, o.metadata.resourceVersion ?? '');
    cont = l.metadata.continue ?? '';
    if (!cont) return out;
  }
  throw new Error(`listing ${path} did not finish in time`);
}

async function countClusterNamespaces(c: Client): Promise<number> {
  const l = await c.json<{ items: unknown[] }>(
    'GET',
    `/api/v1/namespaces?labelSelector=${encodeURIComponent(CLUSTER_LABEL)}`,
  );
  return l.items.length;
}

/** Polls `fn` every `everyMs` until it returns true or `ms` passes; false on timeout. */
async function until(fn: () => boolean | Promise<boolean>, ms: number, everyMs = 100): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (let i = 0; i < 1_000_000; i++) {
    if (await fn()) return true;
    if (performance.now() > deadline) return false;
    await sleep(everyMs);
  }
  return false;
}

/**
 * Waits until the hub process has been (nearly) idle — under `idleCpuMsPerS` of CPU per second —
 * for `quietSeconds` consecutive seconds. Returns the ms waited, or undefined on timeout.
 */
async function waitHubIdle(
  hub: BenchHub,
  budgetMs: number,
  quietSeconds = 3,
  idleCpuMsPerS = 40,
): Promise<number | undefined> {
  const start = performance.now();
  let quiet = 0;
  let last = cpuMs(hub.pid) ?? 0;
  while (performance.now() - start < budgetMs) {
    await sleep(1_000);
    const now = cpuMs(hub.pid) ?? 0;
    quiet = now - last < idleCpuMsPerS ? quiet + 1 : 0;
    last = now;
    if (quiet >= quietSeconds) return performance.now() - start - quietSeconds * 1_000;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Work watch: which Works exist per source object, with the receive time of each event.

interface WorkLike {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: Partial<Pick<Work['spec'], 'cluster' | 'source'>>;
}

class WorkTracker {
  /** `<kind>/<namespace>/<name>` of the source → keys of its Works. */
  private readonly bySource = new Map<string, Set<string>>();
  private readonly kindTotals = new Map<string, number>();
  private waiters: { pred: () => boolean; resolve: (at: number | undefined) => void }[] = [];
  readonly counts = { ADDED: 0, MODIFIED: 0, DELETED: 0, other: 0 };
  lastEventAt = 0;

  static key(kind: string, namespace: string | undefined, name: string): string {
    return `${kind}/${namespace ?? ''}/${name}`;
  }

  onEvent = (ev: WatchEvent, at: number): void => {
    this.lastEventAt = at;
    const w = ev.object as unknown as WorkLike;
    const src = w.spec?.source;
    if ((ev.type !== 'ADDED' && ev.type !== 'DELETED') || !src) {
      if (ev.type === 'MODIFIED') this.counts.MODIFIED++;
      else this.counts.other++;
      return;
    }
    this.counts[ev.type]++;
    const key = WorkTracker.key(src.kind ?? '', src.namespace, src.name ?? '');
    const workKey = `${w.metadata.namespace ?? ''}/${w.metadata.name ?? ''}`;
    let set = this.bySource.get(key);
    if (!set) this.bySource.set(key, (set = new Set()));
    const before = set.size;
    if (ev.type === 'ADDED') set.add(workKey);
    else set.delete(workKey);
    const kind = src.kind ?? '';
    this.kindTotals.set(kind, (this.kindTotals.get(kind) ?? 0) + set.size - before);
    if (this.waiters.length > 0) {
      this.waiters = this.waiters.filter((wt) => {
        if (!wt.pred()) return true;
        wt.resolve(at);
        return false;
      });
    }
  };

  count(kind: string, namespace: string | undefined, name: string): number {
    return this.bySource.get(WorkTracker.key(kind, namespace, name))?.size ?? 0;
  }

  total(kind: string): number {
    return this.kindTotals.get(kind) ?? 0;
  }

  /** Resolves with the receive time of the event that made `pred` true (now if already true). */
  when(pred: () => boolean, timeoutMs: number): Promise<number | undefined> {
    if (pred()) return Promise.resolve(performance.now());
    return new Promise((resolve) => {
      const waiter = {
        pred,
        resolve: (at: number | undefined) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

async function openWatch(
  hub: Hub,
  agents: Agent[],
  streams: WatchStream[],
  label: string,
  path: string,
  rv: number,
  onEvent: (ev: WatchEvent, at: number) => void,
): Promise<WatchStream> {
  const agent = new Agent({ keepAlive: false, ...hub.tls });
  agents.push(agent);
  const s = new WatchStream(label, onEvent);
  streams.push(s);
  await s.open(hub.url, `${path}?watch=true&resourceVersion=${rv}&timeoutSeconds=3600`, agent);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Output.

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
const ms = (n: number): string => (n >= 10_000 ? `${fmt(n / 1000, 1)} s` : `${fmt(n, n < 10 ? 2 : 1)} ms`);
const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

function conditions(): [string, string][] {
  const m = machine();
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const git = spawnSync('git', ['describe', '--always', '--dirty'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 5_000,
  });
  const rev = git.status === 0 ? ` (git ${git.stdout.trim()})` : '';
  return [
    ['CPU', `${m.cpu} (${cpus().length} cores)`],
    ['RAM', m.ram],
    ['Node', process.version],
    ['edgefed', `${pkg.version}${rev}`],
    ['Hub', 'one process: API server on SQLite + leader-elected controllers (4 sync workers per type)'],
    [
      'Counts',
      `latency: ${SIZES.clusterSteps.map((n) => `${fmt(n)} clusters × ${SIZES.reps.get(n)} runs`).join(', ')}` +
        ` (+${SIZES.warmupReps} warm-up); cold sync: ${fmt(SIZES.coldFeds)} FederatedDeployments × ${SIZES.coldClusters} clusters`,
    ],
  ];
}

type Transport = 'in-process' | 'over loopback HTTPS';

interface LatencyRow {
  clusters: number;
  register: string;
  runs: number;
  createMs: number[];
  deleteMs: number[];
  timedOut: boolean;
  rssMiB?: number;
  /** Hub CPU time (user + system) per run, create and delete, warm-up runs excluded. */
  cpuPerRunMs?: number;
}

// ---------------------------------------------------------------------------------------------
// 1. Create → all N Works, for N = 10, 100, 1,000.

async function latencyPhase(hardDeadline: number, transport: Transport): Promise<LatencyRow[]> {
  const dir = benchDir('edgefed-bench-prop-');
  log(`latency phase, controllers → API server ${transport}`);
  const hub = await spawnHub(
    join(dir, 'hub'),
    [],
    60_000,
    transport === 'in-process' ? {} : { EDGEFED_INPROCESS_API: '0' },
  );
  const c = new Client(hub.url, hub.tls, 64);
  const agents: Agent[] = [];
  const streams: WatchStream[] = [];
  const rows: LatencyRow[] = [];
  try {
    const NS = 'prop';
    await createNamespace(c, NS);
    await c.json('POST', `${FED}/namespaces/${NS}/federatednamespaces`, fedNamespace(NS));
    const tracker = new WorkTracker();
    await openWatch(hub, agents, streams, 'works', WORKS, await globalRevision(c), tracker.onEvent);

    let registered = 0;
    for (const n of SIZES.clusterSteps) {
      if (performance.now() > hardDeadline - 60_000) {
        log(`skipping ${n} clusters: too little time left`);
        break;
      }
      log(`registering clusters ${registered} .. ${n - 1} ...`);
      const t0 = performance.now();
      const base = registered;
      const reg = await runBounded(n - base, SIZES.registerConcurrency, BUDGET.register, (i) =>
        registerCluster(c, clusterName(base + i)),
      );
      registered += reg.done;
      const regMs = performance.now() - t0;
      if (registered < n) {
        log(`only ${registered} of ${n} clusters registered in ${ms(regMs)}; stopping here`);
        break;
      }
      const left = Math.max(1_000, BUDGET.register - regMs);
      const nsOk = await until(async () => (await countClusterNamespaces(c)) >= n, left, 100);
      const nsMs = performance.now() - t0;
      const fnsOk =
        nsOk &&
        (await tracker.when(() => tracker.count('Namespace', undefined, NS) >= n, left)) !== undefined;
      const readyMs = performance.now() - t0;
      if (!nsOk || !fnsOk) {
        log(
          `the hub did not create ${n} cluster namespaces and FederatedNamespace Works in time ` +
            `(${await countClusterNamespaces(c)} namespaces, ${tracker.count('Namespace', undefined, NS)} Works)`,
        );
        break;
      }
      await waitHubIdle(hub, 30_000, 2, 100);
      const register =
        `${fmt(n)} clusters: ${ms(regMs)} to register (POST + status), cluster namespaces after ` +
        `${ms(nsMs)}, FederatedNamespace Works after ${ms(readyMs)}`;
      log(register);

      const row: LatencyRow = { clusters: n, register, runs: 0, createMs: [], deleteMs: [], timedOut: false };
      rows.push(row);
      const runBudget = BUDGET.run.get(n) ?? 60_000;
      const phaseEnd = Math.min(performance.now() + (BUDGET.runs.get(n) ?? 60_000), hardDeadline - 30_000);
      const reps = SIZES.reps.get(n) ?? 5;
      const warm = n === SIZES.clusterSteps[0] ? SIZES.warmupReps : 0;
      let cpu0 = cpuMs(hub.pid) ?? NaN;
      for (let i = 0; i < warm + reps && performance.now() < phaseEnd; i++) {
        if (i === warm) cpu0 = cpuMs(hub.pid) ?? NaN;
        const name = `d${n}-${i}`;
        const t = performance.now();
        await c.json('POST', `${FED}/namespaces/${NS}/federateddeployments`, fedDeployment(NS, name));
        const doneAt = await tracker.when(() => tracker.count('Deployment', NS, name) >= n, runBudget);
        if (doneAt === undefined) {
          log(`run ${name}: only ${tracker.count('Deployment', NS, name)} of ${n} Works in ${ms(runBudget)}`);
          row.timedOut = true;
          break;
        }
        const td = performance.now();
        await c.json('DELETE', `${FED}/namespaces/${NS}/federateddeployments/${name}`, undefined, [200, 202]);
        const goneAt = await tracker.when(() => tracker.count('Deployment', NS, name) === 0, runBudget);
        const fedGone = await until(
          async () =>
            (await c.request('GET', `${FED}/namespaces/${NS}/federateddeployments/${name}`)).status === 404,
          runBudget,
          20,
        );
        if (goneAt === undefined || !fedGone) {
          log(`run ${name}: deletion did not finish in ${ms(runBudget)}`);
          row.timedOut = true;
          break;
        }
        if (i < warm) continue;
        row.createMs.push(doneAt - t);
        row.deleteMs.push(goneAt - td);
        row.runs++;
      }
      row.rssMiB = rssMiB(hub.pid);
      row.cpuPerRunMs = ((cpuMs(hub.pid) ?? NaN) - cpu0) / Math.max(1, row.runs);
      log(
        `${fmt(n)} clusters: ${row.runs} runs, p50 ${ms(percentile(row.createMs, 50))}, ` +
          `p99 ${ms(percentile(row.createMs, 99))}`,
      );
      if (row.timedOut) break;
    }
    return rows;
  } finally {
    for (const s of streams) s.close();
    for (const a of agents) a.destroy();
    c.close();
    await hub.stop();
    removeDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------
// 2–4. Cold sync of 5,000 × 10, RSS, and a resync that must write nothing.

interface ColdResult {
  rows: [string, string, string][];
  checks: [string, boolean][];
  notes: string[];
}

async function coldPhase(hardDeadline: number): Promise<ColdResult> {
  const rows: [string, string, string][] = [];
  const checks: [string, boolean][] = [];
  const notes: string[] = [];
  const dir = benchDir('edgefed-bench-cold-');
  const dataDir = join(dir, 'hub');
  const NS = 'cold';
  const nFeds = SIZES.coldFeds;
  const nClusters = SIZES.coldClusters;
  const want = nFeds * nClusters;
  const agents: Agent[] = [];
  const streams: WatchStream[] = [];
  const clients: Client[] = [];
  const hubs: BenchHub[] = [];
  const closeWatches = (): void => {
    for (const s of streams.splice(0)) s.close();
    for (const a of agents.splice(0)) a.destroy();
  };
  try {
    // The state a hub would hold after the objects were applied while no controller ran. The cluster
    // namespaces exist, as the hub created them when the clusters joined.
    log(
      `cold sync: writing ${fmt(nClusters)} clusters and ${fmt(nFeds)} FederatedDeployments (no controllers)...`,
    );
    const fill = await spawnHub(dataDir, ['--no-controllers']);
    hubs.push(fill);
    const fc = new Client(fill.url, fill.tls, 64);
    clients.push(fc);
    await createNamespace(fc, NS);
    for (let i = 0; i < nClusters; i++) {
      await registerCluster(fc, clusterName(i));
      await createNamespace(fc, `edgefed-cluster-${clusterName(i)}`, { [CLUSTER_LABEL]: clusterName(i) });
    }
    await fc.json('POST', `${FED}/namespaces/${NS}/federatednamespaces`, fedNamespace(NS));
    const filled = await runBounded(nFeds, SIZES.createConcurrency, BUDGET.coldFill, async (i) => {
      await fc.json(
        'POST',
        `${FED}/namespaces/${NS}/federateddeployments`,
        fedDeployment(NS, `d-${String(i).padStart(5, '0')}`),
      );
    });
    if (filled.done < nFeds)
      throw new Error(`only ${filled.done} of ${nFeds} FederatedDeployments written in time`);
    log(`  ${fmt(nFeds)} FederatedDeployments written in ${ms(filled.ms)}`);
    const rvFilled = await globalRevision(fc);
    fc.close();
    await fill.stop();

    // Restart WITH controllers; time from process start until the watch has seen all Works.
    log('cold sync: restarting the same data dir with controllers...');
    const syncDeadline = Math.min(performance.now() + BUDGET.coldSync, hardDeadline - 150_000);
    const hub = await spawnHub(dataDir, []);
    hubs.push(hub);
    const servingMs = performance.now() - hub.spawnedAt;
    const c = new Client(hub.url, hub.tls, 64);
    clients.push(c);
    const tracker = new WorkTracker();
    // From the revision before the restart: nothing the new process writes is missed.
    await openWatch(hub, agents, streams, 'works', WORKS, rvFilled, tracker.onEvent);
    let firstWorkAt: number | undefined;
    void tracker.when(() => tracker.total('Deployment') > 0, BUDGET.coldSync).then((t) => (firstWorkAt = t));
    let lastReport = performance.now();
    let doneAt: number | undefined;
    const progress = setInterval(() => {
      if (performance.now() - lastReport < 15_000) return;
      lastReport = performance.now();
      const s = (lastReport - hub.spawnedAt) / 1000;
      log(
        `  ${fmt(s, 0)} s: ${fmt(tracker.total('Deployment'))} / ${fmt(want)} Works, ` +
          `hub CPU ${fmt((cpuMs(hub.pid) ?? 0) / 1000, 1)} s, RSS ${fmt(rssMiB(hub.pid) ?? NaN)} MiB`,
      );
    }, 1_000);
    try {
      doneAt = await tracker.when(
        () => tracker.total('Deployment') >= want,
        Math.max(1_000, syncDeadline - performance.now()),
      );
    } finally {
      clearInterval(progress);
    }
    const got = tracker.total('Deployment');
    const syncCpu = (cpuMs(hub.pid) ?? NaN) / 1000;
    if (doneAt === undefined) {
      const s = (performance.now() - hub.spawnedAt) / 1000;
      rows.push([
        `cold sync: ${fmt(nFeds)} FederatedDeployments × ${nClusters} clusters`,
        `GAVE UP after ${fmt(s, 0)} s: ${fmt(got)} of ${fmt(want)} Works (${fmt(got / s)} Works/s)`,
        ANCHOR,
      ]);
      checks.push([`cold sync of ${fmt(want)} Works finished within ${ms(BUDGET.coldSync)}`, false]);
      return { rows, checks, notes };
    }
    const totalMs = doneAt - hub.spawnedAt;
    const fromFirst = firstWorkAt !== undefined ? doneAt - firstWorkAt : NaN;
    rows.push([
      `cold sync: ${fmt(nFeds)} FederatedDeployments × ${nClusters} clusters`,
      `${fmt(totalMs / 1000, 1)} s process start → all ${fmt(want)} Works (${fmt(want / (totalMs / 1000))} Works/s; ` +
        `serving after ${ms(servingMs)}, first Work at ${ms((firstWorkAt ?? NaN) - hub.spawnedAt)}, ` +
        `then ${fmt(want / (fromFirst / 1000))} Works/s; hub CPU ${fmt(syncCpu, 1)} s)`,
      ANCHOR,
    ]);
    checks.push([`cold sync of ${fmt(want)} Works finished within ${ms(BUDGET.coldSync)}`, true]);

    // 3. RSS once the controllers are idle (statuses written, re-queued keys processed).
    log('cold sync: waiting for the hub to settle...');
    const settleMs = await waitHubIdle(
      hub,
      Math.min(BUDGET.settle, hardDeadline - performance.now() - 90_000),
    );
    rows.push([
      'hub after the cold sync has settled',
      `RSS ${fmt(rssMiB(hub.pid) ?? NaN)} MiB; idle ${settleMs === undefined ? 'NOT reached' : `${ms(settleMs)} after the last Work`}; ` +
        `CPU ${fmt((cpuMs(hub.pid) ?? NaN) / 1000, 1)} s in all; Work events ${fmt(tracker.counts.ADDED)} ADDED, ` +
        `${fmt(tracker.counts.MODIFIED)} MODIFIED`,
      `${fmt(nFeds)} feds, ${fmt(want + nClusters)} Works in the informer caches`,
    ]);
    closeWatches();
    if (settleMs === undefined) {
      checks.push(['hub went idle after the cold sync', false]);
      return { rows, checks, notes };
    }

    // 4. Resync with nothing changed: restart the hub on the same data dir (re-list, reconcile all).
    log('resync: snapshotting resourceVersions...');
    const listDeadline = performance.now() + 60_000;
    const rvBefore = await globalRevision(c);
    const snapshot = async (cl: Client) => ({
      works: await resourceVersions(cl, WORKS, listDeadline),
      feds: await resourceVersions(cl, `${FED}/federateddeployments`, listDeadline),
      fns: await resourceVersions(cl, `${FED}/federatednamespaces`, listDeadline),
    });
    const before = await snapshot(c);
    // The idle window on its own (the snapshot above takes a few seconds of Lease renewals too).
    const rvIdleStart = await globalRevision(c);
    const idleStart = performance.now();
    await sleep(BUDGET.idleWindow);
    const rvIdle = await globalRevision(c);
    const idleWindowMs = performance.now() - idleStart;
    const idleWrites = rvIdle - rvIdleStart;
    log(`resync: ${idleWrites} writes in ${ms(idleWindowMs)} idle; restarting the hub...`);
    c.close();
    await hub.stop();
    const hub2 = await spawnHub(dataDir, []);
    hubs.push(hub2);
    const c2 = new Client(hub2.url, hub2.tls, 64);
    clients.push(c2);
    const resyncEnd = Math.min(performance.now() + BUDGET.resync, hardDeadline - 20_000);
    const leading = await until(
      async () => {
        const r = await c2.request('GET', CONTROLLER_LEASE);
        if (r.status !== 200) return false;
        const holder = (JSON.parse(r.body) as { spec?: { holderIdentity?: string } }).spec?.holderIdentity;
        return holder?.endsWith(`-${hub2.pid}`) ?? false;
      },
      30_000,
      100,
    );
    const cpuAtStart = cpuMs(hub2.pid) ?? 0;
    const idleMs = leading ? await waitHubIdle(hub2, resyncEnd - performance.now()) : undefined;
    const resyncCpu = ((cpuMs(hub2.pid) ?? NaN) - cpuAtStart) / 1000;
    // Canary: the queue is FIFO, so its Works appearing means every key queued by the re-list was taken.
    const rvCanary = await globalRevision(c2);
    const canary = new WorkTracker();
    await openWatch(hub2, agents, streams, 'canary', WORKS, rvCanary, canary.onEvent);
    await c2.json('POST', `${FED}/namespaces/${NS}/federateddeployments`, fedDeployment(NS, 'canary'));
    const canaryAt = await canary.when(
      () => canary.count('Deployment', NS, 'canary') >= nClusters,
      Math.max(5_000, resyncEnd - performance.now()),
    );
    await waitHubIdle(hub2, 20_000, 2);
    const rvAfter = await globalRevision(c2);
    closeWatches();

    // Every write since rvBefore, by kind, from watches replaying the history.
    const tally = new Map<string, number>();
    const idleTally = new Map<string, number>();
    const isCanary = (ev: WatchEvent): boolean =>
      ev.object.metadata?.name === 'canary' ||
      (ev.object as unknown as WorkLike).spec?.source?.name === 'canary';
    let canaryWrites = 0;
    const watched = [
      ['leases', LEASES],
      ['works', WORKS],
      ['federateddeployments', `${FED}/federateddeployments`],
      ['federatednamespaces', `${FED}/federatednamespaces`],
      ['kubefedclusters', '/apis/core.kubefed.io/v1beta1/kubefedclusters'],
      ['namespaces', '/api/v1/namespaces'],
      ['events', '/api/v1/events'],
      ['configmaps', '/api/v1/configmaps'],
      ['customresourcedefinitions', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'],
      ['federatedtypeconfigs', '/apis/core.kubefed.io/v1beta1/federatedtypeconfigs'],
    ] as const;
    for (const [label, path] of watched) {
      await openWatch(hub2, agents, streams, label, path, rvBefore, (ev) => {
        if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') return;
        const rv = Number(ev.object.metadata?.resourceVersion);
        if (!(rv > rvBefore && rv <= rvAfter)) return;
        if (isCanary(ev)) canaryWrites++;
        else tally.set(label, (tally.get(label) ?? 0) + 1);
        if (rv > rvIdleStart && rv <= rvIdle) {
          const what = label === 'leases' ? `Lease ${ev.object.metadata?.name ?? ''}` : label;
          idleTally.set(what, (idleTally.get(what) ?? 0) + 1);
        }
      });
    }
    await sleep(1_500);
    closeWatches();
    const after = await snapshot(c2);
    const changed = (a: Map<string, string>, b: Map<string, string>): number => {
      let n = 0;
      for (const [k, rv] of a) if (b.get(k) !== rv) n++;
      for (const k of b.keys()) if (!a.has(k) && !/[/.]canary$/.test(k)) n++;
      return n;
    };
    const worksChanged = changed(before.works, after.works);
    const fedsChanged = changed(before.feds, after.feds) + changed(before.fns, after.fns);
    const total = rvAfter - rvBefore;
    const leases = tally.get('leases') ?? 0;
    const workWrites = tally.get('works') ?? 0;
    const fedWrites = (tally.get('federateddeployments') ?? 0) + (tally.get('federatednamespaces') ?? 0);
    // installCrds (hub/crd-loader.ts) re-PUTs every CRD on each start: the hub's startup, not the resync.
    const crdWrites = tally.get('customresourcedefinitions') ?? 0;
    const classified = [...tally.values()].reduce((a, b) => a + b, 0) + canaryWrites;
    const others = [...tally]
      .filter(
        ([k]) =>
          ![
            'leases',
            'works',
            'federateddeployments',
            'federatednamespaces',
            'customresourcedefinitions',
          ].includes(k),
      )
      .map(([k, v]) => `${v} ${k}`);
    if (total > classified) others.push(`${total - classified} unclassified`);
    const otherCount = total - leases - canaryWrites - workWrites - fedWrites - crdWrites;
    rows.push([
      `idle hub, ${ms(idleWindowMs)} (rev ${rvIdleStart} → ${rvIdle})`,
      `${idleWrites} writes: ${[...idleTally].map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`,
      'Lease renewals only (every 2 s)',
    ]);
    rows.push([
      'resync with nothing changed (hub restart, re-list, reconcile all)',
      `${leading ? '' : 'NEVER LED; '}${idleMs === undefined ? 'did NOT go idle; ' : `idle ${ms(idleMs)} after leading, `}` +
        `${fmt(resyncCpu, 1)} s hub CPU; canary's ${nClusters} Works ${canaryAt === undefined ? 'NOT seen' : 'seen after it'}`,
      'a level-triggered pass over everything',
    ]);
    rows.push([
      `  writes, rev ${rvBefore} → ${rvAfter} (${total} in all)`,
      `${leases} Lease, ${workWrites} Work, ${fedWrites} federated-object, ${canaryWrites} canary, ` +
        `${crdWrites} CRD (hub startup)${others.length ? `, ${others.join(', ')}` : ''}`,
      'only Lease writes',
    ]);
    rows.push([
      '  resourceVersions before vs after',
      `${worksChanged} of ${fmt(before.works.size)} Works and ${fedsChanged} of ${fmt(before.feds.size + before.fns.size)} federated objects changed`,
      'all unchanged',
    ]);
    const line = `writes during resync: ${workWrites} Works, ${fedWrites} federated objects`;
    log(line);
    checks.push([
      'hub led and went idle after the restart; canary propagated',
      leading && idleMs !== undefined && canaryAt !== undefined,
    ]);
    checks.push([line, workWrites === 0 && fedWrites === 0 && worksChanged === 0 && fedsChanged === 0]);
    checks.push([
      `no other writes besides Lease, canary and hub-startup CRDs (${otherCount} others)`,
      otherCount === 0,
    ]);
    if (crdWrites > 0)
      notes.push(
        `the hub re-wrote ${crdWrites} CRDs on start (hub/crd-loader.ts installCrds updates each CRD unconditionally)`,
      );
    return { rows, checks, notes };
  } finally {
    closeWatches();
    for (const cl of clients) cl.close();
    for (const h of hubs) await h.stop();
    removeDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const benchStart = performance.now();
  const hardDeadline = benchStart + HARD_LIMIT_MS;
  const loadStart = loadavg()[0];
  const phases = new Set((process.env.BENCH_PHASES ?? 'latency,cold').split(',').map((s) => s.trim()));
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await Promise.all([...liveHubs].map((h) => h.stop()));
      for (const d of tempDirs) removeDir(d);
    })());
  process.once('exit', killAllSync);
  const guard = guardBench(HARD_LIMIT_MS, cleanup);

  try {
    const cond = conditions();
    // Load on a shared machine drifts: BENCH_REFERENCE_FIRST=1 swaps the order, to see the bias.
    const withRef = phases.has('latency') && process.env.BENCH_REFERENCE !== '0';
    const refFirst = withRef && process.env.BENCH_REFERENCE_FIRST === '1';
    const early = refFirst ? await latencyPhase(hardDeadline, 'over loopback HTTPS') : [];
    const latency = phases.has('latency') ? await latencyPhase(hardDeadline, 'in-process') : [];
    const reference = refFirst
      ? early
      : withRef
        ? await latencyPhase(hardDeadline, 'over loopback HTTPS')
        : [];
    cond.push([
      'Order',
      refFirst ? 'reference (HTTPS) first, then in-process' : 'in-process first, then the reference',
    ]);
    const cold: ColdResult = phases.has('cold')
      ? await coldPhase(hardDeadline)
      : { rows: [], checks: [], notes: [] };
    const elapsed = (performance.now() - benchStart) / 1000;
    const loadEnd = loadavg()[0];
    cond.push(['Load avg', `${loadLine(loadStart, loadEnd)}; the bench itself keeps ~1-2 busy`]);

    const out: string[] = ['', 'edgefed propagation benchmark', ''];
    const cw = Math.max(...cond.map(([k]) => k.length));
    for (const [k, v] of cond) out.push(`  ${k.padEnd(cw)}  ${v}`);
    const checks: [string, boolean][] = [];
    const goals: Goal[] = [];
    for (const [label, rows] of [
      ['in-process (as shipped)', latency],
      ['over loopback HTTPS (reference: EDGEFED_INPROCESS_API=0)', reference],
    ] as const) {
      if (rows.length === 0) continue;
      out.push(
        '',
        `  1. POST of one FederatedDeployment (clusterSelector {}) → all N Works written (Work watch); controllers → API ${label}`,
        '',
      );
      const head = [
        'clusters',
        'runs',
        'p50',
        'p99',
        'max',
        'per Work (p50)',
        'DELETE → all gone p50',
        'hub CPU/run',
        'RSS',
      ];
      const body = rows.map((r) => [
        fmt(r.clusters),
        `${r.runs}${r.timedOut ? ' (timed out)' : ''}`,
        ms(percentile(r.createMs, 50)),
        ms(percentile(r.createMs, 99)),
        ms(Math.max(...r.createMs)),
        ms(percentile(r.createMs, 50) / r.clusters),
        ms(percentile(r.deleteMs, 50)),
        ms(r.cpuPerRunMs ?? NaN),
        `${fmt(r.rssMiB ?? NaN)} MiB`,
      ]);
      const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
      const line = (cells: string[]): string => `  ${cells.map((x, i) => x.padStart(widths[i])).join(' | ')}`;
      out.push(line(head), `  ${widths.map((w) => '-'.repeat(w)).join('-+-')}`);
      for (const b of body) out.push(line(b));
      out.push('');
      for (const r of rows) out.push(`  registration: ${r.register}`);
    }
    for (const n of SIZES.clusterSteps) {
      if (!phases.has('latency')) break;
      const r = latency.find((x) => x.clusters === n);
      const measured = r !== undefined && !r.timedOut && r.runs > 0;
      const goalMs = GOAL_P99_MS.get(n);
      if (goalMs === undefined) {
        checks.push([`${fmt(n)} clusters measured (${r?.runs ?? 0} runs)`, measured]);
        continue;
      }
      const p99 = measured ? percentile(r.createMs, 99) : NaN;
      const ref = reference.find((x) => x.clusters === n);
      const refP99 = ref !== undefined && ref.runs > 0 ? percentile(ref.createMs, 99) : NaN;
      goals.push({
        what: `POST → all ${fmt(n)} Works p99, ${r?.runs ?? 0} runs${r?.timedOut ? ' (TIMED OUT)' : ''}`,
        measured: measured ? ms(p99) : 'not measured',
        goal: `< ${ms(goalMs)}`,
        reference: Number.isFinite(refP99)
          ? `${ms(refP99)} with controllers over loopback HTTPS`
          : 'not run (BENCH_REFERENCE=0 or it timed out)',
        ratio: p99 / refP99,
        ok: measured && p99 < goalMs,
      });
    }
    if (cold.rows.length > 0) {
      out.push('', '  2-4. Cold sync, RSS, resync', '');
      const w0 = Math.max(...cold.rows.map((r) => r[0].length), 'measurement'.length);
      const w1 = Math.min(100, Math.max(...cold.rows.map((r) => r[1].length), 'result'.length));
      const line = (a: string, b: string, t: string): string => `  ${a.padEnd(w0)} | ${b.padEnd(w1)} | ${t}`;
      out.push(line('measurement', 'result', 'expectation / anchor'));
      out.push(`  ${'-'.repeat(w0)}-+-${'-'.repeat(w1)}-+-${'-'.repeat(24)}`);
      for (const [a, b, t] of cold.rows) out.push(line(a, b, t));
    }
    checks.push(...cold.checks);
    if (goals.length === 0 && cold.rows.length > 0) {
      // Cold phase only: its own checks are the goals (no latency goal was run).
      goals.push({
        what: 'cold sync / resync checks',
        measured: `${cold.checks.filter(([, ok]) => ok).length}/${cold.checks.length} passed`,
        goal: 'all',
        ok: cold.checks.every(([, ok]) => ok),
      });
    }
    out.push(...verdictLines(goals, checks, cold.notes));
    out.push(`  bench took ${fmt(elapsed, 1)} s`, '');
    process.stdout.write(out.join('\n'));
  } catch (e) {
    if (!guard.aborted()) {
      process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      for (const h of liveHubs) process.stderr.write(`hub ${h.pid} log tail:\n${h.logs().slice(-4_000)}\n`);
    }
    process.exitCode = 1;
  } finally {
    guard.done();
    if (!guard.aborted()) await cleanup();
  }
}

await main();
