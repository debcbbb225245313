import assert from 'node:assert/strict';
import type { ListType } from '../../../../api/kubernetes.js';
import { builtinListType, builtinPatchMeta, type PatchMeta } from '../../../../apiserver/patch/index.js';

const podSpecAt: Record<string, string[]> = {
  'core Pod': ['spec'],
  'core PodTemplate': ['template', 'spec'],
  'core ReplicationController': ['spec', 'template', 'spec'],
  'apps Deployment': ['spec', 'template', 'spec'],
  'apps ReplicaSet': ['spec', 'template', 'spec'],
  'apps StatefulSet': ['spec', 'template', 'spec'],
  'apps DaemonSet': ['spec', 'template', 'spec'],
  'batch Job': ['spec', 'template', 'spec'],
  'batch CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

function split(groupKind: string): [string, string] {
  const [group, kind] = groupKind.split(' ');
  return [group === 'core' ? '' : group, kind];
}

const byName: PatchMeta = { strategy: 'merge', mergeKey: 'name' };
const byType: PatchMeta = { strategy: 'merge', mergeKey: 'type' };
const mapOn = (...keys: string[]): ListType => ({ type: 'map', keys });

describe('builtinPatchMeta / builtinListType', () => {
  describe('the PodSpec inside every workload', () => {
    // [path below the PodSpec, strategic patch meta, server-side apply list type]
    const podSpecFields: [string[], PatchMeta | undefined, ListType | undefined][] = [
      [['containers'], byName, mapOn('name')],
      [['initContainers'], byName, mapOn('name')],
      [['ephemeralContainers'], byName, mapOn('name')],
      [
        ['containers', 'ports'],
        { strategy: 'merge', mergeKey: 'containerPort' },
        mapOn('containerPort', 'protocol'),
      ],
      [['containers', 'env'], byName, mapOn('name')],
      [['initContainers', 'env'], byName, mapOn('name')],
      [['containers', 'volumeMounts'], { strategy: 'merge', mergeKey: 'mountPath' }, mapOn('mountPath')],
      [['containers', 'volumeDevices'], { strategy: 'merge', mergeKey: 'devicePath' }, mapOn('devicePath')],
      [['containers', 'envFrom'], undefined, { type: 'atomic' }],
      [['containers', 'command'], undefined, undefined],
      [['containers', 'resources', 'claims'], undefined, mapOn('name')],
      [['volumes'], { strategy: 'merge,retainKeys', mergeKey: 'name' }, mapOn('name')],
      [['imagePullSecrets'], byName, mapOn('name')],
      [['hostAliases'], { strategy: 'merge', mergeKey: 'ip' }, mapOn('ip')],
      [
        ['topologySpreadConstraints'],
        { strategy: 'merge', mergeKey: 'topologyKey' },
        mapOn('topologyKey', 'whenUnsatisfiable'),
      ],
      [['schedulingGates'], byName, mapOn('name')],
      [['resourceClaims'], { strategy: 'merge,retainKeys', mergeKey: 'name' }, mapOn('name')],
      [['tolerations'], undefined, { type: 'atomic' }],
      [['nodeSelector'], undefined, undefined],
      [['affinity', 'nodeAffinity'], undefined, undefined],
    ];
    for (const [groupKind, prefix] of Object.entries(podSpecAt)) {
      for (const [field, patch, list] of podSpecFields) {
        const path = [...prefix, ...field];
        it(`${groupKind} ${path.join('.')}`, () => {
          const [group, kind] = split(groupKind);
          assert.deepEqual(builtinPatchMeta(group, kind)(path), patch);
          assert.deepEqual(builtinListType(group, kind)(path), list);
        });
      }
    }
  });

  // [group kind, path, strategic patch meta, server-side apply list type]
  const cases: [string, string[], PatchMeta | undefined, ListType | undefined][] = [
    ['core Pod', ['metadata', 'finalizers'], { strategy: 'merge' }, { type: 'set' }],
    ['core Pod', ['metadata', 'ownerReferences'], { strategy: 'merge', mergeKey: 'uid' }, mapOn('uid')],
    ['core Pod', ['metadata', 'managedFields'], undefined, { type: 'atomic' }],
    ['core Pod', ['metadata', 'labels'], undefined, undefined],
    ['core Pod', ['status', 'conditions'], byType, mapOn('type')],
    ['core Pod', ['status', 'podIPs'], { strategy: 'merge', mergeKey: 'ip' }, mapOn('ip')],
    ['core Pod', ['status', 'hostIPs'], { strategy: 'merge', mergeKey: 'ip' }, { type: 'atomic' }],
    ['core Pod', ['status', 'containerStatuses'], undefined, undefined],
    ['core Service', ['spec', 'ports'], { strategy: 'merge', mergeKey: 'port' }, mapOn('port', 'protocol')],
    ['core Service', ['spec', 'clusterIPs'], undefined, undefined],
    ['core Service', ['status', 'conditions'], byType, mapOn('type')],
    ['core Service', ['metadata', 'finalizers'], { strategy: 'merge' }, { type: 'set' }],
    ['core Namespace', ['spec', 'finalizers'], undefined, { type: 'atomic' }],
    ['core Namespace', ['status', 'conditions'], byType, mapOn('type')],
    ['core ConfigMap', ['metadata', 'ownerReferences'], { strategy: 'merge', mergeKey: 'uid' }, mapOn('uid')],
    ['core ConfigMap', ['data'], undefined, undefined],
    ['core Secret', ['metadata', 'finalizers'], { strategy: 'merge' }, { type: 'set' }],
    ['core ServiceAccount', ['secrets'], byName, mapOn('name')],
    ['core ServiceAccount', ['imagePullSecrets'], undefined, { type: 'atomic' }],
    ['core Event', ['metadata', 'finalizers'], { strategy: 'merge' }, { type: 'set' }],
    ['core Node', ['status', 'addresses'], byType, mapOn('type')],
    ['core Node', ['status', 'conditions'], byType, mapOn('type')],
    ['core Node', ['spec', 'podCIDRs'], { strategy: 'merge' }, { type: 'set' }],
    ['core Node', ['spec', 'taints'], undefined, { type: 'atomic' }],
    ['core PersistentVolumeClaim', ['status', 'conditions'], byType, mapOn('type')],
    ['apps Deployment', ['spec', 'strategy'], { strategy: 'retainKeys' }, undefined],
    ['apps Deployment', ['status', 'conditions'], byType, mapOn('type')],
    [
      'apps Deployment',
      ['spec', 'template', 'metadata', 'finalizers'],
      { strategy: 'merge' },
      { type: 'set' },
    ],
    ['apps StatefulSet', ['spec', 'volumeClaimTemplates'], undefined, { type: 'atomic' }],
    ['apps DaemonSet', ['status', 'conditions'], byType, mapOn('type')],
    ['batch Job', ['status', 'conditions'], byType, { type: 'atomic' }],
    ['batch CronJob', ['status', 'active'], undefined, { type: 'atomic' }],
    ['coordination.k8s.io Lease', ['metadata', 'finalizers'], { strategy: 'merge' }, { type: 'set' }],
    ['coordination.k8s.io Lease', ['spec', 'holderIdentity'], undefined, undefined],
    ['networking.k8s.io Ingress', ['spec', 'rules'], undefined, { type: 'atomic' }],
    ['networking.k8s.io Ingress', ['spec', 'tls'], undefined, { type: 'atomic' }],
    ['rbac.authorization.k8s.io ClusterRole', ['rules'], undefined, { type: 'atomic' }],
    [
      'rbac.authorization.k8s.io ClusterRole',
      ['aggregationRule', 'clusterRoleSelectors'],
      undefined,
      { type: 'atomic' },
    ],
    ['rbac.authorization.k8s.io Role', ['rules'], undefined, { type: 'atomic' }],
    ['rbac.authorization.k8s.io RoleBinding', ['subjects'], undefined, { type: 'atomic' }],
    // Kinds without a table still get ObjectMeta, and nothing else.
    ['example.com Widget', ['metadata', 'finalizers'], { strategy: 'merge' }, { type: 'set' }],
    ['example.com Widget', ['spec', 'containers'], undefined, undefined],
    // Inherited object members are not fields.
    ['core Pod', ['constructor'], undefined, undefined],
    ['core Pod', ['spec', 'toString'], undefined, undefined],
    ['core Pod', [], undefined, undefined],
  ];
  for (const [groupKind, path, patch, list] of cases) {
    it(`${groupKind} ${path.join('.') || '<root>'}`, () => {
      const [group, kind] = split(groupKind);
      assert.deepEqual(builtinPatchMeta(group, kind)(path), patch);
      assert.deepEqual(builtinListType(group, kind)(path), list);
    });
  }

  it('accepts "core" for the core group', () => {
    assert.deepEqual(builtinPatchMeta('core', 'Pod')(['spec', 'containers']), byName);
  });

  it('hands out copies, so callers cannot corrupt the table', () => {
    const list = builtinListType('', 'Pod')(['spec', 'containers']);
    list?.keys?.push('image');
    const meta = builtinPatchMeta('', 'Pod')(['spec', 'containers']);
    if (meta) meta.mergeKey = 'image';
    assert.deepEqual(builtinListType('', 'Pod')(['spec', 'containers']), mapOn('name'));
    assert.deepEqual(builtinPatchMeta('', 'Pod')(['spec', 'containers']), byName);
  });
});
