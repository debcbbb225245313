/**
 * Kube's RBAC escalation prevention: a user may write a Role/ClusterRole only with rules they hold
 * themselves (or the `escalate` verb), and bind a role only if they hold its rules (or the `bind`
 * verb on it), so namespace admins cannot grant more than they have. Pure coverage check here; the
 * request hook that feeds it is at the bottom.
 */
import type { FastifyRequest } from 'fastify';
import yaml from 'js-yaml';
import type { KubeObject } from '../../../api/kubernetes.js';
import { errors } from '../../errors.js';
import { parseApiPath } from '../../handlers/request-info.js';
import { decodeKubeProtobuf } from '../../protobuf/index.js';
import type { UserInfo } from '../../rest/context.js';
import type { ApiServer } from '../../server/api-server.js';
import { MASTERS_GROUP, type Authorizer } from '../authz.js';
import type { RbacAuthorizer } from './authorizer.js';
import type { RbacIndex } from './index.js';
import type { PolicyRule, RoleRef } from './rules.js';

const GROUP = 'rbac.authorization.k8s.io';

const has = (list: readonly string[] | undefined, v: string): boolean =>
  (list ?? []).some((x) => x === '*' || x === v);

function resourceCovered(owner: readonly string[] | undefined, resource: string): boolean {
  const [res, sub] = resource.split('/', 2);
  return (owner ?? []).some(
    (o) =>
      o === '*' || o === resource || (sub !== undefined && o === `*/${sub}`) || (res === '*' && o === '*'),
  );
}

/** One servant rule broken into atoms (verb × group × resource × name), each covered by some owner rule. */
export function uncoveredRules(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of servant) {
    for (const verb of rule.verbs) {
      for (const url of rule.nonResourceURLs ?? []) {
        const ok = owner.some(
          (o) =>
            has(o.verbs, verb) &&
            (o.nonResourceURLs ?? []).some(
              (u) => u === '*' || u === url || (u.endsWith('*') && url.startsWith(u.slice(0, -1))),
            ),
        );
        if (!ok) missing.push({ verbs: [verb], nonResourceURLs: [url] });
      }
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
          for (const name of names) {
            const ok = owner.some(
              (o) =>
                has(o.verbs, verb) &&
                has(o.apiGroups, group) &&
                resourceCovered(o.resources, resource) &&
                (!o.resourceNames?.length || (name !== undefined && o.resourceNames.includes(name))),
            );
            if (!ok)
              missing.push({
                verbs: [verb],
                apiGroups: [group],
                resources: [resource],
                ...(name ? { resourceNames: [name] } : {}),
              });
          }
        }
      }
    }
  }
  return missing;
}

/** Kube's rendering of the rules a user lacks. */
export function formatRules(rules: readonly PolicyRule[]): string {
  return rules
    .map((r) => {
      const parts: string[] = [];
      const q = (l: readonly string[]) => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;
      if (r.apiGroups) parts.push(`APIGroups:${q(r.apiGroups)}`);
      if (r.resources) parts.push(`Resources:${q(r.resources)}`);
      if (r.resourceNames) parts.push(`ResourceNames:${q(r.resourceNames)}`);
      if (r.nonResourceURLs) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
      parts.push(`Verbs:${q(r.verbs)}`);
      return `{${parts.join(', ')}}`;
    })
    .join('\n');
}

function decode(req: FastifyRequest): KubeObject | undefined {
  try {
    if (Buffer.isBuffer(req.body)) return decodeKubeProtobuf(req.body).object as KubeObject;
    if (typeof req.body !== 'string' || req.body.trim() === '') return undefined;
    const ct = String(req.headers['content-type'] ?? '');
    const v = /yaml/.test(ct) ? yaml.load(req.body, { schema: yaml.JSON_SCHEMA }) : JSON.parse(req.body);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as KubeObject) : undefined;
  } catch {
    return undefined; // the handler reports the bad body
  }
}

export interface EscalationDeps {
  api: ApiServer;
  index: RbacIndex;
  rbac: RbacAuthorizer;
  /** The server's whole chain, for the escalate/bind verbs. */
  authorizer: () => Authorizer;
}

/** What the user must hold for this write, or undefined when nothing is checked. */
async function requiredRules(
  deps: EscalationDeps,
  user: UserInfo,
  resource: string,
  namespace: string,
  name: string | undefined,
  body: KubeObject | undefined,
): Promise<PolicyRule[] | undefined> {
  const authz = deps.authorizer();
  const allows = async (verb: string, res: string, n?: string) =>
    (
      await authz.authorize(user, {
        verb,
        resourceRequest: true,
        group: GROUP,
        resource: res,
        namespace: namespace || undefined,
        name: n,
        path: '',
      })
    ).allowed;
  if (resource === 'roles' || resource === 'clusterroles') {
    if (!Array.isArray(body?.rules) || (await allows('escalate', resource))) return undefined;
    return body.rules as PolicyRule[];
  }
  let ref = body?.roleRef as RoleRef | undefined;
  if (!ref && name) {
    // a patch without roleRef: the stored binding's (roleRef cannot change)
    const r = deps.api.registry.resolve(GROUP, 'v1', resource);
    const cur = r
      ? await deps.api.storage.get(r.info, r.version, namespace || undefined, name).catch(() => undefined)
      : undefined;
    ref = cur?.roleRef as RoleRef | undefined;
  }
  if (!ref) return undefined;
  const roleResource = ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
  if (await allows('bind', roleResource, ref.name)) return undefined;
  return ref.kind === 'ClusterRole'
    ? (deps.index.clusterRoles.get(ref.name)?.rules ?? [])
    : (deps.index.role(namespace, ref.name)?.rules ?? []);
}

/** Refuses role and binding writes that would grant rules the requester does not hold. */
export function registerEscalationCheck(deps: EscalationDeps): void {
  deps.api.app.addHook('preHandler', async (req: FastifyRequest) => {
    const user = req.edgefedUser;
    if (!user || user.groups.includes(MASTERS_GROUP)) return;
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return;
    const p = parseApiPath(new URL(req.url, 'https://x').pathname);
    if (!p || p.kind !== 'resource' || p.group !== GROUP || p.subresource) return;
    if (!['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].includes(p.resource)) return;
    const ns = p.resource === 'roles' || p.resource === 'rolebindings' ? (p.namespace ?? '') : '';
    const body = decode(req);
    const need = await requiredRules(deps, user, p.resource, ns, p.name ?? body?.metadata?.name, body);
    if (!need) return;
    const missing = uncoveredRules(deps.rbac.rulesFor(user, ns), need);
    if (missing.length === 0) return;
    const what = `${p.resource}.${GROUP} "${p.name ?? body?.metadata?.name ?? ''}"`;
    throw errors.forbidden(
      `${what} is forbidden: user "${user.name}" (groups=${JSON.stringify(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${formatRules(missing)}`,
      { group: GROUP, kind: p.resource, ...(p.name ? { name: p.name } : {}) },
    );
  });
}
