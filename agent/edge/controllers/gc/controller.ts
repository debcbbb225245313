/**
 * The garbage collector the site API lacks: ReplicaSets and Pods whose owners are all gone are
 * deleted (background propagation: a deleted RS's pods become garbage in turn), so deleting a
 * Deployment or a Job removes what it made. The cache proposes; a live GET of each owner confirms
 * before anything is deleted, so a cache that has not seen a new owner yet cannot cost a pod.
 */
import { resourcePath } from '../../../../client/client.js';
import type { Informer } from '../../../../client/informer.js';
import { objectKey } from '../../../../client/informer.js';
import type { ReconcileResult } from '../../../../client/workqueue.js';
import type { KubeObject, OwnerReference } from '../../../../api/kubernetes.js';
import { ControllerLoop } from '../loop.js';
import { podsPath, replicaSetsPath } from '../paths.js';
import { INDEX, type SiteContext } from '../site.js';
import { unlessStale } from '../writes.js';
import { FOLLOWED_OWNERS, isGarbage, ownerKind } from './garbage.js';

type DependentKind = 'pod' | 'replicaset';

export class GarbageCollector {
  private readonly loop: ControllerLoop;
  private readonly dependents: Record<DependentKind, Informer<KubeObject>>;
  private readonly owners: Record<string, Informer<KubeObject>>;

  constructor(private readonly ctx: SiteContext) {
    this.loop = new ControllerLoop(ctx.workers, ctx.log, (key) => this.reconcile(key));
    const i = ctx.informers;
    this.dependents = {
      pod: i.pods as unknown as Informer<KubeObject>,
      replicaset: i.replicaSets as Informer<KubeObject>,
    };
    this.owners = {
      'apps/v1/Deployment': i.deployments as Informer<KubeObject>,
      'apps/v1/ReplicaSet': i.replicaSets as Informer<KubeObject>,
      'batch/v1/Job': i.jobs as Informer<KubeObject>,
    };
    for (const [kind, informer] of Object.entries(this.dependents) as [
      DependentKind,
      Informer<KubeObject>,
    ][]) {
      const check = (o: KubeObject): void => {
        if (o.metadata.ownerReferences?.length) this.loop.queue.add(`${kind}:${objectKey(o)}`);
      };
      informer.on('add', check);
      informer.on('update', check);
    }
    for (const informer of Object.values(this.owners)) {
      informer.on('delete', (owner) => {
        for (const [kind, dep] of Object.entries(this.dependents))
          for (const o of dep.byIndex(INDEX.ownerUid, String(owner.metadata.uid)))
            this.loop.queue.add(`${kind}:${objectKey(o)}`);
      });
    }
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon) as DependentKind;
    const obj = this.dependents[kind]?.get(key.slice(colon + 1));
    // Already being deleted: whatever holds it (a finalizer) finishes the job.
    if (!obj || obj.metadata.deletionTimestamp) return;
    const ns = obj.metadata.namespace ?? '';
    const refs = obj.metadata.ownerReferences;
    if (!isGarbage(refs, (r) => this.cachedOwnerExists(r, ns))) return;
    for (const r of refs ?? []) if (await this.liveOwnerExists(r, ns)) return;
    const name = String(obj.metadata.name);
    this.ctx.log.info(
      { kind, object: objectKey(obj), owners: (refs ?? []).map((r) => `${r.kind}/${r.name}`) },
      'deleting object whose owners are gone',
    );
    const path = kind === 'pod' ? podsPath(ns, name) : replicaSetsPath(ns, name);
    await unlessStale(() =>
      this.ctx.client.deleteIfExists(path, {
        preconditions: { uid: String(obj.metadata.uid) },
        propagationPolicy: 'Background',
      }),
    );
  }

  private cachedOwnerExists(ref: OwnerReference, namespace: string): boolean {
    const owner = this.owners[ownerKind(ref)]?.get(`${namespace}/${ref.name}`);
    return owner?.metadata.uid === ref.uid;
  }

  private async liveOwnerExists(ref: OwnerReference, namespace: string): Promise<boolean> {
    const r = FOLLOWED_OWNERS[ownerKind(ref)];
    if (!r) return true;
    const owner = await this.ctx.client.getIfExists(resourcePath(r, namespace, ref.name));
    return owner?.metadata.uid === ref.uid;
  }
}
