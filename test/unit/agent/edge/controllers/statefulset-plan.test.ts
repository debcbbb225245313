import assert from 'node:assert/strict';
import { planStatefulSet, updateRevision } from '../../../../../agent/edge/controllers/statefulset/plan.js';
import { podForStatefulSet } from '../../../../../agent/edge/controllers/statefulset/controller.js';
import type { StatefulSet } from '../../../../../agent/edge/controllers/statefulset/types.js';
import type { Pod } from '../../../../../agent/edge/controllers/types.js';

function sts(spec: StatefulSet['spec'] = {}): StatefulSet {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'sts-uid', generation: 1 },
    spec: {
      replicas: 3,
      serviceName: 'web-headless',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'a' }] } },
      ...spec,
    },
  };
}

type State = 'ready' | 'pending' | 'terminating' | 'failed';
function pod(set: StatefulSet, ordinal: number, state: State = 'ready', revision = updateRevision(set)): Pod {
  const p = podForStatefulSet(set, ordinal, 'n1');
  p.metadata.labels = { ...p.metadata.labels, 'controller-revision-hash': revision };
  p.metadata.uid = `uid-${ordinal}`;
  if (state === 'terminating') p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  p.status = {
    phase: state === 'failed' ? 'Failed' : state === 'pending' ? 'Pending' : 'Running',
    conditions: [{ type: 'Ready', status: state === 'ready' ? 'True' : 'False' }],
  };
  return p;
}

const names = (ps: Pod[]) => ps.map((p) => p.metadata.name);

describe('planStatefulSet', () => {
  it('gives each pod a stable identity: <name>-<ordinal>, hostname, subdomain, labels', () => {
    const p = podForStatefulSet(sts(), 2, 'n1');
    assert.equal(p.metadata.name, 'web-2');
    assert.equal(p.spec?.hostname, 'web-2');
    assert.equal(p.spec?.subdomain, 'web-headless');
    assert.equal(p.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-2');
    assert.equal(p.metadata.labels?.['apps.kubernetes.io/pod-index'], '2');
    assert.equal(p.metadata.ownerReferences?.[0].kind, 'StatefulSet');
  });

  const s = sts();
  const table: [string, StatefulSet, (set: StatefulSet) => Pod[], number[], string[]][] = [
    ['OrderedReady: creates ordinal 0 first', s, () => [], [0], []],
    ['OrderedReady: waits for 0 to be ready before 1', s, (x) => [pod(x, 0, 'pending')], [], []],
    ['OrderedReady: then 1', s, (x) => [pod(x, 0)], [1], []],
    ['OrderedReady: a missing lower ordinal comes back first', s, (x) => [pod(x, 1), pod(x, 2)], [0], []],
    ['Parallel: creates all at once', sts({ podManagementPolicy: 'Parallel' }), () => [], [0, 1, 2], []],
    ['a failed pod is deleted to be created again', s, (x) => [pod(x, 0, 'failed')], [], ['web-0']],
    [
      'OrderedReady scale down: highest ordinal first, one at a time',
      sts({ replicas: 1 }),
      (x) => [pod(x, 0), pod(x, 1), pod(x, 2)],
      [],
      ['web-2'],
    ],
    [
      'OrderedReady scale down waits while the highest is terminating',
      sts({ replicas: 1 }),
      (x) => [pod(x, 0), pod(x, 1), pod(x, 2, 'terminating')],
      [],
      [],
    ],
    [
      'Parallel scale down: all condemned at once',
      sts({ replicas: 1, podManagementPolicy: 'Parallel' }),
      (x) => [pod(x, 0), pod(x, 1), pod(x, 2)],
      [],
      ['web-2', 'web-1'],
    ],
    [
      'rolling update: the highest ordinal of an old revision first',
      s,
      (x) => [pod(x, 0, 'ready', 'old'), pod(x, 1, 'ready', 'old'), pod(x, 2, 'ready', 'old')],
      [],
      ['web-2'],
    ],
    [
      'rolling update: then the next, once the updated one is ready',
      s,
      (x) => [pod(x, 0, 'ready', 'old'), pod(x, 1, 'ready', 'old'), pod(x, 2)],
      [],
      ['web-1'],
    ],
    [
      'rolling update waits for an unready pod',
      s,
      (x) => [pod(x, 0, 'ready', 'old'), pod(x, 1, 'ready', 'old'), pod(x, 2, 'pending')],
      [],
      [],
    ],
    [
      'rolling update stops at the partition',
      sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }),
      (x) => [pod(x, 0, 'ready', 'old'), pod(x, 1, 'ready', 'old'), pod(x, 2)],
      [],
      [],
    ],
    [
      'OnDelete: no automatic update',
      sts({ updateStrategy: { type: 'OnDelete' } }),
      (x) => [pod(x, 0, 'ready', 'old'), pod(x, 1, 'ready', 'old'), pod(x, 2, 'ready', 'old')],
      [],
      [],
    ],
  ];
  for (const [name, set, pods, create, del] of table) {
    it(name, () => {
      const plan = planStatefulSet(set, pods(set), Date.now());
      assert.deepEqual(plan.create, create);
      assert.deepEqual(names(plan.delete), del);
    });
  }

  it('status counts ready and updated pods and names the revisions', () => {
    const x = sts();
    const plan = planStatefulSet(x, [pod(x, 0), pod(x, 1, 'pending'), pod(x, 2, 'ready', 'old')], Date.now());
    assert.deepEqual(plan.status, {
      replicas: 3,
      readyReplicas: 2,
      availableReplicas: 2,
      updatedReplicas: 2,
      currentReplicas: 2,
      currentRevision: updateRevision(x),
      updateRevision: updateRevision(x),
      collisionCount: 0,
      observedGeneration: 1,
    });
  });
});
