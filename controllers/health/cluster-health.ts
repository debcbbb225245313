/**
 * Cluster health from agent heartbeats: each agent renews a Lease named HEARTBEAT_LEASE in its
 * cluster namespace; a KubeFedCluster is Ready while that Lease's renewTime is within the
 * threshold, and NotReady (Offline) once it is not. Leader-only (run by the ControllerManager).
 *
 * - Heartbeat current → Ready True (ClusterReady), Offline False.
 * - Heartbeat stale → Ready False (ClusterNotReachable, "no heartbeat since <time>"), Offline True.
 * - No Lease ever → Ready False (AgentNeverConnected), Offline True; PendingAcceptance while the
 *   cluster waits for `edgefed clusters accept`.
 * - A cluster annotated HEALTH_ANNOTATION=manual with no heartbeat Lease is left alone (hand-
 *   registered stand-ins whose conditions someone else sets).
 *
 * Conditions keep lastTransitionTime while their status is unchanged; a write happens only when a
 * condition changes (lastProbeTime = then) or when status.lastHeartbeatTime lags the Lease by more
 * than heartbeatRecordSeconds, so a healthy hub does not write per tick. Writes are JSON patches on
 * /status guarded by a `test` on resourceVersion: a concurrent writer makes ours fail, and the next
 * pass retries against the fresh object.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ACCEPTED_ANNOTATION, HEARTBEAT_INTERVAL_SECONDS, HEARTBEAT_LEASE } from '../../api/protocol.js';
import type { KubeClient, JsonPatchOp } from '../../client/client.js';
import { isNotFound } from '../../client/errors.js';
import { Informer } from '../../client/informer.js';
import type { LeaseSpec } from '../../client/leader-election.js';
import { silentLogger, type RuntimeLogger } from '../../client/log.js';
import type { KubeObject } from '../../api/kubernetes.js';
import {
  HUB_NAMESPACE,
  clusterNamespace,
  type Condition,
  type KubeFedCluster,
} from '../../api/federation.js';
import { parseTime, rfc3339 } from '../../api/time.js';

export interface HeartbeatLease extends KubeObject {
  spec?: LeaseSpec;
}

/** `manual`: a hand-registered cluster's health is set by hand (until an agent heartbeat appears). */
export const HEALTH_ANNOTATION = 'edgefed.io/health';
export const DEFAULT_HEARTBEAT_THRESHOLD_SECONDS = 40;

const KFC_PATH = `/apis/core.kubefed.io/v1beta1/namespaces/${HUB_NAMESPACE}/kubefedclusters`;
const LEASES_PATH = '/apis/coordination.k8s.io/v1/leases';

export interface ClusterHealthOptions {
  kc: KubeConfig;
  client: KubeClient;
  log?: RuntimeLogger;
  /** A heartbeat older than this makes the cluster NotReady (default 40 s, or $EDGEFED_HEARTBEAT_THRESHOLD). */
  thresholdSeconds?: number;
  /** How often every cluster is re-checked (default 2 s). */
  checkIntervalMs?: number;
  /** How stale status.lastHeartbeatTime may get before it is rewritten on its own (default 300 s, as kubelet's node status). */
  heartbeatRecordSeconds?: number;
  /** For tests. */
  now?: () => number;
}

export interface HealthVerdict {
  /** undefined: leave the cluster alone. */
  conditions?: {
    ready: Omit<Condition, 'lastTransitionTime' | 'lastProbeTime'>;
    offline: Omit<Condition, 'lastTransitionTime' | 'lastProbeTime'>;
  };
  heartbeat?: string;
}

