import assert from 'node:assert/strict';
import {
  maxSurge,
  maxUnavailable,
  resolveFenceposts,
} from '../../../../../agent/edge/controllers/deployment/fenceposts.js';
import { scaledValueFromIntOrPercent } from '../../../../../agent/edge/controllers/intstr.js';
import { deployment } from './fixtures.js';

describe('scaledValueFromIntOrPercent', () => {
  const cases: [number | string, number, boolean, number][] = [
    [3, 10, true, 3],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['25%', 3, true, 1],
    ['25%', 3, false, 0],
    ['100%', 7, false, 7],
    ['0%', 7, true, 0],
    ['34%', 3, false, 1],
  ];
  for (const [v, total, up, want] of cases) {
    it(`${JSON.stringify(v)} of ${total} rounded ${up ? 'up' : 'down'} → ${want}`, () =>
      assert.equal(scaledValueFromIntOrPercent(v, total, up), want));
  }
  for (const bad of ['25', 'abc', '%', '1.5%']) {
    it(`rejects ${JSON.stringify(bad)}`, () =>
      assert.throws(() => scaledValueFromIntOrPercent(bad, 10, true)));
  }
});

describe('resolveFenceposts / maxSurge / maxUnavailable', () => {
  const cases: {
    name: string;
    replicas?: number;
    surge?: number | string;
    unavailable?: number | string;
    recreate?: boolean;
    want: [number, number];
  }[] = [
    { name: 'defaults 25%/25% of 3: surge up to 1, unavailable down to 0', replicas: 3, want: [1, 0] },
    { name: 'defaults of 10: 3 and 2', replicas: 10, want: [3, 2] },
    { name: 'defaults of 4: 1 and 1', replicas: 4, want: [1, 1] },
    { name: 'replicas absent = 1: 1 and 0', want: [1, 0] },
    { name: 'ints', replicas: 5, surge: 2, unavailable: 1, want: [2, 1] },
    {
      name: 'both 0: unavailable becomes 1 (a rollout must be able to move)',
      replicas: 5,
      surge: 0,
      unavailable: 0,
      want: [0, 1],
    },
    { name: 'both 0% of 3 → 0/1', replicas: 3, surge: '0%', unavailable: '0%', want: [0, 1] },
    { name: 'unavailable above replicas is capped', replicas: 2, surge: 0, unavailable: 5, want: [0, 2] },
    { name: 'zero replicas: no unavailability', replicas: 0, surge: 1, unavailable: 1, want: [1, 0] },
    { name: 'Recreate: neither', replicas: 5, recreate: true, want: [0, 0] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = deployment({
        replicas: c.replicas,
        maxSurge: c.surge,
        maxUnavailable: c.unavailable,
        recreate: c.recreate,
      });
      assert.deepEqual([maxSurge(d), maxUnavailable(d)], c.want);
    });
  }
  it('resolveFenceposts answers the raw pair', () => {
    assert.deepEqual(resolveFenceposts(undefined, undefined, 10), { surge: 3, unavailable: 2 });
    assert.deepEqual(resolveFenceposts(0, 0, 10), { surge: 0, unavailable: 1 });
  });
});
