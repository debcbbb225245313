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
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
} from './lib.js';

const SIZES = {
  rawTxns: 2_000,
  rawBatchTxns: 200,
  rawBatchRows: 32,
  seqCreates: 1_000,
  concCreates: 5_000,
  listObjects: 10_000,
  seqUpdates: 1_000,
  concUpdates: 5_000,
  concurrency: 32,
  listRepeats: 3,
  pageSize: 500,
  watchNamespaces: 1_000,
  fewWatchers: 10,
  watchCreates: 500,
  watchWarmup: 20,
  watchOpenBatch: 50,
};
/** Per-phase time budgets (ms); a phase that runs out reports what it completed. */
const BUDGET = { raw: 15_000, writes: 25_000, fill: 25_000, list: 15_000, watchRun: 15_000, settle: 5_000 };
/** The whole bench is aborted (hub killed, temp dirs removed) past this. */
const HARD_LIMIT_MS = 170_000;

const TARGET = { createsVsRaw: 3, watchP99Ms: 50 };
const BULK_NS = 'bench-bulk';
const SENT_AT = 'bench.edgefed.io/sent-at';

interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace?: string; resourceVersion?: string; annotations?: Record<string, string> };
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
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';
const ms = (n: number): string => `${fmt(n, n < 10 ? 2 : 1)} ms`;

function conditions(dataDir: string, sqliteVersion: string): [string, string][] {
  const m = machine();
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const git = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8', timeout: 5_000 });
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

/** Single-row transactions (and, for context, 32-row ones) with the hub's durability settings. */
function rawSqlite(dir: string): { single: number; batchedRows: number; version: string } {
  const path = join(dir, 'raw-bench.db');
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    db.exec('CREATE TABLE kv (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO kv (name, value) VALUES (?, ?)');
    const value = JSON.stringify(configMap('raw'));
    const one = db.transaction((i: number) => insert.run(`/registry/configmaps/raw/cm-${i}`, value));
    let t0 = performance.now();
    const deadline = t0 + BUDGET.raw / 2;
    let n = 0;
    while (n < SIZES.rawTxns && performance.now() < deadline) one(n++);
    const single = n / ((performance.now() - t0) / 1000);
    const batch = db.transaction((base: number) => {
      for (let j = 0; j < SIZES.rawBatchRows; j++) insert.run(`/registry/configmaps/raw/b-${base + j}`, value);
    });
    t0 = performance.now();
    const deadline2 = t0 + BUDGET.raw / 2;
    let b = 0;
    while (b < SIZES.rawBatchTxns && performance.now() < deadline2) batch(SIZES.rawBatchRows * b++);
    const batchedRows = (b * SIZES.rawBatchRows) / ((performance.now() - t0) / 1000);
    return { single, batchedRows, version };
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) removeDir(path + suffix);
  }
}

/** Tracks hub CPU time across a phase. */
function hubCpu(hub: Hub): () => number {
  const start = cpuMs(hub.pid) ?? NaN;
  return () => (cpuMs(hub.pid) ?? NaN) - start;
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
  const r = await runBounded(total, concurrency, BUDGET.writes, op);
  const rate = r.done / (r.ms / 1000);
  const hubMsPerOp = cpu() / r.done;
  row(
    label,
    `${fmt(rate)}/s  (${fmt(r.done)} in ${fmt(r.ms / 1000, 2)} s${r.timedOut ? ', TIME BUDGET HIT' : ''}; ` +
      `p50 ${ms(percentile(r.latencies, 50))}, p99 ${ms(percentile(r.latencies, 99))}; hub CPU ${ms(hubMsPerOp)}/op)`,
    target,
  );
  return rate;
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
}

