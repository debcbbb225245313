/**
 * API server benchmark: a real `edgefed hub` process on 127.0.0.1, driven over HTTPS with the admin
 * client certificate. Measures the raw SQLite commit rate of the disk the hub writes to (the bound),
 * create/update throughput, large lists, and watch delivery latency and isolation with 1,000
 * namespace watchers. Every loop is bounded in count and time; the whole run stays under 3 minutes.
 *
 *   npm run bench:apiserver
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { issue } from '../pki/pki.js';
import {
  Client,
  WatchStream,
  cpuMs,
  diskOf,
  machine,
  packageRoot,
  percentile,
  removeDir,
  rssMiB,
  runBounded,
  sleep,
  startHub,
  tempDir,
  type Hub,
  type WatchEvent,
  loadLine,
  verdictLines,
  type Goal,
} from './lib.js';

const SIZES = {
  rawTxns: 2_000,
  rawRounds: 4,
  rawSpaced: 300,
  rawBatchTxns: 200,
  rawBatchRows: 32,
  seqCreates: 1_000,
  concCreates: 5_000,
  listObjects: 10_000,
  seqUpdates: 1_000,
  concUpdates: 5_000,
  concurrency: 32,
  /** Creates per round of the RBAC comparison (3 rounds each, admin and RoleBinding user alternating). */
  rbacCreates: 1_000,
  listRepeats: 3,
  pageSize: 500,
  watchNamespaces: 1_000,
  fewWatchers: 10,
  watchCreates: 500,
  watchWarmup: 20,
  watchOpenBatch: 50,
  /**
   * Untimed creates (8 clients, then 1) and updates first, so the hub's JIT is warm before anything
   * is measured: a cold hub spends ~2x the CPU per create for its first ~2,000 creates.
   */
  warmup: 2_000,
  warmupSequential: 300,
  warmupUpdates: 500,
};
/** Per-phase time budgets (ms); a phase that runs out reports what it completed. */
const BUDGET = { raw: 15_000, writes: 25_000, fill: 25_000, list: 15_000, watchRun: 15_000, settle: 5_000 };
/** The whole bench is aborted (hub killed, temp dirs removed) past this. */
const HARD_LIMIT_MS = 170_000;

const TARGET = { createsVsRaw: 3, watchP99Ms: 50, rbacCost: 0.1 };
const BULK_NS = 'bench-bulk';
const SENT_AT = 'bench.edgefed.io/sent-at';

interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
  };
  data: Record<string, string>;
}

const PAYLOAD = 'x'.repeat(200);

function configMap(name: string, annotations?: Record<string, string>): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    data: { payload: PAYLOAD },
  };
}

const rows: [string, string, string][] = [];
function row(what: string, result: string, target = ''): void {
  rows.push([what, result, target]);
  process.stderr.write(`  .. ${what}: ${result}\n`);
}

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
const ms = (n: number): string => `${fmt(n, n < 10 ? 2 : 1)} ms`;

function conditions(dataDir: string, sqliteVersion: string): [string, string][] {
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
    ['CPU', m.cpu],
    ['RAM', m.ram],
    ['Node', process.version],
    ['SQLite', `${sqliteVersion} (better-sqlite3, WAL, synchronous=FULL)`],
    ['edgefed', `${pkg.version}${rev}`],
    ['Data dir', dataDir],
    ['Disk', diskOf(dataDir)],
  ];
}

/**
 * The bound: durable single-row transactions (and, for context, 32-row ones) with the hub's settings
 * (WAL, synchronous=FULL), in a database next to the hub's state.db, so on the same disk.
 */
class RawSqlite {
  private readonly db: Database.Database;
  private readonly one: (i: number) => void;
  private readonly many: (base: number) => void;
  private n = 0;
  readonly version: string;

