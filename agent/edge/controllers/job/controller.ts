/**
 * The Job controller (batch/v1): runs a Job's pods to completion with kube's parallelism,
 * completions, back-off, deadline and suspend rules, decided by planJobSync. Each pass writes, in
 * this order, so a crash between two writes loses nothing: pod deletions and creations, the status
 * (which records finished pods), then the removal of those pods' tracking finalizers.
 */
import { jsonEqual } from '../../../../apiserver/json-equal.js';
import { objectKey } from '../../../../client/informer.js';
import type { ReconcileResult } from '../../../../client/workqueue.js';
import { PodExpectations } from '../expectations.js';
import { ControllerLoop } from '../loop.js';
import { controllerOf, splitKey } from '../meta.js';
import { jobPath, podsPath } from '../paths.js';
import { INDEX, type SiteContext } from '../site.js';
import type { Job, Pod } from '../types.js';
import { inParallel, slowStartBatch, unlessStale } from '../writes.js';
import { isJobFinished } from './conditions.js';
import { JOB_TRACKING_FINALIZER, hasTrackingFinalizer, jobTtlRemainingMs, planJobSync } from './plan.js';
import { podForJob } from './pod.js';

export interface JobControllerOptions {
  /** Back-off between pod failures and the next pod: base doubling up to max (kube: 10 s, 6 min). */
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export class JobController {
  private readonly loop: ControllerLoop;
  private readonly expectations = new PodExpectations();

  constructor(
    private readonly ctx: SiteContext,
    private readonly opts: JobControllerOptions,
  ) {
    this.loop = new ControllerLoop(ctx.workers, ctx.log, (key) => this.reconcile(key));
    const { jobs, pods } = ctx.informers;
    jobs.on('add', (j) => this.loop.queue.add(objectKey(j)));
    jobs.on('update', (j) => this.loop.queue.add(objectKey(j)));
    // A deleted Job's pods must lose their finalizer, or they could never go.
    jobs.on('delete', (j) => this.loop.queue.add(objectKey(j)));
    pods.on('add', (p) => this.podChanged(p, false));
    pods.on('update', (p) => this.podChanged(p, false));
    pods.on('delete', (p) => this.podChanged(p, true));
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private podChanged(pod: Pod, deleted: boolean): void {
    const ref = controllerOf(pod);
    if (ref?.kind !== 'Job') return;
    const key = `${pod.metadata.namespace ?? ''}/${ref.name}`;
    const name = pod.metadata.name ?? '';
    if (deleted || pod.metadata.deletionTimestamp) this.expectations.observedDelete(key, name);
    else this.expectations.observedCreate(key, name);
    this.loop.queue.add(key);
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const { jobs, pods } = this.ctx.informers;
    const { namespace, name } = splitKey(key);
    const job = jobs.get(key);
    await this.releaseOrphanedPods(namespace, name, job);
    if (!job) {
      this.expectations.forget(key);
      return;
    }
    const owned = pods.byIndex(INDEX.controllerUid, String(job.metadata.uid));
    const now = this.ctx.now();
    if (isJobFinished(job)) {
      // Counted long ago; a finalizer left by an interrupted pass must not pin the pod.
      await this.removeFinalizers(owned.filter(hasTrackingFinalizer));
      return this.expireFinishedJob(job, now.getTime());
    }

    const plan = planJobSync(job, owned, {
      now,
      backoffBaseMs: this.opts.backoffBaseMs,
      backoffMaxMs: this.opts.backoffMaxMs,
      expectationsSatisfied: this.expectations.satisfied(key, (n) => pods.get(`${namespace}/${n}`)),
    });
    await inParallel(plan.deletePods.map((p) => () => this.deletePod(key, p)));
    if (plan.create.length > 0) {
      this.ctx.log.info({ job: key, count: plan.create.length }, 'creating pods');
      let next = 0;
      await slowStartBatch(plan.create.length, async () => {
        const pod = podForJob(job, plan.create[next++], this.ctx.nodeName);
        const podName = String(pod.metadata.name);
        this.expectations.expectCreate(key, podName);
        try {
          await this.ctx.client.create(podsPath(namespace), pod);
          this.ctx.events.createdPod('Job', job, podName);
        } catch (e) {
          this.expectations.creationFailed(key, podName);
          this.ctx.events.createPodFailed('Job', job, e);
          throw e;
        }
      });
    }
    if (!jsonEqual(plan.status, job.status ?? {})) {
      const written = await unlessStale(() =>
        this.ctx.client.updateStatus(jobPath(namespace, name), {
          ...job,
          apiVersion: 'batch/v1',
          kind: 'Job',
          status: plan.status,
        }),
      );
      // Not recorded: the finalizers must stay until a pass records these pods.
      if (!written) return { requeueAfterMs: 1000 };
      this.ctx.events.jobStatus(job, plan.status);
    }
    await this.removeFinalizers(plan.removeFinalizers);
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  }

  /** ttlSecondsAfterFinished: the Job goes (its pods follow through the garbage collector). */
  private async expireFinishedJob(job: Job, nowMs: number): Promise<ReconcileResult> {
    const remaining = jobTtlRemainingMs(job, nowMs);
    if (remaining === undefined) return;
    if (remaining > 0) return { requeueAfterMs: remaining + 1 };
    this.ctx.log.info({ job: objectKey(job) }, 'deleting finished Job (ttlSecondsAfterFinished)');
    await unlessStale(() =>
      this.ctx.client.deleteIfExists(jobPath(String(job.metadata.namespace), String(job.metadata.name)), {
        preconditions: { uid: String(job.metadata.uid) },
        propagationPolicy: 'Background',
      }),
    );
  }

  /**
   * Pods that a Job of this name controlled but that Job is gone (or was replaced by a namesake):
   * their tracking finalizer goes, after the API confirms the Job is gone (the cache may lag).
   */
  private async releaseOrphanedPods(namespace: string, name: string, job: Job | undefined): Promise<void> {
    const orphans = this.ctx.informers.pods.byIndex(INDEX.namespace, namespace).filter((p) => {
      const ref = controllerOf(p);
      return (
        ref?.kind === 'Job' && ref.name === name && ref.uid !== job?.metadata.uid && hasTrackingFinalizer(p)
      );
    });
    if (orphans.length === 0) return;
    const live = await this.ctx.client.getIfExists<Job>(jobPath(namespace, name));
    await this.removeFinalizers(orphans.filter((p) => controllerOf(p)?.uid !== live?.metadata.uid));
  }

  private async removeFinalizers(pods: Pod[]): Promise<void> {
    await inParallel(
      pods.map((p) => async () => {
        await unlessStale(() =>
          this.ctx.client.patch(
            podsPath(String(p.metadata.namespace), String(p.metadata.name)),
            { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } },
            'strategic',
          ),
        );
      }),
    );
  }

  private async deletePod(key: string, pod: Pod): Promise<void> {
    const name = String(pod.metadata.name);
    const uid = String(pod.metadata.uid);
    this.expectations.expectDelete(key, name, uid);
    let found: boolean | undefined;
    try {
      found = await unlessStale(() =>
        this.ctx.client.deleteIfExists(podsPath(String(pod.metadata.namespace), name), {
          preconditions: { uid },
        }),
      );
    } finally {
      if (!found) this.expectations.deletionFailed(key, name);
    }
  }
}
