/**
 * etcd beside SQLite, in one run (issue 7):
 *
 *   1. Through the API: a real `edgefed hub` process on SQLite, then one on a single-member etcd,
 *      driven over HTTPS with the admin certificate (as bench/apiserver.ts does): creates/s with 1
 *      and 32 clients, and watch delivery (POST sent → event received) on a watcher of the written
 *      namespace during those creates while 1,000 idle watchers on other namespaces stay open.
 *   2. Store level, in process (no HTTP): EtcdStore against SqliteStore, same disk, fsync on every
 *      commit; creates/s and watch delivery (write issued → listener called). It explains (1).
 *   3. Propagation to 100 clusters: one FederatedDeployment (clusterSelector {}) applied → all 100
 *      Works seen on a Work watch, on one SQLite hub, on one hub on etcd, and on two `--store etcd`
 *      replicas sharing `--pki-dir` (applied through the replica that does NOT lead the controllers,
 *      timed on its Work watch and on the leader's).
 *
 * Goals (issue 16; what README promises for etcd), each against SQLite measured in the same run:
 * 32-client API creates/s on etcd >= 0.5x the SQLite hub's; apply → all 100 Works p99 on one etcd
 * hub <= 2x the SQLite hub's. Exit 1 when one is missed or a phase failed.
 *
 * Every phase is bounded in count and time; the whole run stays under 5 minutes (hard limit).
 *
 *   npm run bench:etcd
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { CompareResult, CompareTarget, Etcd3 } from 'etcd3';
import { EtcdStore } from '../apiserver/storage/etcd-store.js';
import { SqliteStore } from '../apiserver/storage/sqlite-store.js';
import type { Store } from '../apiserver/storage/store.js';
import type { KubeObject } from '../api/kubernetes.js';
import { startEtcd, type EtcdCluster } from '../test/helpers/etcd.js';
import { API_SIZES, measureApi, type ApiResult, type WriteStats } from './etcd-api.js';
import { controllerHolder, measurePropagation, until, type PropagationResult } from './etcd-propagation.js';
import {
  Client,
  diskOf,
  guardBench,
  machine,
  packageRoot,
  percentile,
  removeDir,
  runBounded,
  sleep,
  startHub,
  tempDir,
  type Hub,
  verdictLines,
  type Goal,
} from './lib.js';

const SIZES = {
  warmup: 300,
  seqCreates: 1_000,
  concCreates: 5_000,
  concurrency: 32,
  /** Watchers on the written prefix, and on prefixes no write touches. */
  watchers: 10,
  unrelatedWatchers: 1_000,
  pacedCreates: 200,
  pacedIntervalMs: 10,
  payloadBytes: 1_024,
};
/** Per-phase budgets (ms) of the store-level part: a phase that runs out reports what it completed. */
const BUDGET = { seq: 5_000, conc: 6_000, paced: 4_000 };
/** The whole bench is aborted (hubs and etcd killed, temp dirs removed) past this. */
const HARD_LIMIT_MS = 300_000;
/** Propagation: clusters, timed runs (after untimed warm-up runs) and budgets. */
const PROP = {
  clusters: 100,
  reps: 20,
  warmup: 3,
  runBudgetMs: 20_000,
  registerBudgetMs: 60_000,
  phaseMs: 45_000,
};
/** Flags every hub in this bench gets (a free DNS port, so parallel benches and tests do not collide). */
const HUB_ARGS = ['--dns-port', '0'];

interface Result {
  store: string;
  seqPerSec: number;
  seqP99: number;
  concPerSec: number;
  concP50: number;
  concP99: number;
  loadDeliveryP50: number;
  loadDeliveryP99: number;
  pacedDeliveryP50: number;
  pacedDeliveryP99: number;
  counts: string;
}

const payload = 'x'.repeat(SIZES.payloadBytes);
const cm = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'bench', uid: `uid-${name}` },
  data: { payload },
});

