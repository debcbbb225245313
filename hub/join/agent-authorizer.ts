/**
 * What a joined cluster's agent may do on the hub, and nothing more: its own Works (read, clear
 * finalizers, report status), its heartbeat Lease, and its own KubeFedCluster's status, all in its
 * own namespaces. A cluster the hub no longer knows (unjoined) may do nothing, so a removed
 * cluster's certificate is useless even before it expires.
 */
import type { Authorizer, Decision, RequestAttributes } from '../../apiserver/auth/authz.js';
import type { UserInfo } from '../../apiserver/rest/context.js';
import { AGENT_CN_PREFIX, AGENT_GROUP, HEARTBEAT_LEASE } from '../../agent/protocol.js';
import { HUB_NAMESPACE, WORK_GROUP, clusterNamespace } from '../../controllers/types.js';

const DENY: Decision = { allowed: false };
const ALLOW: Decision = { allowed: true };

/** The cluster an agent identity speaks for, or undefined for any other user. */
export function agentCluster(user: Pick<UserInfo, 'name' | 'groups'>): string | undefined {
  if (!user.groups.includes(AGENT_GROUP) || !user.name.startsWith(AGENT_CN_PREFIX)) return undefined;
  const cluster = user.name.slice(AGENT_CN_PREFIX.length);
  return cluster || undefined;
}

/** The rules for one (known) cluster's agent. Exported for tests. */
export function agentMayDo(cluster: string, a: RequestAttributes): boolean {
  if (!a.resourceRequest) return false;
  const ns = clusterNamespace(cluster);
  const verb = a.verb;
  const sub = a.subresource ?? '';

  if (a.group === WORK_GROUP && a.resource === 'works' && a.namespace === ns) {
    if (sub === '') return ['get', 'list', 'watch', 'update', 'patch'].includes(verb);
    if (sub === 'status') return ['get', 'update', 'patch'].includes(verb);
    return false;
  }

  if (a.group === 'coordination.k8s.io' && a.resource === 'leases' && a.namespace === ns && sub === '') {
    // A create names its object in the body, not the path: the namespace is what is checked.
    if (verb === 'create') return a.name === undefined || a.name === HEARTBEAT_LEASE;
    return a.name === HEARTBEAT_LEASE && ['get', 'update', 'patch'].includes(verb);
  }

  if (
    a.group === 'core.kubefed.io' &&
    a.resource === 'kubefedclusters' &&
    a.namespace === HUB_NAMESPACE &&
    a.name === cluster
  ) {
    if (sub === '') return verb === 'get';
    if (sub === 'status') return ['get', 'update', 'patch'].includes(verb);
    return false;
  }
  return false;
}

/**
 * Authorizer for agent identities (O=AGENT_GROUP, CN=AGENT_CN_PREFIX+<cluster>). Other users are
 * left to the rest of the chain (denied here). `isClusterKnown` must answer from a cache; it is
 * asked on every agent request.
 */
export function agentAuthorizer(isClusterKnown: (name: string) => boolean): Authorizer {
  return {
    authorize(user: UserInfo, a: RequestAttributes): Decision {
      const cluster = agentCluster(user);
      if (!cluster) return DENY;
      if (!isClusterKnown(cluster))
        return { allowed: false, reason: `cluster "${cluster}" is not joined to this hub` };
      return agentMayDo(cluster, a) ? ALLOW : DENY;
    },
  };
}
