/**
 * The Deployment controller, as kube's (pkg/controller/deployment): one ReplicaSet per pod
 * template, rolled by the strategy, scaled proportionally, old ones pruned to
 * revisionHistoryLimit, status and conditions from the RSs. Each pass: read the caches, decide
 * one step with the pure functions beside this file, write only what differs. A write that loses
 * to a newer object ends the pass; the informer brings the key back with fresh state.
 */
import { jsonEqual } from '../../../../apiserver/json-equal.js';
import {
  isEverything,
  labelSelectorFromMeta,
  matchesLabels,
  type LabelSelector,
} from '../../../../apiserver/selectors/label-selector.js';
import { isAlreadyExists } from '../../../../client/errors.js';
import { objectKey } from '../../../../client/informer.js';
import type { ReconcileResult } from '../../../../client/workqueue.js';
import { adoptPatch, claimObjects, releasePatch } from '../claim.js';
import { isRecreate } from '../defaults.js';
import { ControllerLoop } from '../loop.js';
import { clone, controllerOf, controllerRefTo } from '../meta.js';
import { deploymentPath, replicaSetsPath } from '../paths.js';
import { templatesEqualIgnoringHash } from '../pod-template-hash.js';
import { INDEX, type SiteContext } from '../site.js';
import type { Deployment, DeploymentStatus, Pod, ReplicaSet } from '../types.js';
import { StaleCacheError, inParallel, mustWrite, unlessStale } from '../writes.js';
import { deploymentSelector, newReplicaSetFor } from './new-replica-set.js';
import {
  REVISION_ANNOTATION,
  findNewReplicaSet,
  maxRevision,
  newReplicaSetAnnotations,
  oldReplicaSets,
  replicaSetsToCleanUp,
  replicasAnnotationsFor,
} from './replica-sets.js';
import { planRecreate, planRollingUpdate, type ScaleOp } from './rolling.js';
import { isScalingEvent, planProportionalScale } from './scale.js';
import {
  PROGRESSING,
  REASON,
  condition,
  deploymentComplete,
  deploymentStatusFor,
  hasProgressDeadline,
  newCondition,
  progressRecheckMs,
  setCondition,
  setPausedConditions,
} from './status.js';

/** The state one pass works on: the freshest Deployment and RSs it knows, and the status it builds. */
interface Pass {
  d: Deployment;
  /** Counters as cached; conditions as this pass sets them (kube mutates d.Status the same way). */
  status: DeploymentStatus;
  rss: ReplicaSet[];
  /** The status as read, to write only on a difference. */
  readStatus: DeploymentStatus;
  now: Date;
}

interface Split {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

export class DeploymentController {
  private readonly loop: ControllerLoop;

