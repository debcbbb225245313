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
 * Where an authenticator may put the sha256 (hex) of the client certificate's SPKI, so the
 * authorizer can tell the certificate the cluster is bound to from an older one (rotated away, or
 * from before an unjoin and re-join under the same name).
 */
export const AGENT_KEY_EXTRA = 'edgefed.io/agent-key-sha256';

/**
 * Authorizer for agent identities (O=AGENT_GROUP, CN=AGENT_CN_PREFIX+<cluster>). Other users are
 * left to the rest of the chain (denied here). `isClusterKnown` must answer from a cache; it is
 * asked on every agent request. With `boundKey` (the cluster's AGENT_KEY_ANNOTATION) and an
 * authenticator that reports the certificate's key in `extra[AGENT_KEY_EXTRA]`, a certificate for
 * a key the cluster is no longer bound to is refused too.
 */
export function agentAuthorizer(
  isClusterKnown: (name: string) => boolean,
  boundKey?: (name: string) => string | undefined,
): Authorizer {
  return {
    authorize(user: UserInfo, a: RequestAttributes): Decision {
      const cluster = agentCluster(user);
      if (!cluster) return DENY;
      if (!isClusterKnown(cluster))
        return { allowed: false, reason: `cluster "${cluster}" is not joined to this hub` };
      const presented = user.extra?.[AGENT_KEY_EXTRA]?.[0];
      const bound = presented !== undefined ? boundKey?.(cluster) : undefined;
      if (presented !== undefined && bound !== undefined && presented !== bound)
        return {
          allowed: false,
          reason: `cluster "${cluster}" is bound to another key; this certificate is no longer valid`,
        };
      return agentMayDo(cluster, a) ? ALLOW : DENY;
    },
  };
}
