/**
 * Kube's user impersonation (`kubectl --as/--as-group/--as-uid`): Impersonate-User, -Group, -Uid and
 * -Extra-* headers switch the request's user after authentication, when the requester may
 * `impersonate` each of them (users, groups, serviceaccounts, uids, userextras/<key>).
 */
import type { FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import type { UserInfo } from '../rest/context.js';
import type { ApiServer } from '../server/api-server.js';
import type { Authorizer, RequestAttributes } from './authz.js';
import { SA_PREFIX } from './rbac/rules.js';

export interface ImpersonationRequest {
  user?: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

function headerList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The impersonation a request asks for, or undefined; a group or extra without a user is a 400. */
export function impersonationOf(
  headers: Record<string, string | string[] | undefined>,
): ImpersonationRequest | undefined {
  const user = headerList(headers['impersonate-user'])[0];
  const groups = headerList(headers['impersonate-group']);
  const uid = headerList(headers['impersonate-uid'])[0];
  const extra: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!k.startsWith('impersonate-extra-')) continue;
    extra[decodeURIComponent(k.slice('impersonate-extra-'.length))] = headerList(v);
  }
  if (user === undefined && groups.length === 0 && uid === undefined && Object.keys(extra).length === 0)
    return undefined;
  if (user === undefined)
    throw errors.badRequest('requested impersonation of groups, uid or extra without impersonating a user');
  return { user, groups, uid, extra };
}

/** The authorization checks impersonation needs, one per impersonated attribute (kube's order). */
export function impersonationChecks(r: ImpersonationRequest): RequestAttributes[] {
  const base = { verb: 'impersonate', resourceRequest: true, path: '' };
  const out: RequestAttributes[] = [];
  const user = r.user ?? '';
  if (user.startsWith(SA_PREFIX)) {
    const [namespace, name] = user.slice(SA_PREFIX.length).split(':', 2);
    out.push({ ...base, group: '', resource: 'serviceaccounts', namespace, name });
  } else out.push({ ...base, group: '', resource: 'users', name: user });
  for (const g of r.groups) out.push({ ...base, group: '', resource: 'groups', name: g });
  if (r.uid !== undefined)
    out.push({ ...base, group: 'authentication.k8s.io', resource: 'uids', name: r.uid });
  for (const [k, values] of Object.entries(r.extra))
    for (const v of values)
      out.push({ ...base, group: 'authentication.k8s.io', resource: 'userextras', subresource: k, name: v });
  return out;
}

/** The user a granted impersonation stands for. */
export function impersonatedUser(r: ImpersonationRequest): UserInfo {
  const user = r.user ?? '';
  const groups = [...r.groups];
  if (user.startsWith(SA_PREFIX)) {
    const ns = user.slice(SA_PREFIX.length).split(':', 1)[0];
    for (const g of ['system:serviceaccounts', `system:serviceaccounts:${ns}`])
      if (!groups.includes(g)) groups.push(g);
  }
  if (user !== 'system:anonymous' && !groups.includes('system:authenticated'))
    groups.push('system:authenticated');
  return {
    name: user,
    groups,
    ...(r.uid !== undefined ? { uid: r.uid } : {}),
    ...(Object.keys(r.extra).length ? { extra: r.extra } : {}),
  };
}

function forbidden(user: UserInfo, a: RequestAttributes): string {
  const res = a.group ? `${a.resource}.${a.group}` : String(a.resource);
  const scope = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  return `${res} "${a.name ?? ''}" is forbidden: User "${user.name}" cannot impersonate resource "${a.resource}${a.subresource ? `/${a.subresource}` : ''}" in API group "${a.group ?? ''}"${scope}`;
}

/** After authentication: replaces the request's user when it asks for impersonation and may. */
export function registerImpersonation(api: ApiServer, authorizer: () => Authorizer): void {
  api.app.addHook('onRequest', async (req: FastifyRequest) => {
    const user = req.edgefedUser;
    if (!user) return;
    const r = impersonationOf(req.headers);
    if (!r) return;
    for (const a of impersonationChecks(r)) {
      if (!(await authorizer().authorize(user, a)).allowed) throw errors.forbidden(forbidden(user, a));
    }
    req.edgefedUser = impersonatedUser(r);
  });
}