  constructor(private readonly ctx: SiteContext) {
    this.loop = new ControllerLoop(ctx.workers, ctx.log, (key) => this.reconcileOrStop(key));
    const { deployments, replicaSets, pods } = ctx.informers;
    deployments.on('add', (d) => this.loop.queue.add(objectKey(d)));
    deployments.on('update', (d) => this.loop.queue.add(objectKey(d)));
    replicaSets.on('add', (rs) => this.replicaSetChanged(rs, undefined, false));
    replicaSets.on('update', (rs, old) => this.replicaSetChanged(rs, old, false));
    replicaSets.on('delete', (rs) => this.replicaSetChanged(rs, undefined, true));
    // Recreate waits for the old pods to be gone.
    pods.on('delete', (p) => this.podChanged(p));
    pods.on('update', (p, old) => {
      if (p.status?.phase !== old.status?.phase) this.podChanged(p);
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private replicaSetChanged(rs: ReplicaSet, old: ReplicaSet | undefined, deleted: boolean): void {
    const ns = rs.metadata.namespace ?? '';
    const ref = controllerOf(rs);
    if (ref?.kind === 'Deployment') this.loop.queue.add(`${ns}/${ref.name}`);
    const oldRef = old ? controllerOf(old) : undefined;
    if (oldRef?.kind === 'Deployment' && oldRef.uid !== ref?.uid) this.loop.queue.add(`${ns}/${oldRef.name}`);
    const labelsChanged = !old || !jsonEqual(old.metadata.labels, rs.metadata.labels) || oldRef !== undefined;
    if (!ref && !deleted && labelsChanged) {
      for (const d of this.ctx.informers.deployments.byIndex(INDEX.namespace, ns)) {
        const sel = safeSelector(d);
        if (sel && !isEverything(sel) && matchesLabels(sel, rs.metadata.labels))
          this.loop.queue.add(objectKey(d));
      }
    }
  }

  private podChanged(pod: Pod): void {
    const ref = controllerOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const ns = pod.metadata.namespace ?? '';
    const rs = this.ctx.informers.replicaSets.get(`${ns}/${ref.name}`);
    const dref = rs ? controllerOf(rs) : undefined;
    if (dref?.kind !== 'Deployment') return;
    const d = this.ctx.informers.deployments.get(`${ns}/${dref.name}`);
    if (d && isRecreate(d)) this.loop.queue.add(objectKey(d));
  }

  private async reconcileOrStop(key: string): Promise<ReconcileResult> {
    try {
      return await this.reconcile(key);
    } catch (e) {
      if (e instanceof StaleCacheError) {
        this.ctx.log.debug({ deployment: key, err: e.message }, 'stale cache; pass ended');
        return { requeueAfterMs: 1000 };
      }
      throw e;
    }
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const d = this.ctx.informers.deployments.get(key);
    if (!d) return;
    const selector = safeSelector(d);
    if (!selector) {
      this.ctx.log.warn({ deployment: key }, 'invalid selector; not syncing');
      return;
    }
    const pass: Pass = {
      d,
      status: clone(d.status ?? {}),
      rss: [],
      readStatus: d.status ?? {},
      now: this.ctx.now(),
    };
    if (isEverything(selector)) {
      // kube refuses to act on a selector that selects every pod; only observedGeneration moves.
      await this.writeStatus(pass, { ...pass.readStatus, observedGeneration: d.metadata.generation });
      return;
    }
    if (!matchesLabels(selector, d.spec?.template?.metadata?.labels)) {
      this.ctx.log.warn({ deployment: key }, 'selector does not match the template labels; not syncing');
      return;
    }
    pass.rss = await this.claimReplicaSets(d, selector);

    if (d.metadata.deletionTimestamp) return this.syncStatusOnly(pass);
    setPausedConditions(d, pass.status, pass.now);
    if (d.spec?.paused) return this.sync(pass);
    const split = this.split(pass);
    if (isScalingEvent(d, split.newRS, split.oldRSs)) return this.sync(pass);
    return isRecreate(d) ? this.rolloutRecreate(pass) : this.rolloutRolling(pass);
  }

  // ---------------------------------------------------------------- the strategies

  private async rolloutRolling(pass: Pass): Promise<ReconcileResult> {
    const { newRS, oldRSs } = await this.syncRevision(pass, true);
    if (!newRS) throw new Error('no new ReplicaSet after creating it');
    const scales = planRollingUpdate(pass.d, newRS, oldRSs);
    if (scales.length > 0) {
      await this.scaleAll(pass, scales);
    } else if (deploymentComplete(pass.d, pass.d.status ?? {})) {
      await this.cleanup(pass, oldRSs);
    }
    return this.syncRolloutStatus(pass);
  }

  private async rolloutRecreate(pass: Pass): Promise<ReconcileResult> {
    let { newRS, oldRSs } = await this.syncRevision(pass, false);
    const oldPods = oldRSs.flatMap((rs) =>
      this.ctx.informers.pods.byIndex(INDEX.controllerUid, String(rs.metadata.uid)),
    );
    const step = planRecreate(pass.d, newRS, oldRSs, oldPods);
    switch (step.kind) {
      case 'scale-down-old':
        await this.scaleAll(pass, step.scales);
        return this.syncRolloutStatus(pass);
      case 'wait-for-old-pods':
        return this.syncRolloutStatus(pass);
      case 'create-new':
        ({ newRS, oldRSs } = await this.syncRevision(pass, true));
        break;
      case 'scale-up-new':
        await this.scaleAll(pass, step.scales);
        break;
    }
    if (deploymentComplete(pass.d, pass.d.status ?? {})) await this.cleanup(pass, oldRSs);
    return this.syncRolloutStatus(pass);
  }

  /** Scaling or paused: sizes only (proportionally mid-rollout), no rollout step. */
  private async sync(pass: Pass): Promise<ReconcileResult> {
    const { newRS, oldRSs } = await this.syncRevision(pass, false);
    await this.scaleAll(pass, planProportionalScale(pass.d, newRS, oldRSs), true);
    if (pass.d.spec?.paused) await this.cleanup(pass, this.split(pass).oldRSs);
    const split = this.split(pass);
    await this.writeStatus(
      pass,
      deploymentStatusFor(this.withStatus(pass), this.all(split), split.newRS, pass.now, false),
    );
    return undefined;
  }

  private async syncStatusOnly(pass: Pass): Promise<ReconcileResult> {
    const split = this.split(pass);
    await this.writeStatus(
      pass,
      deploymentStatusFor(this.withStatus(pass), this.all(split), split.newRS, pass.now, false),
    );
    return undefined;
  }

  private async syncRolloutStatus(pass: Pass): Promise<ReconcileResult> {
    const split = this.split(pass);
    const status = deploymentStatusFor(this.withStatus(pass), this.all(split), split.newRS, pass.now, true);
    await this.writeStatus(pass, status);
    const recheck = progressRecheckMs(pass.d, status, pass.now);
    return recheck === undefined ? undefined : { requeueAfterMs: recheck };
  }

  // ---------------------------------------------------------------- ReplicaSets

  private split(pass: Pass): Split {
    const newRS = findNewReplicaSet(pass.d, pass.rss);
    return { newRS, oldRSs: oldReplicaSets(pass.rss, newRS) };
  }

  private all(s: Split): ReplicaSet[] {
    return s.newRS ? [...s.oldRSs, s.newRS] : s.oldRSs;
  }

  private withStatus(pass: Pass): Deployment {
    return { ...pass.d, status: pass.status };
  }

  /**
   * getAllReplicaSetsAndSyncRevision: finds the RS of the current template (creating it when
   * asked), keeps its annotations and minReadySeconds in line, and the Deployment's revision.
   */
  private async syncRevision(pass: Pass, create: boolean): Promise<Split> {
    const d = pass.d;
    const existing = findNewReplicaSet(d, pass.rss);
    const oldRSs = oldReplicaSets(pass.rss, existing);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const annotations = newReplicaSetAnnotations(d, existing, newRevision, true);
      const minReady = d.spec?.minReadySeconds ?? 0;
      if (
        !jsonEqual(annotations, existing.metadata.annotations ?? {}) ||
        (existing.spec?.minReadySeconds ?? 0) !== minReady
      ) {
        const updated = await mustWrite(
          () =>
            this.ctx.client.mergePatch<ReplicaSet>(rsPath(existing), {
              metadata: { resourceVersion: existing.metadata.resourceVersion, annotations },
              spec: { minReadySeconds: minReady || null },
            }),
          'update new ReplicaSet annotations',
        );
        this.replace(pass, updated);
      }
      const rs = this.split(pass).newRS ?? existing;
      await this.setDeploymentRevision(pass, rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
      if (hasProgressDeadline(d) && !condition(pass.status, PROGRESSING)) {
        setCondition(
          pass.status,
          newCondition(
            PROGRESSING,
            'True',
            REASON.foundNewRS,
            `Found new replica set ${JSON.stringify(rs.metadata.name)}`,
            pass.now,
          ),
        );
      }
      return this.split(pass);
    }
    if (!create) return { newRS: undefined, oldRSs };

    const wanted = newReplicaSetFor(d, oldRSs, newRevision);
    const ns = String(d.metadata.namespace);
    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.ctx.client.create<ReplicaSet>(replicaSetsPath(ns), wanted);
      this.ctx.log.info({ deployment: objectKey(d), replicaSet: wanted.metadata.name }, 'created ReplicaSet');
      this.ctx.events.scaled(d, String(created.metadata.name), 0, created.spec?.replicas ?? 0);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      // Our cache has not seen it yet, or another object holds the name (a hash collision).
      const found = await this.ctx.client.get<ReplicaSet>(rsPath(wanted));
      if (
        controllerOf(found)?.uid === d.metadata.uid &&
        templatesEqualIgnoringHash(found.spec?.template, d.spec?.template)
      ) {
        created = found;
        alreadyExisted = true;
      } else {
        const collisionCount = (pass.readStatus.collisionCount ?? 0) + 1;
        await this.writeStatus(pass, { ...pass.readStatus, collisionCount });
        throw new StaleCacheError(
          `ReplicaSet ${String(wanted.metadata.name)} exists: hash collision ${collisionCount}`,
        );
      }
    }
    pass.rss.push(created);
    await this.setDeploymentRevision(pass, String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      setCondition(
        pass.status,
        newCondition(
          PROGRESSING,
          'True',
          REASON.newRSCreated,
          `Created new replica set ${JSON.stringify(created.metadata.name)}`,
          pass.now,
        ),
      );
    }
    return this.split(pass);
  }

  /** The revision annotation on the Deployment (a metadata write: kube-apiserver's status update keeps annotations, ours does not). */
  private async setDeploymentRevision(pass: Pass, revision: string): Promise<void> {
    if (pass.d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return;
    pass.d = await mustWrite(
      () =>
        this.ctx.client.mergePatch<Deployment>(
          deploymentPath(String(pass.d.metadata.namespace), String(pass.d.metadata.name)),
          { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } },
        ),
      'set deployment revision',
    );
  }

  /**
   * Sets the RSs' sizes, with their desired/max-replicas annotations. always: write the annotations
   * even when the size stays (kube's scale() does; the rollout steps only resize).
   */
  private async scaleAll(pass: Pass, scales: ScaleOp[], always = false): Promise<void> {
    const annotations = replicasAnnotationsFor(pass.d);
    await inParallel(
      scales.map((op) => async () => {
        const rs = pass.rss.find((r) => r.metadata.name === op.name);
        if (!rs) return;
        const sizeChanges = (rs.spec?.replicas ?? 1) !== op.replicas;
        const annotationsChange = Object.entries(annotations).some(
          ([k, v]) => rs.metadata.annotations?.[k] !== v,
        );
        if (!sizeChanges && !(always && annotationsChange)) return;
        this.ctx.log.info(
          { replicaSet: objectKey(rs), from: rs.spec?.replicas ?? 1, to: op.replicas },
          'scaling ReplicaSet',
        );
        const updated = await mustWrite(
          () =>
            this.ctx.client.mergePatch<ReplicaSet>(rsPath(rs), {
              metadata: { resourceVersion: rs.metadata.resourceVersion, annotations },
              spec: { replicas: op.replicas },
            }),
          `scale ReplicaSet ${op.name}`,
        );
        this.ctx.events.scaled(pass.d, op.name, rs.spec?.replicas ?? 1, op.replicas);
        this.replace(pass, updated);
      }),
    );
  }

  private async cleanup(pass: Pass, oldRSs: ReplicaSet[]): Promise<void> {
    const doomed = replicaSetsToCleanUp(pass.d, oldRSs);
    await inParallel(
      doomed.map((rs) => async () => {
        this.ctx.log.info({ replicaSet: objectKey(rs) }, 'deleting old ReplicaSet (revision history limit)');
        const gone = await unlessStale(() =>
          this.ctx.client.deleteIfExists(rsPath(rs), { preconditions: { uid: String(rs.metadata.uid) } }),
        );
        if (gone !== undefined) pass.rss = pass.rss.filter((r) => r.metadata.uid !== rs.metadata.uid);
      }),
    );
  }

  private replace(pass: Pass, rs: ReplicaSet): void {
    pass.rss = pass.rss.map((r) => (r.metadata.uid === rs.metadata.uid ? rs : r));
  }

  /** Adopts matching orphan RSs and releases own RSs that stopped matching; answers the Deployment's RSs. */
  private async claimReplicaSets(d: Deployment, selector: LabelSelector): Promise<ReplicaSet[]> {
    const candidates = this.ctx.informers.replicaSets.byIndex(INDEX.namespace, d.metadata.namespace ?? '');
    const claim = claimObjects(
      d,
      (rs: ReplicaSet) => matchesLabels(selector, rs.metadata.labels),
      candidates,
    );
    const owned = [...claim.owned];
    const ref = controllerRefTo(d, 'apps/v1', 'Deployment');
    await inParallel([
      ...claim.adopt.map((rs) => async () => {
        const adopted = await unlessStale(() =>
          this.ctx.client.mergePatch<ReplicaSet>(rsPath(rs), adoptPatch(rs, ref)),
        );
        if (adopted) owned.push(adopted);
      }),
      ...claim.release.map((rs) => async () => {
        await unlessStale(() => this.ctx.client.mergePatch(rsPath(rs), releasePatch(rs, ref.uid)));
      }),
    ]);
    return owned;
  }

  private async writeStatus(pass: Pass, status: DeploymentStatus): Promise<void> {
    if (jsonEqual(status, pass.readStatus)) return;
    const d = pass.d;
    const updated = await mustWrite(
      () =>
        this.ctx.client.updateStatus<Deployment>(
          deploymentPath(String(d.metadata.namespace), String(d.metadata.name)),
          { ...d, apiVersion: 'apps/v1', kind: 'Deployment', status },
        ),
      'update deployment status',
    );
    pass.d = updated;
    pass.readStatus = updated.status ?? {};
  }
}

function rsPath(rs: ReplicaSet): string {
  return replicaSetsPath(String(rs.metadata.namespace), String(rs.metadata.name));
}

function safeSelector(d: Deployment): LabelSelector | undefined {
  try {
    return labelSelectorFromMeta(deploymentSelector(d));
  } catch {
    return undefined;
  }
}
