import assert from 'node:assert/strict';
import { maxSurge, maxUnavailable } from '../../../../../agent/edge/controllers/deployment/fenceposts.js';
import {
  newReplicaSetReplicas,
  oldPodsRunning,
  planRecreate,
  planRollingUpdate,
} from '../../../../../agent/edge/controllers/deployment/rolling.js';
import type { ReplicaSet } from '../../../../../agent/edge/controllers/types.js';
import { deepFreeze, deployment, pod, rs } from './fixtures.js';

describe('newReplicaSetReplicas (NewRSNewReplicas; kube rolling_test reconcileNewReplicaSet cases)', () => {
  const cases: { replicas: number; surge: number; old: number; current: number; want: number }[] = [
    { replicas: 10, surge: 0, old: 10, current: 0, want: 0 },
    { replicas: 10, surge: 2, old: 10, current: 0, want: 2 },
    { replicas: 10, surge: 2, old: 5, current: 0, want: 7 },
    { replicas: 10, surge: 2, old: 10, current: 2, want: 2 },
    { replicas: 3, surge: 1, old: 0, current: 0, want: 3 },
  ];
  for (const c of cases) {
    it(`replicas ${c.replicas} surge ${c.surge}, old ${c.old}, new ${c.current} → ${c.want}`, () => {
      const d = deployment({ replicas: c.replicas, maxSurge: c.surge, maxUnavailable: 0 });
      const newRS = rs('new', { replicas: c.current, created: 10 });
      assert.equal(newReplicaSetReplicas(d, [rs('old', { replicas: c.old }), newRS], newRS), c.want);
    });
  }
  it('Recreate: all replicas at once', () => {
    const newRS = rs('new', { replicas: 0 });
    assert.equal(
      newReplicaSetReplicas(
        deployment({ replicas: 4, recreate: true }),
        [rs('old', { replicas: 4 }), newRS],
        newRS,
      ),
      4,
    );
  });
});

describe('planRollingUpdate (one step of rolloutRolling)', () => {
  const cases: {
    name: string;
    replicas: number;
    surge: number;
    unavailable: number;
    old: { replicas: number; available: number };
    new: { replicas: number; available: number };
    want: { old?: number; new?: number };
  }[] = [
    // kube rolling_test.go TestDeploymentController_reconcileNewReplicaSet
    {
      name: 'new RS scaled down to replicas',
      replicas: 2,
      surge: 2,
      unavailable: 0,
      old: { replicas: 2, available: 2 },
      new: { replicas: 4, available: 0 },
      want: { new: 2 },
    },
    {
      name: 'surge 2: new RS to 2',
      replicas: 10,
      surge: 2,
      unavailable: 0,
      old: { replicas: 10, available: 10 },
      new: { replicas: 0, available: 0 },
      want: { new: 2 },
    },
    // kube rolling_test.go TestDeploymentController_reconcileOldReplicaSets (maxSurge 0)
    {
      name: 'surge 0 unavailable 0 → 1: old 10 → 9',
      replicas: 10,
      surge: 0,
      unavailable: 0,
      old: { replicas: 10, available: 10 },
      new: { replicas: 0, available: 0 },
      want: { old: 9 },
    },
    {
      name: 'unavailable 2: old 10 → 8',
      replicas: 10,
      surge: 0,
      unavailable: 2,
      old: { replicas: 10, available: 10 },
      new: { replicas: 0, available: 0 },
      want: { old: 8 },
    },
    {
      name: 'unhealthy old pods go first (8 of 10 available → 8)',
      replicas: 10,
      surge: 0,
      unavailable: 2,
      old: { replicas: 10, available: 8 },
      new: { replicas: 0, available: 0 },
      want: { old: 8 },
    },
    {
      name: '1 unhealthy + 1 healthy (9 of 10 available → 8)',
      replicas: 10,
      surge: 0,
      unavailable: 2,
      old: { replicas: 10, available: 9 },
      new: { replicas: 0, available: 0 },
      want: { old: 8 },
    },
    {
      name: 'unavailable new pods block further scale-down',
      replicas: 10,
      surge: 0,
      unavailable: 2,
      old: { replicas: 8, available: 8 },
      new: { replicas: 2, available: 0 },
      want: {},
    },
    // The steps of a 3-replica rollout with surge 1 / unavailable 0.
    {
      name: '3/1/0: new 0 → 1',
      replicas: 3,
      surge: 1,
      unavailable: 0,
      old: { replicas: 3, available: 3 },
      new: { replicas: 0, available: 0 },
      want: { new: 1 },
    },
    {
      name: '3/1/0: waits for the new pod',
      replicas: 3,
      surge: 1,
      unavailable: 0,
      old: { replicas: 3, available: 3 },
      new: { replicas: 1, available: 0 },
      want: {},
    },
    {
      name: '3/1/0: new pod available → old 3 → 2',
      replicas: 3,
      surge: 1,
      unavailable: 0,
      old: { replicas: 3, available: 3 },
      new: { replicas: 1, available: 1 },
      want: { old: 2 },
    },
    {
      name: 'done: nothing to do',
      replicas: 3,
      surge: 1,
      unavailable: 0,
      old: { replicas: 0, available: 0 },
      new: { replicas: 3, available: 3 },
      want: {},
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = deepFreeze(
        deployment({ replicas: c.replicas, maxSurge: c.surge, maxUnavailable: c.unavailable }),
      );
      const oldRS = deepFreeze(rs('old', { ...c.old, created: 0 }));
      const newRS = deepFreeze(rs('new', { ...c.new, created: 10 }));
      const ops = planRollingUpdate(d, newRS, [oldRS]);
      assert.deepEqual(Object.fromEntries(ops.map((o) => [o.name, o.replicas])), c.want);
    });
  }

  it('scales the oldest RSs down first', () => {
    const d = deployment({ replicas: 4, maxSurge: 0, maxUnavailable: 2 });
    const older = rs('older', { replicas: 1, created: 0 });
    const old = rs('old', { replicas: 3, created: 5 });
    const ops = planRollingUpdate(d, rs('new', { replicas: 0, created: 10 }), [old, older]);
    assert.deepEqual(ops, [
      { name: 'older', replicas: 0 },
      { name: 'old', replicas: 2 },
    ]);
  });
});

