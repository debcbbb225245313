import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import { applyNamespaceRule, selectClusters } from '../../../../controllers/sync/placement.js';
import type { FederatedObject, Placement } from '../../../../api/federation.js';
import { cluster, deepFreeze } from './fixtures.js';

const clusters = deepFreeze([
  cluster('c3', { labels: { region: 'eu', edge: 'true' } }),
  cluster('c1', { labels: { region: 'us' } }),
  cluster('c2', { labels: { region: 'eu' }, ready: 'False' }),
  cluster('c4'),
]);

describe('selectClusters (kubefed placement)', () => {
  const cases: { name: string; placement: Placement | undefined; want: string[] }[] = [
    { name: 'no placement → none', placement: undefined, want: [] },
    { name: 'neither clusters nor selector → none', placement: {}, want: [] },
    {
      name: 'clusters [] → none, selector ignored',
      placement: { clusters: [], clusterSelector: {} },
      want: [],
    },
    {
      name: 'clusters listed → sorted, ∩ registered, de-duplicated',
      placement: { clusters: [{ name: 'c3' }, { name: 'gone' }, { name: 'c1' }, { name: 'c3' }] },
      want: ['c1', 'c3'],
    },
    {
      name: 'clusters win over a selector',
      placement: { clusters: [{ name: 'c4' }], clusterSelector: { matchLabels: { region: 'eu' } } },
      want: ['c4'],
    },
    {
      name: 'not-Ready clusters are still selected (status reports ClusterNotReady)',
      placement: { clusters: [{ name: 'c2' }] },
      want: ['c2'],
    },
    { name: 'selector {} → all', placement: { clusterSelector: {} }, want: ['c1', 'c2', 'c3', 'c4'] },
    {
      name: 'selector with empty lists → all',
      placement: { clusterSelector: { matchLabels: {}, matchExpressions: [] } },
      want: ['c1', 'c2', 'c3', 'c4'],
    },
    {
      name: 'matchLabels',
      placement: { clusterSelector: { matchLabels: { region: 'eu' } } },
      want: ['c2', 'c3'],
    },
    {
      name: 'matchExpressions In + Exists',
      placement: {
        clusterSelector: {
          matchExpressions: [
            { key: 'region', operator: 'In', values: ['eu', 'us'] },
            { key: 'edge', operator: 'Exists' },
          ],
        },
      },
      want: ['c3'],
    },
    {
      name: 'matchExpressions NotIn matches clusters without the label',
      placement: {
        clusterSelector: { matchExpressions: [{ key: 'region', operator: 'NotIn', values: ['eu'] }] },
      },
      want: ['c1', 'c4'],
    },
    {
      name: 'DoesNotExist',
      placement: { clusterSelector: { matchExpressions: [{ key: 'region', operator: 'DoesNotExist' }] } },
      want: ['c4'],
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      assert.deepEqual(
        selectClusters(tc.placement ? deepFreeze(tc.placement) : undefined, clusters),
        tc.want,
      );
    });
  }

  it('an invalid selector throws a 400 ApiError', () => {
    assert.throws(
      () =>
        selectClusters({ clusterSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }, clusters),
      (e: unknown) => e instanceof ApiError && e.code === 400,
    );
  });
});

describe('applyNamespaceRule', () => {
  const fedNs = (placement: Placement): FederatedObject =>
    deepFreeze({ metadata: { name: 'ns1', namespace: 'ns1' }, spec: { placement } });
  const cases: {
    name: string;
    selected: string[];
    ns: FederatedObject | undefined;
    want: { clusters: string[]; namespaceNotFederated: boolean };
  }[] = [
    {
      name: 'no FederatedNamespace → nowhere, NamespaceNotFederated',
      selected: ['c1', 'c3'],
      ns: undefined,
      want: { clusters: [], namespaceNotFederated: true },
    },
    {
      name: 'intersection with the namespace placement',
      selected: ['c1', 'c2', 'c3'],
      ns: fedNs({ clusters: [{ name: 'c3' }, { name: 'c2' }] }),
      want: { clusters: ['c2', 'c3'], namespaceNotFederated: false },
    },
    {
      name: 'namespace placed by selector',
      selected: ['c1', 'c3', 'c4'],
      ns: fedNs({ clusterSelector: { matchLabels: { region: 'eu' } } }),
      want: { clusters: ['c3'], namespaceNotFederated: false },
    },
    {
      name: 'namespace placed nowhere → nowhere, but federated',
      selected: ['c1'],
      ns: fedNs({}),
      want: { clusters: [], namespaceNotFederated: false },
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      assert.deepEqual(applyNamespaceRule(deepFreeze(tc.selected), tc.ns, clusters), tc.want);
    });
  }
});
