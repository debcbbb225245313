/**
 * The endpoints and endpointslice controllers (one loop, keyed by Service): a Service with a
 * selector gets an Endpoints of its name and EndpointSlices labelled with it, rebuilt whenever the
 * Service or one of the pods it selects changes (readiness included), so a pod that stops being
 * ready leaves `addresses` within one pass.
 */
import { objectKey } from '../../../../client/informer.js';
import type { ReconcileResult } from '../../../../client/workqueue.js';
import { ControllerLoop } from '../loop.js';
import { splitKey } from '../meta.js';
import { INDEX, type SiteContext } from '../site.js';
import type { Pod, Service } from '../types.js';
import { inParallel, unlessStale } from '../writes.js';
import { desiredEndpoints, desiredSlices, managesEndpoints, selects } from './build.js';
import { endpointsChanged, planSlices } from './plan.js';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, SLICE_CONTROLLER, type EndpointSlice } from './types.js';

const endpointsPath = (ns: string, name?: string) =>
  `/api/v1/namespaces/${ns}/endpoints${name ? `/${name}` : ''}`;
const slicesPath = (ns: string, name?: string) =>
  `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices${name ? `/${name}` : ''}`;

export class EndpointsController {
  private readonly loop: ControllerLoop;
  /** Slices this controller created that the cache has not shown yet: not created twice. */
  private readonly created = new Map<string, EndpointSlice[]>();

  constructor(private readonly ctx: SiteContext) {
    this.loop = new ControllerLoop(ctx.workers, ctx.log, (key) => this.reconcile(key));
    const { services, pods, endpoints, endpointSlices } = ctx.informers;
    const queue = (s: Service) => this.loop.queue.add(objectKey(s));
    services.on('add', queue);
    services.on('update', queue);
    services.on('delete', queue);
    pods.on('add', (p) => this.podChanged(p));
    pods.on('update', (p, old) => this.podChanged(p, old));
    pods.on('delete', (p) => this.podChanged(p));
    // Someone else's write to what we own (or its deletion) is repaired.
    endpoints.on('update', (e) => this.loop.queue.add(objectKey(e)));
    endpoints.on('delete', (e) => this.loop.queue.add(objectKey(e)));
    const sliceOwner = (s: EndpointSlice) => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc && s.metadata.labels?.[MANAGED_BY_LABEL] === SLICE_CONTROLLER)
        this.loop.queue.add(`${String(s.metadata.namespace)}/${svc}`);
    };
    endpointSlices.on('update', sliceOwner);
    endpointSlices.on('delete', sliceOwner);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private podChanged(pod: Pod, old?: Pod): void {
    const ns = String(pod.metadata.namespace ?? '');
    for (const svc of this.ctx.informers.services.byIndex(INDEX.namespace, ns)) {
      if (selects(svc, pod) || (old && selects(svc, old))) this.loop.queue.add(objectKey(svc));
    }
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const { services, pods, endpoints, endpointSlices } = this.ctx.informers;
    const svc = services.get(key);
    const slices = endpointSlices
      .byIndex(INDEX.namespace, namespace)
      .filter(
        (s) =>
          s.metadata.labels?.[SERVICE_NAME_LABEL] === name &&
          s.metadata.labels?.[MANAGED_BY_LABEL] === SLICE_CONTROLLER,
      );
    const pending = (this.created.get(key) ?? []).filter((c) => !endpointSlices.get(objectKey(c)));
    if (pending.length) this.created.set(key, pending);
    else this.created.delete(key);
    slices.push(...pending);
    if (!svc || svc.metadata.deletionTimestamp || !managesEndpoints(svc)) {
      // kube deletes a gone Service's Endpoints; its slices go with their owner (or here, at once).
      if (!svc && endpoints.get(key)) await this.ctx.client.deleteIfExists(endpointsPath(namespace, name));
      if (!svc || !managesEndpoints(svc)) await this.deleteSlices(namespace, slices);
      return;
    }
    const nsPods = pods.byIndex(INDEX.namespace, namespace);
    const want = desiredEndpoints(svc, nsPods);
    const cur = endpoints.get(key);
    if (endpointsChanged(cur, want)) {
      if (cur) {
        await unlessStale(() =>
          this.ctx.client.update(endpointsPath(namespace, name), {
            ...want,
            metadata: { ...cur.metadata, labels: want.metadata.labels },
          }),
        );
      } else {
        await unlessStale(() => this.ctx.client.create(endpointsPath(namespace), want));
      }
    }
    const plan = planSlices(svc, slices, desiredSlices(svc, nsPods));
    await inParallel([
      ...plan.create.map((s) => async () => {
        const made = await this.ctx.client.create<EndpointSlice>(slicesPath(namespace), s);
        this.created.set(key, [...(this.created.get(key) ?? []), made]);
      }),
      ...plan.update.map((s) => async () => {
        await unlessStale(() => this.ctx.client.update(slicesPath(namespace, String(s.metadata.name)), s));
      }),
    ]);
    await this.deleteSlices(namespace, plan.delete);
  }

  private async deleteSlices(namespace: string, slices: EndpointSlice[]): Promise<void> {
    await inParallel(
      slices.map((s) => async () => {
        await unlessStale(() =>
          this.ctx.client.deleteIfExists(slicesPath(namespace, String(s.metadata.name))),
        );
      }),
    );
  }
}
