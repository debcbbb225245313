import assert from 'node:assert/strict';
import { MAX_PROBLEMS } from '../../../../api/pod-summary.js';
import { podsOfWorkload, summarizePods, type Pod } from '../../../../agent/pods/summary.js';

function pod(
  name: string,
  status: Pod['status'],
  labels: Record<string, string> = { app: 'web' },
  ns = 'demo',
): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, status };
}
const ready = { type: 'Ready', status: 'True' };
const running = (restarts = 0) => ({ name: 'c', ready: true, restartCount: restarts, state: {} });

describe('summarizePods: what the hub shows of a workload at a member', () => {
  const cases: { name: string; pods: Pod[]; want: ReturnType<typeof summarizePods> }[] = [
    { name: 'no pods', pods: [], want: { total: 0, ready: 0, restarts: 0 } },
    {
      name: 'ready pods add up their restarts',
      pods: [
        pod('a', { phase: 'Running', conditions: [ready], containerStatuses: [running(2)] }),
        pod('b', { phase: 'Running', conditions: [ready], containerStatuses: [running(1)] }),
      ],
      want: { total: 2, ready: 2, restarts: 3 },
    },
    {
      name: 'an image that cannot be pulled is a problem with its message',
      pods: [
        pod('a', {
          phase: 'Pending',
          containerStatuses: [
            {
              name: 'c',
              restartCount: 0,
              state: { waiting: { reason: 'ErrImagePull', message: 'no such image' } },
            },
          ],
        }),
      ],
      want: {
        total: 1,
        ready: 0,
        restarts: 0,
        problems: [{ pod: 'a', container: 'c', reason: 'ErrImagePull', message: 'no such image' }],
      },
    },
    {
      name: 'ContainerCreating and Completed are not problems',
      pods: [
        pod('a', {
          phase: 'Pending',
          containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }],
        }),
        pod('b', {
          phase: 'Succeeded',
          containerStatuses: [{ name: 'c', state: { terminated: { reason: 'Completed', exitCode: 0 } } }],
        }),
      ],
      want: { total: 2, ready: 0, restarts: 0 },
    },
    {
      name: 'a non-zero exit without a reason reads Error; an evicted pod says so',
      pods: [
        pod('b', {
          phase: 'Running',
          containerStatuses: [{ name: 'c', restartCount: 4, state: { terminated: { exitCode: 1 } } }],
        }),
        pod('a', { phase: 'Failed', reason: 'Evicted', message: 'low on memory' }),
      ],
      want: {
        total: 2,
        ready: 0,
        restarts: 4,
        problems: [
          { pod: 'a', reason: 'Evicted', message: 'low on memory' },
          { pod: 'b', container: 'c', reason: 'Error' },
        ],
      },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(summarizePods(c.pods), c.want));

  it(`keeps at most ${MAX_PROBLEMS} problems, sorted by pod`, () => {
    const pods = Array.from({ length: 8 }, (_, i) =>
      pod(`p${7 - i}`, {
        phase: 'Pending',
        containerStatuses: [{ name: 'c', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
      }),
    );
    const s = summarizePods(pods);
    assert.equal(s.problems?.length, MAX_PROBLEMS);
    assert.deepEqual(
      s.problems?.map((p) => p.pod),
      ['p0', 'p1', 'p2', 'p3', 'p4'],
    );
  });
});

describe('podsOfWorkload', () => {
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'demo' },
    spec: { selector: { matchLabels: { app: 'web' } } },
  };
  const pods = [pod('a', {}), pod('b', {}, { app: 'other' }), pod('c', {}, { app: 'web' }, 'elsewhere')];
  it('picks pods of the same namespace that match spec.selector', () =>
    assert.deepEqual(
      podsOfWorkload(deploy, pods)?.map((p) => p.metadata.name),
      ['a'],
    ));
  it('is undefined for objects that are not workloads', () =>
    assert.equal(
      podsOfWorkload({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'demo' } }, pods),
      undefined,
    ));
});
