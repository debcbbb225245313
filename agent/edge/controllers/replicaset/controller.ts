/**
 * The ReplicaSet controller: keeps spec.replicas active pods per ReplicaSet, bound to the site's
 * node, and reports their counts. Level-triggered: each pass reads the caches, decides with the
 * pure functions of plan.ts, and writes only what differs.
 */
import { jsonEqual } from '../../../../apiserver/json-equal.js';
import {
  labelSelectorFromMeta,
  matchesLabels,
  type LabelSelector,
} from '../../../../apiserver/selectors/label-selector.js';
import type { ReconcileResult } from '../../../../client/workqueue.js';
import { objectKey } from '../../../../client/informer.js';
import { adoptPatch, claimObjects, releasePatch } from '../claim.js';
import { PodExpectations } from '../expectations.js';
import { ControllerLoop } from '../loop.js';
import { controllerOf, controllerRefTo, splitKey } from '../meta.js';
import { podsPath, replicaSetsPath } from '../paths.js';
import { isPodActive, isPodTerminal } from '../pod-state.js';
import { generateName, podFromTemplate } from '../pods.js';
import { INDEX, type SiteContext } from '../site.js';
import type { Pod, ReplicaSet } from '../types.js';
import { inParallel, slowStartBatch, unlessStale } from '../writes.js';
import { nextAvailabilityCheckMs, planReplicaSetPods, replicaSetStatusFor } from './plan.js';

export class ReplicaSetController {
  private readonly loop: ControllerLoop;
  private readonly expectations = new PodExpectations();

