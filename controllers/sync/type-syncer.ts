import type { KubeObject } from '../../api/kubernetes.js';
import type { KubeClient } from '../../client/client.js';
import { refFor, type EventRecorder } from '../../client/events.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/errors.js';
import { Informer } from '../../client/informer.js';
import type { RuntimeLogger } from '../../client/log.js';
import { WorkQueue, runWorkers, type ReconcileResult } from '../../client/workqueue.js';
import {
  FEDERATED_GROUP,
  HUB_NAMESPACE,
  ORPHAN_ANNOTATION,
  UNPROPAGATED_NAMESPACES,
  SYNC_FINALIZER,
  WORK_GROUP,
  WORK_VERSION,
  clusterNamespace,
  type FederatedObject,
  type FederatedTypeConfig,
  type KubeFedCluster,
  type TypeRef,
  type Work,
  type WorkSource,
} from '../../api/federation.js';
import { cacheKey } from '../../client/informer.js';
import { collectionPath, objectPath, splitKey } from './paths.js';
import { applyNamespaceRule, selectClusters } from './placement.js';
import { renderForCluster, validateOverrides } from './render.js';
import { foldClusterStatus, statusEqual } from './status-fold.js';
import { workName } from './work-name.js';
import { federatedEvents } from './events.js';
import { decideWork, replacement } from './work-drift.js';

/** Shared by every type's loop: clusters, Works, and the FederatedNamespaces for the namespace rule. */
export interface SyncShared {
  client: KubeClient;
  clusters: Informer<KubeFedCluster>;
  works: Informer<Work>;
  /**
   * The FederatedNamespace informer for the namespace rule: 'pending' until the type configs and
   * that informer have synced (deciding earlier would withdraw Works on every hub restart),
   * undefined when the namespace type is not enabled (no rule).
   */
  federatedNamespaces(): Informer<FederatedObject> | 'pending' | undefined;
  log: RuntimeLogger;
  now(): Date;
  workers: number;
  /** kubefed's Events on the federated objects (events.ts). */
  events: EventRecorder;
}

export const WORK_SOURCE_INDEX = 'source';

export function sourceKey(s: { group: string; resource: string; namespace?: string; name: string }): string {
  return `${s.group}/${s.resource}/${s.namespace ?? ''}/${s.name}`;
}

const WORK_TYPE: TypeRef = {
  group: WORK_GROUP,
  version: WORK_VERSION,
  kind: 'Work',
  pluralName: 'works',
  scope: 'Namespaced',
};

/** Works of one federated object written at once (placement to many clusters is the slow path). */
const WORK_WRITE_CONCURRENCY = 16;

async function inParallel(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, run));
}

/** How long a deletion waits before looking again at clusters that have not confirmed removal. */
const DELETION_RECHECK_MS = 5_000;

const CLUSTER_NAMESPACE_PREFIX = clusterNamespace('');

/** The cluster whose namespace a Work lives in (what it is delivered to, whatever its spec says). */
function clusterOf(w: Work): string | undefined {
  const ns = w.metadata.namespace ?? '';
  return ns.startsWith(CLUSTER_NAMESPACE_PREFIX) ? ns.slice(CLUSTER_NAMESPACE_PREFIX.length) : undefined;
}

const clusterOrSpec = (w: Work): string => clusterOf(w) ?? String(w.spec.cluster);

/**
 * The sync loop of one federated type (one FederatedTypeConfig): a level-triggered reconcile per
 * federated object — read caches, compute placement/render/status with pure functions, write only
 * what differs. Safe to re-run at any time; a pass with nothing changed writes nothing.
 */
export class TypeSyncer {
  readonly informer: Informer<FederatedObject>;
  readonly queue = new WorkQueue();
  private running: Promise<void> | undefined;
  readonly federatedType: TypeRef;
  readonly targetType: TypeRef;

  constructor(
    readonly ftc: FederatedTypeConfig,
    private readonly shared: SyncShared,
  ) {
    this.federatedType = {
      ...ftc.spec.federatedType,
      group: ftc.spec.federatedType.group ?? FEDERATED_GROUP,
    };
    this.targetType = ftc.spec.targetType;
    this.informer = new Informer<FederatedObject>({
      kc: shared.client.kc,
      listPath: collectionPath(this.federatedType),
      logger: shared.log,
    });
    this.informer.on('add', (o) => this.enqueue(o));
    this.informer.on('update', (o) => this.enqueue(o));
    this.informer.on('delete', (o) => this.enqueue(o));
  }

