import assert from 'node:assert/strict';
import {
  nextAvailabilityCheckMs,
  planReplicaSetPods,
  replicaSetStatusFor,
} from '../../../../../agent/edge/controllers/replicaset/plan.js';
import { T0, deepFreeze, pod, rs } from './fixtures.js';

describe('planReplicaSetPods (manageReplicas)', () => {
  const cases: { name: string; replicas: number; pods: number; create: number; deleted: number }[] = [
    { name: 'missing pods are created', replicas: 3, pods: 1, create: 2, deleted: 0 },
    { name: 'surplus pods are deleted', replicas: 1, pods: 3, create: 0, deleted: 2 },
    { name: 'at size: nothing', replicas: 2, pods: 2, create: 0, deleted: 0 },
    { name: 'at most 500 per pass (burstReplicas)', replicas: 600, pods: 0, create: 500, deleted: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pods = Array.from({ length: c.pods }, (_, i) => pod(`p${i}`, { ready: true }));
      const plan = planReplicaSetPods(rs('r', { replicas: c.replicas }), pods);
      assert.equal(plan.create, c.create);
      assert.equal(plan.delete.length, c.deleted);
    });
  }
  it('deletes in kube’s order: the not-ready pod first', () => {
    const plan = planReplicaSetPods(rs('r', { replicas: 1 }), [
      pod('ready', { ready: true }),
      pod('not', { ready: false }),
    ]);
    assert.deepEqual(
      plan.delete.map((p) => p.metadata.name),
      ['not'],
    );
  });
});

describe('replicaSetStatusFor (calculateStatus)', () => {
  const now = T0 + 100_000;
  it('counts replicas, fully labeled, ready and available (minReadySeconds honoured)', () => {
    const r = deepFreeze({
      ...rs('r', { replicas: 4, generation: 3 }),
      spec: { ...rs('r', { replicas: 4 }).spec, minReadySeconds: 30 },
    });
    const pods = [
      pod('a', { labels: { app: 'a' }, ready: true, readySince: 0 }),
      pod('b', { labels: { app: 'a' }, ready: true, readySince: 90 }),
      pod('c', { labels: { other: 'x' }, ready: false }),
    ];
    assert.deepEqual(replicaSetStatusFor(r, pods, now), {
      replicas: 3,
      fullyLabeledReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 1,
      observedGeneration: 3,
    });
    assert.equal(nextAvailabilityCheckMs(r, pods, now), 20_001, 'pod b is available 30 s after 90 s');
  });
  it('omits zero counters but always reports replicas', () => {
    assert.deepEqual(replicaSetStatusFor(rs('r', { replicas: 0, generation: 1 }), [], now), {
      replicas: 0,
      observedGeneration: 1,
    });
  });
  it('without minReadySeconds, ready is available at once and nothing is rechecked', () => {
    const pods = [pod('a', { labels: { app: 'a' }, ready: true, readySince: 99 })];
    const r = rs('r', { replicas: 1 });
    assert.equal(replicaSetStatusFor(r, pods, now).availableReplicas, 1);
    assert.equal(nextAvailabilityCheckMs(r, pods, now), undefined);
  });
});
