import { followPrefix } from '../storage/follow.js';
import type { Logger } from 'pino';
import type { ResourceRegistry } from '../registry/registry.js';
import { resourceInfoFromCRD } from '../schema/crd.js';
import type { Store, WatchHandle } from '../storage/store.js';
import type { KubeObject } from '../../api/kubernetes.js';

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
    const served = new Map<string, KubeObject>();
    this.handle = await followPrefix(
      this.store,
      CRD_PREFIX,
      {
        reset: (items) => {
          const now = new Set(items.map((i) => String(i.object.metadata.name)));
          for (const [name, crd] of served) if (!now.has(name)) this.unregister(crd);
          served.clear();
          for (const i of items) {
            served.set(String(i.object.metadata.name), i.object);
            this.register(i.object);
          }
        },
        event: (ev) => {
          const name = String(ev.object.metadata.name);
          if (ev.type === 'DELETED') {
            served.delete(name);
            this.unregister(ev.object);
          } else {
            served.set(name, ev.object);
            this.register(ev.object);
          }
        },
      },
      (reason) => this.log.warn({ reason }, 'CRD watch ended; relisting'),
    );
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
