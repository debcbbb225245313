import assert from 'node:assert/strict';
import {
  findActiveOrLatest,
  isScalingEvent,
  planProportionalScale,
} from '../../../../../agent/edge/controllers/deployment/scale.js';
import { deepFreeze, deployment, rs } from './fixtures.js';

/** An RS as the Deployment left it when it had `was` replicas (kube's test sets the same annotations). */
const sized = (name: string, replicas: number, created: number, was: number) =>
  rs(name, {
    replicas,
    created,
    annotations: {
      'deployment.kubernetes.io/desired-replicas': String(was),
      'deployment.kubernetes.io/max-replicas': String(was),
    },
  });

describe('planProportionalScale (kube sync_test.go TestScale cases, maxSurge 0)', () => {
  const cases: {
    name: string;
    replicas: number;
    was: number;
    rss: [string, number, number][];
    want: Record<string, number>;
  }[] = [
    { name: 'one active RS: 10 → 12', replicas: 12, was: 10, rss: [['v1', 10, 0]], want: { v1: 12 } },
    {
      name: 'one active RS already at size: kept, so its stale annotations get refreshed',
      replicas: 3,
      was: 1,
      rss: [['v1', 3, 0]],
      want: { v1: 3 },
    },
    {
      name: 'proportional: 5 → 10',
      replicas: 10,
      was: 5,
      rss: [
        ['v2', 2, 10],
        ['v1', 3, 0],
      ],
      want: { v2: 4, v1: 6 },
    },
    {
      name: 'proportional: 5 → 3',
      replicas: 3,
      was: 5,
      rss: [
        ['v2', 2, 10],
        ['v1', 3, 0],
      ],
      want: { v2: 1, v1: 2 },
    },
    {
      name: 'proportional: 9 → 4',
      replicas: 4,
      was: 9,
      rss: [
        ['v2', 8, 10],
        ['v1', 1, 0],
      ],
      want: { v2: 4, v1: 0 },
    },
    {
      name: 'proportional: 7 → 10',
      replicas: 10,
      was: 7,
      rss: [
        ['v3', 2, 20],
        ['v2', 3, 10],
        ['v1', 2, 0],
      ],
      want: { v3: 3, v2: 4, v1: 3 },
    },
    {
      name: 'proportional: 13 → 8',
      replicas: 8,
      was: 13,
      rss: [
        ['v3', 2, 20],
        ['v2', 8, 10],
        ['v1', 3, 0],
      ],
      want: { v3: 1, v2: 5, v1: 2 },
    },
    {
      name: 'leftover to the newest when growing: 3 → 4',
      replicas: 4,
      was: 3,
      rss: [
        ['v3', 1, 20],
        ['v2', 1, 10],
        ['v1', 1, 0],
      ],
      want: { v3: 2, v2: 1, v1: 1 },
    },
    {
      name: 'leftover from the oldest when shrinking: 3 → 2',
      replicas: 2,
      was: 3,
      rss: [
        ['v3', 1, 20],
        ['v2', 1, 10],
        ['v1', 1, 0],
      ],
      want: { v3: 1, v2: 1, v1: 0 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = deepFreeze(deployment({ replicas: c.replicas, maxSurge: 0, maxUnavailable: 0 }));
      const [newRS, ...oldRSs] = deepFreeze(c.rss.map(([n, r, t]) => sized(n, r, t, c.was)));
      const ops = planProportionalScale(d, newRS, oldRSs);
      assert.deepEqual(Object.fromEntries(ops.map((o) => [o.name, o.replicas])), c.want);
    });
  }

  it('a saturated new RS: the old active ones go to 0', () => {
    const d = deployment({ replicas: 3, maxSurge: 1, maxUnavailable: 0 });
    const newRS = rs('new', {
      replicas: 3,
      available: 3,
      created: 10,
      annotations: { 'deployment.kubernetes.io/desired-replicas': '3' },
    });
    const ops = planProportionalScale(d, newRS, [rs('old', { replicas: 1, created: 0 })]);
    assert.deepEqual(ops, [{ name: 'old', replicas: 0 }]);
  });

  it('nothing active: the latest RS takes the size', () => {
    const d = deployment({ replicas: 2, maxSurge: 0, maxUnavailable: 0 });
    const ops = planProportionalScale(d, undefined, [
      rs('a', { replicas: 0, created: 0 }),
      rs('b', { replicas: 0, created: 5 }),
    ]);
    assert.deepEqual(ops, [{ name: 'b', replicas: 2 }]);
  });
});

describe('findActiveOrLatest / isScalingEvent', () => {
  it('finds the single active RS, none when several are active', () => {
    assert.equal(
      findActiveOrLatest(rs('n', { replicas: 0 }), [rs('o', { replicas: 2 })])?.metadata.name,
      'o',
    );
    assert.equal(findActiveOrLatest(rs('n', { replicas: 1 }), [rs('o', { replicas: 2 })]), undefined);
    assert.equal(findActiveOrLatest(undefined, []), undefined);
  });
  it('is a scaling event when an active RS was sized for another replica count', () => {
    const d = deployment({ replicas: 5 });
    assert.equal(isScalingEvent(d, sized('n', 3, 0, 3), []), true);
    assert.equal(isScalingEvent(d, sized('n', 5, 0, 5), []), false);
    assert.equal(isScalingEvent(d, sized('n', 0, 0, 3), []), false, 'inactive RSs do not count');
    assert.equal(
      isScalingEvent(d, rs('n', { replicas: 3 }), []),
      false,
      'no annotation: not a scaling event',
    );
  });
});
