import assert from 'node:assert/strict';
import { planCronJob, type CronJob } from '../../../../../agent/edge/controllers/cronjob/plan.js';
import type { Job } from '../../../../../agent/edge/controllers/types.js';

const NOW = Date.parse('2026-03-01T10:05:30Z');
const minutes = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

function cronJob(spec: CronJob['spec'], status: CronJob['status'] = {}): CronJob {
  return {
    metadata: { name: 'tick', namespace: 'ns', uid: 'cj-uid', creationTimestamp: '2026-03-01T09:00:00Z' },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [] } } } },
      ...spec,
    },
    status,
  };
}

function job(name: string, state: 'active' | 'ok' | 'failed', started: string): Job {
  const cond = state === 'ok' ? 'Complete' : 'Failed';
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, creationTimestamp: started },
    status: {
      startTime: started,
      ...(state === 'active'
        ? { active: 1 }
        : { conditions: [{ type: cond, status: 'True' }], completionTime: started }),
    },
  };
}

describe('planCronJob', () => {
  it('creates the Job of the most recent scheduled time, named by its minute, owned and annotated', () => {
    const plan = planCronJob(cronJob({}, { lastScheduleTime: '2026-03-01T10:04:00Z' }), [], NOW);
    assert.equal(plan.create?.metadata.name, `tick-${minutes('2026-03-01T10:05:00Z')}`);
    assert.equal(
      plan.create?.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'],
      '2026-03-01T10:05:00Z',
    );
    assert.equal(plan.create?.metadata.ownerReferences?.[0].kind, 'CronJob');
    assert.equal(plan.status.lastScheduleTime, '2026-03-01T10:05:00Z');
    assert.equal(plan.requeueAfterMs, 30_000 + 100);
  });

  it('nothing new when the scheduled time was handled, or suspended, or before creation', () => {
    assert.equal(
      planCronJob(cronJob({}, { lastScheduleTime: '2026-03-01T10:05:00Z' }), [], NOW).create,
      undefined,
    );
    assert.equal(planCronJob(cronJob({ suspend: true }), [], NOW).create, undefined);
    const young = cronJob({});
    young.metadata.creationTimestamp = '2026-03-01T10:05:10Z';
    assert.equal(planCronJob(young, [], NOW).create, undefined);
  });

  it('startingDeadlineSeconds: a time missed by more than the deadline is skipped', () => {
    const cj = cronJob(
      { schedule: '0 * * * *', startingDeadlineSeconds: 60 },
      { lastScheduleTime: '2026-03-01T09:00:00Z' },
    );
    assert.equal(planCronJob(cj, [], NOW).create, undefined, '10:00 was 5.5 min ago');
    const inTime = cronJob(
      { schedule: '0 * * * *', startingDeadlineSeconds: 600 },
      { lastScheduleTime: '2026-03-01T09:00:00Z' },
    );
    assert.equal(
      planCronJob(inTime, [], NOW).create?.metadata.name,
      `tick-${minutes('2026-03-01T10:00:00Z')}`,
    );
  });

  it('concurrencyPolicy: Allow runs beside, Forbid waits, Replace deletes the running one', () => {
    const running = job('tick-1', 'active', '2026-03-01T10:04:00Z');
    const status = { lastScheduleTime: '2026-03-01T10:04:00Z' };
    const allow = planCronJob(cronJob({}, status), [running], NOW);
    assert.ok(allow.create);
    assert.deepEqual(
      allow.status.active?.map((r) => r.name),
      ['tick-1'],
    );
    const forbid = planCronJob(cronJob({ concurrencyPolicy: 'Forbid' }, status), [running], NOW);
    assert.equal(forbid.create, undefined);
    assert.equal(forbid.status.lastScheduleTime, '2026-03-01T10:04:00Z');
    const replace = planCronJob(cronJob({ concurrencyPolicy: 'Replace' }, status), [running], NOW);
    assert.ok(replace.create);
    assert.deepEqual(
      replace.delete.map((j) => j.metadata.name),
      ['tick-1'],
    );
  });

  it('history limits: oldest finished Jobs beyond the limits go; lastSuccessfulTime follows', () => {
    const jobs = [
      job('s1', 'ok', '2026-03-01T10:00:00Z'),
      job('s2', 'ok', '2026-03-01T10:01:00Z'),
      job('s3', 'ok', '2026-03-01T10:02:00Z'),
      job('f1', 'failed', '2026-03-01T10:03:00Z'),
      job('f2', 'failed', '2026-03-01T10:04:00Z'),
    ];
    const plan = planCronJob(
      cronJob({ successfulJobsHistoryLimit: 2 }, { lastScheduleTime: '2026-03-01T10:05:00Z' }),
      jobs,
      NOW,
    );
    assert.deepEqual(
      plan.delete.map((j) => j.metadata.name),
      ['s1', 'f1'],
    );
    assert.equal(plan.status.lastSuccessfulTime, '2026-03-01T10:02:00Z');
    const defaults = planCronJob(cronJob({}, { lastScheduleTime: '2026-03-01T10:05:00Z' }), jobs, NOW);
    assert.deepEqual(
      defaults.delete.map((j) => j.metadata.name),
      ['f1'],
      'defaults: 3 successful, 1 failed',
    );
  });

  it('an invalid schedule is a problem, not a Job', () => {
    const plan = planCronJob(cronJob({ schedule: 'every minute' }), [], NOW);
    assert.match(plan.problem ?? '', /invalid schedule/);
    assert.equal(plan.create, undefined);
  });
});
