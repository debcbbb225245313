import assert from 'node:assert/strict';
import {
  eligibleClusters,
  fnv1_32,
  mergeReplicaOverrides,
  readyConditionNotReadySince,
  scheduleReplicas,
  toOverrides,
  type RspSpec,
} from '../../../../controllers/scheduling/replicas.js';
import type { Override } from '../../../../api/federation.js';
import { cluster, deepFreeze } from '../sync/fixtures.js';

type Prefs = NonNullable<RspSpec['clusters']>;
const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

describe('fnv1_32 (Go hash/fnv New32)', () => {
  for (const [input, want] of [
    ['', 0x811c9dc5],
    ['a', 0x050c5d7e],
    ['foobar', 0x31f0b262],
  ] as const) {
    it(JSON.stringify(input), () => assert.equal(fnv1_32(input), want));
  }
});

describe('scheduleReplicas', () => {
  interface Case {
    name: string;
    prefs: Prefs | undefined;
    total: number;
    clusters: string[];
    current?: Record<string, number>;
    rebalance?: boolean;
    key?: string;
    want: Record<string, number>;
    /** The planner could place every replica, so the plan must add up to totalReplicas. */
    full?: boolean;
  }
  const cases: Case[] = [
    {
      name: 'weights 1:2, 9 replicas → 3 and 6',
      prefs: { c1: { weight: 1 }, c2: { weight: 2 } },
      total: 9,
      clusters: ['c1', 'c2'],
      want: { c1: 3, c2: 6 },
      full: true,
    },
    {
      name: '"*" weight spreads evenly',
      prefs: { '*': { weight: 1 } },
      total: 50,
      clusters: ['A', 'B'],
      want: { A: 25, B: 25 },
      full: true,
    },
    {
      name: 'no cluster preferences defaults to {"*": {weight: 1}}',
      prefs: undefined,
      total: 4,
      clusters: ['A', 'B'],
      want: { A: 2, B: 2 },
      full: true,
    },
    {
      name: 'explicit entry wins over "*"',
      prefs: { '*': { weight: 1 }, A: { weight: 3 } },
      total: 8,
      clusters: ['A', 'B'],
      want: { A: 6, B: 2 },
      full: true,
    },
    {
      name: 'clusters without entry and without "*" are left out',
      prefs: { A: { weight: 1 }, B: { weight: 2 } },
      total: 60,
      clusters: ['A', 'B', 'C'],
      want: { A: 20, B: 40 },
      full: true,
    },
    {
      name: 'preferences for unavailable clusters are ignored',
      prefs: { A: { weight: 10000 }, B: { weight: 1 } },
      total: 50,
      clusters: ['B', 'C'],
      want: { B: 50 },
      full: true,
    },
    { name: 'no eligible clusters → empty', prefs: { '*': { weight: 1 } }, total: 3, clusters: [], want: {} },
    {
      name: 'zero replicas',
      prefs: { '*': { weight: 1 } },
      total: 0,
      clusters: ['A', 'B'],
      want: { A: 0, B: 0 },
      full: true,
    },
    // kubefed planner_test.go, objectKey "" — the hash decides remainders exactly as kubefed did.
    {
      name: 'kubefed TestEqual 50 over 3 (hash dependent)',
      prefs: { '*': { weight: 1 } },
      total: 50,
      clusters: ['A', 'B', 'C'],
      want: { A: 16, B: 17, C: 17 },
      full: true,
    },
    {
      name: 'kubefed TestEqual 1 over 2 (hash dependent)',
      prefs: { '*': { weight: 1 } },
      total: 1,
      clusters: ['A', 'B'],
      want: { A: 0, B: 1 },
      full: true,
    },
    {
      name: 'kubefed TestEqual 1 over 4 (hash dependent)',
      prefs: { '*': { weight: 1 } },
      total: 1,
      clusters: ['A', 'B', 'C', 'D'],
      want: { A: 0, B: 0, C: 0, D: 1 },
      full: true,
    },
    {
      name: 'kubefed TestMin: mins only',
      prefs: { '*': { minReplicas: 2, weight: 0 } },
      total: 50,
      clusters: ['A', 'B', 'C'],
      want: { A: 2, B: 2, C: 2 },
    },
    {
      name: 'kubefed TestMin: total below sum of mins (hash dependent)',
      prefs: { '*': { minReplicas: 20, weight: 0 } },
      total: 50,
      clusters: ['A', 'B', 'C'],
      want: { A: 10, B: 20, C: 20 },
      full: true,
    },
    {
      name: 'kubefed TestMin: heavier cluster takes its min first',
      prefs: { '*': { minReplicas: 20, weight: 0 }, A: { minReplicas: 100, weight: 1 } },
      total: 50,
      clusters: ['A', 'B', 'C'],
      want: { A: 50, B: 0, C: 0 },
      full: true,
    },
    {
      name: 'kubefed TestMin: min and max',
      prefs: { '*': { minReplicas: 10, weight: 1, maxReplicas: 12 } },
      total: 50,
      clusters: ['A', 'B', 'C'],
      want: { A: 12, B: 12, C: 12 },
    },
    {
      name: 'kubefed TestMax: capped',
      prefs: { '*': { weight: 1, maxReplicas: 2 } },
      total: 50,
      clusters: ['A', 'B', 'C'],
      want: { A: 2, B: 2, C: 2 },
    },
    {
      name: 'kubefed TestMax: weight 0 gets nothing beyond min',
      prefs: { '*': { weight: 0, maxReplicas: 2 } },
      total: 50,
      clusters: ['A', 'B', 'C'],
      want: { A: 0, B: 0, C: 0 },
    },
    {
      name: 'entry without weight gets only its min',
      prefs: { A: { minReplicas: 1 }, B: { weight: 1 } },
      total: 10,
      clusters: ['A', 'B'],
      want: { A: 1, B: 9 },
      full: true,
    },
    {
      name: 'kubefed TestWeight: heavy capped, rest spread',
      prefs: { A: { weight: 10000, maxReplicas: 10 }, B: { weight: 1 }, C: { weight: 1 } },
      total: 50,
      clusters: ['A', 'B', 'C'],
      want: { A: 10, B: 20, C: 20 },
      full: true,
    },
    {
      name: 'kubefed TestWeight: two capped',
      prefs: { A: { weight: 10000, maxReplicas: 10 }, B: { weight: 1 }, C: { weight: 1, maxReplicas: 10 } },
      total: 50,
      clusters: ['A', 'B', 'C'],
      want: { A: 10, B: 30, C: 10 },
      full: true,
    },
    {
      name: 'kubefed TestWeight: four clusters, several rounds',
      prefs: {
        A: { weight: 10000, maxReplicas: 10 },
        B: { weight: 1 },
        C: { weight: 1, maxReplicas: 21 },
        D: { weight: 1, maxReplicas: 10 },
      },
      total: 71,
      clusters: ['A', 'B', 'C', 'D'],
      want: { A: 10, B: 30, C: 21, D: 10 },
      full: true,
    },
    {
      name: 'kubefed TestWeight: five clusters',
      prefs: {
        A: { weight: 10000, maxReplicas: 10 },
        B: { weight: 1 },
        C: { weight: 1, maxReplicas: 21 },
        D: { weight: 1, maxReplicas: 10 },
        E: { weight: 1 },
      },
      total: 91,
      clusters: ['A', 'B', 'C', 'D', 'E'],
      want: { A: 10, B: 25, C: 21, D: 10, E: 25 },
      full: true,
    },
    // rebalance=false keeps what runs (kubefed TestEqualWithExisting).
    {
      name: 'rebalance false: current 30 on C stays',
      prefs: { '*': { weight: 1 } },
      total: 50,
      clusters: ['A', 'B', 'C'],
      current: { C: 30 },
      want: { A: 10, B: 10, C: 30 },
      full: true,
    },
    {
      name: 'rebalance false: current below fair share is topped up',
      prefs: { '*': { weight: 1 } },
      total: 15,
      clusters: ['A', 'B'],
      current: { A: 0, B: 8 },
      want: { A: 7, B: 8 },
      full: true,
    },
    {
      name: 'rebalance false: scale down trims',
      prefs: { '*': { weight: 1 } },
      total: 1,
      clusters: ['A', 'B'],
      current: { A: 30 },
      want: { A: 1, B: 0 },
      full: true,
    },
    {
      name: 'rebalance false: large numbers',
      prefs: { '*': { weight: 1 } },
      total: 500000,
      clusters: ['A', 'B'],
      current: { A: 300000 },
      want: { A: 300000, B: 200000 },
      full: true,
    },
    {
      name: 'rebalance false: kubefed quirk 10/70 → 0/50 (hash dependent)',
      prefs: { '*': { weight: 1 } },
      total: 50,
      clusters: ['A', 'B'],
      current: { A: 10, B: 70 },
      want: { A: 0, B: 50 },
      full: true,
    },
    {
      name: 'rebalance false: current capped by max',
      prefs: { A: { weight: 1, maxReplicas: 5 }, B: { weight: 1 } },
      total: 10,
      clusters: ['A', 'B'],
      current: { A: 8 },
      want: { A: 5, B: 5 },
      full: true,
    },
    {
      name: 'rebalance true: current is ignored',
      prefs: { '*': { weight: 1 } },
      total: 50,
      clusters: ['A', 'B', 'C'],
      current: { C: 30 },
      rebalance: true,
      want: { A: 16, B: 17, C: 17 },
      full: true,
    },
    {
      name: 'failover: a cluster that left takes its replicas with it to the others',
      prefs: { '*': { weight: 1 } },
      total: 9,
      clusters: ['A', 'C'],
      current: { A: 3, B: 3, C: 3 },
      want: { A: 4, C: 5 },
      full: true,
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const spec: RspSpec = deepFreeze({
        targetKind: 'FederatedDeployment',
        totalReplicas: tc.total,
        ...(tc.rebalance !== undefined ? { rebalance: tc.rebalance } : {}),
        ...(tc.prefs ? { clusters: tc.prefs } : {}),
      });
      const got = scheduleReplicas(
        spec,
        deepFreeze([...tc.clusters]),
        deepFreeze({ ...(tc.current ?? {}) }),
        tc.key ?? '',
      );
      assert.deepEqual(got, tc.want);
      assert.deepEqual(Object.keys(got), Object.keys(got).sort(), 'keys sorted');
      if (tc.full) assert.equal(sum(got), tc.total, 'sum of replicas');
      else assert.ok(sum(got) <= tc.total);
    });
  }

  it('adds up to totalReplicas for any weights when nothing is capped', () => {
    const clusters = ['a', 'b', 'c', 'd', 'e'];
    for (let total = 0; total <= 40; total++) {
      for (const key of ['ns/web', 'ns/api']) {
        const prefs: Prefs = {
          a: { weight: 1 },
          b: { weight: 2 },
          c: { weight: 3, minReplicas: 2 },
          '*': { weight: 5 },
        };
        const got = scheduleReplicas(
          { targetKind: 'FederatedDeployment', totalReplicas: total, clusters: prefs },
          clusters,
          {},
          key,
        );
        assert.equal(sum(got), total, `total ${total} key ${key}: ${JSON.stringify(got)}`);
      }
    }
  });

  it('the object key changes which cluster gets the remainder, deterministically', () => {
    const spec: RspSpec = {
      targetKind: 'FederatedDeployment',
      totalReplicas: 1,
      clusters: { '*': { weight: 1 } },
    };
    const winners = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const got = scheduleReplicas(spec, ['A', 'B', 'C'], {}, `ns/obj-${i}`);
      assert.deepEqual(got, scheduleReplicas(spec, ['A', 'B', 'C'], {}, `ns/obj-${i}`));
      winners.add(Object.keys(got).find((k) => got[k] === 1) ?? '');
    }
    assert.ok(winners.size > 1, 'remainders are not always given to the same cluster');
  });
});

