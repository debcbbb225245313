import assert from 'node:assert/strict';
import {
  JOB_TRACKING_FINALIZER,
  jobTtlRemainingMs,
  planJobSync,
  type JobSyncPlan,
} from '../../../../../agent/edge/controllers/job/plan.js';
import { podForJob } from '../../../../../agent/edge/controllers/job/pod.js';
import type {
  Job,
  JobCondition,
  JobSpec,
  JobStatus,
  Pod,
} from '../../../../../agent/edge/controllers/types.js';
import { T0, at, deepFreeze, pod, type PodOptions } from './fixtures.js';

const NOW_S = 100;
const NOW = new Date(T0 + NOW_S * 1000);
const F = JOB_TRACKING_FINALIZER;

function job(spec: JobSpec, status?: JobStatus): Job {
  const j: Job = {
    metadata: { name: 'j', namespace: 'ns', uid: 'job-uid', creationTimestamp: at(0) },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c' }] } }, ...spec },
  };
  if (status) j.status = status;
  return j;
}

/** A pod of the Job, still carrying the tracking finalizer unless told otherwise. */
const jpod = (name: string, o: PodOptions = {}): Pod =>
  pod(name, { finalizers: [F], owner: { kind: 'Job', name: 'j', uid: 'job-uid' }, ...o });
const done = (name: string, phase: 'Succeeded' | 'Failed', o: PodOptions = {}) =>
  jpod(name, { phase, finishedAt: 90, ...o });
const cond = (type: string, reason: string, status: JobCondition['status'] = 'True'): JobCondition => ({
  type,
  status,
  reason,
  message: '',
  lastProbeTime: at(50),
  lastTransitionTime: at(50),
});

/** The parts of a plan the cases look at. */
function summary(p: JobSyncPlan) {
  return {
    create: p.create,
    deleted: p.deletePods.map((x) => x.metadata.name),
    unfinalized: p.removeFinalizers.map((x) => x.metadata.name),
    active: p.status.active ?? 0,
    succeeded: p.status.succeeded ?? 0,
    failed: p.status.failed ?? 0,
    uncounted: [
      p.status.uncountedTerminatedPods?.succeeded ?? [],
      p.status.uncountedTerminatedPods?.failed ?? [],
    ],
    conditions: Object.fromEntries(
      (p.status.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]),
    ),
    completedIndexes: p.status.completedIndexes,
    requeueAfterMs: p.requeueAfterMs,
  };
}
type Summary = ReturnType<typeof summary>;

