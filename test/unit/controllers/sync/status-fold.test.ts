import assert from 'node:assert/strict';
import { foldClusterStatus, statusEqual, type FoldInput } from '../../../../controllers/sync/status-fold.js';
import type {
  FederatedObject,
  FederatedStatus,
  KubeFedCluster,
  Work,
  WorkStatus,
} from '../../../../api/federation.js';
import { cluster, deepFreeze } from './fixtures.js';

const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-01T00:01:00Z';
const T2 = '2024-01-01T00:02:00Z';

function fed(status?: FederatedStatus, generation = 3): FederatedObject {
  return { metadata: { name: 'web', namespace: 'ns1', generation }, spec: {}, ...(status ? { status } : {}) };
}

function work(
  name: string,
  opts: { generation?: number; status?: WorkStatus; replicas?: number; kind?: string; retain?: boolean } = {},
): Work {
  const spec: Record<string, unknown> = {};
  if (opts.replicas !== undefined) spec.replicas = opts.replicas;
  return {
    metadata: {
      name: 'deployments.apps.ns1.web',
      namespace: `edgefed-cluster-${name}`,
      generation: opts.generation ?? 2,
    },
    spec: {
      cluster: name,
      source: {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        resource: 'deployments',
        namespace: 'ns1',
        name: 'web',
        uid: 'u',
      },
      manifest: {
        apiVersion: 'apps/v1',
        kind: opts.kind ?? 'Deployment',
        metadata: { name: 'web', namespace: 'ns1' },
        spec,
      },
      ...(opts.retain ? { retainReplicas: true } : {}),
    },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

const applied = (remote?: unknown, extra: Partial<WorkStatus> = {}): WorkStatus => ({
  observedGeneration: 2,
  ...(remote !== undefined ? { remoteStatus: remote } : {}),
  ...extra,
});

function input(over: Partial<FoldInput> & { clusterList?: KubeFedCluster[]; workList?: Work[] }): FoldInput {
  const clusterList = over.clusterList ?? [cluster('c1'), cluster('c2'), cluster('c3')];
  return deepFreeze({
    fed: over.fed ?? fed(),
    placed: over.placed ?? ['c1', 'c2'],
    clusters: new Map(clusterList.map((c) => [c.metadata.name ?? '', c])),
    works: new Map((over.workList ?? []).map((w) => [w.spec.cluster, w])),
    renderErrors: over.renderErrors ?? new Map(),
    namespaceNotFederated: over.namespaceNotFederated ?? false,
    ...(over.deletingWaitingFor ? { deletingWaitingFor: over.deletingWaitingFor } : {}),
    ...(over.placementError !== undefined ? { placementError: over.placementError } : {}),
    now: over.now ?? T1,
  });
}

describe('foldClusterStatus', () => {
  const cases: { name: string; in: FoldInput; want: FederatedStatus }[] = [
    {
      name: 'all applied → Propagation True, statuses omitted, remoteStatus and readySummary',
      in: input({
        placed: ['c2', 'c1'],
        workList: [
          work('c1', { replicas: 3, status: applied({ readyReplicas: 3, replicas: 3 }) }),
          work('c2', { replicas: 5, status: applied({ readyReplicas: 4, replicas: 5 }) }),
        ],
      }),
      want: {
        observedGeneration: 3,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clusters: [
          { name: 'c1', remoteStatus: { readyReplicas: 3, replicas: 3 } },
          { name: 'c2', remoteStatus: { readyReplicas: 4, replicas: 5 } },
        ],
        clustersSummary: '2/2',
        readySummary: '7/8',
      },
    },
    {
      name: 'every failure kind, in precedence order',
      in: input({
        placed: ['c1', 'c2', 'c3', 'gone', 'c5', 'c6', 'c7', 'c8'],
        clusterList: [
          cluster('c1', { ready: 'False', message: 'probe timed out' }),
          cluster('c2'),
          cluster('c3'),
          cluster('c5'),
          cluster('c6'),
          cluster('c7'),
          cluster('c8'),
        ],
        renderErrors: new Map([
          ['c2', 'cluster "c2": override replace /x failed'],
          ['c1', 'ignored: the cluster is not ready'],
        ]),
        workList: [
          work('c3', {
            status: applied(undefined, { clusterStatus: 'AlreadyExists', message: 'adoption disabled' }),
          }),
          work('c5', { generation: 3, status: applied(undefined, { clusterStatus: 'UpdateFailed' }) }),
          work('c6', { status: applied({ phase: 'Active' }, { clusterStatus: 'ManagedLabelFalse' }) }),
          work('c7'),
        ],
      }),
      want: {
        observedGeneration: 3,
        conditions: [
          {
            type: 'Propagation',
            status: 'False',
            reason: 'CheckClusters',
            message:
              '8 of 8 clusters not in sync: c1 (ClusterNotReady), c2 (ApplyOverridesFailed), c3 (AlreadyExists), c5 (WaitingForApply), c6 (ManagedLabelFalse), c7 (WaitingForApply), c8 (WaitingForApply), gone (ClusterNotReady)',
            lastUpdateTime: T1,
            lastTransitionTime: T1,
          },
        ],
        clusters: [
          { name: 'c1', status: 'ClusterNotReady', message: 'cluster is not Ready: probe timed out' },
          { name: 'c2', status: 'ApplyOverridesFailed', message: 'cluster "c2": override replace /x failed' },
          { name: 'c3', status: 'AlreadyExists', message: 'adoption disabled' },
          {
            name: 'c5',
            status: 'WaitingForApply',
            message: 'the cluster agent has not applied the latest version yet',
          },
          { name: 'c6', status: 'ManagedLabelFalse', remoteStatus: { phase: 'Active' } },
          {
            name: 'c7',
            status: 'WaitingForApply',
            message: 'the cluster agent has not applied the latest version yet',
          },
          { name: 'c8', status: 'WaitingForApply', message: 'work not created yet' },
          { name: 'gone', status: 'ClusterNotReady', message: 'cluster "gone" is not registered' },
        ],
        clustersSummary: '0/8',
        readySummary: '0/4',
      },
    },
    {
      name: 'deletingWaitingFor: WaitingForRemoval, listed even when no longer placed',
      in: input({
        placed: ['c1'],
        deletingWaitingFor: ['c3'],
        workList: [work('c1', { kind: 'ConfigMap', status: applied() })],
      }),
      want: {
        observedGeneration: 3,
        conditions: [
          {
            type: 'Propagation',
            status: 'False',
            reason: 'CheckClusters',
            message: '1 of 2 clusters not in sync: c3 (WaitingForRemoval)',
            lastUpdateTime: T1,
            lastTransitionTime: T1,
          },
        ],
        clusters: [
          { name: 'c1' },
          { name: 'c3', status: 'WaitingForRemoval', message: 'waiting for the member object to be removed' },
        ],
        clustersSummary: '1/1',
      },
    },
    {
      name: 'NamespaceNotFederated, nothing placed',
      in: input({ placed: [], namespaceNotFederated: true }),
      want: {
        observedGeneration: 3,
        conditions: [
          {
            type: 'Propagation',
            status: 'False',
            reason: 'NamespaceNotFederated',
            message: 'namespace "ns1" is not federated: create a FederatedNamespace named after it',
            lastUpdateTime: T1,
            lastTransitionTime: T1,
          },
        ],
        clustersSummary: '0/0',
      },
    },
    {
      name: 'ComputePlacementFailed',
      in: input({ placed: [], placementError: 'invalid clusterSelector: "Foo" is not a valid operator' }),
      want: {
        observedGeneration: 3,
        conditions: [
          {
            type: 'Propagation',
            status: 'False',
            reason: 'ComputePlacementFailed',
            message: 'invalid clusterSelector: "Foo" is not a valid operator',
            lastUpdateTime: T1,
            lastTransitionTime: T1,
          },
        ],
        clustersSummary: '0/0',
      },
    },
    {
      name: 'placed nowhere → True',
      in: input({ placed: [] }),
      want: {
        observedGeneration: 3,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clustersSummary: '0/0',
      },
    },
    {
      name: 'readySummary: default 1 replica; retainReplicas uses the member count',
      in: input({
        placed: ['c1', 'c2'],
        workList: [
          work('c1', { status: applied({ readyReplicas: 1 }) }),
          work('c2', { replicas: 2, retain: true, status: applied({ replicas: 6, readyReplicas: 5 }) }),
        ],
      }),
      want: {
        observedGeneration: 3,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clusters: [
          { name: 'c1', remoteStatus: { readyReplicas: 1 } },
          { name: 'c2', remoteStatus: { replicas: 6, readyReplicas: 5 } },
        ],
        clustersSummary: '2/2',
        readySummary: '6/7',
      },
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => assert.deepEqual(foldClusterStatus(tc.in), tc.want));
  }
});

describe('foldClusterStatus: condition times (no hot loop)', () => {
  const ok = { workList: [work('c1', { kind: 'ConfigMap', status: applied() })], placed: ['c1'] };
  const bad = {
    workList: [
      work('c1', {
        kind: 'ConfigMap',
        status: applied(undefined, { clusterStatus: 'UpdateFailed' as const }),
      }),
    ],
    placed: ['c1'],
  };

  it('folding its own output again, later, gives deep-equal status', () => {
    const first = foldClusterStatus(input({ ...ok, now: T1 }));
    const second = foldClusterStatus(input({ ...ok, fed: fed(first), now: T2 }));
    assert.deepEqual(second, first);
    assert.ok(statusEqual(first, second));
    const failing = foldClusterStatus(input({ ...bad, now: T1 }));
    assert.deepEqual(foldClusterStatus(input({ ...bad, fed: fed(failing), now: T2 })), failing);
  });

  it('status change moves both times', () => {
    const first = foldClusterStatus(input({ ...ok, now: T0 }));
    const second = foldClusterStatus(input({ ...bad, fed: fed(first), now: T1 }));
    assert.deepEqual(second.conditions?.[0], {
      type: 'Propagation',
      status: 'False',
      reason: 'CheckClusters',
      message: '1 of 1 clusters not in sync: c1 (UpdateFailed)',
      lastUpdateTime: T1,
      lastTransitionTime: T1,
    });
  });

  it('same status, different message: lastUpdateTime moves, lastTransitionTime stays', () => {
    const first = foldClusterStatus(input({ ...bad, now: T0 }));
    const second = foldClusterStatus(
      input({
        workList: [...bad.workList, work('c2')],
        placed: ['c1', 'c2'],
        fed: fed(first),
        now: T1,
      }),
    );
    assert.equal(second.conditions?.[0].lastTransitionTime, T0);
    assert.equal(second.conditions?.[0].lastUpdateTime, T1);
  });

  it('keeps other conditions and their position; observedGeneration follows the object', () => {
    const previous: FederatedStatus = {
      conditions: [
        { type: 'Other', status: 'True', lastTransitionTime: T0 },
        { type: 'Propagation', status: 'True', lastTransitionTime: T0, lastUpdateTime: T0 },
      ],
    };
    const got = foldClusterStatus(input({ ...ok, fed: fed(previous, 7), now: T2 }));
    assert.equal(got.observedGeneration, 7);
    assert.deepEqual(got.conditions, previous.conditions);
  });
});

describe('statusEqual', () => {
  const cases: {
    name: string;
    a: FederatedStatus | undefined;
    b: FederatedStatus | undefined;
    want: boolean;
  }[] = [
    { name: 'both undefined', a: undefined, b: undefined, want: true },
    { name: 'undefined vs empty', a: undefined, b: {}, want: false },
    {
      name: 'key order does not matter',
      a: { clustersSummary: '1/1', observedGeneration: 1 },
      b: { observedGeneration: 1, clustersSummary: '1/1' },
      want: true,
    },
    {
      name: 'undefined-valued keys are absent (JSON)',
      a: { readySummary: undefined, clustersSummary: '1/1' },
      b: { clustersSummary: '1/1' },
      want: true,
    },
    {
      name: 'timestamps are compared',
      a: { conditions: [{ type: 'P', status: 'True', lastUpdateTime: T0 }] },
      b: { conditions: [{ type: 'P', status: 'True', lastUpdateTime: T1 }] },
      want: false,
    },
    {
      name: 'array order matters',
      a: { clusters: [{ name: 'a' }, { name: 'b' }] },
      b: { clusters: [{ name: 'b' }, { name: 'a' }] },
      want: false,
    },
    {
      name: 'nested remoteStatus',
      a: { clusters: [{ name: 'a', remoteStatus: { x: [1, { y: 2 }] } }] },
      b: { clusters: [{ name: 'a', remoteStatus: { x: [1, { y: 3 }] } }] },
      want: false,
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      assert.equal(statusEqual(tc.a, tc.b), tc.want);
      assert.equal(statusEqual(tc.b, tc.a), tc.want);
    });
  }
});
