import assert from 'node:assert/strict';
import { renderForCluster, validateOverrides } from '../../../../controllers/sync/render.js';
import type { ClusterOverride, FederatedObject, Override, TypeRef } from '../../../../api/federation.js';
import { deepFreeze } from './fixtures.js';

const deployments: TypeRef = deepFreeze({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  pluralName: 'deployments',
  scope: 'Namespaced',
});
const configmaps: TypeRef = deepFreeze({
  version: 'v1',
  kind: 'ConfigMap',
  pluralName: 'configmaps',
  scope: 'Namespaced',
});
const namespaces: TypeRef = deepFreeze({
  version: 'v1',
  kind: 'Namespace',
  pluralName: 'namespaces',
  scope: 'Cluster',
});
const clusterRoles: TypeRef = deepFreeze({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRole',
  pluralName: 'clusterroles',
  scope: 'Cluster',
});

/** kubefed's user guide example (docs/userguide.md, "Overrides"). */
function guideDeployment(cluster2: ClusterOverride[]): FederatedObject {
  return deepFreeze({
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedDeployment',
    metadata: { name: 'test-deployment', namespace: 'test-namespace', uid: 'fed-uid', generation: 4 },
    spec: {
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'nginx' } },
          template: {
            metadata: { labels: { app: 'nginx' } },
            spec: { containers: [{ image: 'nginx:1.17.0-alpine', name: 'nginx' }] },
          },
        },
      },
      placement: { clusters: [{ name: 'cluster2' }, { name: 'cluster1' }] },
      overrides: [{ clusterName: 'cluster2', clusterOverrides: cluster2 }],
    },
  });
}

function deployment(replicas: number, image: string, annotations?: Record<string, string>): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'test-deployment',
      namespace: 'test-namespace',
      labels: { app: 'nginx', 'kubefed.io/managed': 'true' },
      ...(annotations ? { annotations } : {}),
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ image, name: 'nginx' }] },
      },
    },
  };
}

const guideOverrides: ClusterOverride[] = [
  { path: '/spec/replicas', value: 5 },
  { path: '/spec/template/spec/containers/0/image', value: 'nginx:1.14.0-alpine' },
  { op: 'add', path: '/metadata/annotations', value: { foo: 'bar' } },
];

function objectOf(r: ReturnType<typeof renderForCluster>): unknown {
  if ('error' in r) assert.fail(`unexpected error: ${r.error.message}`);
  return r.object;
}

describe('renderForCluster: kubefed user guide example', () => {
  it('cluster1 gets the template', () => {
    const fed = guideDeployment(guideOverrides);
    assert.deepEqual(
      objectOf(renderForCluster(fed, deployments, 'cluster1')),
      deployment(3, 'nginx:1.17.0-alpine'),
    );
  });
  it('cluster2 gets replicas, image and an annotation', () => {
    const fed = guideDeployment(guideOverrides);
    assert.deepEqual(
      objectOf(renderForCluster(fed, deployments, 'cluster2')),
      deployment(5, 'nginx:1.14.0-alpine', { foo: 'bar' }),
    );
  });
  it('then remove /metadata/annotations/foo leaves the annotations empty', () => {
    const fed = guideDeployment([...guideOverrides, { op: 'remove', path: '/metadata/annotations/foo' }]);
    assert.deepEqual(
      objectOf(renderForCluster(fed, deployments, 'cluster2')),
      deployment(5, 'nginx:1.14.0-alpine', {}),
    );
    assert.deepEqual(
      objectOf(renderForCluster(fed, deployments, 'cluster1')),
      deployment(3, 'nginx:1.17.0-alpine'),
    );
  });
  it('is deterministic and shares nothing with its input', () => {
    const fed = guideDeployment(guideOverrides);
    const a = objectOf(renderForCluster(fed, deployments, 'cluster2')) as { spec: { selector: unknown } };
    const b = objectOf(renderForCluster(fed, deployments, 'cluster2'));
    assert.deepEqual(a, b);
    assert.equal(JSON.stringify(a), JSON.stringify(b));
    assert.notEqual(a.spec.selector, (fed.spec?.template?.spec as { selector: unknown }).selector);
  });
});