describe('planJobSync', () => {
  const cases: {
    name: string;
    job: Job;
    pods?: Pod[];
    satisfied?: boolean;
    want: Partial<Summary>;
  }[] = [
    {
      name: 'a new Job (completions and parallelism default 1) starts one pod',
      job: job({}),
      want: { create: [undefined], active: 1, conditions: {} },
    },
    {
      name: 'completions 5, parallelism 2: two pods',
      job: job({ completions: 5, parallelism: 2 }),
      want: { create: [undefined, undefined], active: 2 },
    },
    {
      name: 'never more active pods than remaining completions',
      job: job({ completions: 3, parallelism: 5 }, { succeeded: 2, uncountedTerminatedPods: {} }),
      want: { create: [undefined] },
    },
    {
      name: 'parallelism lowered: the surplus goes (not-ready first)',
      job: job({ completions: 10, parallelism: 1 }),
      pods: [jpod('a', { ready: true }), jpod('b', { ready: false })],
      want: { create: [], deleted: ['b'], active: 1 },
    },
    {
      name: 'a succeeded pod is recorded as uncounted, its finalizer goes, the next pod starts',
      job: job({ completions: 2 }),
      pods: [done('a', 'Succeeded')],
      want: { create: [undefined], uncounted: [['uid-a'], []], unfinalized: ['a'], succeeded: 0, active: 1 },
    },
    {
      name: 'a recorded pod that lost its finalizer moves into the counter',
      job: job({ completions: 2 }, { uncountedTerminatedPods: { succeeded: ['uid-a'] } }),
      pods: [done('a', 'Succeeded', { finalizers: [] }), jpod('b')],
      want: { succeeded: 1, uncounted: [[], []], unfinalized: [], create: [] },
    },
    {
      name: 'the last success: SuccessCriteriaMet first (a pod is still uncounted)',
      job: job({ completions: 2 }, { succeeded: 1, uncountedTerminatedPods: {} }),
      pods: [done('a', 'Succeeded', { finalizers: [] }), done('b', 'Succeeded')],
      want: {
        conditions: { SuccessCriteriaMet: 'True/CompletionsReached' },
        create: [],
        uncounted: [['uid-b'], []],
      },
    },
    {
      name: '... then Complete once everything is counted',
      job: job(
        { completions: 2 },
        {
          succeeded: 1,
          uncountedTerminatedPods: { succeeded: ['uid-b'] },
          conditions: [cond('SuccessCriteriaMet', 'CompletionsReached')],
        },
      ),
      pods: [done('a', 'Succeeded', { finalizers: [] }), done('b', 'Succeeded', { finalizers: [] })],
      want: {
        succeeded: 2,
        conditions: { SuccessCriteriaMet: 'True/CompletionsReached', Complete: 'True/CompletionsReached' },
        create: [],
      },
    },
    {
      name: 'no completions (work queue): the first success stops new pods; done when none runs',
      job: job({ parallelism: 3 }, { succeeded: 1, uncountedTerminatedPods: {} }),
      pods: [done('a', 'Succeeded', { finalizers: [] }), jpod('b')],
      want: { create: [], active: 1, conditions: {} },
    },
    {
      name: 'a failure waits out the back-off before the next pod',
      job: job({ backoffLimit: 3 }),
      pods: [done('a', 'Failed', { finishedAt: 95 })],
      want: { create: [], uncounted: [[], ['uid-a']], unfinalized: ['a'], requeueAfterMs: 5_001 },
    },
    {
      name: '... and creates it after',
      job: job({ backoffLimit: 3 }, { failed: 1, uncountedTerminatedPods: {} }),
      pods: [done('a', 'Failed', { finishedAt: 80, finalizers: [] })],
      want: { create: [undefined], failed: 1 },
    },
    {
      name: 'failures beyond backoffLimit: FailureTarget, running pods deleted and counted failed',
      job: job(
        { backoffLimit: 1, parallelism: 2, completions: 4 },
        { failed: 1, uncountedTerminatedPods: {} },
      ),
      pods: [done('a', 'Failed', { finalizers: [] }), done('b', 'Failed'), jpod('c')],
      want: {
        conditions: { FailureTarget: 'True/BackoffLimitExceeded' },
        deleted: ['c'],
        create: [],
        uncounted: [[], ['uid-b', 'uid-c']],
        unfinalized: ['b', 'c'],
      },
    },
    {
      name: '... then Failed once everything is counted',
      job: job(
        { backoffLimit: 1 },
        {
          failed: 0,
          uncountedTerminatedPods: { failed: ['uid-a', 'uid-b'] },
          conditions: [cond('FailureTarget', 'BackoffLimitExceeded')],
        },
      ),
      pods: [done('a', 'Failed', { finalizers: [] }), done('b', 'Failed', { finalizers: [] })],
      want: {
        failed: 2,
        conditions: { FailureTarget: 'True/BackoffLimitExceeded', Failed: 'True/BackoffLimitExceeded' },
      },
    },
    {
      name: 'activeDeadlineSeconds passed: DeadlineExceeded',
      job: job({ activeDeadlineSeconds: 60 }, { startTime: at(10), uncountedTerminatedPods: {} }),
      pods: [jpod('a')],
      want: { conditions: { FailureTarget: 'True/DeadlineExceeded' }, deleted: ['a'] },
    },
    {
      name: 'activeDeadlineSeconds not yet: look again when it passes',
      job: job({ activeDeadlineSeconds: 60 }, { startTime: at(50), uncountedTerminatedPods: {} }),
      pods: [jpod('a')],
      want: { conditions: {}, deleted: [], requeueAfterMs: 10_001 },
    },
    {
      name: 'restartPolicy OnFailure: container restarts count against backoffLimit',
      job: {
        ...job({ backoffLimit: 2 }),
        spec: {
          backoffLimit: 2,
          template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c' }] } },
        },
      },
      pods: [jpod('a', { restarts: 2 })],
      want: { conditions: { FailureTarget: 'True/BackoffLimitExceeded' }, deleted: ['a'] },
    },
    {
      name: 'a running pod deleted from outside counts as failed',
      job: job({}),
      pods: [jpod('a', { deleting: true })],
      want: { uncounted: [[], ['uid-a']], unfinalized: ['a'] },
    },
    {
      name: 'suspended: active pods go, Suspended True',
      job: job({ suspend: true }),
      pods: [jpod('a')],
      want: { deleted: ['a'], create: [], conditions: { Suspended: 'True/JobSuspended' } },
    },
    {
      name: 'resumed: Suspended False, pods again',
      job: job({}, { conditions: [cond('Suspended', 'JobSuspended')], uncountedTerminatedPods: {} }),
      want: { create: [undefined], conditions: { Suspended: 'False/JobResumed' } },
    },
    {
      name: 'expectations not satisfied: no create, no delete',
      job: job({ completions: 3, parallelism: 3 }),
      satisfied: false,
      want: { create: [], deleted: [] },
    },
    {
      name: 'Indexed: lowest missing indexes first, up to parallelism',
      job: job(
        { completionMode: 'Indexed', completions: 4, parallelism: 2 },
        { completedIndexes: '0', succeeded: 1, uncountedTerminatedPods: {} },
      ),
      pods: [jpod('p2', { annotations: { 'batch.kubernetes.io/job-completion-index': '2' } })],
      want: { create: [1], completedIndexes: '0' },
    },
    {
      name: 'Indexed: a succeeded pod completes its index directly; duplicates and done indexes go',
      job: job({ completionMode: 'Indexed', completions: 3, parallelism: 3 }),
      pods: [
        done('s0', 'Succeeded', { annotations: { 'batch.kubernetes.io/job-completion-index': '0' } }),
        jpod('dup1', { annotations: { 'batch.kubernetes.io/job-completion-index': '1' }, created: 5 }),
        jpod('keep1', { annotations: { 'batch.kubernetes.io/job-completion-index': '1' }, created: 1 }),
      ],
      want: {
        completedIndexes: '0',
        succeeded: 1,
        deleted: ['dup1'],
        uncounted: [[], []],
        unfinalized: ['s0'],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planJobSync(deepFreeze(c.job), deepFreeze(c.pods ?? []), {
        now: NOW,
        backoffBaseMs: 10_000,
        backoffMaxMs: 360_000,
        expectationsSatisfied: c.satisfied ?? true,
      });
      const got = summary(plan);
      const picked = Object.fromEntries(Object.keys(c.want).map((k) => [k, got[k as keyof Summary]]));
      assert.deepEqual(picked, c.want);
    });
  }

  it('sets startTime on the first pass (not while suspended), completionTime with Complete', () => {
    const opts = { now: NOW, backoffBaseMs: 1, backoffMaxMs: 1, expectationsSatisfied: true };
    assert.equal(planJobSync(job({}), [], opts).status.startTime, at(NOW_S));
    assert.equal(planJobSync(job({ suspend: true }), [], opts).status.startTime, undefined);
    const complete = planJobSync(
      job(
        {},
        {
          startTime: at(1),
          succeeded: 1,
          uncountedTerminatedPods: {},
          conditions: [cond('SuccessCriteriaMet', 'CompletionsReached')],
        },
      ),
      [],
      opts,
    );
    assert.equal(complete.status.completionTime, at(NOW_S));
  });

  it('always reports ready, terminating and uncountedTerminatedPods (kube’s pointers), omits zero counters', () => {
    const s = planJobSync(job({ suspend: true }), [], {
      now: NOW,
      backoffBaseMs: 1,
      backoffMaxMs: 1,
      expectationsSatisfied: true,
    }).status;
    assert.deepEqual(Object.keys(s).sort(), [
      'conditions',
      'ready',
      'terminating',
      'uncountedTerminatedPods',
    ]);
    assert.deepEqual(s.uncountedTerminatedPods, {});
  });
});

