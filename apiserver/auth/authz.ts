import type { UserInfo } from '../rest/context.js';

/** What a request wants to do, in kube's authorization attributes. */
export interface RequestAttributes {
  verb: string;
  /** Resource requests carry group/resource; others carry only path. */
  resourceRequest: boolean;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path: string;
}

export interface Decision {
  allowed: boolean;
  reason?: string;
}

export interface Authorizer {
  authorize(user: UserInfo, attrs: RequestAttributes): Decision | Promise<Decision>;
}

export const MASTERS_GROUP = 'system:masters';

/** Admins (system:masters) may do everything; everything else is decided by the next authorizer. */
export class UnionAuthorizer implements Authorizer {
  constructor(private readonly chain: Authorizer[]) {}

  async authorize(user: UserInfo, attrs: RequestAttributes): Promise<Decision> {
    for (const a of this.chain) {
      const d = await a.authorize(user, attrs);
      if (d.allowed) return d;
    }
    return { allowed: false };
  }
}

export const mastersAuthorizer: Authorizer = {
  authorize: (user) => ({ allowed: user.groups.includes(MASTERS_GROUP) }),
};

/** Non-resource endpoints any authenticated user may read (kube's system:discovery and friends). */
export const discoveryAuthorizer: Authorizer = {
  authorize: (user, attrs) => {
    if (attrs.resourceRequest || attrs.verb !== 'get' || !user.groups.includes('system:authenticated'))
      return { allowed: false };
    const p = attrs.path;
    const ok =
      p === '/api' ||
      p === '/apis' ||
      p.startsWith('/api/') ||
      p.startsWith('/apis/') ||
      p.startsWith('/openapi/') ||
      p === '/version' ||
      p === '/metrics';
    return { allowed: ok };
  },
};

export function forbiddenMessage(user: UserInfo, a: RequestAttributes): string {
  if (!a.resourceRequest) return `forbidden: User "${user.name}" cannot ${a.verb} path "${a.path}"`;
  const res = a.group ? `${a.resource}.${a.group}` : String(a.resource);
  const sub = a.subresource ? `/${a.subresource}` : '';
  const scope = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  return `${res}${a.name ? ` "${a.name}"` : ''} is forbidden: User "${user.name}" cannot ${a.verb} resource "${a.resource}${sub}" in API group "${a.group ?? ''}"${scope}`;
}
