/**
 * The agent's reconcile of one Work (by name), level-triggered from the local cache:
 *
 * - gone from the hub (absent from a synced informer): if it carried our finalizer, someone released
 *   it on purpose (the cluster was removed): leave the member object; else clean up per deletePolicy;
 * - deletionTimestamp: delete the member object and wait until it is gone (Delete) or strip its
 *   managed label (Orphan); then drop our finalizer and forget the Work;
 * - otherwise: hold our finalizer on the Work, apply the manifest, report status.
 *
 * The hub may be unreachable at any point: applying and deleting in the member never wait for it;
 * hub writes that fail are retried (finalizers through the queue's backoff, statuses by the probe).
 */
import type { KubeObject } from '../api/kubernetes.js';
import { isConflict, isNotFound } from '../client/errors.js';
import type { RuntimeLogger } from '../client/log.js';
import type { ReconcileResult } from '../client/workqueue.js';
import { WORK_FINALIZER, type Work } from '../api/federation.js';
import type { Applier, ApplyOutcome } from './apply/applier.js';
import { manifestHash } from './apply/compare.js';
import type { CachedWork, WorkCache } from './cache.js';
import type { HubConnection } from './hub-connection.js';
import type { PodIndex } from './pods/pod-index.js';
import { buildWorkStatus, jsonEqual, type OutcomeSummary } from './status.js';
import { rfc3339 } from '../api/time.js';

/** How often a deletion re-checks a member object still held by its finalizers. */
const DELETE_RECHECK_MS = 1_000;

export interface ReconcilerDeps {
  cache: WorkCache;
  applier: Applier;
  hub: () => HubConnection;
  namespace: string;
  log: RuntimeLogger;
  now?: () => Date;
  /** Pod summaries of member workloads (absent: none reported). */
  pods?: PodIndex;
}

export function hasFinalizer(w: Work): boolean {
  return (w.metadata.finalizers ?? []).includes(WORK_FINALIZER);
}

export function summarize(o: ApplyOutcome): OutcomeSummary {
  return o.ok ? { ok: true } : { ok: false, clusterStatus: o.clusterStatus, message: o.message };
}

function remoteStatusOf(obj: KubeObject | undefined): unknown {
  return (obj as { status?: unknown } | undefined)?.status;
}

export class WorkReconciler {
  /** Last apply outcome per Work, with the generation it was about. */
  private readonly outcomes = new Map<string, { generation: number | undefined; summary: OutcomeSummary }>();
  private hubWritable = true;

  constructor(private readonly d: ReconcilerDeps) {}

  private now(): string {
    return rfc3339(this.d.now?.() ?? new Date());
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    const entry = this.d.cache.get(name);
    if (!entry) return;
    const informer = this.d.hub().informer;
    if (informer.hasSynced() && !informer.get(`${this.d.namespace}/${name}`)) return this.gone(entry);
    if (entry.work.metadata.deletionTimestamp) return this.finalize(entry);
    return this.applyWork(entry);
  }

  private async applyWork(entry: CachedWork): Promise<ReconcileResult> {
    const { work } = entry;
    const name = String(work.metadata.name);
    let finalizerError: unknown;
    if (!hasFinalizer(work)) {
      try {
        if (!(await this.setFinalizer(name, true))) return; // the Work is gone; the informer says so next
      } catch (e) {
        // The hub is unreachable or busy: apply anyway (autonomy) and retry the finalizer with backoff.
        finalizerError = e;
      }
    }
    const hash = manifestHash(work.spec.manifest, work.spec.retainReplicas);
    const outcome = await this.d.applier.apply(work.spec.manifest, {
      retainReplicas: work.spec.retainReplicas,
      force: hash !== entry.appliedHash,
    });
    if (outcome.ok) {
      if (hash !== entry.appliedHash) this.d.cache.setApplied(name, hash);
      if (outcome.action !== 'unchanged')
        this.d.log.info(
          { work: name, kind: work.spec.manifest.kind, action: outcome.action, adopted: outcome.adopted },
          'applied to the member cluster',
        );
    }
    const summary = summarize(outcome);
    const before = this.outcomes.get(name)?.summary;
    // Once per change, not on every resync of an object that stays opted out or broken.
    if (!outcome.ok && !jsonEqual(before, summary))
      this.d.log.warn(
        { work: name, status: outcome.clusterStatus, message: outcome.message },
        'apply failed',
      );
    this.outcomes.set(name, { generation: work.metadata.generation, summary });
    await this.report(name, summary, outcome.object);
    if (finalizerError) throw finalizerError;
    if (!outcome.ok && outcome.retry)
      throw new Error(`${name}: ${outcome.clusterStatus}: ${outcome.message}`);
  }