  constructor(private readonly path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.version = (this.db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    this.db.exec('CREATE TABLE kv (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL)');
    const insert = this.db.prepare('INSERT INTO kv (name, value) VALUES (?, ?)');
    const value = JSON.stringify(configMap('raw'));
    this.one = this.db.transaction((i: number) => void insert.run(`/registry/configmaps/raw/cm-${i}`, value));
    this.many = this.db.transaction((base: number) => {
      for (let j = 0; j < SIZES.rawBatchRows; j++)
        insert.run(`/registry/configmaps/raw/b-${base + j}`, value);
    });
  }

  /** `count` one-row transactions (or fewer if `budgetMs` runs out): transactions per second. */
  single(count: number, budgetMs: number): { txns: number; ms: number } {
    const t0 = performance.now();
    const deadline = t0 + budgetMs;
    let k = 0;
    while (k < count && performance.now() < deadline) {
      this.one(this.n++);
      k++;
    }
    return { txns: k, ms: performance.now() - t0 };
  }

  /**
   * Commit latency when transactions arrive one at a time with ~1 ms idle between them, as a
   * request/response client produces them (virtual disks often flush slower from idle).
   */
  async spaced(count: number, budgetMs: number): Promise<number> {
    const deadline = performance.now() + budgetMs;
    let total = 0;
    let k = 0;
    while (k < count && performance.now() < deadline) {
      await sleep(1);
      const t0 = performance.now();
      this.one(this.n++);
      total += performance.now() - t0;
      k++;
    }
    return total / k;
  }

  /** Rows per second with SIZES.rawBatchRows rows per transaction. */
  batched(count: number, budgetMs: number): number {
    const t0 = performance.now();
    const deadline = t0 + budgetMs;
    let b = 0;
    while (b < count && performance.now() < deadline) this.many(1_000_000 + SIZES.rawBatchRows * b++);
    return (b * SIZES.rawBatchRows) / ((performance.now() - t0) / 1000);
  }

  close(): void {
    this.db.close();
    for (const suffix of ['', '-wal', '-shm']) removeDir(this.path + suffix);
  }
}

/** Tracks this process's CPU time (ms) across a phase. */
function clientCpu(): () => number {
  const start = process.cpuUsage();
  return () => {
    const d = process.cpuUsage(start);
    return (d.user + d.system) / 1000;
  };
}

/** Tracks hub CPU time across a phase. */
function hubCpu(hub: Hub): () => number {
  const start = cpuMs(hub.pid) ?? NaN;
  return () => (cpuMs(hub.pid) ?? NaN) - start;
}

interface WriteResult {
  done: number;
  ms: number;
  latencies: number[];
  timedOut: boolean;
  hubCpuMs: number;
  clientCpuMs: number;
}

function reportWrites(label: string, r: WriteResult, target = ''): number {
  const rate = r.done / (r.ms / 1000);
  row(
    label,
    `${fmt(rate)}/s  (${fmt(r.done)} in ${fmt(r.ms / 1000, 2)} s${r.timedOut ? ', TIME BUDGET HIT' : ''}; ` +
      `p50 ${ms(percentile(r.latencies, 50))}, p99 ${ms(percentile(r.latencies, 99))}; ` +
      `CPU/op hub ${ms(r.hubCpuMs / r.done)}, bench client ${ms(r.clientCpuMs / r.done)})`,
    target,
  );
  return rate;
}

async function writes(
  hub: Hub,
  label: string,
  total: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
  target = '',
): Promise<number> {
  const cpu = hubCpu(hub);
  const own = clientCpu();
  const r = await runBounded(total, concurrency, BUDGET.writes, op);
  return reportWrites(label, { ...r, hubCpuMs: cpu(), clientCpuMs: own() }, target);
}

interface Sent {
  ns: string;
  sentAt: number;
  nsLatency?: number;
  allLatency?: number;
}

interface WatchRun {
  nsLat: number[];
  allLat: number[];
  missing: number;
  unrelated: number;
  duplicates: number;
  createRate: number;
  hubCpuPerCreate: number;
}

/** State shared by every watch stream: which bench object was sent when, and who received what. */
class WatchBook {
  sent = new Map<string, Sent>();
  /** Every create sent (warm-ups included), per namespace: what each watcher must receive exactly. */
  expected = new Map<string, number>();
  total = 0;
  unrelated = 0;
  duplicates = 0;
  foreign = 0;

  onNamespaceEvent(ns: string, ev: WatchEvent, at: number): void {
    const md = ev.object.metadata;
    if (ev.type !== 'ADDED' || !md?.name) return;
    if (md.namespace !== ns) {
      this.unrelated++;
      return;
    }
    const s = this.sent.get(`${md.namespace}/${md.name}`);
    if (!s) {
      this.foreign++;
      return;
    }
    if (s.nsLatency !== undefined) this.duplicates++;
    else s.nsLatency = at - Number(md.annotations?.[SENT_AT] ?? NaN);
  }

