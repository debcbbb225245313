/**
 * Kube's default RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy), for the kinds this
 * server serves, plus the federation types aggregated into admin/edit/view so a team bound to `edit`
 * in its namespace can manage its federated objects.
 */
import type { KubeObject } from '../../../api/kubernetes.js';
import type { PolicyRule } from './rules.js';

const RBAC = 'rbac.authorization.k8s.io';
const AGG_ADMIN = `${RBAC}/aggregate-to-admin`;
const AGG_EDIT = `${RBAC}/aggregate-to-edit`;
const AGG_VIEW = `${RBAC}/aggregate-to-view`;

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const ALL = [...WRITE.slice(0, 3), 'get', 'list', 'patch', 'update', 'watch'];

function rule(verbs: string[], apiGroups: string[], resources: string[]): PolicyRule {
  return { verbs, apiGroups, resources };
}

/** Groups edgefed users federate with (kubefed's CRDs). */
const FEDERATION_GROUPS = ['types.kubefed.io', 'scheduling.kubefed.io', 'multiclusterdns.kubefed.io'];

const VIEW_RULES: PolicyRule[] = [
  rule(
    READ,
    [''],
    [
      'pods',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'serviceaccounts',
      'services',
      'services/status',
      'endpoints',
      'persistentvolumeclaims',
      'persistentvolumeclaims/status',
      'configmaps',
    ],
  ),
  rule(
    READ,
    [''],
    [
      'limitranges',
      'resourcequotas',
      'bindings',
      'events',
      'pods/status',
      'resourcequotas/status',
      'namespaces/status',
      'replicationcontrollers/status',
      'pods/log',
    ],
  ),
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(
    READ,
    ['apps'],
    [
      'controllerrevisions',
      'statefulsets',
      'statefulsets/scale',
      'statefulsets/status',
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/scale',
      'deployments/status',
      'replicasets',
      'replicasets/scale',
      'replicasets/status',
    ],
  ),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
];

const EDIT_RULES: PolicyRule[] = [
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
  rule(['create'], [''], ['pods/eviction']),
  rule(
    WRITE,
    [''],
    [
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'serviceaccounts',
      'services',
      'services/proxy',
      'persistentvolumeclaims',
      'configmaps',
      'secrets',
      'events',
    ],
  ),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(
    WRITE,
    ['apps'],
    [
      'statefulsets',
      'statefulsets/scale',
      'daemonsets',
      'deployments',
      'deployments/scale',
      'deployments/rollback',
      'replicasets',
      'replicasets/scale',
    ],
  ),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
  rule(['create'], ['coordination.k8s.io'], ['leases']),
  // Secrets are readable by editors (and admins), not viewers.
  rule(
    READ,
    [''],
    ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy'],
  ),
];

const ADMIN_RULES: PolicyRule[] = [
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  rule(ALL, [RBAC], ['rolebindings', 'roles']),
];

interface RoleSpec {
  name: string;
  labels?: Record<string, string>;
  rules?: PolicyRule[];
  aggregateFrom?: string;
}

const ROLES: RoleSpec[] = [
  {
    name: 'cluster-admin',
    rules: [rule(['*'], ['*'], ['*']), { verbs: ['*'], nonResourceURLs: ['*'] }],
  },
  { name: 'admin', aggregateFrom: AGG_ADMIN },
  { name: 'edit', labels: { [AGG_ADMIN]: 'true' }, aggregateFrom: AGG_EDIT },
  { name: 'view', labels: { [AGG_ADMIN]: 'true', [AGG_EDIT]: 'true' }, aggregateFrom: AGG_VIEW },
  { name: 'system:aggregate-to-admin', labels: { [AGG_ADMIN]: 'true' }, rules: ADMIN_RULES },
  {
    name: 'system:aggregate-to-edit',
    labels: { [AGG_ADMIN]: 'true', [AGG_EDIT]: 'true' },
    rules: EDIT_RULES,
  },
  {
    name: 'system:aggregate-to-view',
    labels: { [AGG_ADMIN]: 'true', [AGG_EDIT]: 'true', [AGG_VIEW]: 'true' },
    rules: VIEW_RULES,
  },
  {
    name: 'edgefed:aggregate-to-edit',
    labels: { [AGG_ADMIN]: 'true', [AGG_EDIT]: 'true' },
    rules: [rule(WRITE, FEDERATION_GROUPS, ['*'])],
  },
  {
    name: 'edgefed:aggregate-to-view',
    labels: { [AGG_ADMIN]: 'true', [AGG_EDIT]: 'true', [AGG_VIEW]: 'true' },
    rules: [rule(READ, FEDERATION_GROUPS, ['*'])],
  },
  {
    name: 'system:discovery',
    rules: [
      {
        verbs: ['get'],
        nonResourceURLs: [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
      },
    ],
  },
  {
    name: 'system:public-info-viewer',
    rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] }],
  },
  {
    name: 'system:basic-user',
    rules: [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ],
  },
];

const BINDINGS: { name: string; role: string; groups: string[] }[] = [
  { name: 'cluster-admin', role: 'cluster-admin', groups: ['system:masters'] },
  { name: 'system:discovery', role: 'system:discovery', groups: ['system:authenticated'] },
  { name: 'system:basic-user', role: 'system:basic-user', groups: ['system:authenticated'] },
  {
    name: 'system:public-info-viewer',
    role: 'system:public-info-viewer',
    groups: ['system:authenticated', 'system:unauthenticated'],
  },
];

const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

export function defaultClusterRoles(): KubeObject[] {
  return ROLES.map((r) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: {
      name: r.name,
      labels: { ...BOOTSTRAP_LABELS, ...r.labels },
      annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
    },
    ...(r.aggregateFrom
      ? {
          aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [r.aggregateFrom]: 'true' } }] },
          rules: [],
        }
      : { rules: r.rules ?? [] }),
  }));
}

export function defaultClusterRoleBindings(): KubeObject[] {
  return BINDINGS.map((b) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: {
      name: b.name,
      labels: { ...BOOTSTRAP_LABELS },
      annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
    },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: b.role },
    subjects: b.groups.map((g) => ({ apiGroup: RBAC, kind: 'Group', name: g })),
  }));
}
