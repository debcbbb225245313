/**
 * Kind behaviour that needs more than the object itself: Service allocation reads and writes the
 * store. One KindEnvironment per API server, built from its options.
 */
import type { Store } from '../storage/store.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { ServiceAllocator } from './allocator.js';
import { prepareService, serviceRange, type ServiceAllocationEnv } from './service-allocation.js';
import { DEFAULT_NODE_PORT_RANGE, type ServiceAllocationOptions } from './service-types.js';

export type { ServiceAllocationOptions } from './service-types.js';
export { defaultJob } from './job.js';

export class KindEnvironment {
  readonly services: ServiceAllocationEnv;

  constructor(store: Store, opts: ServiceAllocationOptions = {}) {
    this.services = {
      allocator: new ServiceAllocator(store),
      range: serviceRange(opts.serviceCIDR),
      nodePorts: opts.nodePortRange ?? DEFAULT_NODE_PORT_RANGE,
    };
  }

  prepareService(obj: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<void> {
    return prepareService(this.services, obj, old, dryRun);
  }
}
