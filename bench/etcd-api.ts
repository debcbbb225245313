/**
 * The API part of `npm run bench:etcd`: one running `edgefed hub` (on SQLite or on etcd) driven over
 * HTTPS with the admin certificate, as bench/apiserver.ts drives it. Measures creates/s with 1 and
 * 32 concurrent clients and, during those same creates, watch delivery (POST sent → event received)
 * on a watcher of the written namespace while many idle watchers on other namespaces stay open.
 *
 * The logic is a minimal copy of bench/apiserver.ts (that file runs its bench at import time and
 * keeps its sizes and result rows in module state, so it cannot be imported).
 */
import { Agent } from 'node:https';
import {
  Client,
  WatchStream,
  cpuMs,
  percentile,
  rssMiB,
  runBounded,
  sleep,
  type Hub,
  type WatchEvent,
} from './lib.js';

export const API_SIZES = {
  /** Untimed creates first (8 clients, then 1), so the hub's JIT is warm before anything is measured. */
  warmup: 1_500,
  warmupSequential: 200,
  seqCreates: 1_000,
  concCreates: 4_000,
  concurrency: 32,
  /** Idle watchers, one per namespace no measured create touches (bench/apiserver.ts uses 1,000). */
  idleWatchers: 1_000,
  watchOpenBatch: 50,
};
/** Per-phase budgets (ms): a phase that runs out reports what it completed. */
const BUDGET = { setup: 40_000, warmup: 12_000, seq: 8_000, conc: 10_000, settle: 3_000 };

const SENT_AT = 'bench.edgefed.io/sent-at';
const WRITE_NS = 'bench-w';
const PAYLOAD = 'x'.repeat(200);

const configMap = (name: string, sentAt?: number) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(sentAt !== undefined ? { annotations: { [SENT_AT]: String(sentAt) } } : {}) },
  data: { payload: PAYLOAD },
});

export interface WriteStats {
  done: number;
  ms: number;
  timedOut: boolean;
  perSec: number;
  latP50: number;
  latP99: number;
  /** CPU per create (ms) of the hub process and of the store process (etcd), if any. */
  hubCpuPerOp: number;
  storeCpuPerOp: number;
  /** POST sent → ADDED event received on the written namespace's watcher (ms). */
  delivery: number[];
  missing: number;
}

