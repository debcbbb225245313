import { followPrefix } from '../storage/follow.js';
import type { Logger } from 'pino';
import type { ResourceRegistry } from '../registry/registry.js';
import { SYSTEM_USER, newContext } from '../rest/context.js';
import { CRD_CLEANUP_FINALIZER, NAMESPACE_FINALIZER } from '../rest/kind-hooks.js';
import { collectionPrefix, resourcePrefix } from '../rest/keys.js';
import type { ObjectStorage } from '../rest/storage.js';
import { StoreError, type WatchHandle } from '../storage/store.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { CRD_PREFIX } from './crd-registrar.js';

const NS_PREFIX = '/registry/core/namespaces/';

/**
 * The apiserver's own finalizers: a terminating namespace has its contents deleted, a deleted CRD
 * has its custom resources deleted; each is released once nothing is left. Level-triggered: the
 * set of terminating objects is rebuilt from storage at start and kept by a watch; a short tick
 * retries what is still held by other finalizers.
 */
export class LifecycleWorker {
  private readonly terminatingNs = new Set<string>();
  private readonly terminatingCrds = new Set<string>();
  private handles: WatchHandle[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly storage: ObjectStorage,
    private readonly registry: ResourceRegistry,
    private readonly log: Logger,
    private readonly intervalMs = 500,
  ) {}

  async start(): Promise<void> {
    const store = this.storage.store;
    for (const [prefix, set] of [
      [NS_PREFIX, this.terminatingNs],
      [CRD_PREFIX, this.terminatingCrds],
    ] as const) {
      this.handles.push(
        await followPrefix(store, prefix, {
          reset: (items) => {
            set.clear();
            for (const i of items)
              if (i.object.metadata.deletionTimestamp) set.add(String(i.object.metadata.name));
            this.kick();
          },
          event: (ev) => {
            const name = String(ev.object.metadata.name);
            if (ev.type !== 'DELETED' && ev.object.metadata.deletionTimestamp) {
              set.add(name);
              this.kick();
            } else if (ev.type === 'DELETED') set.delete(name);
          },
        }),
      );
    }
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
    this.kick();
  }

  stop(): void {
    for (const h of this.handles) h.stop();
    if (this.timer) clearInterval(this.timer);
  }

  private kick(): void {
    if (this.running || (this.terminatingNs.size === 0 && this.terminatingCrds.size === 0)) return;
    this.running = true;
    void this.pass()
      .catch((e: unknown) =>
        this.log.warn({ err: (e as Error).message }, 'lifecycle pass failed; will retry'),
      )
      .finally(() => {
        this.running = false;
      });
  }

  private async pass(): Promise<void> {
    for (const ns of [...this.terminatingNs]) await this.finalizeNamespace(ns);
    for (const crd of [...this.terminatingCrds]) await this.finalizeCrd(crd);
  }

  private async finalizeNamespace(ns: string): Promise<void> {
    let remaining = 0;
    for (const info of this.registry.all()) {
      if (!info.namespaced) continue;
      remaining += await this.deleteAllUnder(collectionPrefix(info, ns), info.group, info.resource);
    }
    if (remaining > 0) return;
    await this.release('', 'namespaces', ns, (o) => {
      const spec = (o.spec ?? {}) as { finalizers?: string[] };
      o.spec = { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER) };
    });
  }

  private async finalizeCrd(name: string): Promise<void> {
    const crd = await this.storage.store.get(`${CRD_PREFIX}${name}`);
    if (!crd) return void this.terminatingCrds.delete(name);
    const spec = crd.object.spec as { group: string; names: { plural: string } };
    const info = this.registry.get(spec.group, spec.names.plural);
    if (info && (await this.deleteAllUnder(resourcePrefix(info), info.group, info.resource)) > 0) return;
    await this.release('apiextensions.k8s.io', 'customresourcedefinitions', name, (o) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    });
  }

  /** Asks every object under the prefix to go; returns how many are still there. */
  private async deleteAllUnder(prefix: string, group: string, resource: string): Promise<number> {
    const info = this.registry.get(group, resource);
    if (!info) return 0;
    const version = info.versions.find((v) => v.name === info.storageVersion) ?? info.versions[0];
    const page = await this.storage.store.list(prefix);
    let remaining = 0;
    for (const item of page.items) {
      remaining++;
      if (item.object.metadata.deletionTimestamp) continue;
      const ctx = newContext(SYSTEM_USER);
      await this.storage
        .delete(ctx, info, version, item.object.metadata.namespace, String(item.object.metadata.name), {
          dryRun: false,
        })
        .then((r) => {
          if (r.deleted) remaining--;
        })
        .catch((e: unknown) => {
          if (!(e instanceof StoreError) && (e as { code?: number }).code !== 404) throw e;
        });
    }
    return remaining;
  }

  /** Drops our finalizer; the update path deletes the object when nothing else holds it. */
  private async release(
    group: string,
    resource: string,
    name: string,
    mutate: (o: KubeObject) => void,
  ): Promise<void> {
    const info = this.registry.get(group, resource);
    if (!info) return;
    const version = info.versions[0];
    const ctx = newContext(SYSTEM_USER);
    const cur = await this.storage.get(info, version, undefined, name).catch(() => undefined);
    if (!cur) return;
    const next = structuredClone(cur);
    mutate(next);
    await this.storage.update(ctx, info, version, undefined, name, next, {
      dryRun: false,
      fieldManager: 'edgefed-apiserver',
      fieldValidation: 'Ignore',
      subresource: undefined,
    });
    this.log.info({ resource, name }, 'finalized');
  }
}
