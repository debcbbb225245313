/**
 * The CronJob controller: Jobs on schedule, decided by planCronJob; woken by its Jobs' changes
 * and, between them, at the next scheduled time.
 */
import { jsonEqual } from '../../../../apiserver/json-equal.js';
import { isAlreadyExists } from '../../../../client/errors.js';
import { objectKey } from '../../../../client/informer.js';
import type { ReconcileResult } from '../../../../client/workqueue.js';
import { ControllerLoop } from '../loop.js';
import { controllerOf, splitKey } from '../meta.js';
import { jobPath } from '../paths.js';
import { INDEX, type SiteContext } from '../site.js';
import type { Job } from '../types.js';
import { inParallel, unlessStale } from '../writes.js';
import { planCronJob } from './plan.js';

const cronJobPath = (ns: string, name: string) => `/apis/batch/v1/namespaces/${ns}/cronjobs/${name}`;
const jobsPath = (ns: string) => `/apis/batch/v1/namespaces/${ns}/jobs`;

export class CronJobController {
  private readonly loop: ControllerLoop;
  /** Problems already logged, so a bad schedule is said once, not every pass. */
  private readonly reported = new Map<string, string>();

  constructor(private readonly ctx: SiteContext) {
    this.loop = new ControllerLoop(ctx.workers, ctx.log, (key) => this.reconcile(key));
    const { cronJobs, jobs } = ctx.informers;
    cronJobs.on('add', (c) => this.loop.queue.add(objectKey(c)));
    cronJobs.on('update', (c) => this.loop.queue.add(objectKey(c)));
    const jobChanged = (j: Job) => {
      const ref = controllerOf(j);
      if (ref?.kind === 'CronJob') this.loop.queue.add(`${String(j.metadata.namespace)}/${ref.name}`);
    };
    jobs.on('add', jobChanged);
    jobs.on('update', jobChanged);
    jobs.on('delete', jobChanged);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const cj = this.ctx.informers.cronJobs.get(key);
    if (!cj || cj.metadata.deletionTimestamp) return;
    const { namespace, name } = splitKey(key);
    const owned = this.ctx.informers.jobs.byIndex(INDEX.controllerUid, String(cj.metadata.uid));
    const plan = planCronJob(cj, owned, this.ctx.now().getTime());
    if (plan.problem && this.reported.get(key) !== plan.problem) {
      this.ctx.log.warn({ cronjob: key, problem: plan.problem }, 'cannot schedule CronJob');
      this.reported.set(key, plan.problem);
    }
    await inParallel(
      plan.delete.map((j) => async () => {
        this.ctx.log.info({ cronjob: key, job: j.metadata.name }, 'deleting job');
        await unlessStale(() =>
          this.ctx.client.deleteIfExists(jobPath(namespace, String(j.metadata.name)), {
            preconditions: { uid: String(j.metadata.uid) },
            propagationPolicy: 'Background',
          }),
        );
      }),
    );
    if (plan.create) {
      this.ctx.log.info({ cronjob: key, job: plan.create.metadata.name }, 'creating job');
      try {
        await this.ctx.client.create(jobsPath(namespace), plan.create);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
    if (!jsonEqual(plan.status, cj.status ?? {})) {
      await unlessStale(() =>
        this.ctx.client.updateStatus(cronJobPath(namespace, name), {
          ...cj,
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          status: plan.status,
        }),
      );
    }
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  }
}