  get name(): string {
    return String(this.ftc.metadata.name);
  }

  isNamespaceType(): boolean {
    return this.targetType.kind === 'Namespace' && (this.targetType.group ?? '') === '';
  }

  start(): void {
    this.informer.start();
    this.running = runWorkers(this.queue, this.shared.workers, (key) => this.reconcile(key), this.shared.log);
  }

  async stop(): Promise<void> {
    this.queue.shutdown();
    await this.informer.stop();
    await this.running;
  }

  enqueue(o: KubeObject): void {
    this.queue.add(cacheKey(o.metadata.namespace, String(o.metadata.name)));
  }

  enqueueAll(filter?: (o: FederatedObject) => boolean): void {
    for (const o of this.informer.list()) if (!filter || filter(o)) this.enqueue(o);
  }

  /** A Work that names no source (its spec was removed or mangled): the object rendering that name. */
  enqueueByWorkName(name: string): void {
    this.enqueueAll((o) => workName(this.source(o)) === name);
  }

  /** The federated object a Work came from, if it is of this type. */
  ownsWork(w: Work): boolean {
    const s = w.spec?.source;
    return Boolean(s) && this.ownsSource(s);
  }

  /** Whether a Work source is an object of this type. */
  ownsSource(s: Pick<WorkSource, 'group' | 'resource'>): boolean {
    return s.group === (this.targetType.group ?? '') && s.resource === this.targetType.pluralName;
  }

  private source(fed: FederatedObject): WorkSource {
    return {
      group: this.targetType.group ?? '',
      version: this.targetType.version,
      kind: this.targetType.kind,
      resource: this.targetType.pluralName,
      namespace:
        this.targetType.scope === 'Namespaced'
          ? this.isNamespaceType()
            ? undefined
            : fed.metadata.namespace
          : undefined,
      name: this.isNamespaceType() ? String(fed.metadata.namespace) : String(fed.metadata.name),
      uid: String(fed.metadata.uid),
      generation: fed.metadata.generation,
    };
  }

