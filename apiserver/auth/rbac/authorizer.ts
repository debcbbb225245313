import type { UserInfo } from '../../rest/context.js';
import type { Authorizer, Decision, RequestAttributes } from '../authz.js';
import type { RbacIndex } from './index.js';
import { bindingApplies, ruleAllows, type BindingView, type PolicyRule } from './rules.js';

/**
 * Kube's RBAC authorizer over the in-memory index: ClusterRoleBindings first, then the
 * RoleBindings of the request's namespace. Allows or has no opinion (never denies), so it chains.
 */
export class RbacAuthorizer implements Authorizer {
  constructor(private readonly index: RbacIndex) {}

  authorize(user: UserInfo, attrs: RequestAttributes): Decision {
    for (const b of this.bindingsFor(user, attrs.resourceRequest ? attrs.namespace : undefined)) {
      for (const rule of this.index.rulesOf(b)) {
        if (ruleAllows(rule, attrs)) {
          const by = b.namespace
            ? `RoleBinding "${b.name}" of ${b.roleRef.kind} "${b.roleRef.name}" to User "${user.name}"`
            : `ClusterRoleBinding "${b.name}" of ClusterRole "${b.roleRef.name}" to User "${user.name}"`;
          return { allowed: true, reason: `RBAC: allowed by ${by}` };
        }
      }
    }
    return { allowed: false };
  }

  /** Every rule that applies to the user in a namespace (SelfSubjectRulesReview). */
  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    const out: PolicyRule[] = [];
    for (const b of this.bindingsFor(user, namespace || undefined)) out.push(...this.index.rulesOf(b));
    return out;
  }

  private *bindingsFor(user: UserInfo, namespace: string | undefined): Iterable<BindingView> {
    for (const b of this.index.clusterRoleBindings.values()) if (bindingApplies(b, user)) yield b;
    if (!namespace) return;
    for (const b of this.index.bindingsIn(namespace)) if (bindingApplies(b, user)) yield b;
  }
}
