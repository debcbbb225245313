/** Who is asking, as established by authentication. */
export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** Per-request facts the object lifecycle needs. */
export interface RequestContext {
  user: UserInfo;
  /** The request's clock, so one request stamps one time everywhere. */
  now: Date;
  /** Warnings to return in `Warning` headers. */
  warnings: string[];
}

export function newContext(user: UserInfo): RequestContext {
  return { user, now: new Date(), warnings: [] };
}

export const SYSTEM_USER: UserInfo = { name: 'system:apiserver', groups: ['system:masters'] };

export { rfc3339 } from '../../api/time.js';