/** State shared by every watch stream: which bench object was sent when, and who received what. */
class WatchBook {
  sent = new Map<string, Sent>();
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
  client: Client,
  book: WatchBook,
  run: string,
  namespaces: string[],
  concurrency: number,
): Promise<WatchRun> {
  const create = async (i: number, counted: boolean): Promise<void> => {
    const ns = namespaces[i % namespaces.length];
    const name = `${run}-${i}`;
    const sentAt = performance.now();
    if (counted) book.sent.set(`${ns}/${name}`, { ns, sentAt });
    const body = configMap(name, { [SENT_AT]: String(sentAt) });
    await client.json('POST', `/api/v1/namespaces/${ns}/configmaps`, body);
  };
  // Warm-up creates (not measured, and not tracked: their events count as foreign, not as unrelated).
  await runBounded(SIZES.watchWarmup, 1, BUDGET.watchRun, (i) => create(100_000 + i, false));
  const before = new Set(book.sent.keys());
  const r = await runBounded(SIZES.watchCreates, concurrency, BUDGET.watchRun, (i) => create(i, true));
  const mine = [...book.sent.entries()].filter(([k]) => !before.has(k)).map(([, v]) => v);
  const settle = performance.now() + BUDGET.settle;
  while (performance.now() < settle && mine.some((s) => s.nsLatency === undefined || s.allLatency === undefined)) {
    await sleep(20);
  }
  return {
    nsLat: mine.flatMap((s) => (s.nsLatency === undefined ? [] : [s.nsLatency])),
    allLat: mine.flatMap((s) => (s.allLatency === undefined ? [] : [s.allLatency])),
    missing: mine.filter((s) => s.nsLatency === undefined).length + mine.filter((s) => s.allLatency === undefined).length,
    unrelated: book.unrelated,
    duplicates: book.duplicates,
    createRate: r.done / (r.ms / 1000),
  };
}

function latencyText(r: WatchRun): string {
  return (
    `ns watcher p50 ${ms(percentile(r.nsLat, 50))} p99 ${ms(percentile(r.nsLat, 99))}; ` +
    `all-ns watcher p50 ${ms(percentile(r.allLat, 50))} p99 ${ms(percentile(r.allLat, 99))} ` +
    `(${r.nsLat.length}+${r.allLat.length} deliveries, ${r.missing} missing, ${fmt(r.createRate)} creates/s)`
  );
}