  constructor(private readonly ctx: SiteContext) {
    this.loop = new ControllerLoop(ctx.workers, ctx.log, (key) => this.reconcile(key));
    const { replicaSets, pods } = ctx.informers;
    replicaSets.on('add', (rs) => this.loop.queue.add(objectKey(rs)));
    replicaSets.on('update', (rs) => this.loop.queue.add(objectKey(rs)));
    replicaSets.on('delete', (rs) => this.expectations.forget(objectKey(rs)));
    pods.on('add', (p) => this.podChanged(p, undefined, false));
    pods.on('update', (p, old) => this.podChanged(p, old, false));
    pods.on('delete', (p) => this.podChanged(p, undefined, true));
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Routes a pod event to the RS that controls it (or, for an orphan, to those that could adopt it). */
  private podChanged(pod: Pod, old: Pod | undefined, deleted: boolean): void {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    const ref = controllerOf(pod);
    if (ref?.kind === 'ReplicaSet') {
      const key = `${ns}/${ref.name}`;
      if (deleted || pod.metadata.deletionTimestamp) this.expectations.observedDelete(key, name);
      else this.expectations.observedCreate(key, name);
      this.loop.queue.add(key);
    }
    const oldRef = old ? controllerOf(old) : undefined;
    if (oldRef?.kind === 'ReplicaSet' && oldRef.uid !== ref?.uid) this.loop.queue.add(`${ns}/${oldRef.name}`);
    const labelsChanged =
      !old || !jsonEqual(old.metadata.labels, pod.metadata.labels) || oldRef !== undefined;
    if (!ref && !deleted && labelsChanged) {
      for (const rs of this.ctx.informers.replicaSets.byIndex(INDEX.namespace, ns)) {
        const sel = safeSelector(rs);
        if (sel && matchesLabels(sel, pod.metadata.labels)) this.loop.queue.add(objectKey(rs));
      }
    }
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const { replicaSets, pods } = this.ctx.informers;
    const rs = replicaSets.get(key);
    if (!rs) {
      this.expectations.forget(key);
      return;
    }
    const { namespace } = splitKey(key);
    const selector = safeSelector(rs);
    // kube-apiserver refuses these; the site API stores them. Creating pods the RS cannot count
    // would never end, so such an RS is left alone.
    if (!selector || !matchesLabels(selector, rs.spec?.template?.metadata?.labels)) {
      this.ctx.log.warn(
        { replicaSet: key },
        'selector is invalid or does not match the template labels; not syncing',
      );
      return;
    }

    const owned = await this.claimPods(
      rs,
      selector,
      pods.byIndex(INDEX.namespace, namespace).filter(isPodActive),
    );
    // No pod GC at a site: finished pods of the RS go now (they are replaced as inactive anyway).
    const finished = pods
      .byIndex(INDEX.controllerUid, String(rs.metadata.uid))
      .filter((p) => isPodTerminal(p) && !p.metadata.deletionTimestamp);
    await inParallel(finished.map((p) => () => this.deletePod(key, p)));

    const satisfied = this.expectations.satisfied(key, (name) => pods.get(`${namespace}/${name}`));
    if (satisfied && !rs.metadata.deletionTimestamp) await this.manageReplicas(key, rs, owned);

    const now = this.ctx.now().getTime();
    const status = replicaSetStatusFor(rs, owned, now);
    if (!jsonEqual(status, rs.status ?? {})) {
      await unlessStale(() =>
        this.ctx.client.updateStatus(replicaSetsPath(namespace, String(rs.metadata.name)), {
          ...rs,
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          status,
        }),
      );
    }
    const recheck = nextAvailabilityCheckMs(rs, owned, now);
    return recheck === undefined ? undefined : { requeueAfterMs: recheck };
  }

  /** Adopts matching orphans and releases own pods that stopped matching; answers the RS's pods. */
  private async claimPods(rs: ReplicaSet, selector: LabelSelector, candidates: Pod[]): Promise<Pod[]> {
    const claim = claimObjects(rs, (p: Pod) => matchesLabels(selector, p.metadata.labels), candidates);
    const owned = [...claim.owned];
    const ns = String(rs.metadata.namespace);
    const ref = controllerRefTo(rs, 'apps/v1', 'ReplicaSet');
    await inParallel([
      ...claim.adopt.map((p) => async () => {
        const adopted = await unlessStale(() =>
          this.ctx.client.mergePatch<Pod>(podsPath(ns, String(p.metadata.name)), adoptPatch(p, ref)),
        );
        if (adopted) owned.push(adopted);
      }),
      ...claim.release.map((p) => async () => {
        await unlessStale(() =>
          this.ctx.client.mergePatch(podsPath(ns, String(p.metadata.name)), releasePatch(p, ref.uid)),
        );
      }),
    ]);
    return owned;
  }

  private async manageReplicas(key: string, rs: ReplicaSet, active: Pod[]): Promise<void> {
    const plan = planReplicaSetPods(rs, active);
    const ns = String(rs.metadata.namespace);
    if (plan.create > 0) {
      this.ctx.log.info({ replicaSet: key, count: plan.create }, 'creating pods');
      const ref = controllerRefTo(rs, 'apps/v1', 'ReplicaSet');
      await slowStartBatch(plan.create, async () => {
        const name = generateName(`${String(rs.metadata.name)}-`);
        const pod = podFromTemplate(rs.spec?.template, {
          name,
          namespace: ns,
          controllerRef: ref,
          nodeName: this.ctx.nodeName,
        });
        this.expectations.expectCreate(key, name);
        try {
          await this.ctx.client.create(podsPath(ns), pod);
          this.ctx.events.createdPod('ReplicaSet', rs, name);
        } catch (e) {
          this.expectations.creationFailed(key, name);
          this.ctx.events.createPodFailed('ReplicaSet', rs, e);
          throw e;
        }
      });
    }
    if (plan.delete.length > 0) {
      this.ctx.log.info(
        { replicaSet: key, pods: plan.delete.map((p) => p.metadata.name) },
        'deleting surplus pods',
      );
      await inParallel(plan.delete.map((p) => () => this.deletePod(key, p)));
    }
  }

  private async deletePod(key: string, pod: Pod): Promise<void> {
    const name = String(pod.metadata.name);
    const uid = String(pod.metadata.uid);
    this.expectations.expectDelete(key, name, uid);
    let found: boolean | undefined;
    try {
      // The uid precondition: never delete a namesake created since the cache saw this one.
      found = await unlessStale(() =>
        this.ctx.client.deleteIfExists(podsPath(String(pod.metadata.namespace), name), {
          preconditions: { uid },
        }),
      );
    } finally {
      if (!found) this.expectations.deletionFailed(key, name);
    }
    const rs = this.ctx.informers.replicaSets.get(key);
    if (found && rs) this.ctx.events.deletedPod('ReplicaSet', rs, name);
  }
}

function safeSelector(rs: ReplicaSet): LabelSelector | undefined {
  try {
    return labelSelectorFromMeta(rs.spec?.selector);
  } catch {
    return undefined;
  }
}