/** Runs every phase against one store. Delivery is timed from the create call to the last watcher. */
async function measure(name: string, store: Store, aborted: () => boolean): Promise<Result> {
  const issued = new Map<string, number>();
  const delivery: number[] = [];
  let recording = false;
  const seen = new Map<string, number>();
  for (let w = 0; w < SIZES.watchers; w++) {
    store.watch('/core/configmaps/bench/', store.currentRevision(), (ev) => {
      const n = (seen.get(ev.key) ?? 0) + 1;
      seen.set(ev.key, n);
      // The json every watcher would send, as the API server does.
      void ev.json.length;
      const t0 = issued.get(ev.key);
      if (recording && n === SIZES.watchers && t0 !== undefined) delivery.push(performance.now() - t0);
    });
  }
  for (let w = 0; w < SIZES.unrelatedWatchers; w++) {
    store.watch(`/core/configmaps/other-${w}/`, store.currentRevision(), () => {});
  }
  const create = async (key: string): Promise<void> => {
    issued.set(key, performance.now());
    await store.create(key, cm(key.slice(key.lastIndexOf('/') + 1)));
  };

  await runBounded(SIZES.warmup, 8, 10_000, (i) => create(`/core/configmaps/bench/warm-${i}`));

  const seq = await runBounded(SIZES.seqCreates, 1, BUDGET.seq, (i) =>
    aborted() ? Promise.resolve() : create(`/core/configmaps/bench/seq-${i}`),
  );

  recording = true;
  const conc = await runBounded(SIZES.concCreates, SIZES.concurrency, BUDGET.conc, (i) =>
    aborted() ? Promise.resolve() : create(`/core/configmaps/bench/conc-${i}`),
  );
  await sleep(200);
  const loadDelivery = delivery.splice(0);

  const pacedStart = performance.now();
  let paced = 0;
  for (let i = 0; i < SIZES.pacedCreates && !aborted(); i++) {
    if (performance.now() - pacedStart > BUDGET.paced) break;
    await create(`/core/configmaps/bench/paced-${i}`);
    paced++;
    await sleep(SIZES.pacedIntervalMs);
  }
  await sleep(200);
  recording = false;
  const pacedDelivery = delivery.splice(0);

  return {
    store: name,
    seqPerSec: (seq.done / seq.ms) * 1000,
    seqP99: percentile(seq.latencies, 99),
    concPerSec: (conc.done / conc.ms) * 1000,
    concP50: percentile(conc.latencies, 50),
    concP99: percentile(conc.latencies, 99),
    loadDeliveryP50: percentile(loadDelivery, 50),
    loadDeliveryP99: percentile(loadDelivery, 99),
    pacedDeliveryP50: percentile(pacedDelivery, 50),
    pacedDeliveryP99: percentile(pacedDelivery, 99),
    counts: `${seq.done} seq${seq.timedOut ? ' (budget hit)' : ''}, ${conc.done} conc${conc.timedOut ? ' (budget hit)' : ''}, ${paced} paced`,
  };
}

