import type { KubeObject } from '../../api/kubernetes.js';
import type { KubeClient } from '../../client/client.js';
import { EventBroadcaster } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import type { RuntimeLogger } from '../../client/log.js';
import {
  HUB_NAMESPACE,
  type FederatedObject,
  type FederatedTypeConfig,
  type KubeFedCluster,
  type Work,
  placementFingerprint,
} from '../../api/federation.js';
import { CLUSTER_LABEL, ClusterNamespaces } from './cluster-namespaces.js';
import { TypeSyncer, WORK_SOURCE_INDEX, sourceKey, type SyncShared } from './type-syncer.js';
import { sourcesOfWorkEvent } from './work-drift.js';

export interface SyncControllerOptions {
  client: KubeClient;
  log: RuntimeLogger;
  workers?: number;
  now?: () => Date;
}

/**
 * The sync controller, generic over FederatedTypeConfig: one TypeSyncer per enabled type, started
 * and stopped as FTCs come and go (no restart needed). Shared informers: clusters, Works (indexed
 * by their source object), cluster namespaces. Events are routed to the objects they concern.
 */
export class SyncController {
  private readonly ftcs: Informer<FederatedTypeConfig>;
  private readonly clusters: Informer<KubeFedCluster>;
  private readonly works: Informer<Work>;
  private readonly namespaces: Informer<KubeObject>;
  private readonly syncers = new Map<string, TypeSyncer>();
  private readonly shared: SyncShared;
  private readonly broadcaster: EventBroadcaster;
  private readonly clusterNamespaces: ClusterNamespaces;
  private nsTimer: NodeJS.Timeout | undefined;
  private nsRunning = false;

  constructor(private readonly opts: SyncControllerOptions) {
    const kc = opts.client.kc;
    const log = opts.log;
    this.ftcs = new Informer({
      kc,
      listPath: `/apis/core.kubefed.io/v1beta1/namespaces/${HUB_NAMESPACE}/federatedtypeconfigs`,
      logger: log,
    });
    this.clusters = new Informer({
      kc,
      listPath: `/apis/core.kubefed.io/v1beta1/namespaces/${HUB_NAMESPACE}/kubefedclusters`,
      logger: log,
    });
    this.works = new Informer({ kc, listPath: '/apis/edgefed.io/v1alpha1/works', logger: log });
    this.works.addIndex(WORK_SOURCE_INDEX, (w) => (w.spec?.source ? [sourceKey(w.spec.source)] : []));
    this.namespaces = new Informer({
      kc,
      listPath: '/api/v1/namespaces',
      labelSelector: CLUSTER_LABEL,
      logger: log,
    });
    this.broadcaster = new EventBroadcaster({ client: opts.client, log });
    this.shared = {
      events: this.broadcaster.newRecorder({ component: 'edgefed-sync-controller' }),
      client: opts.client,
      clusters: this.clusters,
      works: this.works,
      federatedNamespaces: () => {
        if (!this.ftcs.hasSynced()) return 'pending';
        const enabled = this.ftcs
          .list()
          .some(
            (f) =>
              f.spec?.propagation === 'Enabled' &&
              f.spec.targetType.kind === 'Namespace' &&
              !f.spec.targetType.group,
          );
        if (!enabled) return undefined;
        const ns = [...this.syncers.values()].find((x) => x.isNamespaceType());
        return ns && ns.informer.hasSynced() ? ns.informer : 'pending';
      },
      log,
      now: opts.now ?? (() => new Date()),
      workers: opts.workers ?? 4,
    };
    this.clusterNamespaces = new ClusterNamespaces(
      opts.client,
      this.clusters,
      this.namespaces,
      this.works,
      log,
    );

    this.ftcs.on('add', (f) => this.syncType(f));
    this.ftcs.on('update', (f) => this.syncType(f));
    this.ftcs.on('delete', (f) => void this.stopType(String(f.metadata.name)));

    // Placement depends on every cluster's labels and readiness: a cluster change concerns all objects.
    const clusterChanged = () => {
      for (const s of this.syncers.values()) s.enqueueAll();
      this.kickNamespaces();
    };
    this.clusters.on('add', clusterChanged);
    this.clusters.on('update', (c, old) => {
      if (placementFingerprint(c) !== placementFingerprint(old)) clusterChanged();
    });
    this.clusters.on('delete', clusterChanged);
    for (const i of [this.clusters, this.works] as Informer<KubeObject>[])
      i.on('synced', () => this.kickNamespaces());
    // A cluster namespace appearing unblocks the Works that could not be written into it yet.
    this.namespaces.on('add', () => {
      this.kickNamespaces();
      for (const s of this.syncers.values()) s.enqueueAll();
    });
    this.namespaces.on('synced', () => this.kickNamespaces());
    this.namespaces.on('delete', () => this.kickNamespaces());

    // A Work's status, spec or existence changed: only its source object needs a look (it puts
    // back a spec that drifted from its rendering). A Work whose spec no longer names its source
    // (overwritten, removed) is traced by the source it named before, or else by its name.
    const workChanged = (w: Work, old?: Work) => {
      const sources = sourcesOfWorkEvent(w, old);
      for (const s of this.syncers.values()) {
        if (sources.length === 0) s.enqueueByWorkName(String(w.metadata.name));
        for (const src of sources) {
          if (!s.ownsSource(src)) continue;
          if (s.isNamespaceType()) s.queue.add(`${src.name}/${src.name}`);
          else s.queue.add(src.namespace ? `${src.namespace}/${src.name}` : src.name);
        }
      }
    };
    this.works.on('add', (w) => workChanged(w));
    this.works.on('update', workChanged);
    this.works.on('delete', (w) => workChanged(w));
  }