export interface ApiResult {
  seq: WriteStats;
  conc: WriteStats;
  idleOpen: number;
  /** apiserver_registered_watchers{resource="configmaps"} once every watch was open. */
  hubGauge: number;
  unrelated: number;
  duplicates: number;
  setupMs: number;
  rssMiB?: number;
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

/**
 * Runs the API measurements against `hub`. `storePid` is the etcd process behind it (its CPU is
 * counted per create too); `log` reports progress.
 */
export async function measureApi(
  hub: Hub,
  storePid: number | undefined,
  aborted: () => boolean,
  log: (s: string) => void,
): Promise<ApiResult> {
  const c = new Client(hub.url, hub.tls, 64);
  // Every stream has its own connection (a watch holds it); no keep-alive so none is reused.
  const watchAgent = new Agent({ keepAlive: false, maxSockets: Infinity, ...hub.tls });
  const streams: WatchStream[] = [];
  try {
    const t0 = performance.now();
    const idle = Array.from({ length: API_SIZES.idleWatchers }, (_, i) => `bi-${String(i).padStart(4, '0')}`);
    const namespaces = [WRITE_NS, 'bench-warm', ...idle];
    log(`  creating ${namespaces.length} namespaces...`);
    const ns = await runBounded(namespaces.length, API_SIZES.concurrency, BUDGET.setup / 2, async (i) => {
      await c.json('POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: namespaces[i] },
      });
    });
    if (ns.done !== namespaces.length) throw new Error(`only ${ns.done} namespaces created in time`);

    // The watchers: idle ones on namespaces nothing writes to, and one on the written namespace.
    const rv = (await c.json<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/configmaps?limit=1'))
      .metadata.resourceVersion;
    let unrelated = 0;
    log(`  opening ${idle.length} idle watchers + 1 on the written namespace...`);
    const openDeadline = performance.now() + BUDGET.setup / 2;
    for (let i = 0; i < idle.length && !aborted(); i += API_SIZES.watchOpenBatch) {
      if (performance.now() > openDeadline) throw new Error('opening the idle watchers took too long');
      await Promise.all(
        idle.slice(i, i + API_SIZES.watchOpenBatch).map((n) => {
          const w = new WatchStream(n, (ev) => {
            if (ev.type !== 'BOOKMARK') unrelated++;
          });
          streams.push(w);
          return w.open(
            hub.url,
            `/api/v1/namespaces/${n}/configmaps?watch=true&resourceVersion=${rv}`,
            watchAgent,
          );
        }),
      );
    }
    const received = new Map<string, number>();
    let duplicates = 0;
    const onWritten = (ev: WatchEvent, at: number): void => {
      const md = ev.object.metadata;
      if (ev.type !== 'ADDED' || !md?.name) return;
      if (received.has(md.name)) duplicates++;
      else received.set(md.name, at - Number(md.annotations?.[SENT_AT] ?? NaN));
    };
    const written = new WatchStream(WRITE_NS, onWritten);
    streams.push(written);
    await written.open(
      hub.url,
      `/api/v1/namespaces/${WRITE_NS}/configmaps?watch=true&resourceVersion=${rv}`,
      watchAgent,
    );
    const idleOpen = streams.filter((s) => s !== written && !s.ended).length;
    const hubGauge = await waitWatchers(c, idleOpen + 1);
    const setupMs = performance.now() - t0;

    log('  warm-up...');
    const warmPath = '/api/v1/namespaces/bench-warm/configmaps';
    await runBounded(API_SIZES.warmup, 8, BUDGET.warmup, async (i) => {
      if (!aborted()) await c.json('POST', warmPath, configMap(`w-${i}`));
    });
    await runBounded(API_SIZES.warmupSequential, 1, BUDGET.warmup / 3, async (i) => {
      if (!aborted()) await c.json('POST', warmPath, configMap(`ws-${i}`));
    });

    const path = `/api/v1/namespaces/${WRITE_NS}/configmaps`;
    const run = async (
      prefix: string,
      total: number,
      concurrency: number,
      budget: number,
    ): Promise<WriteStats> => {
      const hubCpu0 = cpuMs(hub.pid) ?? NaN;
      const storeCpu0 = storePid !== undefined ? (cpuMs(storePid) ?? NaN) : NaN;
      const names: string[] = [];
      const r = await runBounded(total, concurrency, budget, async (i) => {
        if (aborted()) return;
        const name = `${prefix}-${i}`;
        names.push(name);
        await c.json('POST', path, configMap(name, performance.now()));
      });
      const hubCpu = (cpuMs(hub.pid) ?? NaN) - hubCpu0;
      const storeCpu = storePid !== undefined ? (cpuMs(storePid) ?? NaN) - storeCpu0 : NaN;
      const settle = performance.now() + BUDGET.settle;
      while (performance.now() < settle && names.some((n) => !received.has(n))) await sleep(20);
      const delivery = names.flatMap((n) => {
        const d = received.get(n);
        return d === undefined ? [] : [d];
      });
      return {
        done: r.done,
        ms: r.ms,
        timedOut: r.timedOut,
        perSec: r.done / (r.ms / 1000),
        latP50: percentile(r.latencies, 50),
        latP99: percentile(r.latencies, 99),
        hubCpuPerOp: hubCpu / r.done,
        storeCpuPerOp: storeCpu / r.done,
        delivery,
        missing: names.length - delivery.length,
      };
    };
    log(`  creates, 1 client (${API_SIZES.seqCreates})...`);
    const seq = await run('s', API_SIZES.seqCreates, 1, BUDGET.seq);
    log(`  creates, ${API_SIZES.concurrency} clients (${API_SIZES.concCreates})...`);
    const conc = await run('c', API_SIZES.concCreates, API_SIZES.concurrency, BUDGET.conc);
    return {
      seq,
      conc,
      idleOpen: streams.filter((s) => s !== written && !s.ended).length,
      hubGauge,
      unrelated,
      duplicates,
      setupMs,
      rssMiB: rssMiB(hub.pid),
    };
  } finally {
    for (const s of streams) s.close();
    watchAgent.destroy();
    c.close();
  }
}
