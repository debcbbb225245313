import { builtinListType } from '../patch/builtin-patch-meta.js';
import { builtinSelectableFields } from '../selectors/field-selector.js';
import type { ListTypeResolver } from '../../api/kubernetes.js';
import { builtinSchema } from '../schema/builtin-schemas.js';
import { EXTRA_KINDS } from './extra-kinds.js';
import { ALL_VERBS, type ResourceInfo, type ScaleSubresource } from './resource-info.js';

/** Per-kind behaviour of built-in resources that the generic store needs to know. */
export interface BuiltinTraits {
  /** metadata.generation is tracked (kinds with a spec). */
  tracksGeneration: boolean;
  /** Name rule (DNS label for namespaces, subdomain otherwise). */
  nameRule: 'subdomain' | 'label' | 'pathSegment';
}

export interface BuiltinSpec {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  scale?: ScaleSubresource;
  generation?: boolean;
  nameRule?: 'subdomain' | 'label' | 'pathSegment';
}

const replicasScale: ScaleSubresource = {
  specReplicasPath: '.spec.replicas',
  statusReplicasPath: '.status.replicas',
  labelSelectorPath: '.status.selector',
};

/**
 * The kinds the API server serves without a CRD. The hub runs no controllers for workloads: they
 * are stored as plain objects because federated templates target them and edge sites run them.
 */
const SPECS: BuiltinSpec[] = [
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    status: true,
    nameRule: 'label',
  },
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true },
  {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
  },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'] },
  // The same objects as core Events (one storage), as kube-apiserver serves them.
  {
    group: 'events.k8s.io',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    resource: 'services',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    resource: 'endpoints',
    kind: 'Endpoints',
    namespaced: true,
    shortNames: ['ep'],
  },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
    kind: 'EndpointSlice',
    namespaced: true,
  },
  {
    group: '',
    version: 'v1',
    resource: 'nodes',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    status: true,
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    status: true,
    scale: replicasScale,
    generation: true,
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'replicasets',
    kind: 'ReplicaSet',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    status: true,
    scale: replicasScale,
    generation: true,
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'statefulsets',
    kind: 'StatefulSet',
    namespaced: true,
    shortNames: ['sts'],
    categories: ['all'],
    status: true,
    scale: replicasScale,
    generation: true,
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'daemonsets',
    kind: 'DaemonSet',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    status: true,
    generation: true,
  },
  {
    group: 'batch',
    version: 'v1',
    resource: 'jobs',
    kind: 'Job',
    namespaced: true,
    categories: ['all'],
    status: true,
    generation: true,
  },
  {
    group: 'batch',
    version: 'v1',
    resource: 'cronjobs',
    kind: 'CronJob',
    namespaced: true,
    shortNames: ['cj'],
    categories: ['all'],
    status: true,
    generation: true,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingresses',
    kind: 'Ingress',
    namespaced: true,
    shortNames: ['ing'],
    status: true,
    generation: true,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterroles',
    kind: 'ClusterRole',
    namespaced: false,
    nameRule: 'pathSegment',
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
    nameRule: 'pathSegment',
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'roles',
    kind: 'Role',
    namespaced: true,
    nameRule: 'pathSegment',
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'rolebindings',
    kind: 'RoleBinding',
    namespaced: true,
    nameRule: 'pathSegment',
  },
  { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', namespaced: true },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    status: true,
    generation: true,
  },
  ...EXTRA_KINDS,
];

const traits = new Map<string, BuiltinTraits>();

export function builtinResources(): ResourceInfo[] {
  return SPECS.map((s) => {
    traits.set(`${s.group}/${s.resource}`, {
      tracksGeneration: s.generation ?? false,
      nameRule: s.nameRule ?? 'subdomain',
    });
    return {
      group: s.group,
      resource: s.resource,
      kind: s.kind,
      listKind: `${s.kind}List`,
      singular: s.kind.toLowerCase(),
      namespaced: s.namespaced,
      shortNames: s.shortNames ?? [],
      categories: s.categories ?? [],
      versions: [
        {
          name: s.version,
          served: true,
          storage: true,
          printerColumns: [],
          schema: builtinSchema(s.group, s.version, s.kind),
          subresources: { status: s.status ?? false, scale: s.scale },
          selectableFields: builtinSelectableFields(s.group, s.kind).map((f) => `.${f}`),
        },
      ],
      storageVersion: s.version,
      builtin: true,
      listType: withoutDefaultedKeys(builtinListType(s.group, s.kind)),
      verbs: ALL_VERBS,
    };
  });
}

export function builtinTraits(group: string, resource: string): BuiltinTraits | undefined {
  return traits.get(`${group}/${resource}`);
}

/**
 * Kubernetes defaults `protocol: TCP` before server-side apply sees a port, so a port list keyed by
 * (port, protocol) works for configs that omit it. We do not default built-in kinds, so ports are
 * keyed by number alone.
 */
function withoutDefaultedKeys(resolve: ListTypeResolver): ListTypeResolver {
  return (path) => {
    const t = resolve(path);
    if (!t?.keys || !t.keys.includes('protocol') || t.keys.length === 1) return t;
    return { ...t, keys: t.keys.filter((k) => k !== 'protocol') };
  };
}
