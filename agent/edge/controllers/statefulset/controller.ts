/**
 * The StatefulSet controller: pods `<name>-<ordinal>` bound to the site's node, decided by
 * planStatefulSet. Names are fixed, so a create that raced a stale cache fails with
 * AlreadyExists and nothing is created twice.
 */
import { jsonEqual } from '../../../../apiserver/json-equal.js';
import { isAlreadyExists } from '../../../../client/errors.js';
import { objectKey } from '../../../../client/informer.js';
import type { ReconcileResult } from '../../../../client/workqueue.js';
import { ControllerLoop } from '../loop.js';
import { controllerOf, controllerRefTo, splitKey } from '../meta.js';
import { podsPath } from '../paths.js';
import { podFromTemplate } from '../pods.js';
import { INDEX, type SiteContext } from '../site.js';
import type { Pod } from '../types.js';
import { inParallel, unlessStale } from '../writes.js';
import { planStatefulSet, updateRevision } from './plan.js';
import { POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL, type StatefulSet } from './types.js';

const statefulSetPath = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/statefulsets/${name}`;

/** The pod of one ordinal: stable name, hostname and subdomain (the governing Service). */
export function podForStatefulSet(sts: StatefulSet, ordinal: number, nodeName: string): Pod {
  const name = `${String(sts.metadata.name)}-${ordinal}`;
  const pod = podFromTemplate(sts.spec?.template, {
    name,
    namespace: String(sts.metadata.namespace),
    controllerRef: controllerRefTo(sts, 'apps/v1', 'StatefulSet'),
    nodeName,
    labels: {
      [POD_NAME_LABEL]: name,
      [POD_INDEX_LABEL]: String(ordinal),
      [REVISION_LABEL]: updateRevision(sts),
    },
  });
  if (pod.spec) {
    pod.spec.hostname = name;
    if (sts.spec?.serviceName) pod.spec.subdomain = sts.spec.serviceName;
  }
  return pod;
}

export class StatefulSetController {
  private readonly loop: ControllerLoop;

  constructor(private readonly ctx: SiteContext) {
    this.loop = new ControllerLoop(ctx.workers, ctx.log, (key) => this.reconcile(key));
    const { statefulSets, pods } = ctx.informers;
    statefulSets.on('add', (s) => this.loop.queue.add(objectKey(s)));
    statefulSets.on('update', (s) => this.loop.queue.add(objectKey(s)));
    const podChanged = (p: Pod) => {
      const ref = controllerOf(p);
      if (ref?.kind === 'StatefulSet') this.loop.queue.add(`${String(p.metadata.namespace)}/${ref.name}`);
    };
    pods.on('add', podChanged);
    pods.on('update', podChanged);
    pods.on('delete', podChanged);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const sts = this.ctx.informers.statefulSets.get(key);
    if (!sts || sts.metadata.deletionTimestamp) return;
    const { namespace, name } = splitKey(key);
    const owned = this.ctx.informers.pods.byIndex(INDEX.controllerUid, String(sts.metadata.uid));
    const plan = planStatefulSet(sts, owned, this.ctx.now().getTime());
    await inParallel(
      plan.delete.map((p) => async () => {
        this.ctx.log.info({ statefulset: key, pod: p.metadata.name }, 'deleting pod');
        await unlessStale(() =>
          this.ctx.client.deleteIfExists(podsPath(namespace, String(p.metadata.name)), {
            preconditions: { uid: String(p.metadata.uid) },
          }),
        );
      }),
    );
    await inParallel(
      plan.create.map((o) => async () => {
        this.ctx.log.info({ statefulset: key, ordinal: o }, 'creating pod');
        try {
          await this.ctx.client.create(podsPath(namespace), podForStatefulSet(sts, o, this.ctx.nodeName));
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
        }
      }),
    );
    if (!jsonEqual(plan.status, sts.status ?? {})) {
      await unlessStale(() =>
        this.ctx.client.updateStatus(statefulSetPath(namespace, name), {
          ...sts,
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          status: plan.status,
        }),
      );
    }
    const minReady = sts.spec?.minReadySeconds ?? 0;
    return minReady > 0 ? { requeueAfterMs: minReady * 1000 } : undefined;
  }
}