describe('eligibleClusters (failover)', () => {
  const now = Date.parse('2024-01-01T00:10:00Z');
  const clusters = deepFreeze([
    cluster('ready'),
    cluster('down-2m', { ready: 'False', since: '2024-01-01T00:08:00Z' }),
    cluster('down-10m', { ready: 'Unknown', since: '2024-01-01T00:00:00Z' }),
    cluster('never-probed', { ready: 'none' }),
    cluster('leaving', { deleting: true }),
  ]);
  const cases: { name: string; grace: number; want: { eligible: string[]; failedOver: string[] } }[] = [
    {
      name: 'grace 0 = kubefed: only Ready clusters',
      grace: 0,
      want: { eligible: ['ready'], failedOver: ['down-10m', 'down-2m', 'never-probed'] },
    },
    {
      name: 'grace 5m keeps a cluster down for 2m',
      grace: 300,
      want: { eligible: ['down-2m', 'ready'], failedOver: ['down-10m', 'never-probed'] },
    },
    {
      name: 'grace exactly reached still eligible',
      grace: 120,
      want: { eligible: ['down-2m', 'ready'], failedOver: ['down-10m', 'never-probed'] },
    },
    {
      name: 'grace 1h keeps both',
      grace: 3600,
      want: { eligible: ['down-10m', 'down-2m', 'ready'], failedOver: ['never-probed'] },
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => assert.deepEqual(eligibleClusters(clusters, now, tc.grace), tc.want));
  }

  it('Ready again → eligible again', () => {
    const back = cluster('down-10m', { ready: 'True', since: '2024-01-01T00:09:00Z' });
    assert.deepEqual(eligibleClusters([back], now, 60), { eligible: ['down-10m'], failedOver: [] });
  });

  it('uses the notReadySince it is given', () => {
    const since = (): number => now - 30_000;
    assert.deepEqual(eligibleClusters([cluster('x', { ready: 'False' })], now, 60, since), {
      eligible: ['x'],
      failedOver: [],
    });
    assert.deepEqual(eligibleClusters([cluster('x', { ready: 'False' })], now, 10, since), {
      eligible: [],
      failedOver: ['x'],
    });
  });

  it('readyConditionNotReadySince reads lastTransitionTime of a False/Unknown Ready', () => {
    assert.equal(
      readyConditionNotReadySince(cluster('a', { ready: 'False', since: '2024-01-01T00:08:00Z' })),
      Date.parse('2024-01-01T00:08:00Z'),
    );
    assert.equal(readyConditionNotReadySince(cluster('a')), undefined);
    assert.equal(readyConditionNotReadySince(cluster('a', { ready: 'none' })), undefined);
  });
});

