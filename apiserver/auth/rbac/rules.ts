/**
 * RBAC decisions as pure functions (kube's pkg/registry/rbac/validation and plugin/pkg/auth/authorizer/rbac):
 * does a rule allow a request, does a binding's subject name a user, which ClusterRoles an
 * aggregationRule selects. The index and authorizer around them only look objects up.
 */
import {
  labelSelectorFromMeta,
  matchesLabels,
  type MetaLabelSelector,
} from '../../selectors/label-selector.js';
import type { UserInfo } from '../../rest/context.js';
import type { RequestAttributes } from '../authz.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup?: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

export interface AggregationRule {
  clusterRoleSelectors?: MetaLabelSelector[];
}

/** The parts of a Role/ClusterRole the authorizer uses. */
export interface RoleView {
  name: string;
  labels: Record<string, string>;
  rules: PolicyRule[];
  aggregationRule?: AggregationRule;
}

/** The parts of a RoleBinding/ClusterRoleBinding the authorizer uses; namespace is '' for cluster bindings. */
export interface BindingView {
  name: string;
  namespace: string;
  subjects: Subject[];
  roleRef: RoleRef;
}

export const SA_PREFIX = 'system:serviceaccount:';

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

function has(list: readonly string[] | undefined, want: string): boolean {
  return (list ?? []).some((v) => v === '*' || v === want);
}

/** Kube's ResourceMatches: "*", the exact "resource/subresource", or "*\/subresource". */
function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (subresource !== undefined && r === `*/${subresource}`),
  );
}

/** Non-resource URLs match exactly, or by prefix when the rule ends in "*". */
function urlMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
  );
}

/** RuleAllows: verb, then group/resource/name for resource requests, or the URL for the others. */
export function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return urlMatches(rule, a.path);
  if (!has(rule.apiGroups, a.group ?? '')) return false;
  if (!resourceMatches(rule, a.resource ?? '', a.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

/** appliesToUser: users by name, groups by membership, ServiceAccounts by their user name. */
export function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns !== '' && user.name === serviceAccountUsername(ns, s.name);
    }
    default:
      return false;
  }
}

export function bindingApplies(b: BindingView, user: UserInfo): boolean {
  return b.subjects.some((s) => subjectMatches(s, user, b.namespace));
}

/**
 * The rules an aggregated ClusterRole should hold: those of every other ClusterRole any selector
 * matches, in name order, without duplicates (kube's clusterrole-aggregation controller).
 */
export function aggregatedRules(target: RoleView, all: readonly RoleView[]): PolicyRule[] {
  const selectors = (target.aggregationRule?.clusterRoleSelectors ?? []).map((s) => labelSelectorFromMeta(s));
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  const sorted = [...all].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const role of sorted) {
    if (role.name === target.name || !selectors.some((s) => matchesLabels(s, role.labels))) continue;
    for (const rule of role.rules) {
      const key = JSON.stringify(normalizeRule(rule));
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(rule);
    }
  }
  return out;
}

function normalizeRule(r: PolicyRule): PolicyRule {
  const out: PolicyRule = { verbs: r.verbs };
  if (r.apiGroups) out.apiGroups = r.apiGroups;
  if (r.resources) out.resources = r.resources;
  if (r.resourceNames) out.resourceNames = r.resourceNames;
  if (r.nonResourceURLs) out.nonResourceURLs = r.nonResourceURLs;
  return out;
}

export function sameRules(a: readonly PolicyRule[], b: readonly PolicyRule[]): boolean {
  return (
    a.length === b.length &&
    a.every((r, i) => JSON.stringify(normalizeRule(r)) === JSON.stringify(normalizeRule(b[i])))
  );
}
