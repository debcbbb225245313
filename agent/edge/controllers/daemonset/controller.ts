/**
 * The DaemonSet controller for the site's one node: at most one daemon pod per DaemonSet, decided by
 * planDaemonSet from the Node and the pods the DaemonSet controls.
 */
import { jsonEqual } from '../../../../apiserver/json-equal.js';
import { objectKey } from '../../../../client/informer.js';
import type { ReconcileResult } from '../../../../client/workqueue.js';
import { ControllerLoop } from '../loop.js';
import { controllerOf, controllerRefTo, splitKey } from '../meta.js';
import { podsPath } from '../paths.js';
import { generateName, podFromTemplate } from '../pods.js';
import { INDEX, type SiteContext } from '../site.js';
import type { Pod } from '../types.js';
import { inParallel, unlessStale } from '../writes.js';
import { daemonSetRevision, planDaemonSet } from './plan.js';
import { REVISION_LABEL, TEMPLATE_GENERATION_LABEL, type DaemonSet } from './types.js';

const daemonSetPath = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/daemonsets/${name}`;

export function podForDaemonSet(ds: DaemonSet, nodeName: string): Pod {
  return podFromTemplate(ds.spec?.template, {
    name: generateName(`${String(ds.metadata.name)}-`),
    namespace: String(ds.metadata.namespace),
    controllerRef: controllerRefTo(ds, 'apps/v1', 'DaemonSet'),
    nodeName,
    labels: {
      [REVISION_LABEL]: daemonSetRevision(ds),
      [TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation ?? 1),
    },
  });
}

export class DaemonSetController {
  private readonly loop: ControllerLoop;
  /** Pods created that the cache has not shown yet, per DaemonSet: not created twice. */
  private readonly pending = new Map<string, string>();

  constructor(private readonly ctx: SiteContext) {
    this.loop = new ControllerLoop(ctx.workers, ctx.log, (key) => this.reconcile(key));
    const { daemonSets, pods, nodes } = ctx.informers;
    daemonSets.on('add', (d) => this.loop.queue.add(objectKey(d)));
    daemonSets.on('update', (d) => this.loop.queue.add(objectKey(d)));
    const podChanged = (p: Pod) => {
      const ref = controllerOf(p);
      if (ref?.kind === 'DaemonSet') this.loop.queue.add(`${String(p.metadata.namespace)}/${ref.name}`);
    };
    pods.on('add', podChanged);
    pods.on('update', podChanged);
    pods.on('delete', podChanged);
    // Node labels or taints changed: every DaemonSet looks again.
    const all = () => daemonSets.list().forEach((d) => this.loop.queue.add(objectKey(d)));
    nodes.on('add', all);
    nodes.on('update', (n, old) => {
      if (!jsonEqual(n.metadata.labels, old.metadata.labels) || !jsonEqual(n.spec, old.spec)) all();
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const ds = this.ctx.informers.daemonSets.get(key);
    if (!ds || ds.metadata.deletionTimestamp) {
      this.pending.delete(key);
      return;
    }
    const { namespace, name } = splitKey(key);
    const owned = this.ctx.informers.pods.byIndex(INDEX.controllerUid, String(ds.metadata.uid));
    const waiting = this.pending.get(key);
    if (waiting !== undefined) {
      if (!owned.some((p) => p.metadata.name === waiting)) return { requeueAfterMs: 500 };
      this.pending.delete(key);
    }
    const node = this.ctx.informers.nodes.get(this.ctx.nodeName);
    const plan = planDaemonSet(ds, node, owned, this.ctx.now().getTime());
    await inParallel(
      plan.delete.map((p) => async () => {
        this.ctx.log.info({ daemonset: key, pod: p.metadata.name }, 'deleting pod');
        await unlessStale(() =>
          this.ctx.client.deleteIfExists(podsPath(namespace, String(p.metadata.name)), {
            preconditions: { uid: String(p.metadata.uid) },
          }),
        );
      }),
    );
    if (plan.create) {
      const pod = podForDaemonSet(ds, this.ctx.nodeName);
      this.ctx.log.info({ daemonset: key, pod: pod.metadata.name }, 'creating pod');
      this.pending.set(key, String(pod.metadata.name));
      try {
        await this.ctx.client.create(podsPath(namespace), pod);
      } catch (e) {
        this.pending.delete(key);
        throw e;
      }
    }
    if (!jsonEqual(plan.status, ds.status ?? {})) {
      await unlessStale(() =>
        this.ctx.client.updateStatus(daemonSetPath(namespace, name), {
          ...ds,
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          status: plan.status,
        }),
      );
    }
    const minReady = ds.spec?.minReadySeconds ?? 0;
    return minReady > 0 ? { requeueAfterMs: minReady * 1000 } : undefined;
  }
}