/**
 * Whole rollouts, step by step: the controller's step, then the pods (new ones become available
 * one tick after they are asked for; removed ones go at once). At every tick the Deployment must
 * keep replicas - maxUnavailable available and ask for at most replicas + maxSurge pods.
 */
describe('rolling update arithmetic over a whole rollout', () => {
  const configs: { replicas: number; surge: number | string; unavailable: number | string }[] = [
    { replicas: 3, surge: 1, unavailable: 0 },
    { replicas: 3, surge: 1, unavailable: 1 },
    { replicas: 3, surge: 0, unavailable: 1 },
    { replicas: 10, surge: '25%', unavailable: '25%' },
    { replicas: 10, surge: 0, unavailable: 0 },
    { replicas: 7, surge: '50%', unavailable: '10%' },
    { replicas: 1, surge: '25%', unavailable: '25%' },
    { replicas: 5, surge: 5, unavailable: 5 },
  ];
  for (const c of configs) {
    it(`replicas ${c.replicas}, maxSurge ${c.surge}, maxUnavailable ${c.unavailable}`, () => {
      const d = deployment({ replicas: c.replicas, maxSurge: c.surge, maxUnavailable: c.unavailable });
      const surge = maxSurge(d);
      const minAvailable = c.replicas - maxUnavailable(d);
      let oldRS: ReplicaSet = rs('old', { replicas: c.replicas, created: 0 });
      let newRS: ReplicaSet = rs('new', { replicas: 0, created: 10 });
      const steps: string[] = [];
      for (let tick = 0; tick < 100; tick++) {
        const ops = planRollingUpdate(d, newRS, [oldRS]);
        if (ops.length === 0) break;
        for (const op of ops) {
          if (op.name === 'old')
            oldRS = rs('old', {
              replicas: op.replicas,
              available: Math.min(op.replicas, oldRS.status?.availableReplicas ?? 0),
              created: 0,
            });
          else
            newRS = rs('new', {
              replicas: op.replicas,
              available: newRS.status?.availableReplicas ?? 0,
              created: 10,
            });
        }
        const asked = (oldRS.spec?.replicas ?? 0) + (newRS.spec?.replicas ?? 0);
        const available = (oldRS.status?.availableReplicas ?? 0) + (newRS.status?.availableReplicas ?? 0);
        assert.ok(asked <= c.replicas + surge, `tick ${tick}: ${asked} pods asked > ${c.replicas}+${surge}`);
        assert.ok(available >= minAvailable, `tick ${tick}: ${available} available < ${minAvailable}`);
        steps.push(`${oldRS.spec?.replicas}/${newRS.spec?.replicas}`);
        // The new pods start and become available.
        newRS = rs('new', { replicas: newRS.spec?.replicas ?? 0, created: 10 });
      }
      assert.equal(oldRS.spec?.replicas, 0, `ended at ${steps.join(' → ')}`);
      assert.equal(newRS.spec?.replicas, c.replicas);
      if (c.replicas > 1) assert.ok(steps.length >= 2, `one batch at a time: ${steps.join(' → ')}`);
    });
  }
});

describe('planRecreate', () => {
  const d = deployment({ replicas: 3, recreate: true });
  it('scales every old RS to 0 first', () => {
    assert.deepEqual(
      planRecreate(
        d,
        undefined,
        [rs('a', { replicas: 2 }), rs('b', { replicas: 0 }), rs('c', { replicas: 1 })],
        [],
      ),
      {
        kind: 'scale-down-old',
        scales: [
          { name: 'a', replicas: 0 },
          { name: 'c', replicas: 0 },
        ],
      },
    );
  });
  it('then waits while an old RS still reports pods', () => {
    assert.deepEqual(
      planRecreate(d, undefined, [rs('a', { replicas: 0, actual: 1 })], []).kind,
      'wait-for-old-pods',
    );
  });
  it('or while an old pod has not finished', () => {
    const old = [rs('a', { replicas: 0, actual: 0 })];
    assert.equal(
      planRecreate(d, undefined, old, [pod('p', { phase: 'Running', deleting: true })]).kind,
      'wait-for-old-pods',
    );
    assert.equal(planRecreate(d, undefined, old, [pod('p', { phase: 'Failed' })]).kind, 'create-new');
  });
  it('then creates the new RS, or scales it to full size', () => {
    assert.deepEqual(planRecreate(d, rs('n', { replicas: 1 }), [rs('a', { replicas: 0, actual: 0 })], []), {
      kind: 'scale-up-new',
      scales: [{ name: 'n', replicas: 3 }],
    });
    assert.deepEqual(planRecreate(d, rs('n', { replicas: 3 }), [], []), { kind: 'scale-up-new', scales: [] });
  });
  it('oldPodsRunning ignores succeeded and failed pods', () => {
    assert.equal(
      oldPodsRunning([], [pod('a', { phase: 'Succeeded' }), pod('b', { phase: 'Failed' })]),
      false,
    );
    assert.equal(oldPodsRunning([], [pod('a', { phase: 'Pending' })]), true);
  });
});
