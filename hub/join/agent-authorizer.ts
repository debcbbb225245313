/**
 * What a joined cluster's agent may do on the hub, and nothing more: the rows of AGENT_RULES
 * (agent-rules.ts) — its own Works (read, hold/release its finalizer, report status), its
 * heartbeat Lease, and its own KubeFedCluster's status. What attributes cannot express (a create's
 * name, a write that may touch only finalizers) is checked on the body by agent admission
 * (agent-admission.ts). A cluster the hub no longer knows (unjoined) may do nothing, so a removed
 * cluster's certificate is useless even before it expires.
 */
import type { Authorizer, Decision, RequestAttributes } from '../../apiserver/auth/authz.js';
import type { UserInfo } from '../../apiserver/rest/context.js';
import { AGENT_CN_PREFIX, AGENT_GROUP } from '../../api/protocol.js';
import { matchAgentRule } from './agent-rules.js';

const DENY: Decision = { allowed: false };
const ALLOW: Decision = { allowed: true };

/** The cluster an agent identity speaks for, or undefined for any other user. */
export function agentCluster(user: Pick<UserInfo, 'name' | 'groups'>): string | undefined {
  if (!user.groups.includes(AGENT_GROUP) || !user.name.startsWith(AGENT_CN_PREFIX)) return undefined;
  const cluster = user.name.slice(AGENT_CN_PREFIX.length);
  return cluster || undefined;
}

/** Whether the table (agent-rules.ts) lets `cluster`'s agent do this. Exported for tests. */
export function agentMayDo(cluster: string, a: RequestAttributes): boolean {
  return matchAgentRule(cluster, a) !== undefined;
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