  private worksOf(fedKey: { namespace?: string; name: string }): Work[] {
    const src = {
      group: this.targetType.group ?? '',
      resource: this.targetType.pluralName,
      namespace: this.isNamespaceType()
        ? undefined
        : this.targetType.scope === 'Namespaced'
          ? fedKey.namespace
          : undefined,
      name: this.isNamespaceType() ? String(fedKey.namespace) : fedKey.name,
    };
    return this.shared.works.byIndex(WORK_SOURCE_INDEX, sourceKey(src));
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    if (!this.informer.hasSynced() || !this.shared.works.hasSynced() || !this.shared.clusters.hasSynced()) {
      return { requeueAfterMs: 200 };
    }
    const k = splitKey(key);
    let fed = this.informer.get(key);
    const works = this.worksOf(k);
    if (!fed) {
      // Gone without our finalizer (e.g. its CRD was deleted): withdraw what it placed.
      await Promise.all(works.filter((w) => !w.metadata.deletionTimestamp).map((w) => this.deleteWork(w)));
      return;
    }
    if (this.ftc.spec.propagation !== 'Enabled') return;
    if (fed.metadata.deletionTimestamp) return this.reconcileDeletion(fed, works);
    if (!(fed.metadata.finalizers ?? []).includes(SYNC_FINALIZER)) {
      const patched = await this.patchFederated(fed, {
        metadata: {
          finalizers: [...(fed.metadata.finalizers ?? []), SYNC_FINALIZER],
          resourceVersion: fed.metadata.resourceVersion,
        },
      });
      if (!patched) return; // gone, or changed meanwhile (re-queued)
      fed = patched; // carry on in the same pass: no extra round through the queue
    }

    const clusters = this.shared.clusters.list();
    let placed: string[] = [];
    let placementError: string | undefined;
    try {
      placed = selectClusters(fed.spec?.placement, clusters);
    } catch (e) {
      // An invalid clusterSelector is the user's to fix: report it, do not retry hot.
      placementError = (e as Error).message;
    }
    // kubefed never propagates these namespaces themselves (they exist everywhere, or are the hub's own);
    // a FederatedNamespace for them still scopes the objects inside.
    const ownNamespace = String(fed.metadata.namespace);
    if (this.isNamespaceType() && UNPROPAGATED_NAMESPACES.has(ownNamespace)) placed = [];
    if (ownNamespace === HUB_NAMESPACE) placed = [];
    let namespaceNotFederated = false;
    if (this.targetType.scope === 'Namespaced' && !this.isNamespaceType()) {
      const namespaces = this.shared.federatedNamespaces();
      if (namespaces === 'pending') return { requeueAfterMs: 200 };
      if (namespaces) {
        const fns = namespaces.get(cacheKey(fed.metadata.namespace, String(fed.metadata.namespace)));
        const r = applyNamespaceRule(placed, fns, clusters);
        placed = r.clusters;
        namespaceNotFederated = r.namespaceNotFederated;
      }
    }
    const overrideErrors = validateOverrides(fed.spec?.overrides);
    const renderErrors = new Map<string, string>();
    const source = this.source(fed);
    const name = workName(source);
    const orphan = fed.metadata.annotations?.[ORPHAN_ANNOTATION] === 'true';
    const current = new Map<string, Work>();

    // Render every cluster first (pure), then write the Works that differ, several at a time.
    const writes: (() => Promise<void>)[] = [];
    for (const cluster of placed) {
      const r = renderForCluster(fed, this.targetType, cluster, overrideErrors);
      // The Work at the rendered name, whatever it says now (drifted, no spec, another cluster).
      const existing = this.shared.works.get(cacheKey(clusterNamespace(cluster), name));
      if ('error' in r) {
        // kubefed leaves the member object as it was when the overrides are wrong.
        renderErrors.set(cluster, r.error.message);
        if (existing) current.set(cluster, existing);
        continue;
      }
      const spec: Work['spec'] = {
        cluster,
        source,
        manifest: r.object,
        deletePolicy: orphan ? 'Orphan' : 'Delete',
      };
      writes.push(async () => {
        current.set(cluster, await this.ensureWork(cluster, spec, existing));
      });
    }
    await inParallel(writes, WORK_WRITE_CONCURRENCY);
    // Works of this object that should not be there: clusters no longer placed, or a stray copy
    // under another name (e.g. created by hand with this source), which its agent would apply too.
    const stray = (w: Work) => !placed.includes(clusterOf(w) ?? '') || w.metadata.name !== name;
    for (const w of works) if (stray(w) && !w.metadata.deletionTimestamp) await this.deleteWork(w);
    const leaving = works.filter(stray).map((w) => clusterOf(w) ?? String(w.metadata.namespace));
    await this.writeStatus(fed, {
      placed,
      clusters,
      works: current,
      renderErrors,
      namespaceNotFederated,
      deletingWaitingFor: leaving,
      placementError,
    });
    const terminating = [...current.values()].some((w) => w.metadata.deletionTimestamp);
    return leaving.length > 0 || terminating ? { requeueAfterMs: DELETION_RECHECK_MS } : undefined;
  }

  private async reconcileDeletion(fed: FederatedObject, works: Work[]): Promise<ReconcileResult> {
    if (!(fed.metadata.finalizers ?? []).includes(SYNC_FINALIZER)) return;
    const orphan = fed.metadata.annotations?.[ORPHAN_ANNOTATION] === 'true';
    for (const w of works) {
      if (w.metadata.deletionTimestamp) continue;
      if (orphan && w.spec.deletePolicy !== 'Orphan') {
        await this.shared.client.patch(
          objectPath(WORK_TYPE, w.metadata.namespace, String(w.metadata.name)),
          { spec: { deletePolicy: 'Orphan' } },
          'merge',
        );
      }
      await this.deleteWork(w);
    }
    const remaining = this.worksOf({ namespace: fed.metadata.namespace, name: String(fed.metadata.name) });
    if (remaining.length === 0) {
      const finalizers = (fed.metadata.finalizers ?? []).filter((f) => f !== SYNC_FINALIZER);
      await this.patchFederated(fed, {
        metadata: { finalizers, resourceVersion: fed.metadata.resourceVersion },
      });
      return;
    }
    // Say what the deletion waits for; removing (unjoining) an offline cluster releases it.
    await this.writeStatus(fed, {
      placed: remaining.map(clusterOrSpec).sort(),
      clusters: this.shared.clusters.list(),
      works: new Map(remaining.map((w) => [clusterOrSpec(w), w])),
      renderErrors: new Map(),
      namespaceNotFederated: false,
      deletingWaitingFor: remaining.map(clusterOrSpec),
    });
    return { requeueAfterMs: DELETION_RECHECK_MS };
  }

