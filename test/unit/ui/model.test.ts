import assert from 'node:assert/strict';
import type { FederatedObject, KubeFedCluster } from '../../../api/federation.js';
import {
  age,
  clusterView,
  groupByRegion,
  NO_REGION,
  placementRows,
  tokenIdentity,
  workloadHealth,
  type ClusterView,
} from '../../../ui/model.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function cluster(
  name: string,
  o: { ready?: string; labels?: Record<string, string>; status?: object } = {},
): KubeFedCluster {
  return {
    apiVersion: 'core.kubefed.io/v1beta1',
    kind: 'KubeFedCluster',
    metadata: { name, labels: o.labels },
    status: {
      ...(o.ready
        ? {
            conditions: [
              {
                type: 'Ready',
                status: o.ready as 'True' | 'False' | 'Unknown',
                reason: o.ready === 'True' ? 'ClusterReady' : 'ClusterNotReachable',
                message: o.ready === 'True' ? undefined : 'no heartbeat for 45s',
                lastProbeTime: iso(T0),
                lastTransitionTime: iso(T0 + 5_000),
              },
            ],
          }
        : {}),
      ...o.status,
    },
  };
}

describe('dashboard model: cluster health', () => {
  const cases: [string, KubeFedCluster, Partial<ClusterView>][] = [
    [
      'Ready, region from status',
      cluster('a', {
        ready: 'True',
        status: { region: 'r1', zones: ['z1'], lastHeartbeatTime: iso(T0 + 1000) },
      }),
      { health: 'Ready', region: 'r1', zone: 'z1', heartbeat: T0 + 1000, staleSince: undefined },
    ],
    [
      'region and zone from topology labels',
      cluster('b', {
        ready: 'True',
        labels: { 'topology.kubernetes.io/region': 'eu', 'topology.kubernetes.io/zone': 'eu-1' },
      }),
      { region: 'eu', zone: 'eu-1' },
    ],
    [
      'NotReady: stale since the last heartbeat',
      cluster('c', { ready: 'False', status: { lastHeartbeatTime: iso(T0 - 60_000) } }),
      { health: 'NotReady', staleSince: T0 - 60_000, reason: 'ClusterNotReachable: no heartbeat for 45s' },
    ],
    [
      'NotReady without heartbeat: stale since the probe',
      cluster('d', { ready: 'False' }),
      { health: 'NotReady', staleSince: T0 },
    ],
    [
      'no condition yet: Unknown',
      cluster('e'),
      { health: 'Unknown', region: NO_REGION, reason: 'no Ready condition yet' },
    ],
  ];
  for (const [name, c, want] of cases)
    it(name, () => {
      const v = clusterView(c);
      for (const [k, val] of Object.entries(want)) assert.deepEqual(v[k as keyof ClusterView], val, k);
    });

  it('resources from the agent summary', () => {
    const v = clusterView(
      cluster('a', {
        ready: 'True',
        status: {
          resources: {
            nodes: { total: 2, ready: 1 },
            pods: { total: 5, running: 5, ready: 4 },
            allocatable: { cpu: '4', memory: '8Gi' },
            usage: { cpu: '250m' },
          },
        },
      }),
    );
    assert.deepEqual(v.resources, {
      nodes: '1/2 ready',
      pods: '4/5 ready',
      cpu: '250m / 4',
      memory: '8Gi allocatable',
    });
  });
});

describe('dashboard model: grouping', () => {
  it('regions then zones then names, the unlabelled last', () => {
    const v = (name: string, region: string, zone: string): ClusterView => ({
      name,
      region,
      zone,
      health: 'Ready',
    });
    const g = groupByRegion([
      v('z', 'us', 'us-1'),
      v('a', NO_REGION, '(no zone)'),
      v('b', 'eu', 'eu-2'),
      v('c', 'eu', 'eu-1'),
      v('a2', 'eu', 'eu-1'),
    ]);
    assert.deepEqual(
      g.map((r) => [r.region, r.zones.map((z) => [z.zone, z.clusters.map((c) => c.name)])]),
      [
        [
          'eu',
          [
            ['eu-1', ['a2', 'c']],
            ['eu-2', ['b']],
          ],
        ],
        ['us', [['us-1', ['z']]]],
        [NO_REGION, [['(no zone)', ['a']]]],
      ],
    );
  });
});

describe('dashboard model: workloads', () => {
  const fed = (clusters: NonNullable<FederatedObject['status']>['clusters']): FederatedObject => ({
    metadata: { name: 'w', namespace: 'n' },
    spec: { template: { spec: { replicas: 3 } } },
    status: { clusters },
  });
  const cases: [string, FederatedObject, string][] = [
    ['not placed yet', fed([]), 'pending'],
    ['all ready', fed([{ name: 'a', pods: { total: 3, ready: 3, restarts: 0 } }]), 'ok'],
    ['some not ready', fed([{ name: 'a', pods: { total: 3, ready: 1, restarts: 0 } }]), 'progressing'],
    [
      'a pod problem',
      fed([
        {
          name: 'a',
          pods: {
            total: 3,
            ready: 2,
            restarts: 0,
            problems: [{ pod: 'p', reason: 'ErrImagePull', message: 'not found' }],
          },
        },
      ]),
      'failing',
    ],
    ['a failed propagation', fed([{ name: 'a', status: 'CreationFailed', message: 'denied' }]), 'failing'],
    ['a cluster not ready', fed([{ name: 'a', status: 'ClusterNotReady' }]), 'progressing'],
  ];
  for (const [name, o, want] of cases)
    it(`${name} → ${want}`, () => assert.equal(workloadHealth(placementRows(o)), want));

  it('rows per cluster, sorted, desired from the template when there is no pods summary', () => {
    const rows = placementRows(
      fed([
        { name: 'b', status: 'ClusterNotReady' },
        { name: 'a', remoteStatus: { readyReplicas: 2 } },
      ]),
    );
    assert.deepEqual(
      rows.map((r) => [r.cluster, r.propagation, r.ready, r.desired]),
      [
        ['a', 'Propagated', 2, 3],
        ['b', 'ClusterNotReady', undefined, 3],
      ],
    );
  });
});

describe('dashboard model: ages and identity', () => {
  const ages: [number | undefined, string][] = [
    [undefined, 'never'],
    [T0, '0s'],
    [T0 - 59_000, '59s'],
    [T0 - 60_000, '1m'],
    [T0 - 3_600_000, '1h'],
    [T0 - 2 * 86_400_000, '2d'],
    [T0 + 5_000, '0s'],
  ];
  for (const [since, want] of ages)
    it(`age ${since === undefined ? 'unknown' : T0 - since} ms → ${want}`, () =>
      assert.equal(age(since, T0), want));

  it('reads a ServiceAccount JWT for display', () => {
    const payload = Buffer.from(
      JSON.stringify({
        sub: 'system:serviceaccount:team-a:viewer',
        exp: 2000,
        'kubernetes.io': { namespace: 'team-a' },
      }),
    ).toString('base64url');
    assert.deepEqual(tokenIdentity(`h.${payload}.s`), {
      user: 'system:serviceaccount:team-a:viewer',
      namespace: 'team-a',
      expires: 2_000_000,
    });
    assert.deepEqual(tokenIdentity('opaque-token'), {});
    assert.deepEqual(tokenIdentity('a.!!!.c'), {});
  });
});