async function main(): Promise<void> {
  const benchStart = performance.now();
  const root = tempDir('edgefed-bench-');
  const dataDir = join(root, 'hub');
  let hub: Hub | undefined;
  let client: Client | undefined;
  const watchAgents: Agent[] = [];
  const streams: WatchStream[] = [];
  let aborted = false;

  const cleanup = async (): Promise<void> => {
    for (const s of streams) s.close();
    for (const a of watchAgents) a.destroy();
    client?.close();
    await hub?.stop();
    removeDir(root);
  };
  const watchdog = setTimeout(() => {
    aborted = true;
    process.stderr.write(`bench: hard limit of ${HARD_LIMIT_MS / 1000} s reached, aborting\n`);
    void cleanup().finally(() => process.exit(2));
  }, HARD_LIMIT_MS);
  watchdog.unref();
  const onSignal = (): void => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    // 1. The bound: raw durable single-row commits on the very directory the hub will use.
    process.stderr.write('bench: raw SQLite commit rate...\n');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const raw = rawSqlite(dataDir);
    const cond = conditions(dataDir, raw.version);
    row('raw SQLite, 1 INSERT per txn (the bound)', `${fmt(raw.single)} txn/s  (${fmt(1000 / raw.single, 2)} ms/commit)`);
    row('raw SQLite, 32 INSERTs per txn (group-commit ceiling)', `${fmt(raw.batchedRows)} rows/s`);

    // 2. The hub.
    process.stderr.write('bench: starting hub...\n');
    hub = await startHub(dataDir);
    const h = hub;
    const rssStart = rssMiB(h.pid);
    client = new Client(h.url, h.tls, 64);
    const c = client;
    await c.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: BULK_NS } });

    // 3. Creates and updates.
    process.stderr.write('bench: creates and updates...\n');
    const rvs: string[] = [];
    const cmPath = `/api/v1/namespaces/${BULK_NS}/configmaps`;
    const createAt = async (i: number): Promise<void> => {
      const o = await c.json<ConfigMap>('POST', cmPath, configMap(`cm-${String(i).padStart(5, '0')}`));
      rvs[i] = o.metadata.resourceVersion ?? '';
    };
    const minCreates = raw.single / TARGET.createsVsRaw;
    const target = `>= ${fmt(minCreates)}/s (raw / ${TARGET.createsVsRaw})`;
    const seqCreate = await writes(h, 'creates/s, 1 client', SIZES.seqCreates, 1, (i) => createAt(i), target);
    const base = SIZES.seqCreates;
    const concCreate = await writes(
      h,
      `creates/s, ${SIZES.concurrency} clients`,
      SIZES.concCreates,
      SIZES.concurrency,
      (i) => createAt(base + i),
      target,
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
    const namespaces = Array.from({ length: SIZES.watchNamespaces }, (_, i) => `bw-${String(i).padStart(4, '0')}`);
    const nsRun = await runBounded(namespaces.length, SIZES.concurrency, BUDGET.fill, (i) =>
      c
        .json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespaces[i] } })
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
    const runFew = await watchRun(c, book, 'few', few, 1);
    row(`watch, ${few.length} ns watchers + 1 all, 1 client`, latencyText(runFew));

    rv = await currentRv();
    const openMs = await openWatches(h, watchAgent, book, namespaces.slice(SIZES.fewWatchers), rv, streams);
    const open = streams.filter((s) => !s.ended).length;
    row('watch streams open', `${fmt(open)} (the last ${fmt(namespaces.length - few.length)} opened in ${ms(openMs)})`);
    const rssWatching = rssMiB(h.pid);
    const runMany = await watchRun(c, book, 'many', namespaces, 1);
    row(
      `watch, ${fmt(namespaces.length)} ns watchers + 1 all, 1 client`,
      latencyText(runMany),
      `p99 < ${TARGET.watchP99Ms} ms`,
    );
    const runLoad = await watchRun(c, book, 'load', namespaces, SIZES.concurrency);
    row(`watch, ${fmt(namespaces.length)} ns watchers + 1 all, ${SIZES.concurrency} clients`, latencyText(runLoad));

    const nsCounts = streams.filter((s) => s !== all).map((s) => s.events);
    row(
      'deliveries per ns watcher (min / max)',
      `${Math.min(...nsCounts)} / ${Math.max(...nsCounts)}; all-ns watcher ${fmt(all.events)}`,
    );
    row(
      'unrelated deliveries',
      `${book.unrelated} (duplicates ${book.duplicates}, missing ${runFew.missing + runMany.missing + runLoad.missing})`,
      '0',
    );
    const p50Few = percentile(runFew.nsLat, 50);
    const p50Many = percentile(runMany.nsLat, 50);
    row(
      'cost per event vs unrelated watchers (p50)',
      `${ms(p50Few)} @ ${few.length} watchers vs ${ms(p50Many)} @ ${fmt(namespaces.length)} watchers (x${fmt(p50Many / p50Few, 2)})`,
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
    const missing = runFew.missing + runMany.missing + runLoad.missing;
    const checks: [string, boolean][] = [
      [
        `creates within ${TARGET.createsVsRaw}x of raw SQLite (${fmt(seqCreate)} and ${fmt(concCreate)} vs ${fmt(raw.single)}/s)`,
        seqCreate >= minCreates && concCreate >= minCreates,
      ],
      [
        `watch p99 < ${TARGET.watchP99Ms} ms @ ${fmt(namespaces.length)} watchers (${ms(Math.max(p99Many, p99ManyAll))})`,
        Math.max(p99Many, p99ManyAll) < TARGET.watchP99Ms,
      ],
      [`unrelated deliveries 0 (${book.unrelated}), none missing (${missing})`, book.unrelated === 0 && missing === 0],
    ];
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
    out.push('');
    for (const [text, ok] of checks) out.push(`  [${ok ? 'PASS' : 'FAIL'}] ${text}`);
    const pass = checks.every(([, ok]) => ok);
    out.push('', `VERDICT: ${pass ? 'PASS' : 'FAIL'} - ${checks.filter(([, ok]) => ok).length}/${checks.length} targets met (bench took ${fmt(elapsed, 1)} s)`, '');
    process.stdout.write(out.join('\n'));
    if (!pass) process.exitCode = 1;
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
