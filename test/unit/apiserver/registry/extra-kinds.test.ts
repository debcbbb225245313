import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../api/kubernetes.js';
import { builtinResources } from '../../../../apiserver/registry/builtins.js';
import { validateExtraKind } from '../../../../apiserver/registry/extra-kinds.js';

const o = (rest: Record<string, unknown>, name = 'x'): KubeObject => ({ metadata: { name }, ...rest });

describe('extra built-in kinds', () => {
  it('are served with kube group/version/scope', () => {
    const byKind = new Map(builtinResources().map((r) => [r.kind, r]));
    const want: [string, string, string, boolean][] = [
      ['PersistentVolumeClaim', '', 'v1', true],
      ['HorizontalPodAutoscaler', 'autoscaling', 'v2', true],
      ['PodDisruptionBudget', 'policy', 'v1', true],
      ['NetworkPolicy', 'networking.k8s.io', 'v1', true],
      ['StorageClass', 'storage.k8s.io', 'v1', false],
      ['CertificateSigningRequest', 'certificates.k8s.io', 'v1', false],
      ['PriorityClass', 'scheduling.k8s.io', 'v1', false],
      ['ResourceQuota', '', 'v1', true],
      ['LimitRange', '', 'v1', true],
    ];
    for (const [kind, group, version, namespaced] of want) {
      const r = byKind.get(kind);
      assert.ok(r, kind);
      assert.deepEqual([r.group, r.storageVersion, r.namespaced], [group, version, namespaced], kind);
    }
  });

  const cases: [string, string, string, KubeObject, string[]][] = [
    [
      'valid PVC',
      '',
      'PersistentVolumeClaim',
      o({ spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }),
      [],
    ],
    [
      'PVC without modes or size',
      '',
      'PersistentVolumeClaim',
      o({ spec: { accessModes: ['Sometimes'] } }),
      [
        'spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        'spec.resources[storage]: Required value',
      ],
    ],
    [
      'valid HPA',
      'autoscaling',
      'HorizontalPodAutoscaler',
      o({ spec: { scaleTargetRef: { kind: 'Deployment', name: 'w' }, maxReplicas: 3 } }),
      [],
    ],
    [
      'HPA min > max',
      'autoscaling',
      'HorizontalPodAutoscaler',
      o({ spec: { scaleTargetRef: { kind: 'Deployment', name: 'w' }, minReplicas: 4, maxReplicas: 3 } }),
      ['spec.minReplicas: Invalid value: 4: must be less than or equal to maxReplicas'],
    ],
    [
      'PDB both bounds',
      'policy',
      'PodDisruptionBudget',
      o({ spec: { minAvailable: 1, maxUnavailable: 1 } }),
      [
        'spec: Invalid value: {"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set',
      ],
    ],
    [
      'StorageClass without provisioner',
      'storage.k8s.io',
      'StorageClass',
      o({}),
      ['provisioner: Required value'],
    ],
    [
      'CSR without request/signer',
      'certificates.k8s.io',
      'CertificateSigningRequest',
      o({ spec: {} }),
      ['spec.request: Required value', 'spec.signerName: Required value'],
    ],
    [
      'PriorityClass reserved name',
      'scheduling.k8s.io',
      'PriorityClass',
      o({ value: 1 }, 'system-x'),
      [`metadata.name: Invalid value: "system-x": priority class names with 'system-' prefix are reserved`],
    ],
    [
      'LimitRange bad type',
      '',
      'LimitRange',
      o({ spec: { limits: [{ type: 'Node' }] } }),
      [
        'spec.limits[0].type: Unsupported value: "Node": supported values: "Container", "PersistentVolumeClaim", "Pod"',
      ],
    ],
    ['other kinds are not checked here', 'apps', 'Deployment', o({}), []],
  ];
  for (const [name, group, kind, obj, want] of cases) {
    it(name, () =>
      assert.deepEqual(
        validateExtraKind(group, kind, obj).map((c) => `${c.field}: ${c.message}`),
        want,
      ),
    );
  }
});
