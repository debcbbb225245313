/**
 * Built-in kinds stored without controllers (storage and kube's basic validation only), so
 * manifests and federated templates that carry them apply: PVCs, HPAs, PDBs, NetworkPolicies,
 * StorageClasses, CSRs, PriorityClasses, ResourceQuotas, LimitRanges, and the two of kubectl's
 * default prune set nothing else serves (ReplicationController, PersistentVolume).
 */
import type { KubeObject, StatusCause } from '../../api/kubernetes.js';
import type { BuiltinSpec } from './builtins.js';

export const EXTRA_KINDS: BuiltinSpec[] = [
  // In kubectl's default `apply --prune` set: without them every `kubectl apply --prune` fails.
  {
    group: '',
    version: 'v1',
    resource: 'replicationcontrollers',
    kind: 'ReplicationController',
    namespaced: true,
    shortNames: ['rc'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    resource: 'persistentvolumes',
    kind: 'PersistentVolume',
    namespaced: false,
    shortNames: ['pv'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    resource: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
    shortNames: ['pvc'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    resource: 'resourcequotas',
    kind: 'ResourceQuota',
    namespaced: true,
    shortNames: ['quota'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    resource: 'limitranges',
    kind: 'LimitRange',
    namespaced: true,
    shortNames: ['limits'],
  },
  {
    group: 'autoscaling',
    version: 'v2',
    resource: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    status: true,
  },
  {
    group: 'policy',
    version: 'v1',
    resource: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    shortNames: ['pdb'],
    status: true,
    generation: true,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
    shortNames: ['netpol'],
    generation: true,
  },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'storageclasses',
    kind: 'StorageClass',
    namespaced: false,
    shortNames: ['sc'],
  },
  {
    group: 'certificates.k8s.io',
    version: 'v1',
    resource: 'certificatesigningrequests',
    kind: 'CertificateSigningRequest',
    namespaced: false,
    shortNames: ['csr'],
    status: true,
  },
  {
    group: 'scheduling.k8s.io',
    version: 'v1',
    resource: 'priorityclasses',
    kind: 'PriorityClass',
    namespaced: false,
    shortNames: ['pc'],
  },
];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const required = (field: string): StatusCause => ({
  reason: 'FieldValueRequired',
  field,
  message: 'Required value',
});
const invalid = (field: string, value: unknown, why: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${JSON.stringify(value)}: ${why}`,
});
function unsupported(field: string, value: unknown, supported: string[]): StatusCause {
  return {
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
  };
}

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

function pvc(o: KubeObject): StatusCause[] {
  const spec = obj(o.spec);
  const out: StatusCause[] = [];
  const modes = list(spec.accessModes);
  if (modes.length === 0)
    out.push({
      reason: 'FieldValueRequired',
      field: 'spec.accessModes',
      message: 'Required value: at least 1 access mode is required',
    });
  modes.forEach((m) => {
    if (!ACCESS_MODES.includes(String(m))) out.push(unsupported('spec.accessModes', m, ACCESS_MODES));
  });
  if (obj(obj(spec.resources).requests).storage === undefined) out.push(required('spec.resources[storage]'));
  return out;
}

function hpa(o: KubeObject): StatusCause[] {
  const spec = obj(o.spec);
  const ref = obj(spec.scaleTargetRef);
  const out: StatusCause[] = [];
  if (!ref.kind) out.push(required('spec.scaleTargetRef.kind'));
  if (!ref.name) out.push(required('spec.scaleTargetRef.name'));
  const max = spec.maxReplicas;
  const min = spec.minReplicas;
  if (typeof max !== 'number' || max < 1)
    out.push(invalid('spec.maxReplicas', max ?? 0, 'must be greater than or equal to 1'));
  if (min !== undefined && (typeof min !== 'number' || min < 1))
    out.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  else if (typeof min === 'number' && typeof max === 'number' && min > max)
    out.push(invalid('spec.minReplicas', min, 'must be less than or equal to maxReplicas'));
  return out;
}

function pdb(o: KubeObject): StatusCause[] {
  const spec = obj(o.spec);
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
    return [invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set')];
  return [];
}

function networkPolicy(o: KubeObject): StatusCause[] {
  const spec = obj(o.spec);
  const out: StatusCause[] = [];
  list(spec.policyTypes).forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress')
      out.push(unsupported(`spec.policyTypes[${i}]`, t, ['Egress', 'Ingress']));
  });
  return out;
}

function storageClass(o: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  if (!o.provisioner) out.push(required('provisioner'));
  if (o.reclaimPolicy !== undefined && o.reclaimPolicy !== 'Delete' && o.reclaimPolicy !== 'Retain')
    out.push(unsupported('reclaimPolicy', o.reclaimPolicy, ['Delete', 'Retain']));
  const mode = o.volumeBindingMode;
  if (mode !== undefined && mode !== 'Immediate' && mode !== 'WaitForFirstConsumer')
    out.push(unsupported('volumeBindingMode', mode, ['Immediate', 'WaitForFirstConsumer']));
  return out;
}

function csr(o: KubeObject): StatusCause[] {
  const spec = obj(o.spec);
  const out: StatusCause[] = [];
  if (!spec.request) out.push(required('spec.request'));
  else {
    const pem = Buffer.from(String(spec.request), 'base64').toString('utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE REQUEST-----'))
      out.push(invalid('spec.request', '[]byte{...}', 'PEM block type must be CERTIFICATE REQUEST'));
  }
  if (!spec.signerName) out.push(required('spec.signerName'));
  return out;
}

function priorityClass(o: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const name = String(o.metadata.name ?? '');
  if (name.startsWith('system-'))
    out.push(invalid('metadata.name', name, "priority class names with 'system-' prefix are reserved"));
  if (typeof o.value !== 'number' || !Number.isInteger(o.value)) out.push(required('value'));
  else if (o.value > 1_000_000_000 && !name.startsWith('system-'))
    out.push(invalid('value', o.value, 'maximum allowed value of a user defined priority is 1000000000'));
  const policy = o.preemptionPolicy;
  if (policy !== undefined && policy !== 'Never' && policy !== 'PreemptLowerPriority')
    out.push(unsupported('preemptionPolicy', policy, ['Never', 'PreemptLowerPriority']));
  return out;
}

const LIMIT_TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];

function limitRange(o: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  list(obj(o.spec).limits).forEach((l, i) => {
    const t = obj(l).type;
    if (!t) out.push(required(`spec.limits[${i}].type`));
    else if (!LIMIT_TYPES.includes(String(t)))
      out.push(unsupported(`spec.limits[${i}].type`, t, LIMIT_TYPES));
  });
  return out;
}

const RESOURCE_NAME = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;

function resourceQuota(o: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  for (const k of Object.keys(obj(obj(o.spec).hard)))
    if (!RESOURCE_NAME.test(k))
      out.push(invalid(`spec.hard[${k}]`, k, 'must be a standard resource type or fully qualified'));
  return out;
}

const VALIDATORS: Record<string, (o: KubeObject) => StatusCause[]> = {
  '/PersistentVolumeClaim': pvc,
  'autoscaling/HorizontalPodAutoscaler': hpa,
  'policy/PodDisruptionBudget': pdb,
  'networking.k8s.io/NetworkPolicy': networkPolicy,
  'storage.k8s.io/StorageClass': storageClass,
  'certificates.k8s.io/CertificateSigningRequest': csr,
  'scheduling.k8s.io/PriorityClass': priorityClass,
  '/LimitRange': limitRange,
  '/ResourceQuota': resourceQuota,
};

/** Kube's basic validation of the kinds above (the causes of a 422), empty for other kinds. */
export function validateExtraKind(group: string, kind: string, o: KubeObject): StatusCause[] {
  const v = Object.prototype.hasOwnProperty.call(VALIDATORS, `${group}/${kind}`)
    ? VALIDATORS[`${group}/${kind}`]
    : undefined;
  return v ? v(o) : [];
}