/** The same create transactions straight through etcd3, without the store: what etcd allows here. */
async function rawEtcdCreates(endpoints: string[], aborted: () => boolean): Promise<number> {
  const client = new Etcd3({ hosts: endpoints });
  const txn = async (key: Buffer, i: number): Promise<void> => {
    if (aborted()) return;
    await client.kv.txn({
      compare: [{ key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
      success: [{ request_put: { key, value: Buffer.from(JSON.stringify(cm(String(i)))) } }],
      failure: [{ request_range: { key } }],
    });
  };
  try {
    // Untimed first, as the stores get warm-up creates: the gRPC connection and the JIT warm up.
    await runBounded(SIZES.warmup, SIZES.concurrency, BUDGET.conc / 4, (i) =>
      txn(Buffer.from(`/bench-raw-warm/${i}`), i),
    );
    const r = await runBounded(SIZES.concCreates / 2, SIZES.concurrency, BUDGET.conc / 2, (i) =>
      txn(Buffer.from(`/bench-raw/${i}`), i),
    );
    return (r.done / r.ms) * 1000;
  } finally {
    client.close();
  }
}

function version(cmd: string): string {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8', timeout: 5_000 });
  return (r.stdout ?? '').split('\n')[0]?.trim() || 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Output helpers.

const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
const p50p99 = (sample: number[], d = 1): string =>
  `${f(percentile(sample, 50), d)} / ${f(percentile(sample, 99), d)}`;
const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

/** A text table: the first column padded to the right, a ` | ` between columns. */
function grid(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `  ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')}`.trimEnd();
  return [line(header), `  ${widths.map((w) => '-'.repeat(w)).join('-+-')}`, ...rows.map(line)].join('\n');
}

function storeTable(results: Result[]): string {
  const rows: [string, (r: Result) => string][] = [
    ['creates/s, 1 writer', (r) => f(r.seqPerSec, 0)],
    ['  p99 create latency (ms)', (r) => f(r.seqP99, 2)],
    [`creates/s, ${SIZES.concurrency} writers`, (r) => f(r.concPerSec, 0)],
    ['  p50 / p99 create latency (ms)', (r) => `${f(r.concP50, 2)} / ${f(r.concP99, 2)}`],
    ['  watch delivery p50 / p99 (ms)', (r) => `${f(r.loadDeliveryP50, 2)} / ${f(r.loadDeliveryP99, 2)}`],
    [
      `watch delivery p50 / p99, paced every ${SIZES.pacedIntervalMs} ms (ms)`,
      (r) => `${f(r.pacedDeliveryP50, 2)} / ${f(r.pacedDeliveryP99, 2)}`,
    ],
    ['counts', (r) => r.counts],
  ];
  return grid(
    ['store level (in process, no HTTP)', ...results.map((r) => r.store)],
    rows.map(([label, get]) => [label, ...results.map(get)]),
  );
}

/** A phase's result, or why there is none. */
type Outcome<T> = { ok: true; value: T } | { ok: false; why: string };

function apiTable(sqlite: Outcome<ApiResult>, etcd: Outcome<ApiResult>): string {
  const cols = [sqlite, etcd];
  const cell = (get: (r: ApiResult) => string) => (o: Outcome<ApiResult>) => (o.ok ? get(o.value) : o.why);
  const cpu = (w: WriteStats): string =>
    Number.isFinite(w.storeCpuPerOp)
      ? `${f(w.hubCpuPerOp, 2)} + ${f(w.storeCpuPerOp, 2)} etcd`
      : f(w.hubCpuPerOp, 2);
  const writes = (
    label: string,
    get: (r: ApiResult) => WriteStats,
  ): [string, (o: Outcome<ApiResult>) => string][] => [
    [label, cell((r) => `${f(get(r).perSec, 0)}${get(r).timedOut ? ' (budget hit)' : ''}`)],
    ['  create latency p50 / p99 (ms)', cell((r) => `${f(get(r).latP50, 2)} / ${f(get(r).latP99, 2)}`)],
    ['  watch delivery p50 / p99 (ms)', cell((r) => p50p99(get(r).delivery, 2))],
    ['  CPU per create, hub (+ etcd) (ms)', cell((r) => cpu(get(r)))],
  ];
  const rows: [string, (o: Outcome<ApiResult>) => string][] = [
    ...writes('creates/s, 1 client', (r) => r.seq),
    ...writes(`creates/s, ${API_SIZES.concurrency} clients`, (r) => r.conc),
    [
      'idle watchers open (hub gauge)',
      cell((r) => `${r.idleOpen} (gauge ${r.hubGauge}, incl. the written ns)`),
    ],
    [
      'deliveries missing / unrelated / duplicate',
      cell((r) => `${r.seq.missing + r.conc.missing} / ${r.unrelated} / ${r.duplicates}`),
    ],
    ['creates done (1 / 32 clients)', cell((r) => `${r.seq.done} / ${r.conc.done}`)],
    ['setup: namespaces + watches (ms)', cell((r) => f(r.setupMs, 0))],
    ['hub RSS after (MiB)', cell((r) => f(r.rssMiB ?? NaN, 0))],
  ];
  return grid(
    ['through the API (edgefed hub, HTTPS)', 'hub on SQLite', 'hub on etcd (1 member)'],
    rows.map(([label, get]) => [label, ...cols.map(get)]),
  );
}

interface PropRun {
  result: PropagationResult;
  /** Which hub led the controllers, and which one the FederatedDeployments were applied through. */
  leader: string;
  apply: string;
  /** The controller Lease holder was the same before and after the runs. */
  leaderKept: boolean;
}

function propTable(cols: Outcome<PropRun>[]): string {
  const cell = (get: (r: PropRun) => string) => (o: Outcome<PropRun>) => (o.ok ? get(o.value) : o.why);
  const dist = (s: number[]): string =>
    `${f(percentile(s, 50))} / ${f(percentile(s, 99))} / ${f(s.length ? Math.max(...s) : NaN)}`;
  const rows: [string, (o: Outcome<PropRun>) => string][] = [
    ['controllers led by / applied through', cell((r) => `${r.leader} / ${r.apply}`)],
    [
      `timed runs (after ${PROP.warmup} warm-up)`,
      cell((r) => `${r.result.runs}${r.result.timedOut ? ' (budget hit)' : ''}`),
    ],
    [
      `POST → all ${PROP.clusters} Works, apply hub's watch: p50 / p99 / max (ms)`,
      cell((r) => dist(r.result.createMs)),
    ],
    [
      "  the same, seen on the leader's watch (ms)",
      cell((r) => (r.result.otherMs.length ? dist(r.result.otherMs[0]) : '(same hub)')),
    ],
    [`  per Work, p50 (ms)`, cell((r) => f(percentile(r.result.createMs, 50) / PROP.clusters, 2))],
    [`DELETE → all ${PROP.clusters} Works gone: p50 / p99 (ms)`, cell((r) => p50p99(r.result.deleteMs))],
    [
      `register ${PROP.clusters} clusters / + namespaces and Works (ms)`,
      cell((r) => `${f(r.result.registerMs, 0)} / ${f(r.result.readyMs, 0)}`),
    ],
    [
      'hub RSS after (MiB; apply hub, leader)',
      cell((r) => r.result.rssMiB.map((m) => f(m ?? NaN, 0)).join(', ')),
    ],
  ];
  return grid(
    [`propagation to ${PROP.clusters} clusters`, 'SQLite, 1 hub', 'etcd, 1 hub', 'etcd, 2 hub replicas'],
    rows.map(([label, get]) => [label, ...cols.map(get)]),
  );
}

// ---------------------------------------------------------------------------------------------
// Processes.

/** The pid of the `binary` process whose argv holds `arg` exactly (Linux /proc), if any. */
function pidOf(binary: string, arg: string): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (basename(argv[0] ?? '') === binary && argv.includes(arg)) return Number(d);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return undefined;
}

function gitRev(): string {
  const git = spawnSync('git', ['describe', '--always', '--dirty'], {
    cwd: packageRoot(),
    encoding: 'utf8',
    timeout: 5_000,
  });
  return git.status === 0 ? git.stdout.trim() : 'unknown';
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  const v = db.prepare<[], { v: string }>('SELECT sqlite_version() AS v').get()?.v ?? 'unknown';
  db.close();
  return v;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const benchStart = performance.now();
  const hardDeadline = benchStart + HARD_LIMIT_MS;
  const loads: [string, number][] = [['start', loadavg()[0]]];
  const dir = tempDir('edgefed-bench-etcd-');
  const live = new Set<Hub>();
  const etcds = new Set<EtcdCluster>();
  const stores: Store[] = [];
  let phaseHubs: Hub[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await Promise.allSettled(stores.map((s) => s.close()));
      await Promise.allSettled([...live].map((h) => h.stop()));
      await Promise.allSettled([...etcds].map((e) => e.stop()));
      removeDir(dir);
    })());
  // Last resort (an exception past cleanup, process.exit): no hub outlives the bench. etcd's helper
  // has a hook of its own.
  process.once('exit', () => {
    for (const h of live) if (h.proc.exitCode === null && h.proc.signalCode === null) h.proc.kill('SIGKILL');
  });
  const guard = guardBench(HARD_LIMIT_MS, cleanup);

  const hubStart = async (name: string, extraArgs: string[], pkiDir?: string): Promise<Hub> => {
    const h = await startHub(join(dir, name), 60_000, { extraArgs: [...HUB_ARGS, ...extraArgs], pkiDir });
    live.add(h);
    phaseHubs.push(h);
    return h;
  };
  const hubStop = async (h: Hub): Promise<void> => {
    await h.stop();
    live.delete(h);
  };
  const withEtcd = async <T>(fn: (e: EtcdCluster) => Promise<T>): Promise<T> => {
    const e = await startEtcd();
    etcds.add(e);
    try {
      return await fn(e);
    } finally {
      await e.stop();
      etcds.delete(e);
    }
  };
  const etcdArgs = (e: EtcdCluster): string[] => [
    '--store',
    'etcd',
    '--etcd-endpoints',
    e.endpoints.join(','),
  ];
  const errors: string[] = [];
  const phase = async <T>(name: string, minMs: number, fn: () => Promise<T>): Promise<Outcome<T>> => {
    if (guard.aborted()) return { ok: false, why: 'aborted' };
    if (hardDeadline - performance.now() < minMs) {
      errors.push(`${name}: skipped, too little time left`);
      return { ok: false, why: 'skipped (time)' };
    }
    log(`${name} (load ${f(loadavg()[0], 2)}, ${f((performance.now() - benchStart) / 1000, 0)} s in)`);
    loads.push([name, loadavg()[0]]);
    phaseHubs = [];
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      if (guard.aborted()) return { ok: false, why: 'aborted' };
      const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
      errors.push(`${name}: ${msg.split('\n')[0]}`);
      process.stderr.write(`bench: ${name} failed: ${msg}\n`);
      for (const h of phaseHubs) process.stderr.write(`hub ${h.pid} log tail:\n${h.logs().slice(-3_000)}\n`);
      return { ok: false, why: 'FAILED (see stderr)' };
    }
  };

  try {
    // 1. Through the API, one hub per store.
    const apiSqlite = await phase('API, hub on SQLite', 60_000, async () => {
      const h = await hubStart('api-sqlite', []);
      try {
        return await measureApi(h, undefined, guard.aborted, log);
      } finally {
        await hubStop(h);
      }
    });
    const apiEtcd = await phase('API, hub on etcd', 60_000, () =>
      withEtcd(async (e) => {
        const h = await hubStart('api-etcd', etcdArgs(e));
        try {
          return await measureApi(h, pidOf('etcd', e.endpoints[0]), guard.aborted, log);
        } finally {
          await hubStop(h);
        }
      }),
    );

    // 2. Store level, in process.
    let rawTxns = NaN;
    const storeLevel = await phase('store level', 45_000, async () => {
      const results: Result[] = [];
      const sqlite = new SqliteStore({ path: join(dir, 'store-state.db') });
      stores.push(sqlite);
      results.push(await measure('SqliteStore (synchronous=FULL)', sqlite, guard.aborted));
      await sqlite.close();
      await withEtcd(async (e) => {
        rawTxns = await rawEtcdCreates(e.endpoints, guard.aborted);
        const etcdStore = await EtcdStore.open({ endpoints: e.endpoints });
        stores.push(etcdStore);
        results.push(await measure('EtcdStore (1 member)', etcdStore, guard.aborted));
        await etcdStore.close();
      });
      return results;
    });

    // 3. Propagation to 100 clusters.
    const sizes = { ...PROP };
    const propDeadline = (): number => Math.min(performance.now() + PROP.phaseMs, hardDeadline - 15_000);
    const leads = async (c: Client, h: Hub): Promise<boolean> =>
      until(async () => (await controllerHolder(c)).endsWith(`-${h.pid}`), 30_000, 100);
    /** One hub: it leads the controllers, and the FederatedDeployments are applied through it. */
    const singleHub = async (name: string, extraArgs: string[]): Promise<PropRun> => {
      const h = await hubStart(name, extraArgs);
      const c = new Client(h.url, h.tls, 4);
      try {
        if (!(await leads(c, h))) throw new Error('the hub did not take the controller Lease in 30 s');
        const result = await measurePropagation(h, h, [], sizes, propDeadline(), guard.aborted, log);
        const leaderKept = (await controllerHolder(c)).endsWith(`-${h.pid}`);
        return { result, leader: 'the hub', apply: 'the hub', leaderKept };
      } finally {
        c.close();
        await hubStop(h);
      }
    };
    const propSqlite = await phase('propagation, SQLite hub', 50_000, () => singleHub('prop-sqlite', []));
    const propEtcd1 = await phase('propagation, 1 hub on etcd', 50_000, () =>
      withEtcd((e) => singleHub('prop-etcd-1', etcdArgs(e))),
    );
    const propEtcd = await phase('propagation, 2 replicas on etcd', 50_000, () =>
      withEtcd(async (e): Promise<PropRun> => {
        const pkiDir = join(dir, 'prop-pki');
        // A first: it creates the shared PKI and takes the controller Lease; then B.
        const a = await hubStart('prop-etcd-a', [...etcdArgs(e), '--replica-id', 'a'], pkiDir);
        const ca = new Client(a.url, a.tls, 4);
        try {
          if (!(await leads(ca, a))) throw new Error('replica a did not take the controller Lease in 30 s');
          const b = await hubStart('prop-etcd-b', [...etcdArgs(e), '--replica-id', 'b'], pkiDir);
          try {
            const holder = await controllerHolder(ca);
            const leader = holder.endsWith(`-${a.pid}`) ? a : holder.endsWith(`-${b.pid}`) ? b : undefined;
            if (!leader) throw new Error(`controller Lease held by ${holder || 'nobody'}, neither replica`);
            const apply = leader === a ? b : a;
            const id = (h: Hub): string => (h === a ? 'replica a' : 'replica b');
            const result = await measurePropagation(
              apply,
              leader,
              [leader],
              sizes,
              propDeadline(),
              guard.aborted,
              log,
            );
            const leaderKept = (await controllerHolder(ca)).endsWith(`-${leader.pid}`);
            return { result, leader: id(leader), apply: id(apply), leaderKept };
          } finally {
            await hubStop(b);
          }
        } finally {
          ca.close();
          await hubStop(a);
        }
      }),
    );

    // Output.
    loads.push(['end', loadavg()[0]]);
    const m = machine();
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    const busy = Math.max(...loads.map(([, l]) => l)) > cpus().length;
    const conditions: [string, string][] = [
      ['machine', `${m.cpu}, ${m.ram} RAM`],
      ['node', process.version],
      ['etcd', `${version('etcd')}; 1 member on 127.0.0.1 (default fsync), a fresh one for each part`],
      [
        'etcd bound',
        `${f(rawTxns, 0)} create txns/s from ${SIZES.concurrency} writers through etcd3 directly (no store)`,
      ],
      ['sqlite', `${sqliteVersion()} (better-sqlite3), WAL, synchronous=FULL`],
      ['edgefed', `${pkg.version} (git ${gitRev()}); every hub: --dns-port 0, controllers on`],
      ['disk (hub data dirs, SQLite files, etcd data dirs)', diskOf(dir)],
      [
        'API counts',
        `${API_SIZES.warmup}+${API_SIZES.warmupSequential} untimed warm-up creates, then ${API_SIZES.seqCreates} creates ` +
          `with 1 client and ${API_SIZES.concCreates} with ${API_SIZES.concurrency}, 200 B ConfigMaps, into one ` +
          `namespace with 1 watcher; ${API_SIZES.idleWatchers} idle watchers on other namespaces; delivery = POST ` +
          'sent → ADDED received by the bench',
      ],
      [
        'store counts',
        `${SIZES.payloadBytes} B ConfigMaps; ${SIZES.watchers} watchers on the written prefix, ` +
          `${SIZES.unrelatedWatchers} on unrelated prefixes; ${SIZES.warmup} warm-up creates; delivery = create ` +
          'call → last of the watchers on the prefix called',
      ],
      [
        'propagation counts',
        `${PROP.clusters} KubeFedClusters (manual health, Ready set by the bench, no agents); ` +
          `${PROP.warmup} warm-up + up to ${PROP.reps} timed runs of POST FederatedDeployment → all Works seen on a ` +
          'Work watch, then DELETE → all gone',
      ],
      [
        'load average (1-min) per phase',
        `${loads.map(([k, l]) => `${k} ${f(l, 2)}`).join(', ')}; at the end 1/5/15 min ` +
          `${loadavg()
            .map((l) => f(l, 2))
            .join(' / ')} on ${cpus().length} CPUs` +
          (busy
            ? ' - ABOVE THE CPU COUNT: other processes were busy, numbers are pessimistic and noisy'
            : ''),
      ],
      [
        'wall time',
        `${f((performance.now() - benchStart) / 1000, 0)} s (hard limit ${HARD_LIMIT_MS / 1000} s)`,
      ],
    ];

    const checks: [string, boolean][] = [];
    for (const [name, o] of [
      ['SQLite', apiSqlite],
      ['etcd', apiEtcd],
    ] as const) {
      checks.push([
        `API on ${name}: every create delivered exactly once to its watcher, nothing to the idle ones`,
        o.ok &&
          o.value.seq.missing + o.value.conc.missing === 0 &&
          o.value.unrelated === 0 &&
          o.value.duplicates === 0 &&
          o.value.idleOpen === API_SIZES.idleWatchers,
      ]);
    }
    for (const [name, o] of [
      ['SQLite hub', propSqlite],
      ['1 hub on etcd', propEtcd1],
      ['2 hub replicas on etcd', propEtcd],
    ] as const) {
      checks.push([
        `propagation on ${name}: ${PROP.clusters} Works per run on every replica, every run finished, leader unchanged`,
        o.ok && o.value.result.runs > 0 && !o.value.result.timedOut && o.value.leaderKept,
      ]);
    }
    checks.push(['store level measured', storeLevel.ok]);
    const goals: Goal[] = [];
    if (apiSqlite.ok && apiEtcd.ok) {
      const [a, b] = [apiEtcd.value.conc.perSec, apiSqlite.value.conc.perSec];
      goals.push({
        what: `API creates/s, ${API_SIZES.concurrency} clients, hub on etcd`,
        measured: `${f(a, 0)}/s`,
        goal: '>= 0.5x the SQLite hub',
        reference: `SQLite hub ${f(b, 0)}/s`,
        ratio: a / b,
        ok: a >= 0.5 * b,
      });
    }
    if (propSqlite.ok && propEtcd1.ok) {
      const [a, b] = [propEtcd1.value.result, propSqlite.value.result].map((r) =>
        r.runs > 0 ? percentile(r.createMs, 99) : NaN,
      );
      goals.push({
        what: `apply → all ${PROP.clusters} Works p99, one hub on etcd`,
        measured: `${f(a, 1)} ms`,
        goal: '<= 2x the SQLite hub',
        reference: `SQLite hub ${f(b, 1)} ms`,
        ratio: a / b,
        ok: a <= 2 * b,
      });
    }

    const out: string[] = ['', 'edgefed on etcd beside SQLite', ''];
    out.push(apiTable(apiSqlite, apiEtcd), '');
    if (storeLevel.ok) out.push(storeTable(storeLevel.value), '');
    else out.push(`  store level: ${storeLevel.why}`, '');
    out.push(propTable([propSqlite, propEtcd1, propEtcd]), '', 'Conditions');
    for (const [k, v] of conditions) out.push(`  ${k}: ${v}`);
    out.push(...verdictLines(goals, checks, errors));
    process.stdout.write(out.join('\n'));
  } finally {
    guard.done();
    if (!guard.aborted()) await cleanup();
  }
}

await main();
