import { EventBroadcaster, refFor, type EventRecorder } from '../../client/events.js';
import { schedulingMessage } from '../sync/events.js';
import { isDeepStrictEqual } from 'node:util';
import type { KubeClient } from '../../client/client.js';
import { isNotFound } from '../../client/errors.js';
import { Informer } from '../../client/informer.js';
import type { RuntimeLogger } from '../../client/log.js';
import { WorkQueue, runWorkers, type ReconcileResult } from '../../client/workqueue.js';
import { splitKey } from '../sync/paths.js';
import {
  HUB_NAMESPACE,
  type FederatedObject,
  type KubeFedCluster,
  type ReplicaSchedulingPreference,
  placementFingerprint,
} from '../../api/federation.js';
import {
  REPLICAS_PATH,
  eligibleClusters,
  mergeReplicaOverrides,
  readyConditionNotReadySince,
  scheduleReplicas,
  toOverrides,
} from './replicas.js';

/** Default grace before a not-Ready cluster's replicas move (edgefed's failover; kubefed had none). */
export const DEFAULT_FAILOVER_GRACE_SECONDS = 60;

/**
 * ReplicaSchedulingPreference: divides totalReplicas among eligible clusters (kubefed's planner)
 * and writes the result into the target's placement and per-cluster /spec/replicas overrides.
 * Beyond kubefed, a cluster not Ready past the grace period loses its replicas to the others and
 * gets them back when Ready again; member workloads are never deleted for being offline (the
 * cluster keeps its Work, scaled to 0 by the override, until the cluster is removed).
 */
export class ReplicaSchedulingController {
  private readonly rsps: Informer<ReplicaSchedulingPreference>;
  private readonly broadcaster: EventBroadcaster;
  private readonly events: EventRecorder;
  private readonly queue = new WorkQueue();
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly clusters: Informer<KubeFedCluster>,
    private readonly log: RuntimeLogger,
    private readonly defaultGraceSeconds = DEFAULT_FAILOVER_GRACE_SECONDS,
    private readonly now: () => number = Date.now,
  ) {
    this.broadcaster = new EventBroadcaster({ client, log });
    this.events = this.broadcaster.newRecorder({ component: 'edgefed-scheduling-controller' });
    this.rsps = new Informer({
      kc: client.kc,
      listPath: '/apis/scheduling.kubefed.io/v1alpha1/replicaschedulingpreferences',
      logger: log,
      resyncMs: 30_000,
    });
    const enqueue = (r: ReplicaSchedulingPreference) =>
      this.queue.add(`${r.metadata.namespace}/${r.metadata.name}`);
    this.rsps.on('add', enqueue);
    this.rsps.on('update', enqueue);
    const all = () => this.rsps.list().forEach(enqueue);
    this.clusters.on('add', all);
    this.clusters.on('update', (c, old) => {
      if (placementFingerprint(c) !== placementFingerprint(old)) all();
    });
    this.clusters.on('delete', all);
  }

  start(): void {
    this.rsps.start();
    this.running = runWorkers(this.queue, 2, (k) => this.reconcile(k), this.log);
  }

  async stop(): Promise<void> {
    this.queue.shutdown();
    await this.rsps.stop();
    await this.running;
    await this.broadcaster.shutdown();
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    if (!this.rsps.hasSynced() || !this.clusters.hasSynced()) return { requeueAfterMs: 200 };
    const rsp = this.rsps.get(key);
    if (!rsp || rsp.metadata.deletionTimestamp) return;
    const { namespace, name } = splitKey(key);
    const plural = `${rsp.spec.targetKind.toLowerCase()}s`;
    const targetPath = `/apis/types.kubefed.io/v1beta1/namespaces/${namespace}/${plural}/${name}`;
    const target = await this.client.getIfExists<FederatedObject>(targetPath);
    if (!target) return { requeueAfterMs: 10_000 };

    const grace = rsp.spec.failoverGracePeriodSeconds ?? this.defaultGraceSeconds;
    const clusters = this.clusters
      .list()
      .filter((c) => c.metadata.namespace === HUB_NAMESPACE || !c.metadata.namespace);
    const now = this.now();
    const { eligible, failedOver } = eligibleClusters(clusters, now, grace);
    const current = currentReplicas(target);
    // A cluster back from failover gets its share back: plan afresh, as with rebalance.
    const returning = (rsp.status?.failedOver ?? []).some((c) => eligible.includes(c));
    const schedule = scheduleReplicas(
      rsp.spec,
      eligible,
      rsp.spec.rebalance || returning ? {} : current,
      key,
    );
    // A failed-over cluster keeps its Work (and member workload) at 0 replicas: never deleted for being offline.
    for (const c of failedOver) if (schedule[c] === undefined && current[c] !== undefined) schedule[c] = 0;
    const { clusters: placementClusters } = toOverrides(schedule);
    const overrides = mergeReplicaOverrides(target.spec?.overrides, schedule);
    const spec = target.spec ?? {};
    if (
      !isDeepStrictEqual(spec.placement?.clusters, placementClusters) ||
      !isDeepStrictEqual(spec.overrides ?? [], overrides)
    ) {
      await this.client.patch(
        targetPath,
        { spec: { placement: { clusters: placementClusters }, overrides } },
        'merge',
      );
      this.log.info({ rsp: key, schedule, failedOver }, 'replicas scheduled');
    }
    const status = {
      clusters: Object.fromEntries(Object.entries(schedule).map(([c, n]) => [c, { replicas: n }])),
      ...(failedOver.length ? { failedOver } : {}),
    };
    if (
      !isDeepStrictEqual(rsp.status?.clusters, status.clusters) ||
      !isDeepStrictEqual(rsp.status?.failedOver ?? [], failedOver)
    ) {
      await this.client
        .patch(
          `/apis/scheduling.kubefed.io/v1alpha1/namespaces/${namespace}/replicaschedulingpreferences/${name}/status`,
          [{ op: 'add', path: '/status', value: status }],
          'json',
        )
        .catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
      const rspType = { apiVersion: 'scheduling.kubefed.io/v1alpha1', kind: 'ReplicaSchedulingPreference' };
      this.events.event(
        refFor(rsp, rspType),
        'Normal',
        'ReplicasScheduled',
        schedulingMessage(status.clusters, failedOver),
      );
    }
    // Wake up when the next not-Ready cluster's grace period runs out.
    const deadlines = clusters
      .map(readyConditionNotReadySince)
      .filter((t): t is number => t !== undefined && now - t <= grace * 1000)
      .map((t) => t + grace * 1000 - now + 100);
    return deadlines.length ? { requeueAfterMs: Math.min(...deadlines) } : undefined;
  }
}

function currentReplicas(fed: FederatedObject): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of fed.spec?.overrides ?? []) {
    const r = (o.clusterOverrides ?? []).find((x) => x.path === REPLICAS_PATH);
    if (r && typeof r.value === 'number') out[o.clusterName] = r.value;
  }
  return out;
}