/** The threshold from the environment, when set to a positive number. */
export function thresholdFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const n = Number(env.EDGEFED_HEARTBEAT_THRESHOLD);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** What a cluster's conditions should be, given its heartbeat Lease (pure; exported for tests). */
export function judge(
  cluster: KubeFedCluster,
  lease: HeartbeatLease | undefined,
  nowMs: number,
  thresholdSeconds: number,
): HealthVerdict {
  const name = String(cluster.metadata.name);
  const renew = lease ? parseTime(lease.spec?.renewTime ?? lease.spec?.acquireTime) : undefined;
  if (!lease && cluster.metadata.annotations?.[HEALTH_ANNOTATION] === 'manual') return {};
  if (renew !== undefined) {
    const heartbeat = rfc3339(renew);
    if (nowMs - renew <= thresholdSeconds * 1000) {
      return {
        heartbeat,
        conditions: {
          ready: {
            type: 'Ready',
            status: 'True',
            reason: 'ClusterReady',
            message: 'agent heartbeat is current',
          },
          offline: {
            type: 'Offline',
            status: 'False',
            reason: 'ClusterReachable',
            message: 'agent heartbeat is current',
          },
        },
      };
    }
    const message = `no heartbeat since ${heartbeat}`;
    return {
      heartbeat,
      conditions: {
        ready: { type: 'Ready', status: 'False', reason: 'ClusterNotReachable', message },
        offline: { type: 'Offline', status: 'True', reason: 'ClusterNotReachable', message },
      },
    };
  }
  const pending = cluster.metadata.annotations?.[ACCEPTED_ANNOTATION] === 'false';
  const reason = pending ? 'PendingAcceptance' : 'AgentNeverConnected';
  const message = pending
    ? `waiting for the hub admin to run: edgefed clusters accept ${name}`
    : "the cluster's agent has not sent a heartbeat yet";
  return {
    conditions: {
      ready: { type: 'Ready', status: 'False', reason, message },
      offline: { type: 'Offline', status: 'True', reason, message },
    },
  };
}

/**
 * The status JSON patch that brings `cluster` to the verdict, or undefined when nothing needs
 * writing (pure; exported for tests).
 */
export function statusPatch(
  cluster: KubeFedCluster,
  verdict: HealthVerdict,
  nowMs: number,
  heartbeatRecordSeconds: number,
): JsonPatchOp[] | undefined {
  if (!verdict.conditions) return undefined;
  const current = cluster.status?.conditions ?? [];
  const now = rfc3339(nowMs);
  let changed = false;
  const wanted = [verdict.conditions.ready, verdict.conditions.offline];
  const next: Condition[] = current.filter((c) => c.type !== 'Ready' && c.type !== 'Offline');
  for (const w of wanted) {
    const old = current.find((c) => c.type === w.type);
    if (old && old.status === w.status && old.reason === w.reason && old.message === w.message) {
      next.push(old);
      continue;
    }
    changed = true;
    next.push({
      ...w,
      lastProbeTime: now,
      lastTransitionTime:
        old && old.status === w.status && old.lastTransitionTime ? old.lastTransitionTime : now,
    });
  }
  const status = cluster.status as (KubeFedCluster['status'] & { lastHeartbeatTime?: string }) | undefined;
  const recorded = parseTime(status?.lastHeartbeatTime);
  const beat = parseTime(verdict.heartbeat);
  const heartbeatStale =
    beat !== undefined && (recorded === undefined || beat - recorded >= heartbeatRecordSeconds * 1000);
  const heartbeatMoved = verdict.heartbeat !== undefined && verdict.heartbeat !== status?.lastHeartbeatTime;
  if (!changed && !heartbeatStale) return undefined;
  // Keep the existing order of conditions (Ready first for new ones).
  const order = (c: Condition) => {
    const i = current.findIndex((x) => x.type === c.type);
    return i >= 0 ? i : c.type === 'Ready' ? -2 : -1;
  };
  next.sort((a, b) => order(a) - order(b));
  const ops: JsonPatchOp[] = [
    { op: 'test', path: '/metadata/resourceVersion', value: cluster.metadata.resourceVersion },
  ];
  if (!cluster.status) {
    ops.push({
      op: 'add',
      path: '/status',
      value: { conditions: next, ...(verdict.heartbeat ? { lastHeartbeatTime: verdict.heartbeat } : {}) },
    });
    return ops;
  }
  if (changed) ops.push({ op: 'add', path: '/status/conditions', value: next });
  if (heartbeatMoved) ops.push({ op: 'add', path: '/status/lastHeartbeatTime', value: verdict.heartbeat });
  return ops;
}

export class ClusterHealthController {
  readonly clusters: Informer<KubeFedCluster>;
  readonly leases: Informer<HeartbeatLease>;
  readonly thresholdSeconds: number;
  private readonly client: KubeClient;
  private readonly log: RuntimeLogger;
  private readonly checkIntervalMs: number;
  private readonly heartbeatRecordSeconds: number;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private running = false;
  private pass?: Promise<void>;
  private again = false;