  onAllEvent(ev: WatchEvent, at: number): void {
    const md = ev.object.metadata;
    if (ev.type !== 'ADDED' || !md?.name) return;
    const s = this.sent.get(`${md.namespace}/${md.name}`);
    if (!s) {
      this.foreign++;
      return;
    }
    if (s.allLatency !== undefined) this.duplicates++;
    else s.allLatency = at - Number(md.annotations?.[SENT_AT] ?? NaN);
  }
}

async function openWatches(
  hub: Hub,
  agent: Agent,
  book: WatchBook,
  namespaces: string[],
  rv: string,
  streams: WatchStream[],
): Promise<number> {
  const t0 = performance.now();
  const deadline = t0 + 60_000;
  for (let i = 0; i < namespaces.length; i += SIZES.watchOpenBatch) {
    if (performance.now() > deadline) throw new Error('opening watches took over 60 s');
    const batch = namespaces.slice(i, i + SIZES.watchOpenBatch).map((ns) => {
      const w = new WatchStream(ns, (ev, at) => book.onNamespaceEvent(ns, ev, at));
      streams.push(w);
      return w.open(hub.url, `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${rv}`, agent);
    });
    await Promise.all(batch);
  }
  return performance.now() - t0;
}

/** Creates spread round-robin over `namespaces`, each stamped with its send time; waits for delivery. */
async function watchRun(
  hub: Hub,
  client: Client,
  book: WatchBook,
  run: string,
  namespaces: string[],
  concurrency: number,
  offset = 0,
): Promise<WatchRun> {
  const create = async (i: number, counted: boolean): Promise<void> => {
    const ns = namespaces[(i + offset) % namespaces.length];
    const name = `${run}-${i}`;
    const sentAt = performance.now();
    if (counted) book.sent.set(`${ns}/${name}`, { ns, sentAt });
    book.expected.set(ns, (book.expected.get(ns) ?? 0) + 1);
    book.total++;
    const body = configMap(name, { [SENT_AT]: String(sentAt) });
    await client.json('POST', `/api/v1/namespaces/${ns}/configmaps`, body);
  };
  // Warm-up creates (not measured, and not tracked: their events count as foreign, not as unrelated).
  await runBounded(SIZES.watchWarmup, 1, BUDGET.watchRun, (i) => create(100_000 + i, false));
  const before = new Set(book.sent.keys());
  const cpu = hubCpu(hub);
  const r = await runBounded(SIZES.watchCreates, concurrency, BUDGET.watchRun, (i) => create(i, true));
  const mine = [...book.sent.entries()].filter(([k]) => !before.has(k)).map(([, v]) => v);
  const settle = performance.now() + BUDGET.settle;
  while (
    performance.now() < settle &&
    mine.some((s) => s.nsLatency === undefined || s.allLatency === undefined)
  ) {
    await sleep(20);
  }
  const hubCpuPerCreate = cpu() / r.done;
  return {
    hubCpuPerCreate,
    nsLat: mine.flatMap((s) => (s.nsLatency === undefined ? [] : [s.nsLatency])),
    allLat: mine.flatMap((s) => (s.allLatency === undefined ? [] : [s.allLatency])),
    missing:
      mine.filter((s) => s.nsLatency === undefined).length +
      mine.filter((s) => s.allLatency === undefined).length,
    unrelated: book.unrelated,
    duplicates: book.duplicates,
    createRate: r.done / (r.ms / 1000),
  };
}

/** Polls the hub's apiserver_registered_watchers gauge for configmaps until it reads `want` (or 10 s). */
async function waitWatchers(client: Client, want: number): Promise<number> {
  const deadline = performance.now() + 10_000;
  let n = NaN;
  do {
    const r = await client.request('GET', '/metrics');
    const m = /apiserver_registered_watchers\{[^}]*resource="configmaps"[^}]*\} (\d+)/.exec(r.body);
    n = m ? Number(m[1]) : NaN;
    if (n === want) return n;
    await sleep(50);
  } while (performance.now() < deadline);
  return n;
}

