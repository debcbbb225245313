/**
 * authorization.k8s.io/v1 SelfSubjectAccessReview, SubjectAccessReview, SelfSubjectRulesReview and
 * authentication.k8s.io/v1 SelfSubjectReview and TokenReview: create-only answers computed from the
 * request's user, the authorizer chain, the RBAC index and the token verifier; nothing is stored.
 */
import { errors } from '../errors.js';
import { rfc3339, type UserInfo } from '../rest/context.js';
import type { CreateHandler, CreateRequest } from '../server/virtual-create.js';
import type { KubeObject } from '../../api/kubernetes.js';
import type { RequestAttributes } from './authz.js';
import type { RbacAuthorizer } from './rbac/authorizer.js';
import type { PolicyRule } from './rbac/rules.js';
import type { ServiceAccountTokens } from './serviceaccount/tokens.js';

const AUTHZ = 'authorization.k8s.io/v1';
const AUTHN = 'authentication.k8s.io/v1';

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

interface ReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** The authorization attributes a review asks about, or a 400 when it names neither kind. */
export function reviewAttributes(kind: string, spec: ReviewSpec, namespace?: string): RequestAttributes {
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  if (ra && nra)
    throw errors.invalid(kind, 'authorization.k8s.io', '', [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.nonResourceAttributes',
        message: 'Invalid value: "": cannot be specified in combination with resourceAttributes',
      },
    ]);
  if (ra)
    return {
      verb: ra.verb ?? '',
      resourceRequest: true,
      group: ra.group ?? '',
      version: ra.version,
      resource: ra.resource ?? '',
      subresource: ra.subresource || undefined,
      namespace: namespace ?? (ra.namespace || undefined),
      name: ra.name || undefined,
      path: '',
    };
  if (nra) return { verb: nra.verb ?? '', resourceRequest: false, path: nra.path ?? '' };
  throw errors.invalid(kind, 'authorization.k8s.io', '', [
    {
      reason: 'FieldValueRequired',
      field: 'spec.resourceAttributes',
      message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
    },
  ]);
}

async function decide(
  r: CreateRequest,
  user: UserInfo,
  kind: string,
  namespace?: string,
): Promise<KubeObject> {
  const spec = (r.body.spec ?? {}) as ReviewSpec;
  const attrs = reviewAttributes(kind, spec, namespace);
  const d = await r.authorizer.authorize(user, attrs);
  return {
    apiVersion: AUTHZ,
    kind,
    metadata: {},
    spec,
    status: { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) },
  };
}

export function userInfoJson(u: UserInfo): Record<string, unknown> {
  return {
    username: u.name,
    ...(u.uid ? { uid: u.uid } : {}),
    groups: u.groups,
    ...(u.extra ? { extra: u.extra } : {}),
  };
}

/** Kube's SelfSubjectRulesReview shape: resource rules and non-resource rules separately. */
export function splitRules(rules: readonly PolicyRule[]): {
  resourceRules: unknown[];
  nonResourceRules: unknown[];
} {
  const resourceRules: unknown[] = [];
  const nonResourceRules: unknown[] = [];
  for (const r of rules) {
    if (r.nonResourceURLs?.length)
      nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
    if (r.resources?.length || r.apiGroups?.length)
      resourceRules.push({
        verbs: r.verbs,
        apiGroups: r.apiGroups ?? [],
        resources: r.resources ?? [],
        ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
      });
  }
  return { resourceRules, nonResourceRules };
}

export interface ReviewDeps {
  rbac: RbacAuthorizer;
  tokens?: ServiceAccountTokens;
}

/** Handlers keyed as createKey(group, resource): the kinds above. */
export function reviewHandlers(
  deps: ReviewDeps,
): { group: string; resource: string; kind: string; namespaced?: boolean; handler: CreateHandler }[] {
  return [
    {
      group: 'authorization.k8s.io',
      resource: 'selfsubjectaccessreviews',
      kind: 'SelfSubjectAccessReview',
      handler: (r) => decide(r, r.ctx.user, 'SelfSubjectAccessReview'),
    },
    {
      group: 'authorization.k8s.io',
      resource: 'localsubjectaccessreviews',
      kind: 'LocalSubjectAccessReview',
      namespaced: true,
      handler: (r) =>
        decide(r, subjectOf(r, 'LocalSubjectAccessReview'), 'LocalSubjectAccessReview', r.namespace),
    },
    {
      group: 'authorization.k8s.io',
      resource: 'subjectaccessreviews',
      kind: 'SubjectAccessReview',
      handler: (r) => decide(r, subjectOf(r, 'SubjectAccessReview'), 'SubjectAccessReview'),
    },
    {
      group: 'authorization.k8s.io',
      resource: 'selfsubjectrulesreviews',
      kind: 'SelfSubjectRulesReview',
      handler: (r) => {
        const spec = (r.body.spec ?? {}) as { namespace?: string };
        return {
          apiVersion: AUTHZ,
          kind: 'SelfSubjectRulesReview',
          metadata: {},
          spec,
          status: { ...splitRules(deps.rbac.rulesFor(r.ctx.user, spec.namespace ?? '')), incomplete: false },
        };
      },
    },
    {
      group: 'authentication.k8s.io',
      resource: 'selfsubjectreviews',
      kind: 'SelfSubjectReview',
      handler: (r) => ({
        apiVersion: AUTHN,
        kind: 'SelfSubjectReview',
        metadata: { creationTimestamp: rfc3339(r.ctx.now) },
        status: { userInfo: userInfoJson(r.ctx.user) },
      }),
    },
    {
      group: 'authentication.k8s.io',
      resource: 'tokenreviews',
      kind: 'TokenReview',
      handler: (r) => {
        const spec = (r.body.spec ?? {}) as { token?: string; audiences?: string[] };
        if (!spec.token)
          throw errors.invalid('TokenReview', 'authentication.k8s.io', '', [
            { reason: 'FieldValueRequired', field: 'spec.token', message: 'Required value' },
          ]);
        const v = deps.tokens?.verifyFor(
          spec.token,
          spec.audiences?.length ? spec.audiences : deps.tokens.audiences,
        );
        const status =
          v && 'user' in v
            ? { authenticated: true, user: userInfoJson(v.user), audiences: v.audiences }
            : { authenticated: false, user: {}, error: v && 'error' in v ? v.error : 'invalid bearer token' };
        return { apiVersion: AUTHN, kind: 'TokenReview', metadata: {}, spec, status };
      },
    },
  ];
}

function subjectOf(r: CreateRequest, kind: string): UserInfo {
  const spec = (r.body.spec ?? {}) as ReviewSpec;
  if (!spec.user && !spec.groups?.length)
    throw errors.invalid(kind, 'authorization.k8s.io', '', [
      {
        reason: 'FieldValueRequired',
        field: 'spec.user',
        message: 'Invalid value: "": at least one of user or group must be specified',
      },
    ]);
  return { name: spec.user ?? '', groups: spec.groups ?? [], uid: spec.uid, extra: spec.extra };
}