describe('jobTtlRemainingMs (ttlSecondsAfterFinished)', () => {
  it('counts from the completion (or failure) time', () => {
    const j = job({ ttlSecondsAfterFinished: 30 }, { completionTime: at(90) });
    assert.equal(jobTtlRemainingMs(j, T0 + 100_000), 20_000);
    const failed = job(
      { ttlSecondsAfterFinished: 0 },
      { conditions: [cond('Failed', 'BackoffLimitExceeded')] },
    );
    assert.equal(jobTtlRemainingMs(failed, T0 + 100_000), -50_000);
    assert.equal(jobTtlRemainingMs(job({}, { completionTime: at(1) }), T0), undefined);
  });
});

describe('podForJob', () => {
  it('labels the pod as kube-apiserver labels a Job template, with the tracking finalizer', () => {
    const p = podForJob(job({}), undefined, 'node-1', 'j-abcde');
    assert.deepEqual(p.metadata.labels, {
      'batch.kubernetes.io/controller-uid': 'job-uid',
      'batch.kubernetes.io/job-name': 'j',
      'controller-uid': 'job-uid',
      'job-name': 'j',
    });
    assert.deepEqual(p.metadata.finalizers, [F]);
    assert.equal(p.spec?.nodeName, 'node-1');
    assert.deepEqual(
      p.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
      [['Job', 'j', 'job-uid', true]],
    );
  });
  it('Indexed: the index as annotation, label, env and hostname', () => {
    const p = podForJob(job({ completionMode: 'Indexed', completions: 3 }), 2, 'node-1');
    assert.match(String(p.metadata.name), /^j-2-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], '2');
    assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-completion-index'], '2');
    assert.equal(p.spec?.hostname, 'j-2');
    assert.deepEqual(p.spec?.containers?.[0].env, [{ name: 'JOB_COMPLETION_INDEX', value: '2' }]);
  });
});
