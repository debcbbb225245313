import type { Logger } from 'pino';
import type { ResourceRegistry } from '../registry/registry.js';
import { resourceInfoFromCRD } from '../schema/crd.js';
import type { Store, WatchHandle } from '../storage/store.js';
import type { KubeObject } from '../types.js';

export const CRD_PREFIX = '/registry/apiextensions.k8s.io/customresourcedefinitions/';

/**
 * Keeps the registry in step with stored CRDs by watching them. The store delivers a write's event
 * before it acknowledges the write, so a CRD's resources are servable by the time its create returns,
 * and replicas sharing a store (etcd) learn of it the same way.
 */
export class CrdRegistrar {
  private handle: WatchHandle | undefined;

  constructor(
    private readonly store: Store,
    private readonly registry: ResourceRegistry,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const page = await this.store.list(CRD_PREFIX);
    for (const item of page.items) this.register(item.object);
    this.handle = this.store.watch(CRD_PREFIX, page.revision, (ev) => {
      if (ev.type === 'DELETED') this.unregister(ev.object);
      else this.register(ev.object);
    });
  }

  stop(): void {
    this.handle?.stop();
  }

  private register(crd: KubeObject): void {
    try {
      this.registry.upsert(resourceInfoFromCRD(crd));
    } catch (e) {
      this.log.error(
        { crd: crd.metadata.name, err: (e as Error).message },
        'cannot serve CustomResourceDefinition',
      );
    }
  }

  private unregister(crd: KubeObject): void {
    const spec = crd.spec as { group?: string; names?: { plural?: string } } | undefined;
    if (spec?.group !== undefined && spec.names?.plural) this.registry.remove(spec.group, spec.names.plural);
  }
}