  private async finalize(entry: CachedWork): Promise<ReconcileResult> {
    const { work } = entry;
    const name = String(work.metadata.name);
    if (!(await this.removeMemberObject(work))) return { requeueAfterMs: DELETE_RECHECK_MS };
    if (hasFinalizer(work)) await this.setFinalizer(name, false);
    this.forget(name);
    this.d.log.info(
      { work: name, policy: work.spec.deletePolicy ?? 'Delete' },
      'work deleted; member cleaned up',
    );
  }

  private async gone(entry: CachedWork): Promise<ReconcileResult> {
    const { work } = entry;
    const name = String(work.metadata.name);
    if (hasFinalizer(work)) {
      this.d.log.warn(
        { work: name },
        'work removed from the hub without the agent (cluster released?): leaving the member object',
      );
    } else if (entry.appliedHash !== undefined && !(await this.removeMemberObject(work))) {
      return { requeueAfterMs: DELETE_RECHECK_MS };
    }
    this.forget(name);
  }

  /** Delete or orphan per the Work's policy; true once nothing is left to wait for. */
  private async removeMemberObject(work: Work): Promise<boolean> {
    if (work.spec.deletePolicy === 'Orphan') {
      await this.d.applier.orphan(work.spec.manifest);
      return true;
    }
    return this.d.applier.delete(work.spec.manifest);
  }

  private forget(name: string): void {
    this.d.cache.delete(name);
    this.outcomes.delete(name);
  }

  /**
   * Adds or removes WORK_FINALIZER on the hub's Work (merge patch carrying the resourceVersion read
   * just before, so a concurrent finalizer change is not overwritten). False when the Work is gone.
   */
  private async setFinalizer(name: string, present: boolean): Promise<boolean> {
    const hub = this.d.hub();
    const path = hub.workPath(name);
    const cur = await hub.client.getIfExists<Work>(path);
    if (!cur) return false;
    const others = (cur.metadata.finalizers ?? []).filter((f) => f !== WORK_FINALIZER);
    if (hasFinalizer(cur) === present) return true;
    if (present && cur.metadata.deletionTimestamp) return true;
    try {
      const updated = await hub.client.mergePatch<Work>(path, {
        metadata: {
          finalizers: present ? [...others, WORK_FINALIZER] : others,
          resourceVersion: cur.metadata.resourceVersion,
        },
      });
      if (present) this.d.cache.put(updated);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      if (isConflict(e)) throw new Error(`work ${name} changed while updating its finalizer; retrying`);
      throw e;
    }
  }

  /** Writes the Work status when it differs from what the hub has; a failure is left to the probe. */
  private async report(name: string, outcome: OutcomeSummary, obj: KubeObject | undefined): Promise<void> {
    const entry = this.d.cache.get(name);
    if (!entry) return;
    const previous = entry.work.status;
    const status = buildWorkStatus({
      generation: entry.work.metadata.generation,
      outcome,
      remoteStatus: remoteStatusOf(obj),
      pods: this.d.pods?.summaryFor(obj),
      previous,
      now: this.now(),
    });
    if (jsonEqual(status, previous)) return;
    const hub = this.d.hub();
    try {
      const updated = await hub.client.jsonPatch<Work>(`${hub.workPath(name)}/status`, [
        { op: 'add', path: '/status', value: status },
      ]);
      // The hub now has this status (the informer's event follows); compare against it from now on.
      if (this.d.cache.get(name)) this.d.cache.put(updated);
      if (!this.hubWritable) this.d.log.info('hub reachable again: writing Work statuses');
      this.hubWritable = true;
    } catch (e) {
      if (isNotFound(e)) return;
      if (this.hubWritable)
        this.d.log.warn({ err: errorText(e) }, 'cannot write Work status to the hub; will retry');
      this.hubWritable = false;
    }
  }

  /**
   * Whether the Work needs a reconcile for its status: never applied in this process, applied for
   * an older generation, or the status the hub has differs from the one the member shows now
   * (remoteStatus changed, or an earlier write failed). Reads only.
   */
  async statusStale(name: string): Promise<boolean> {
    const entry = this.d.cache.get(name);
    if (!entry || entry.work.metadata.deletionTimestamp) return false;
    const last = this.outcomes.get(name);
    if (!last || last.generation !== entry.work.metadata.generation) return true;
    let obj: KubeObject | undefined;
    try {
      obj = await this.d.applier.get(entry.work.spec.manifest);
    } catch {
      return false; // the member API is unreachable: nothing new to say
    }
    if (!obj && last.summary.ok) return true; // deleted in the member: re-create now
    const status = buildWorkStatus({
      generation: entry.work.metadata.generation,
      outcome: last.summary,
      remoteStatus: remoteStatusOf(obj),
      pods: this.d.pods?.summaryFor(obj),
      previous: entry.work.status,
      now: this.now(),
    });
    return !jsonEqual(status, entry.work.status);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
