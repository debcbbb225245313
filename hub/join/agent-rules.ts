/**
 * What a joined cluster's agent may do on the hub, as one table. Everything not in the table is
 * denied: other namespaces, Secrets, creating or deleting Works, non-resource paths (/metrics).
 *
 * A row matches on API group, resource, subresource ('' = the object itself), where the object
 * lives ('cluster': the agent's namespace edgefed-cluster-<name>; 'hub': kube-federation-system),
 * optionally its name, and the verbs. A named row also binds `create` (whose path names no
 * object) to that name: the body's metadata.name is checked by agent admission (agent-admission.ts).
 * A row with `body: 'finalizers-only'` lets a write through only when it changes nothing but the
 * agent's own finalizer on the object (also checked by agent admission, which sees the body).
 */
import { HEARTBEAT_LEASE } from '../../api/protocol.js';
import { HUB_NAMESPACE, WORK_GROUP, clusterNamespace } from '../../api/federation.js';
import type { RequestAttributes } from '../../apiserver/auth/authz.js';

export interface AgentRule {
  /** Why the agent needs it (read when extending the table). */
  why: string;
  group: string;
  resource: string;
  /** '' for the object itself. */
  subresource: string;
  /** 'cluster': the agent's own namespace; 'hub': HUB_NAMESPACE. */
  namespace: 'cluster' | 'hub';
  /** The only object name allowed (given the agent's cluster name); any name when absent. */
  name?: (cluster: string) => string;
  verbs: readonly string[];
  /** A check on the request body that attributes cannot express (see agent-admission.ts). */
  body?: 'finalizers-only';
}

const WORKS = { group: WORK_GROUP, resource: 'works', namespace: 'cluster' } as const;

export const AGENT_RULES: readonly AgentRule[] = [
  { why: 'watch its Works', ...WORKS, subresource: '', verbs: ['get', 'list', 'watch'] },
  {
    why: 'hold and release its finalizer on a Work (nothing else on the Work may change)',
    ...WORKS,
    subresource: '',
    verbs: ['update', 'patch'],
    body: 'finalizers-only',
  },
  { why: 'report what happened at the member', ...WORKS, subresource: 'status', verbs: ['update', 'patch'] },
  {
    why: 'heartbeat (the agent merge-patches the Lease and creates it when missing)',
    group: 'coordination.k8s.io',
    resource: 'leases',
    subresource: '',
    namespace: 'cluster',
    name: () => HEARTBEAT_LEASE,
    verbs: ['get', 'create', 'update', 'patch'],
  },
  {
    why: 'report its Kubernetes version and conditions',
    group: 'core.kubefed.io',
    resource: 'kubefedclusters',
    subresource: 'status',
    namespace: 'hub',
    name: (cluster) => cluster,
    verbs: ['get', 'update', 'patch'],
  },
  {
    why: 'report its nodes and pods for the fleet view (edgefed get/top), one object named like the cluster',
    group: 'edgefed.io',
    resource: 'clusterinventories',
    subresource: '',
    namespace: 'cluster',
    name: (cluster) => cluster,
    verbs: ['get', 'create', 'update'],
  },
  // New rows go here, e.g. a per-cluster object the agent writes in its own namespace:
  // { why: '...', group: 'edgefed.io', resource: '...', subresource: '', namespace: 'cluster',
  //   name: (cluster) => cluster, verbs: ['get', 'create', 'update', 'patch'] },
];

/** The row that allows this request of `cluster`'s agent, if any. */
export function matchAgentRule(
  cluster: string,
  a: RequestAttributes,
  rules: readonly AgentRule[] = AGENT_RULES,
): AgentRule | undefined {
  if (!a.resourceRequest) return undefined;
  const sub = a.subresource ?? '';
  return rules.find((r) => {
    if (r.group !== a.group || r.resource !== a.resource || r.subresource !== sub) return false;
    if (a.namespace !== (r.namespace === 'hub' ? HUB_NAMESPACE : clusterNamespace(cluster))) return false;
    if (!r.verbs.includes(a.verb)) return false;
    if (!r.name) return true;
    // A create carries its name in the body (checked by admission); a path that names one must match.
    if (a.verb === 'create') return a.name === undefined || a.name === r.name(cluster);
    return a.name === r.name(cluster);
  });
}