describe('renderForCluster: identity, metadata, managed label', () => {
  const cases: { name: string; fed: FederatedObject; target: TypeRef; cluster?: string; want: unknown }[] = [
    {
      name: 'identity comes from the type and the federated object, not the template',
      fed: {
        metadata: { name: 'cm', namespace: 'ns1' },
        spec: {
          template: {
            apiVersion: 'v2',
            kind: 'Wrong',
            metadata: { name: 'other', namespace: 'elsewhere', generateName: 'x-' },
            data: { a: '1' },
          },
        },
      },
      target: configmaps,
      want: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm', namespace: 'ns1', labels: { 'kubefed.io/managed': 'true' } },
        data: { a: '1' },
      },
    },
    {
      name: 'server-owned metadata and status dropped; labels and annotations kept',
      fed: {
        metadata: { name: 'cm', namespace: 'ns1' },
        spec: {
          template: {
            metadata: {
              uid: 'u',
              resourceVersion: '7',
              generation: 3,
              creationTimestamp: '2024-01-01T00:00:00Z',
              deletionTimestamp: '2024-01-02T00:00:00Z',
              deletionGracePeriodSeconds: 30,
              managedFields: [],
              selfLink: '/api/v1/x',
              ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'x' }],
              finalizers: ['f'],
              labels: { app: 'a' },
              annotations: { note: 'kept' },
            },
            status: { phase: 'x' },
          },
        },
      },
      target: configmaps,
      want: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'cm',
          namespace: 'ns1',
          annotations: { note: 'kept' },
          labels: { app: 'a', 'kubefed.io/managed': 'true' },
        },
      },
    },
    {
      name: 'the managed label wins over the template and over overrides',
      fed: {
        metadata: { name: 'cm', namespace: 'ns1' },
        spec: {
          template: { metadata: { labels: { 'kubefed.io/managed': 'false' } } },
          overrides: [
            {
              clusterName: 'c1',
              clusterOverrides: [{ op: 'remove', path: '/metadata/labels' }],
            },
          ],
        },
      },
      target: configmaps,
      cluster: 'c1',
      want: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm', namespace: 'ns1', labels: { 'kubefed.io/managed': 'true' } },
      },
    },
    {
      name: 'FederatedNamespace → Namespace named after the namespace, no namespace field',
      fed: { metadata: { name: 'ns1', namespace: 'ns1' }, spec: { placement: { clusterSelector: {} } } },
      target: namespaces,
      want: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'ns1', labels: { 'kubefed.io/managed': 'true' } },
      },
    },
    {
      name: 'cluster-scoped target gets no namespace; group/version apiVersion',
      fed: { metadata: { name: 'reader' }, spec: { template: { rules: [{ verbs: ['get'] }] } } },
      target: clusterRoles,
      want: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'reader', labels: { 'kubefed.io/managed': 'true' } },
        rules: [{ verbs: ['get'] }],
      },
    },
    {
      name: 'overrides under /metadata work on a template without metadata',
      fed: {
        metadata: { name: 'cm', namespace: 'ns1' },
        spec: {
          template: { data: { a: '1' } },
          overrides: [
            {
              clusterName: 'c1',
              clusterOverrides: [
                { op: 'add', path: '/metadata/labels', value: { tier: 'edge' } },
                { op: 'add', path: '/data/b', value: '2' },
                { op: 'remove', path: '/data/a' },
              ],
            },
          ],
        },
      },
      target: configmaps,
      cluster: 'c1',
      want: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm', namespace: 'ns1', labels: { tier: 'edge', 'kubefed.io/managed': 'true' } },
        data: { b: '2' },
      },
    },
    {
      name: 'an override without a value sets null (kubefed)',
      fed: {
        metadata: { name: 'cm', namespace: 'ns1' },
        spec: {
          template: { data: { a: '1' } },
          overrides: [{ clusterName: 'c1', clusterOverrides: [{ path: '/data/a' }] }],
        },
      },
      target: configmaps,
      cluster: 'c1',
      want: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm', namespace: 'ns1', labels: { 'kubefed.io/managed': 'true' } },
        data: { a: null },
      },
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      assert.deepEqual(
        objectOf(renderForCluster(deepFreeze(tc.fed), tc.target, tc.cluster ?? 'c1')),
        tc.want,
      );
    });
  }
});

describe('renderForCluster: override failures → ApplyOverridesFailed', () => {
  const base = (ops: ClusterOverride[], more: Override[] = []): FederatedObject =>
    deepFreeze({
      metadata: { name: 'cm', namespace: 'ns1' },
      spec: {
        template: { data: { a: '1' } },
        overrides: [{ clusterName: 'c2', clusterOverrides: ops }, ...more],
      },
    });
  const cases: { name: string; fed: FederatedObject; message: RegExp }[] = [
    {
      name: 'replace of a missing path names cluster, op and path',
      fed: base([{ op: 'replace', path: '/data/missing', value: 'x' }]),
      message: /cluster "c2": override replace \/data\/missing failed: .*missing path/,
    },
    {
      name: 'default op is replace',
      fed: base([{ path: '/spec/replicas', value: 2 }]),
      message: /cluster "c2": override replace \/spec\/replicas failed/,
    },
    {
      name: 'remove of a missing path',
      fed: base([{ op: 'remove', path: '/data/b' }]),
      message: /cluster "c2": override remove \/data\/b failed/,
    },
    {
      name: 'add under a missing parent',
      fed: base([{ op: 'add', path: '/spec/template/x', value: 1 }]),
      message: /cluster "c2": override add \/spec\/template\/x failed/,
    },
    {
      name: 'invalid overrides are reported for the cluster',
      fed: base([{ op: 'move', path: '/data/a' }]),
      message: /invalid overrides for cluster "c2": .*invalid op "move"/,
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const r = renderForCluster(tc.fed, configmaps, 'c2');
      assert.ok('error' in r, 'expected an error');
      assert.equal(r.error.reason, 'ApplyOverridesFailed');
      assert.match(r.error.message, tc.message);
      // Other clusters are unaffected.
      assert.ok('object' in renderForCluster(tc.fed, configmaps, 'c1'));
    });
  }

  it('uses the overrideErrors it is given', () => {
    const r = renderForCluster(base([]), configmaps, 'c1', new Map([['c1', 'boom']]));
    assert.deepEqual(r, {
      error: { reason: 'ApplyOverridesFailed', message: 'invalid overrides for cluster "c1": boom' },
    });
  });
});