describe('toOverrides / mergeReplicaOverrides', () => {
  const r = (n: number): { op: string; path: string; value: number } => ({
    op: 'add',
    path: '/spec/replicas',
    value: n,
  });

  it('toOverrides: placement clusters + one /spec/replicas override each, sorted', () => {
    assert.deepEqual(toOverrides({ c2: 6, c1: 3, c3: 0 }), {
      clusters: [{ name: 'c1' }, { name: 'c2' }, { name: 'c3' }],
      overrides: [
        { clusterName: 'c1', clusterOverrides: [r(3)] },
        { clusterName: 'c2', clusterOverrides: [r(6)] },
        { clusterName: 'c3', clusterOverrides: [r(0)] },
      ],
    });
  });

  const image = { path: '/spec/template/spec/containers/0/image', value: 'nginx:1.14' };
  const cases: {
    name: string;
    existing: Override[] | undefined;
    schedule: Record<string, number>;
    want: Override[];
  }[] = [
    {
      name: 'no existing overrides',
      existing: undefined,
      schedule: { c2: 6, c1: 3 },
      want: [
        { clusterName: 'c1', clusterOverrides: [r(3)] },
        { clusterName: 'c2', clusterOverrides: [r(6)] },
      ],
    },
    {
      name: 'replicas replaced in place, other overrides kept in order',
      existing: [
        {
          clusterName: 'c2',
          clusterOverrides: [{ path: '/a', value: 1 }, { path: '/spec/replicas', value: 1 }, image],
        },
      ],
      schedule: { c2: 6 },
      want: [{ clusterName: 'c2', clusterOverrides: [{ path: '/a', value: 1 }, r(6), image] }],
    },
    {
      name: 'replicas appended to a cluster with other overrides',
      existing: [{ clusterName: 'c1', clusterOverrides: [image] }],
      schedule: { c1: 2 },
      want: [{ clusterName: 'c1', clusterOverrides: [image, r(2)] }],
    },
    {
      name: 'unscheduled cluster: replicas removed, others kept; replicas-only entry dropped',
      existing: [
        { clusterName: 'c1', clusterOverrides: [image, r(4)] },
        { clusterName: 'c2', clusterOverrides: [r(5)] },
        { clusterName: 'c3', clusterOverrides: [image] },
      ],
      schedule: { c4: 9 },
      want: [
        { clusterName: 'c1', clusterOverrides: [image] },
        { clusterName: 'c3', clusterOverrides: [image] },
        { clusterName: 'c4', clusterOverrides: [r(9)] },
      ],
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const existing = tc.existing ? deepFreeze(tc.existing) : undefined;
      const once = mergeReplicaOverrides(existing, tc.schedule);
      assert.deepEqual(once, tc.want);
      assert.deepEqual(mergeReplicaOverrides(once, tc.schedule), once, 'idempotent');
    });
  }
});
