import type { ListType } from '../../api/kubernetes.js';
import type { PatchMeta } from './patch-meta.js';

/**
 * The struct tags (`patchStrategy`, `patchMergeKey`) and list markers (`+listType`, `+listMapKey`) of
 * k8s.io/api types, for the fields where they differ from the default. Any list not named here is
 * atomic and replaced whole, which is what both `+listType=atomic` and a missing patchStrategy mean.
 * `type` links a field to the struct its value (or each list item) has, so shared structs such as
 * PodSpec are described once.
 */
export interface FieldSpec {
  type?: string;
  patch?: PatchMeta;
  list?: ListType;
}

type StructSpec = Readonly<Record<string, FieldSpec>>;

/** patchStrategy=merge + patchMergeKey, with +listType=map on the given keys (default: the merge key). */
function mergeBy(mergeKey: string, type?: string, mapKeys: string[] = [mergeKey]): FieldSpec {
  return { type, patch: { strategy: 'merge', mergeKey }, list: { type: 'map', keys: mapKeys } };
}

const conditions = mergeBy('type');
const atomic: FieldSpec = { list: { type: 'atomic' } };

export const STRUCTS: Readonly<Record<string, StructSpec>> = {
  ObjectMeta: {
    finalizers: { patch: { strategy: 'merge' }, list: { type: 'set' } },
    ownerReferences: mergeBy('uid'),
    managedFields: atomic,
  },
  PodTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'PodSpec' } },
  PodSpec: {
    volumes: {
      type: 'Volume',
      patch: { strategy: 'merge,retainKeys', mergeKey: 'name' },
      list: { type: 'map', keys: ['name'] },
    },
    initContainers: mergeBy('name', 'Container'),
    containers: mergeBy('name', 'Container'),
    ephemeralContainers: mergeBy('name', 'Container'),
    imagePullSecrets: mergeBy('name'),
    hostAliases: mergeBy('ip'),
    topologySpreadConstraints: mergeBy('topologyKey', undefined, ['topologyKey', 'whenUnsatisfiable']),
    schedulingGates: mergeBy('name'),
    resourceClaims: {
      patch: { strategy: 'merge,retainKeys', mergeKey: 'name' },
      list: { type: 'map', keys: ['name'] },
    },
    tolerations: atomic,
    readinessGates: atomic,
  },
  Container: {
    ports: mergeBy('containerPort', undefined, ['containerPort', 'protocol']),
    env: mergeBy('name'),
    volumeMounts: mergeBy('mountPath'),
    volumeDevices: mergeBy('devicePath'),
    resources: { type: 'ResourceRequirements' },
    envFrom: atomic,
    resizePolicy: atomic,
  },
  ResourceRequirements: { claims: { list: { type: 'map', keys: ['name'] } } },
  // Only `name` and the volume source; `$retainKeys` lets a patch switch from one source to another.
  Volume: {},
  PodStatus: {
    conditions,
    podIPs: mergeBy('ip'),
    hostIPs: { patch: { strategy: 'merge', mergeKey: 'ip' }, list: { type: 'atomic' } },
    resourceClaimStatuses: {
      patch: { strategy: 'merge,retainKeys', mergeKey: 'name' },
      list: { type: 'map', keys: ['name'] },
    },
  },
  ServiceSpec: { ports: mergeBy('port', undefined, ['port', 'protocol']) },
  ServiceStatus: { conditions },
  NamespaceSpec: { finalizers: atomic },
  NamespaceStatus: { conditions },
  NodeSpec: {
    podCIDRs: { patch: { strategy: 'merge' }, list: { type: 'set' } },
    taints: atomic,
  },
  // addresses is tagged merge-by-type upstream even though types repeat; we keep the upstream tag.
  NodeStatus: { conditions, addresses: mergeBy('type') },
  ConditionsStatus: { conditions },
  DeploymentSpec: { template: { type: 'PodTemplateSpec' }, strategy: { patch: { strategy: 'retainKeys' } } },
  TemplateSpec: { template: { type: 'PodTemplateSpec' } },
  StatefulSetSpec: { template: { type: 'PodTemplateSpec' }, volumeClaimTemplates: atomic },
  JobTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'TemplateSpec' } },
  // Job conditions merge by type in strategic patches but are atomic for server-side apply.
  JobStatus: { conditions: { patch: { strategy: 'merge', mergeKey: 'type' }, list: { type: 'atomic' } } },
  CronJobSpec: { jobTemplate: { type: 'JobTemplateSpec' } },
  CronJobStatus: { active: atomic },
  AggregationRule: { clusterRoleSelectors: atomic },
  IngressSpec: { tls: atomic, rules: atomic },
};

/** Top-level fields every kind has besides the kind-specific ones. */
const OBJECT: StructSpec = { metadata: { type: 'ObjectMeta' } };

function kind(fields: Record<string, string>, extra: StructSpec = {}): StructSpec {
  const out: Record<string, FieldSpec> = { ...OBJECT, ...extra };
  for (const [field, type] of Object.entries(fields)) out[field] = { type };
  return out;
}

/** Root struct of each built-in kind, keyed "<group>/<Kind>" with "" for the core group. */
export const KINDS: Readonly<Record<string, StructSpec>> = {
  '/Pod': kind({ spec: 'PodSpec', status: 'PodStatus' }),
  '/PodTemplate': kind({ template: 'PodTemplateSpec' }),
  '/ReplicationController': kind({ spec: 'TemplateSpec', status: 'ConditionsStatus' }),
  '/Service': kind({ spec: 'ServiceSpec', status: 'ServiceStatus' }),
  '/Namespace': kind({ spec: 'NamespaceSpec', status: 'NamespaceStatus' }),
  '/Node': kind({ spec: 'NodeSpec', status: 'NodeStatus' }),
  '/ConfigMap': OBJECT,
  '/Secret': OBJECT,
  '/ServiceAccount': kind({}, { secrets: mergeBy('name'), imagePullSecrets: atomic }),
  '/Event': OBJECT,
  '/PersistentVolumeClaim': kind({ status: 'ConditionsStatus' }),
  'events.k8s.io/Event': OBJECT,
  'apps/Deployment': kind({ spec: 'DeploymentSpec', status: 'ConditionsStatus' }),
  'apps/ReplicaSet': kind({ spec: 'TemplateSpec', status: 'ConditionsStatus' }),
  'apps/StatefulSet': kind({ spec: 'StatefulSetSpec', status: 'ConditionsStatus' }),
  'apps/DaemonSet': kind({ spec: 'TemplateSpec', status: 'ConditionsStatus' }),
  'batch/Job': kind({ spec: 'TemplateSpec', status: 'JobStatus' }),
  'batch/CronJob': kind({ spec: 'CronJobSpec', status: 'CronJobStatus' }),
  'coordination.k8s.io/Lease': OBJECT,
  'networking.k8s.io/Ingress': kind({ spec: 'IngressSpec' }),
  'rbac.authorization.k8s.io/Role': kind({}, { rules: atomic }),
  'rbac.authorization.k8s.io/ClusterRole': kind({ aggregationRule: 'AggregationRule' }, { rules: atomic }),
  'rbac.authorization.k8s.io/RoleBinding': kind({}, { subjects: atomic }),
  'rbac.authorization.k8s.io/ClusterRoleBinding': kind({}, { subjects: atomic }),
};

/** Kinds we have no table for still share ObjectMeta, whose lists behave the same everywhere. */
export const ANY_KIND: StructSpec = OBJECT;