  constructor(opts: ClusterHealthOptions) {
    this.client = opts.client;
    this.log = opts.log ?? silentLogger;
    this.thresholdSeconds =
      opts.thresholdSeconds ?? thresholdFromEnv() ?? DEFAULT_HEARTBEAT_THRESHOLD_SECONDS;
    this.checkIntervalMs = opts.checkIntervalMs ?? 2000;
    // kubelet's nodeStatusReportFrequency: the Lease is the heartbeat; the status copy only needs to be
    // roughly current (at 1,000 clusters, 60 s meant ~17 writes/s of nothing but a timestamp).
    this.heartbeatRecordSeconds = opts.heartbeatRecordSeconds ?? 300;
    this.now = opts.now ?? Date.now;
    this.clusters = new Informer<KubeFedCluster>({ kc: opts.kc, listPath: KFC_PATH, logger: this.log });
    this.leases = new Informer<HeartbeatLease>({
      kc: opts.kc,
      listPath: LEASES_PATH,
      fieldSelector: `metadata.name=${HEARTBEAT_LEASE}`,
      logger: this.log,
    });
    const kick = (): void => this.kick();
    // Resyncs (update with obj === old) are covered by the timer.
    for (const inf of [this.clusters, this.leases] as Informer<KubeObject>[]) {
      inf.on('add', kick);
      inf.on('update', (obj, old) => {
        if (obj !== old) kick();
      });
      inf.on('delete', kick);
      inf.on('synced', kick);
    }
  }

  /** Starts the informers and the periodic check; does not wait for the caches. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const kick = (): void => this.kick();
    this.clusters.start();
    this.leases.start();
    // Passes start once both caches are synced (kick() checks); the timer catches silence.
    this.timer = setInterval(kick, this.checkIntervalMs);
    this.timer.unref();
    this.log.info({ thresholdSeconds: this.thresholdSeconds }, 'cluster health controller started');
    if (this.thresholdSeconds <= HEARTBEAT_INTERVAL_SECONDS)
      this.log.warn(
        { thresholdSeconds: this.thresholdSeconds, heartbeatIntervalSeconds: HEARTBEAT_INTERVAL_SECONDS },
        "heartbeat threshold is not above the agents' heartbeat interval: healthy clusters will flap NotReady",
      );
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([this.clusters.stop(), this.leases.stop()]);
    await this.pass;
  }

  /** Runs a pass now, or right after the one in progress. */
  private kick(): void {
    if (!this.running || !this.clusters.hasSynced() || !this.leases.hasSynced()) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = this.reconcileAll()
      .catch((e: unknown) => this.log.error({ err: e }, 'cluster health pass failed'))
      .finally(() => {
        this.pass = undefined;
        if (this.again && this.running) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** One pass over every cluster (the informers must be synced). */
  async reconcileAll(): Promise<void> {
    const now = this.now();
    for (const c of this.clusters.list()) {
      if (!this.running) return;
      if (c.metadata.deletionTimestamp) continue;
      const name = String(c.metadata.name);
      const lease = this.leases.get(`${clusterNamespace(name)}/${HEARTBEAT_LEASE}`);
      const verdict = judge(c, lease, now, this.thresholdSeconds);
      const ops = statusPatch(c, verdict, now, this.heartbeatRecordSeconds);
      if (!ops) continue;
      try {
        await this.client.jsonPatch(`${KFC_PATH}/${encodeURIComponent(name)}/status`, ops);
        const ready = verdict.conditions?.ready;
        const was = (c.status?.conditions ?? []).find((x) => x.type === 'Ready');
        if (ready && (was?.status !== ready.status || was?.reason !== ready.reason))
          this.log.info(
            { cluster: name, ready: ready.status, reason: ready.reason, message: ready.message },
            'cluster health changed',
          );
      } catch (e) {
        // Not found: removed meanwhile. Anything else (a concurrent write failing our `test`):
        // the informer brings the fresh object and the next pass retries.
        if (!isNotFound(e))
          this.log.debug({ cluster: name, err: (e as Error).message }, 'cluster health write lost; retrying');
      }
    }
  }
}