describe('validateOverrides', () => {
  const cases: { name: string; overrides: Override[] | undefined; want: Record<string, RegExp> }[] = [
    { name: 'undefined → no errors', overrides: undefined, want: {} },
    {
      name: 'valid ops, empty op = replace',
      overrides: [
        {
          clusterName: 'c1',
          clusterOverrides: [
            { path: '/spec/replicas', value: 1 },
            { op: '', path: '/a', value: 1 },
            { op: 'add', path: '/b', value: 1 },
            { op: 'remove', path: '/c' },
            { op: 'replace', path: '/metadata/labels/x', value: 'y' },
          ],
        },
        { clusterName: 'c2' },
      ],
      want: {},
    },
    {
      name: 'duplicate clusterName',
      overrides: [
        { clusterName: 'c1', clusterOverrides: [{ path: '/a', value: 1 }] },
        { clusterName: 'c2', clusterOverrides: [{ path: '/a', value: 1 }] },
        { clusterName: 'c1', clusterOverrides: [{ path: '/b', value: 1 }] },
      ],
      want: { c1: /cluster "c1" appears more than once/ },
    },
    {
      name: 'duplicate path within one cluster (not across clusters)',
      overrides: [
        {
          clusterName: 'c1',
          clusterOverrides: [
            { path: '/a', value: 1 },
            { op: 'remove', path: '/a' },
          ],
        },
        { clusterName: 'c2', clusterOverrides: [{ path: '/a', value: 1 }] },
      ],
      want: { c1: /path "\/a" appears more than once for cluster "c1"/ },
    },
    {
      name: 'unsupported ops',
      overrides: [
        { clusterName: 'c1', clusterOverrides: [{ op: 'copy', path: '/a' }] },
        { clusterName: 'c2', clusterOverrides: [{ op: 'test', path: '/a', value: 1 }] },
        { clusterName: 'c3', clusterOverrides: [{ op: 'Replace', path: '/a', value: 1 }] },
      ],
      want: { c1: /invalid op "copy"/, c2: /invalid op "test"/, c3: /invalid op "Replace"/ },
    },
    ...['/metadata/name', '/metadata/namespace', '/metadata/generateName', '/kind', '/apiVersion'].flatMap(
      (p) => [
        {
          name: `forbidden ${p}`,
          overrides: [{ clusterName: 'c1', clusterOverrides: [{ path: p, value: 'x' }] }],
          want: { c1: new RegExp(`invalid path ${p}: ${p} may not be overridden`) },
        },
        {
          name: `forbidden under ${p}`,
          overrides: [{ clusterName: 'c1', clusterOverrides: [{ op: 'add', path: `${p}/x`, value: 'x' }] }],
          want: { c1: new RegExp(`invalid path ${p}/x`) },
        },
      ],
    ),
    {
      name: 'a sibling with a forbidden prefix is fine',
      overrides: [
        {
          clusterName: 'c1',
          clusterOverrides: [
            { path: '/metadata/names', value: 'x' },
            { path: '/kinds', value: 'x' },
          ],
        },
      ],
      want: {},
    },
    {
      name: 'path must start with /',
      overrides: [
        { clusterName: 'c1', clusterOverrides: [{ path: 'spec/replicas', value: 1 }] },
        { clusterName: 'c2', clusterOverrides: [{ path: '', value: 1 }] },
      ],
      want: { c1: /invalid path "spec\/replicas": must start with "\/"/, c2: /invalid path "": must start/ },
    },
    {
      name: 'several problems in one cluster are joined',
      overrides: [
        {
          clusterName: 'c1',
          clusterOverrides: [
            { op: 'move', path: '/a' },
            { path: '/kind', value: 'x' },
          ],
        },
      ],
      want: { c1: /invalid op "move".*; .*invalid path \/kind/ },
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const got = validateOverrides(tc.overrides ? deepFreeze(tc.overrides) : undefined);
      assert.deepEqual([...got.keys()].sort(), Object.keys(tc.want).sort());
      for (const [cluster, re] of Object.entries(tc.want)) assert.match(got.get(cluster) ?? '', re);
    });
  }
});