function latencyText(r: WatchRun): string {
  return (
    `ns watcher p50 ${ms(percentile(r.nsLat, 50))} p99 ${ms(percentile(r.nsLat, 99))}; ` +
    `all-ns watcher p50 ${ms(percentile(r.allLat, 50))} p99 ${ms(percentile(r.allLat, 99))} ` +
    `(${r.nsLat.length}+${r.allLat.length} deliveries, ${r.missing} missing; ${fmt(r.createRate)} creates/s, ` +
    `hub CPU ${ms(r.hubCpuPerCreate)}/create)`
  );
}

/**
 * What RBAC costs: creates/s of a user whose right comes from a RoleBinding to `edit` against
 * `system:masters` (the admin, authorized before RBAC is consulted), same namespace and
 * concurrency, rounds alternating so drift hits both alike. Medians of 3 rounds each.
 */
async function rbacCost(h: Hub, admin: Client, dataDir: string): Promise<{ admin: number; editor: number }> {
  const pkiDir = join(dataDir, 'pki');
  const ca = {
    cert: readFileSync(join(pkiDir, 'ca.crt'), 'utf8'),
    key: readFileSync(join(pkiDir, 'ca.key'), 'utf8'),
  };
  const leaf = await issue(ca, { commonName: 'bench-editor', usage: 'client', days: 1 });
  const ns = 'bench-rbac';
  await admin.json('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns },
  });
  await admin.json('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bench-editor', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bench-editor' }],
  });
  const editor = new Client(h.url, { ca: h.tls.ca, cert: leaf.cert, key: leaf.key ?? '' }, 64);
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  // The binding takes effect through the authorizer's watch: wait for it.
  for (let i = 0; i < 200 && (await editor.request('GET', `${path}?limit=1`)).status !== 200; i++)
    await sleep(50);
  let n = 0;
  const rate = async (cl: Client, who: string): Promise<number> => {
    const r = await runBounded(SIZES.rbacCreates, SIZES.concurrency, BUDGET.writes / 4, async () => {
      await cl.json('POST', path, configMap(`${who}-${n++}`));
    });
    return r.done / (r.ms / 1000);
  };
  const a: number[] = [];
  const e: number[] = [];
  for (let round = 0; round < 3; round++) {
    a.push(await rate(admin, 'admin'));
    e.push(await rate(editor, 'editor'));
  }
  editor.agent.destroy();
  return { admin: percentile(a, 50), editor: percentile(e, 50) };
}

