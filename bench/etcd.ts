/**
 * Store benchmark, in process: EtcdStore on a real single-member etcd against SqliteStore, both on
 * the same disk with fsync on every commit. Measures creates/s with 1 and 32 concurrent writers and
 * watch delivery latency (write issued → listener called) while paced and under the 32-writer load,
 * with watchers on unrelated prefixes present as in a hub. Bounded to about a minute and a half.
 *
 *   npm run bench:etcd
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CompareResult, CompareTarget, Etcd3 } from 'etcd3';
import { EtcdStore } from '../apiserver/storage/etcd-store.js';
import { SqliteStore } from '../apiserver/storage/sqlite-store.js';
import type { Store } from '../apiserver/storage/store.js';
import type { KubeObject } from '../apiserver/types.js';
import { startEtcd, type EtcdCluster } from '../test/helpers/etcd.js';
import { diskOf, guardBench, machine, percentile, removeDir, runBounded, sleep, tempDir } from './lib.js';

const SIZES = {
  warmup: 300,
  seqCreates: 2_000,
  concCreates: 10_000,
  concurrency: 32,
  /** Watchers on the written prefix, and on prefixes no write touches. */
  watchers: 10,
  unrelatedWatchers: 1_000,
  pacedCreates: 300,
  pacedIntervalMs: 10,
  payloadBytes: 1_024,
};
/** Per-phase budgets (ms): a phase that runs out reports what it completed. */
const BUDGET = { seq: 10_000, conc: 12_000, paced: 6_000 };
const HARD_LIMIT_MS = 150_000;

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
  try {
    const r = await runBounded(SIZES.concCreates / 2, SIZES.concurrency, BUDGET.conc / 2, async (i) => {
      if (aborted()) return;
      const key = Buffer.from(`/bench-raw/${i}`);
      await client.kv.txn({
        compare: [{ key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
        success: [{ request_put: { key, value: Buffer.from(JSON.stringify(cm(String(i)))) } }],
        failure: [{ request_range: { key } }],
      });
    });
    return (r.done / r.ms) * 1000;
  } finally {
    client.close();
  }
}

function version(cmd: string): string {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8', timeout: 5_000 });
  return (r.stdout ?? '').split('\n')[0]?.trim() || 'unknown';
}

function table(results: Result[]): string {
  const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const rows = [
    ['creates/s, 1 writer', (r: Result) => f(r.seqPerSec, 0)],
    ['  p99 create latency (ms)', (r: Result) => f(r.seqP99, 2)],
    [`creates/s, ${SIZES.concurrency} writers`, (r: Result) => f(r.concPerSec, 0)],
    ['  p50 / p99 create latency (ms)', (r: Result) => `${f(r.concP50, 2)} / ${f(r.concP99, 2)}`],
    [
      '  watch delivery p50 / p99 (ms)',
      (r: Result) => `${f(r.loadDeliveryP50, 2)} / ${f(r.loadDeliveryP99, 2)}`,
    ],
    [
      `watch delivery p50 / p99, paced every ${SIZES.pacedIntervalMs} ms (ms)`,
      (r: Result) => `${f(r.pacedDeliveryP50, 2)} / ${f(r.pacedDeliveryP99, 2)}`,
    ],
    ['counts', (r: Result) => r.counts],
  ] as const;
  const w0 = Math.max(...rows.map(([label]) => label.length));
  const cols = results.map((r) => Math.max(r.store.length, ...rows.map(([, get]) => get(r).length)));
  const line = (cells: string[]): string =>
    `  ${cells.map((c, i) => c.padEnd(i === 0 ? w0 : cols[i - 1])).join(' | ')}`;
  return [
    line(['', ...results.map((r) => r.store)]),
    line(['-'.repeat(w0), ...cols.map((c) => '-'.repeat(c))]),
    ...rows.map(([label, get]) => line([label, ...results.map(get)])),
  ].join('\n');
}

async function main(): Promise<void> {
  const dir = tempDir('edgefed-bench-etcd-');
  let etcd: EtcdCluster | undefined;
  const stores: Store[] = [];
  const cleanup = async (): Promise<void> => {
    await Promise.allSettled(stores.map((s) => s.close()));
    await etcd?.stop();
    removeDir(dir);
  };
  const guard = guardBench(HARD_LIMIT_MS, cleanup);
  try {
    const started = Date.now();
    const results: Result[] = [];

    const sqlite = new SqliteStore({ path: join(dir, 'state.db') });
    stores.push(sqlite);
    results.push(await measure('SqliteStore (synchronous=FULL)', sqlite, guard.aborted));
    await sqlite.close();

    etcd = await startEtcd();
    const rawTxns = await rawEtcdCreates(etcd.endpoints, guard.aborted);
    const etcdStore = await EtcdStore.open({ endpoints: etcd.endpoints });
    stores.push(etcdStore);
    results.push(await measure('EtcdStore (1 member)', etcdStore, guard.aborted));
    await etcdStore.close();

    const m = machine();
    const sqliteVersion = (() => {
      const db = new Database(':memory:');
      const v = db.prepare<[], { v: string }>('SELECT sqlite_version() AS v').get()?.v ?? 'unknown';
      db.close();
      return v;
    })();
    console.log('\nStore benchmark: in process, store level (no HTTP)\n');
    console.log(table(results));
    console.log('\nConditions');
    for (const [k, v] of [
      ['machine', `${m.cpu}, ${m.ram} RAM`],
      ['disk (SQLite file and etcd data dir)', diskOf(dir)],
      ['node', process.version],
      ['etcd', `${version('etcd')}, 1 member on 127.0.0.1, default fsync`],
      [
        'etcd bound',
        `${rawTxns.toFixed(0)} create txns/s from ${SIZES.concurrency} writers through etcd3 directly (no store)`,
      ],
      ['sqlite', `${sqliteVersion} (better-sqlite3), WAL, synchronous=FULL`],
      [
        'load',
        `${SIZES.payloadBytes} B ConfigMaps; ${SIZES.watchers} watchers on the written prefix, ` +
          `${SIZES.unrelatedWatchers} on unrelated prefixes; ${SIZES.warmup} warm-up creates first`,
      ],
      ['delivery', 'from the create call to the last of the watchers on the prefix receiving it'],
      [
        'load average at the end (1/5/15 min)',
        loadavg()
          .map((l) => l.toFixed(2))
          .join(' / '),
      ],
      ['wall time', `${((Date.now() - started) / 1000).toFixed(0)} s`],
    ]) {
      console.log(`  ${k}: ${v}`);
    }
  } finally {
    guard.done();
    await cleanup();
  }
}

await main();
