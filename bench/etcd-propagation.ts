/**
 * The propagation part of `npm run bench:etcd`: clusters registered as bench/propagation.ts
 * registers them (KubeFedCluster POSTed with manual health, status Ready written by the bench; no
 * agents), then one FederatedDeployment (clusterSelector {}) applied through one hub replica, timed
 * until all of its Works are seen on a Work watch of that replica (and of every other replica).
 *
 * Objects and cluster registration come from bench/fixtures.ts, shared with bench/propagation.ts.
 */
import { Agent } from 'node:https';
import { clusterName, fedDeployment, fedNamespace, registerCluster } from './fixtures.js';
import type { Work } from '../api/federation.js';
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

const WORKS = '/apis/edgefed.io/v1alpha1/works';
const FED = '/apis/types.kubefed.io/v1beta1';
export const CONTROLLER_LEASE =
  '/apis/coordination.k8s.io/v1/namespaces/kube-federation-system/leases/edgefed-controller-manager';
const CLUSTER_LABEL = 'edgefed.io/cluster';
const NS = 'prop';

/** Polls `fn` every `everyMs` until it returns true or `ms` passes; false on timeout. */
export async function until(
  fn: () => boolean | Promise<boolean>,
  ms: number,
  everyMs = 100,
): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (performance.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** The controller Lease's holder identity (`<hostname>-<pid>` of the leading hub), or ''. */
export async function controllerHolder(c: Client): Promise<string> {
  const r = await c.request('GET', CONTROLLER_LEASE);
  if (r.status !== 200) return '';
  return (JSON.parse(r.body) as { spec?: { holderIdentity?: string } }).spec?.holderIdentity ?? '';
}

/** Waits until the hub used under `idleCpuMsPerS` of CPU per second for `quietSeconds` in a row. */
async function waitHubIdle(
  pid: number,
  budgetMs: number,
  quietSeconds = 2,
  idleCpuMsPerS = 100,
): Promise<void> {
  const start = performance.now();
  let quiet = 0;
  let last = cpuMs(pid) ?? 0;
  while (performance.now() - start < budgetMs) {
    await sleep(1_000);
    const now = cpuMs(pid) ?? 0;
    quiet = now - last < idleCpuMsPerS ? quiet + 1 : 0;
    last = now;
    if (quiet >= quietSeconds) return;
  }
}

interface WorkLike {
  metadata: { name?: string; namespace?: string };
  spec?: Partial<Pick<Work['spec'], 'cluster' | 'source'>>;
}

/** Which Works exist per source object, from one Work watch, with the receive time of each event. */
class WorkTracker {
  private readonly bySource = new Map<string, Set<string>>();
  private waiters: { pred: () => boolean; resolve: (at: number | undefined) => void }[] = [];

  onEvent = (ev: WatchEvent, at: number): void => {
    const w = ev.object as unknown as WorkLike;
    const src = w.spec?.source;
    if ((ev.type !== 'ADDED' && ev.type !== 'DELETED') || !src) return;
    const key = `${src.kind ?? ''}/${src.namespace ?? ''}/${src.name ?? ''}`;
    let set = this.bySource.get(key);
    if (!set) this.bySource.set(key, (set = new Set()));
    const workKey = `${w.metadata.namespace ?? ''}/${w.metadata.name ?? ''}`;
    if (ev.type === 'ADDED') set.add(workKey);
    else set.delete(workKey);
    this.waiters = this.waiters.filter((wt) => {
      if (!wt.pred()) return true;
      wt.resolve(at);
      return false;
    });
  };

  count(kind: string, namespace: string | undefined, name: string): number {
    return this.bySource.get(`${kind}/${namespace ?? ''}/${name}`)?.size ?? 0;
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

export interface PropagationResult {
  /** Registration: POSTs + statuses, then cluster namespaces and FederatedNamespace Works present. */
  registerMs: number;
  readyMs: number;
  runs: number;
  timedOut: boolean;
  /** POST through `apply` → all N Works seen on `apply`'s Work watch. */
  createMs: number[];
  /** The same POST → all N Works seen on each other replica's Work watch. */
  otherMs: number[][];
  /** DELETE → all N Works gone, on `apply`'s watch. */
  deleteMs: number[];
  rssMiB: (number | undefined)[];
}

export interface PropagationSizes {
  clusters: number;
  reps: number;
  warmup: number;
  runBudgetMs: number;
  registerBudgetMs: number;
}

/**
 * Registers `sizes.clusters` clusters through `apply`, then times POST → all Works, `sizes.reps`
 * times after `sizes.warmup` untimed runs, until `deadline` (performance.now() ms). `leader` is the
 * hub whose controllers lead (waited on to go idle after registration); `others` are watched too.
 */
export async function measurePropagation(
  apply: Hub,
  leader: Hub,
  others: Hub[],
  sizes: PropagationSizes,
  deadline: number,
  aborted: () => boolean,
  log: (s: string) => void,
): Promise<PropagationResult> {
  const n = sizes.clusters;
  const c = new Client(apply.url, apply.tls, 64);
  const agents: Agent[] = [];
  const streams: WatchStream[] = [];
  const openWorkWatch = async (hub: Hub, tracker: WorkTracker, rv: string): Promise<void> => {
    const agent = new Agent({ keepAlive: false, ...hub.tls });
    agents.push(agent);
    const s = new WatchStream(hub.url.host, tracker.onEvent);
    streams.push(s);
    await s.open(hub.url, `${WORKS}?watch=true&resourceVersion=${rv}&timeoutSeconds=3600`, agent);
  };
  try {
    await c.json('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS },
    });
    await c.json('POST', `${FED}/namespaces/${NS}/federatednamespaces`, fedNamespace(NS));
    const rv = (
      await c.json<{ metadata: { resourceVersion: string } }>(
        'GET',
        '/api/v1/namespaces/default/configmaps?limit=1',
      )
    ).metadata.resourceVersion;
    const tracker = new WorkTracker();
    await openWorkWatch(apply, tracker, rv);
    const otherTrackers = others.map(() => new WorkTracker());
    for (const [i, h] of others.entries()) await openWorkWatch(h, otherTrackers[i], rv);

    log(`  registering ${n} clusters through ${apply.url.host}...`);
    const t0 = performance.now();
    const reg = await runBounded(n, 16, sizes.registerBudgetMs, (i) => registerCluster(c, clusterName(i)));
    const registerMs = performance.now() - t0;
    if (reg.done < n) throw new Error(`only ${reg.done} of ${n} clusters registered in time`);
    const left = Math.max(1_000, sizes.registerBudgetMs - registerMs);
    const nsOk = await until(
      async () =>
        (
          await c.json<{ items: unknown[] }>(
            'GET',
            `/api/v1/namespaces?labelSelector=${encodeURIComponent(CLUSTER_LABEL)}`,
          )
        ).items.length >= n,
      left,
    );
    const fnsOk =
      nsOk &&
      (await tracker.when(() => tracker.count('Namespace', undefined, NS) >= n, left)) !== undefined &&
      (
        await Promise.all(
          otherTrackers.map((t) => t.when(() => t.count('Namespace', undefined, NS) >= n, left)),
        )
      ).every((at) => at !== undefined);
    const readyMs = performance.now() - t0;
    if (!fnsOk)
      throw new Error(`cluster namespaces and FederatedNamespace Works for ${n} clusters not ready in time`);
    await waitHubIdle(leader.pid, 20_000);

    const result: PropagationResult = {
      registerMs,
      readyMs,
      runs: 0,
      timedOut: false,
      createMs: [],
      otherMs: others.map(() => []),
      deleteMs: [],
      rssMiB: [],
    };
    for (let i = 0; i < sizes.warmup + sizes.reps; i++) {
      if (aborted() || performance.now() > deadline) {
        result.timedOut = true;
        break;
      }
      const name = `d-${i}`;
      const done = (t: WorkTracker) => () => t.count('Deployment', NS, name) >= n;
      const gone = (t: WorkTracker) => () => t.count('Deployment', NS, name) === 0;
      const seenElsewhere = otherTrackers.map((t) => t.when(done(t), sizes.runBudgetMs));
      const t = performance.now();
      await c.json('POST', `${FED}/namespaces/${NS}/federateddeployments`, fedDeployment(NS, name));
      const doneAt = await tracker.when(done(tracker), sizes.runBudgetMs);
      const elsewhere = await Promise.all(seenElsewhere);
      if (doneAt === undefined || elsewhere.some((at) => at === undefined)) {
        log(
          `  run ${name}: only ${tracker.count('Deployment', NS, name)} of ${n} Works in ${sizes.runBudgetMs} ms`,
        );
        result.timedOut = true;
        break;
      }
      const goneElsewhere = otherTrackers.map((o) => o.when(gone(o), sizes.runBudgetMs));
      const td = performance.now();
      await c.json('DELETE', `${FED}/namespaces/${NS}/federateddeployments/${name}`, undefined, [200, 202]);
      const goneAt = await tracker.when(gone(tracker), sizes.runBudgetMs);
      const fedGone = await until(
        async () =>
          (await c.request('GET', `${FED}/namespaces/${NS}/federateddeployments/${name}`)).status === 404,
        sizes.runBudgetMs,
        20,
      );
      const goneOk = (await Promise.all(goneElsewhere)).every((at) => at !== undefined);
      if (goneAt === undefined || !fedGone || !goneOk) {
        log(`  run ${name}: deletion did not finish in ${sizes.runBudgetMs} ms`);
        result.timedOut = true;
        break;
      }
      if (i < sizes.warmup) continue;
      result.createMs.push(doneAt - t);
      elsewhere.forEach((at, k) => result.otherMs[k].push((at ?? NaN) - t));
      result.deleteMs.push(goneAt - td);
      result.runs++;
    }
    result.rssMiB = [apply, ...others].map((h) => rssMiB(h.pid));
    log(
      `  ${result.runs} runs: p50 ${percentile(result.createMs, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(result.createMs, 99).toFixed(1)} ms`,
    );
    return result;
  } finally {
    for (const s of streams) s.close();
    for (const a of agents) a.destroy();
    c.close();
  }
}