async function main(): Promise<void> {
  const benchStart = performance.now();
  const loadStart = loadavg()[0];
  const root = tempDir('edgefed-bench-');
  const dataDir = join(root, 'hub');
  let hub: Hub | undefined;
  let client: Client | undefined;
  let raw: RawSqlite | undefined;
  const watchAgents: Agent[] = [];
  const streams: WatchStream[] = [];
  let aborted = false;

  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      for (const s of streams) s.close();
      for (const a of watchAgents) a.destroy();
      client?.close();
      raw?.close();
      await hub?.stop();
      removeDir(root);
    })());
  const watchdog = setTimeout(() => {
    aborted = true;
    process.stderr.write(`bench: hard limit of ${HARD_LIMIT_MS / 1000} s reached, aborting\n`);
    void cleanup().finally(() => process.exit(2));
  }, HARD_LIMIT_MS);
  watchdog.unref();
  const onSignal = (): void => {
    aborted = true;
    process.stderr.write('bench: interrupted, stopping the hub and removing temp dirs\n');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    // 1. The bound: raw durable single-row commits on the very directory the hub will use.
    process.stderr.write('bench: raw SQLite commit rate...\n');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    raw = new RawSqlite(join(dataDir, 'raw-bench.db'));
    const rawDb = raw;
    const cond = conditions(dataDir, raw.version);
    // In rounds: fsync latency on shared or virtual disks drifts, and the spread is worth seeing.
    const rawRounds: number[] = [];
    const rawDeadline = performance.now() + BUDGET.raw / 2;
    for (let r = 0; r < SIZES.rawRounds && performance.now() < rawDeadline; r++) {
      const t = rawDb.single(SIZES.rawTxns / SIZES.rawRounds, rawDeadline - performance.now());
      rawRounds.push(t.txns / (t.ms / 1000));
    }
    const rawAlone = percentile(rawRounds, 50);
    row(
      'raw SQLite, 1 INSERT per txn, before the hub starts',
      `${fmt(rawAlone)} txn/s  (${fmt(1000 / rawAlone, 2)} ms/commit; rounds of ` +
        `${SIZES.rawTxns / SIZES.rawRounds}: ${rawRounds.map((r) => fmt(r)).join(', ')})`,
    );
    const spacedMs = await rawDb.spaced(SIZES.rawSpaced, BUDGET.raw / 4);
    row(
      'raw SQLite, 1 INSERT per txn, ~1 ms idle between txns',
      `${ms(spacedMs)}/commit (${fmt(1000 / spacedMs)} txn/s)`,
    );
    row(
      `raw SQLite, ${SIZES.rawBatchRows} INSERTs per txn (group-commit ceiling)`,
      `${fmt(rawDb.batched(SIZES.rawBatchTxns, BUDGET.raw / 2))} rows/s`,
    );

    // 2. The hub.
    process.stderr.write('bench: starting hub...\n');
    hub = await startHub(dataDir);
    const h = hub;
    const rssStart = rssMiB(h.pid);
    client = new Client(h.url, h.tls, 64);
    const c = client;
    await c.json('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: BULK_NS },
    });

    // 3. Creates and updates, after an untimed warm-up in a namespace of its own.
    process.stderr.write('bench: warm-up...\n');
    await c.json('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'bench-warmup' },
    });
    const warmRvs: string[] = [];
    const warmPath = '/api/v1/namespaces/bench-warmup/configmaps';
    await runBounded(SIZES.warmup, 8, BUDGET.writes / 2, async (i) => {
      warmRvs[i] =
        (await c.json<ConfigMap>('POST', warmPath, configMap(`w-${i}`))).metadata.resourceVersion ?? '';
    });
    const seqBase = warmRvs.length;
    await runBounded(SIZES.warmupSequential, 1, BUDGET.writes / 4, async (i) => {
      await c.json('POST', warmPath, configMap(`w-${seqBase + i}`));
    });
    await runBounded(Math.min(SIZES.warmupUpdates, warmRvs.length), 8, BUDGET.writes / 4, async (i) => {
      const body = configMap(`w-${i}`);
      body.metadata.resourceVersion = warmRvs[i];
      await c.json('PUT', `${warmPath}/w-${i}`, body);
    });
    process.stderr.write('bench: creates and updates...\n');
    const rvs: string[] = [];
    const cmPath = `/api/v1/namespaces/${BULK_NS}/configmaps`;
    const createAt = async (i: number): Promise<void> => {
      const o = await c.json<ConfigMap>('POST', cmPath, configMap(`cm-${String(i).padStart(5, '0')}`));
      rvs[i] = o.metadata.resourceVersion ?? '';
    };
    // 1-client creates alternate with raw rounds on the same disk, so that the bound and the rate
    // are measured over the same minutes (fsync latency drifts, especially on shared machines).
    const seq: WriteResult = { done: 0, ms: 0, latencies: [], timedOut: false, hubCpuMs: 0, clientCpuMs: 0 };
    let rawTxns = 0;
    let rawMs = 0;
    const seqDeadline = performance.now() + BUDGET.writes;
    const perRound = SIZES.seqCreates / SIZES.rawRounds;
    for (let r = 0; r < SIZES.rawRounds && performance.now() < seqDeadline; r++) {
      const t = rawDb.single(perRound, seqDeadline - performance.now());
      rawTxns += t.txns;
      rawMs += t.ms;
      const cpu = hubCpu(h);
      const own = clientCpu();
      const base = seq.done;
      const w = await runBounded(perRound, 1, seqDeadline - performance.now(), (i) => createAt(base + i));
      seq.hubCpuMs += cpu();
      seq.clientCpuMs += own();
      seq.done += w.done;
      seq.ms += w.ms;
      seq.latencies.push(...w.latencies);
      seq.timedOut ||= w.timedOut;
    }
    rawDb.close();
    raw = undefined;
    const rawNear = rawTxns / (rawMs / 1000);
    row(
      'raw SQLite, 1 INSERT per txn, alternating with 1-client creates (THE BOUND)',
      `${fmt(rawNear)} txn/s  (${fmt(1000 / rawNear, 2)} ms/commit)`,
    );
    const minCreates = rawNear / TARGET.createsVsRaw;
    const target = `>= ${fmt(minCreates)}/s (bound / ${TARGET.createsVsRaw})`;
    const seqCreate = reportWrites('creates/s, 1 client', seq, target);
    const base = seq.done;
    const concCreate = await writes(
      h,
      `creates/s, ${SIZES.concurrency} clients`,
      SIZES.concCreates,
      SIZES.concurrency,
      (i) => createAt(base + i),
      target,
    );
    process.stderr.write('bench: RBAC...\n');
    const rbac = await rbacCost(h, c, dataDir);
    row(
      `creates/s, ${SIZES.concurrency} clients: RoleBinding user vs system:masters`,
      `${fmt(rbac.editor)}/s vs ${fmt(rbac.admin)}/s (${fmt((1 - rbac.editor / rbac.admin) * 100, 1)} % cost)`,
      `cost < ${TARGET.rbacCost * 100} %`,
    );
    const created = rvs.filter((v) => v !== undefined).length;
    const updateAt = async (i: number): Promise<void> => {
      const body = configMap(`cm-${String(i).padStart(5, '0')}`);
      body.metadata.resourceVersion = rvs[i];
      body.data.updated = String(i);
      const o = await c.json<ConfigMap>('PUT', `${cmPath}/${body.metadata.name}`, body);
      rvs[i] = o.metadata.resourceVersion ?? '';
    };
    const seqUpdates = Math.min(SIZES.seqUpdates, created);
    await writes(h, 'updates/s, 1 client', seqUpdates, 1, (i) => updateAt(i));
    await writes(
      h,
      `updates/s, ${SIZES.concurrency} clients`,
      Math.min(SIZES.concUpdates, Math.max(0, created - seqUpdates)),
      SIZES.concurrency,
      (i) => updateAt(seqUpdates + i),
    );

    // 4. Lists of 10,000 objects.
    process.stderr.write('bench: filling to 10,000 objects and listing...\n');
    const fill = await runBounded(SIZES.listObjects - created, SIZES.concurrency, BUDGET.fill, (i) =>
      createAt(created + i),
    );
    const have = created + fill.done;
    const listTimes: number[] = [];
    let listed = 0;
    const listDeadline = performance.now() + BUDGET.list;
    for (let i = 0; i < SIZES.listRepeats && performance.now() < listDeadline; i++) {
      const t0 = performance.now();
      const r = await c.request('GET', cmPath, undefined, BUDGET.list);
      if (r.status !== 200) throw new Error(`list: HTTP ${r.status}`);
      listed = (JSON.parse(r.body) as { items: unknown[] }).items.length;
      listTimes.push(performance.now() - t0);
      if (i === 0) row('list response size', `${fmt(r.body.length / 1024 / 1024, 1)} MiB`);
    }
    row(
      `GET ${fmt(have)} ConfigMaps, one request`,
      `${ms(percentile(listTimes, 50))} median of ${listTimes.length} (${fmt(listed)} items)`,
    );
    const pageTimes: number[] = [];
    for (let i = 0; i < SIZES.listRepeats && performance.now() < listDeadline; i++) {
      const t0 = performance.now();
      let cont = '';
      let pages = 0;
      let items = 0;
      do {
        const q = `?limit=${SIZES.pageSize}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
        const page = await c.json<{ items: unknown[]; metadata: { continue?: string } }>('GET', cmPath + q);
        items += page.items.length;
        cont = page.metadata.continue ?? '';
        pages++;
      } while (cont && pages < 1_000 && performance.now() < listDeadline);
      pageTimes.push(performance.now() - t0);
      if (items !== listed) throw new Error(`paginated list returned ${items} items, expected ${listed}`);
      if (i === 0) row('  pages of 500', `${pages} pages, ${fmt(items)} items`);
    }
    row(
      `GET ${fmt(have)} ConfigMaps, limit=${SIZES.pageSize} pages`,
      `${ms(percentile(pageTimes, 50))} median of ${pageTimes.length}, all pages`,
    );

    // 5. Watches: 1,000 namespace watchers + 1 all-namespaces watcher.
    process.stderr.write('bench: watches...\n');
    const namespaces = Array.from(
      { length: SIZES.watchNamespaces },
      (_, i) => `bw-${String(i).padStart(4, '0')}`,
    );
    const nsRun = await runBounded(namespaces.length, SIZES.concurrency, BUDGET.fill, (i) =>
      c
        .json('POST', '/api/v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: namespaces[i] },
        })
        .then(() => undefined),
    );
    if (nsRun.done !== namespaces.length) throw new Error(`only ${nsRun.done} namespaces created in time`);
    const currentRv = async (): Promise<string> =>
      (await c.json<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/configmaps?limit=1')).metadata
        .resourceVersion;
    // Every stream has its own connection (a watch holds it); no keep-alive so none is reused.
    const watchAgent = new Agent({ keepAlive: false, maxSockets: Infinity, ...h.tls });
    watchAgents.push(watchAgent);
    const book = new WatchBook();
    const all = new WatchStream('*', (ev, at) => book.onAllEvent(ev, at));
    streams.push(all);
    let rv = await currentRv();
    await all.open(h.url, `/api/v1/configmaps?watch=true&resourceVersion=${rv}`, watchAgent);

    const few = namespaces.slice(0, SIZES.fewWatchers);
    await openWatches(h, watchAgent, book, few, rv, streams);
    const runFew = await watchRun(h, c, book, 'few', few, 1);
    row(`watch, ${few.length} ns watchers + 1 all, 1 client (A)`, latencyText(runFew));

    rv = await currentRv();
    const openMs = await openWatches(h, watchAgent, book, namespaces.slice(SIZES.fewWatchers), rv, streams);
    const open = streams.filter((s) => !s.ended).length;
    const registered = await waitWatchers(c, open);
    row(
      'watch streams open',
      `${fmt(open)}, hub gauge ${fmt(registered)} (the last ${fmt(namespaces.length - few.length)} opened in ${ms(openMs)})`,
    );
    const rssWatching = rssMiB(h.pid);
    const runMany = await watchRun(h, c, book, 'many', namespaces, 1);
    row(
      `watch, ${fmt(namespaces.length)} ns watchers + 1 all, 1 client`,
      latencyText(runMany),
      `p99 < ${TARGET.watchP99Ms} ms`,
    );
    // Offset so that, over both runs, every one of the 1,000 namespaces gets events.
    const runLoad = await watchRun(h, c, book, 'load', namespaces, SIZES.concurrency, SIZES.watchCreates);
    row(
      `watch, ${fmt(namespaces.length)} ns watchers + 1 all, ${SIZES.concurrency} clients`,
      latencyText(runLoad),
    );

    // Back to 10 watchers (close the other 990), so the 10-vs-1,000 comparison brackets the 1,000 run.
    const extra = streams.filter((s) => s !== all && !few.includes(s.label));
    for (const s of extra) s.close();
    const left = await waitWatchers(c, 1 + few.length);
    const runFewB = await watchRun(h, c, book, 'fewb', few, 1);
    row(
      `watch, ${few.length} ns watchers + 1 all, 1 client (B)`,
      `${latencyText(runFewB)}; hub gauge ${left}`,
    );

    // Each watcher must have received exactly the creates sent to its namespace; the all-ns one, all.
    const nsStreams = streams.filter((s) => s !== all);
    const wrongCount = nsStreams.filter((s) => s.events !== (book.expected.get(s.label) ?? 0)).length;
    const nsCounts = nsStreams.map((s) => s.events);
    row(
      'events per ns watcher (min / max)',
      `${Math.min(...nsCounts)} / ${Math.max(...nsCounts)}; watchers with a count != creates to their ns: ${wrongCount}; ` +
        `all-ns watcher ${fmt(all.events)} of ${fmt(book.total)}`,
      'exact',
    );
    row(
      'unrelated deliveries',
      `${book.unrelated} (duplicates ${book.duplicates}, missing ${runFew.missing + runMany.missing + runLoad.missing + runFewB.missing})`,
      '0',
    );
    const p50Few = percentile([...runFew.nsLat, ...runFewB.nsLat], 50);
    const p50Many = percentile(runMany.nsLat, 50);
    const cpuFew = (runFew.hubCpuPerCreate + runFewB.hubCpuPerCreate) / 2;
    row(
      'cost per event vs unrelated watchers (p50)',
      `${ms(p50Few)} @ ${few.length} watchers (A+B) vs ${ms(p50Many)} @ ${fmt(namespaces.length)} watchers ` +
        `(x${fmt(p50Many / p50Few, 2)}); hub CPU/create ${ms(cpuFew)} vs ${ms(runMany.hubCpuPerCreate)}`,
      'about x1',
    );
    const rssEnd = rssMiB(h.pid);
    row(
      'hub RSS (VmRSS)',
      `${fmt(rssEnd ?? NaN)} MiB after the run (${fmt(rssStart ?? NaN)} at start, ${fmt(rssWatching ?? NaN)} with 1,001 watches open)`,
    );

    // Results.
    const elapsed = (performance.now() - benchStart) / 1000;
    const p99Many = percentile(runMany.nsLat, 99);
    const p99ManyAll = percentile(runMany.allLat, 99);
    const missing = runFew.missing + runMany.missing + runLoad.missing + runFewB.missing;
    const watchP99 = Math.max(p99Many, p99ManyAll);
    const goals: Goal[] = [
      {
        what: '1-client creates/s',
        measured: `${fmt(seqCreate)}/s`,
        goal: `>= bound / ${TARGET.createsVsRaw}`,
        reference: `raw SQLite commit bound ${fmt(rawNear)}/s`,
        ratio: seqCreate / rawNear,
        ok: seqCreate >= minCreates,
      },
      {
        what: `${SIZES.concurrency}-client creates/s`,
        measured: `${fmt(concCreate)}/s`,
        goal: '>= the bound (group commit carries many writes per fsync)',
        reference: `raw SQLite commit bound ${fmt(rawNear)}/s`,
        ratio: concCreate / rawNear,
        ok: concCreate >= rawNear,
      },
      {
        what: 'RBAC authorization cost on creates',
        measured: `${fmt(rbac.editor)}/s as a RoleBinding user`,
        goal: `< ${TARGET.rbacCost * 100} % below system:masters`,
        reference: `system:masters ${fmt(rbac.admin)}/s, same run`,
        ratio: rbac.editor / rbac.admin,
        ok: rbac.editor >= rbac.admin * (1 - TARGET.rbacCost),
      },
      {
        what: `watch delivery p99 @ ${fmt(namespaces.length)} watchers`,
        measured: ms(watchP99),
        goal: `< ${TARGET.watchP99Ms} ms`,
        ok: watchP99 < TARGET.watchP99Ms,
      },
    ];
    const checks: [string, boolean][] = [
      [
        `unrelated deliveries 0 (${book.unrelated}), none missing (${missing}), per-watcher counts exact (${wrongCount} off)`,
        book.unrelated === 0 && missing === 0 && wrongCount === 0 && all.events === book.total,
      ],
    ];
    cond.push(['Load avg', loadLine(loadStart, loadavg()[0])]);
    const out: string[] = [];
    out.push('', 'edgefed API server benchmark', '');
    const cw = Math.max(...cond.map(([k]) => k.length));
    for (const [k, v] of cond) out.push(`  ${k.padEnd(cw)}  ${v}`);
    out.push('');
    const w0 = Math.max(...rows.map((r) => r[0].length), 'measurement'.length);
    const w1 = Math.max(...rows.map((r) => r[1].length), 'result'.length);
    const line = (a: string, b: string, t: string): string => `  ${a.padEnd(w0)} | ${b.padEnd(w1)} | ${t}`;
    out.push(line('measurement', 'result', 'target'));
    out.push(`  ${'-'.repeat(w0)}-+-${'-'.repeat(w1)}-+-${'-'.repeat(24)}`);
    for (const [a, b, t] of rows) out.push(line(a, b, t));
    out.push(...verdictLines(goals, checks));
    out.push(`  bench took ${fmt(elapsed, 1)} s`, '');
    process.stdout.write(out.join('\n'));
  } catch (e) {
    if (!aborted) {
      process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      if (hub) process.stderr.write(`hub log tail:\n${hub.logs().slice(-4_000)}\n`);
    }
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    if (!aborted) await cleanup();
  }
}

await main();