  async start(): Promise<void> {
    for (const i of [this.clusters, this.works, this.namespaces, this.ftcs])
      (i as Informer<KubeObject>).start();
    this.nsTimer = setInterval(() => this.kickNamespaces(), 10_000);
    this.nsTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.nsTimer) clearInterval(this.nsTimer);
    await Promise.all([...this.syncers.keys()].map((k) => this.stopType(k)));
    await Promise.all(
      [this.ftcs, this.clusters, this.works, this.namespaces].map((i) => (i as Informer<KubeObject>).stop()),
    );
    await this.broadcaster.shutdown();
  }

  /** The KubeFedCluster informer, shared with other controllers. */
  get clusterInformer(): Informer<KubeFedCluster> {
    return this.clusters;
  }

  /** Types currently being reconciled (FTC names). */
  activeTypes(): string[] {
    return [...this.syncers.keys()].sort();
  }

  private syncType(ftc: FederatedTypeConfig): void {
    const name = String(ftc.metadata.name);
    const existing = this.syncers.get(name);
    const enabled = ftc.spec?.propagation === 'Enabled';
    if (existing && JSON.stringify(existing.ftc.spec) === JSON.stringify(ftc.spec)) return;
    void (async () => {
      if (existing) await this.stopType(name);
      if (!enabled) return;
      const syncer = new TypeSyncer(ftc, this.shared);
      this.syncers.set(name, syncer);
      syncer.start();
      this.opts.log.info({ type: name, federatedType: ftc.spec.federatedType.kind }, 'sync loop started');
      if (syncer.isNamespaceType()) {
        // The namespace rule makes every namespaced object depend on its FederatedNamespace.
        const nsChanged = (o: FederatedObject) => {
          for (const s of this.syncers.values()) {
            if (s !== syncer && s.targetType.scope === 'Namespaced')
              s.enqueueAll((x) => x.metadata.namespace === o.metadata.namespace);
          }
        };
        syncer.informer.on('add', nsChanged);
        syncer.informer.on('update', nsChanged);
        syncer.informer.on('delete', nsChanged);
      }
    })();
  }

  private async stopType(name: string): Promise<void> {
    const s = this.syncers.get(name);
    if (!s) return;
    this.syncers.delete(name);
    await s.stop();
    this.opts.log.info({ type: name }, 'sync loop stopped');
  }

  private nsAgain = false;

  /** Runs a cluster-namespace pass; a kick during a pass runs another right after it (none is lost). */
  private kickNamespaces(): void {
    if (!this.clusters.hasSynced() || !this.namespaces.hasSynced() || !this.works.hasSynced()) return;
    if (this.nsRunning) {
      this.nsAgain = true;
      return;
    }
    this.nsRunning = true;
    this.nsAgain = false;
    void this.clusterNamespaces
      .reconcile()
      .catch((e: unknown) => this.opts.log.warn({ err: e }, 'cluster namespace pass failed; will retry'))
      .finally(() => {
        this.nsRunning = false;
        if (this.nsAgain) this.kickNamespaces();
      });
  }
}
