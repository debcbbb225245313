/** The Service controller: every Service's status.loadBalancer points at the site's node (see ingress.ts). */
import { objectKey } from '../../../../client/informer.js';
import type { ReconcileResult } from '../../../../client/workqueue.js';
import { ControllerLoop } from '../loop.js';
import { splitKey } from '../meta.js';
import { servicePath } from '../paths.js';
import type { SiteContext } from '../site.js';
import { unlessStale } from '../writes.js';
import { serviceStatusUpdate } from './ingress.js';

export class ServiceController {
  private readonly loop: ControllerLoop;

  constructor(private readonly ctx: SiteContext) {
    this.loop = new ControllerLoop(ctx.workers, ctx.log, (key) => this.reconcile(key));
    ctx.informers.services.on('add', (s) => this.loop.queue.add(objectKey(s)));
    ctx.informers.services.on('update', (s) => this.loop.queue.add(objectKey(s)));
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const svc = this.ctx.informers.services.get(key);
    if (!svc || svc.metadata.deletionTimestamp) return;
    const status = serviceStatusUpdate(svc, this.ctx.nodeIp);
    if (!status) return;
    const { namespace, name } = splitKey(key);
    await unlessStale(() =>
      this.ctx.client.updateStatus(servicePath(namespace, name), {
        ...svc,
        apiVersion: 'v1',
        kind: 'Service',
        status,
      }),
    );
  }
}