  /**
   * Makes the Work at the rendered name say what was rendered: created when missing, replaced when
   * anything drifted (see work-drift.ts), left alone while it is being deleted (recreated after).
   */
  private async ensureWork(cluster: string, spec: Work['spec'], existing: Work | undefined): Promise<Work> {
    const ns = clusterNamespace(cluster);
    const name = workName(spec.source);
    const desired: Work = {
      apiVersion: `${WORK_GROUP}/${WORK_VERSION}`,
      kind: 'Work',
      metadata: { name, namespace: ns, labels: { 'edgefed.io/cluster': cluster } },
      spec,
    };
    const decision = decideWork(existing, desired);
    switch (decision.action) {
      case 'keep':
      case 'wait':
        return existing as Work;
      case 'replace':
        this.shared.log.info(
          { work: `${ns}/${name}`, drift: decision.drift },
          'work differs from its rendering; putting the rendering back',
        );
        return this.shared.client.update<Work>(
          objectPath(WORK_TYPE, ns, name),
          replacement(existing as Work, desired),
        );
      case 'create':
        break;
    }
    try {
      return await this.shared.client.create<Work>(collectionPath(WORK_TYPE, ns), desired);
    } catch (e) {
      if (isNotFound(e))
        throw new Error(`namespace ${ns} of cluster ${cluster} does not exist yet`, { cause: e });
      if (!isAlreadyExists(e)) throw e;
      // Created by someone else before our cache saw it (any shape): decide on what is there now.
      const there = await this.shared.client.getIfExists<Work>(objectPath(WORK_TYPE, ns, name));
      if (!there) throw e;
      const again = decideWork(there, desired);
      if (again.action !== 'replace') return there;
      return this.shared.client.update<Work>(objectPath(WORK_TYPE, ns, name), replacement(there, desired));
    }
  }

  private async deleteWork(w: Work): Promise<void> {
    try {
      await this.shared.client.delete(objectPath(WORK_TYPE, w.metadata.namespace, String(w.metadata.name)));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  private async patchFederated(fed: FederatedObject, patch: unknown): Promise<FederatedObject | undefined> {
    const path = objectPath(this.federatedType, fed.metadata.namespace, String(fed.metadata.name));
    try {
      return await this.shared.client.patch<FederatedObject>(path, patch, 'merge');
    } catch (e) {
      if (isNotFound(e)) return undefined;
      if (isConflict(e)) {
        this.enqueue(fed);
        return undefined;
      }
      throw e;
    }
  }

  private async writeStatus(
    fed: FederatedObject,
    input: Omit<Parameters<typeof foldClusterStatus>[0], 'fed' | 'now' | 'clusters'> & {
      clusters: KubeFedCluster[];
    },
  ): Promise<void> {
    const status = foldClusterStatus({
      ...input,
      fed,
      clusters: new Map(input.clusters.map((c) => [String(c.metadata.name), c])),
      now: this.shared
        .now()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z'),
    });
    if (statusEqual(fed.status, status)) return;
    const path = `${objectPath(this.federatedType, fed.metadata.namespace, String(fed.metadata.name))}/status`;
    try {
      await this.shared.client.patch(path, [{ op: 'add', path: '/status', value: status }], 'json');
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    const t = this.targetType;
    const target = {
      kind: t.kind,
      name: [fed.metadata.namespace, fed.metadata.name].filter(Boolean).join('/'),
    };
    const ref = refFor(fed, {
      apiVersion: `${this.federatedType.group}/${this.federatedType.version}`,
      kind: this.federatedType.kind,
    });
    for (const e of federatedEvents(
      target,
      fed.status,
      status,
      (c) => input.works.get(c)?.metadata.generation,
    ))
      this.shared.events.event(ref, e.type, e.reason, e.message);
  }
}
