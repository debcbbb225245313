import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { UserInfo } from '../rest/context.js';

/** Result of one authenticator: a user, "not mine" (undefined), or a definite rejection. */
export type AuthnResult = UserInfo | undefined | { rejected: string };

export interface Authenticator {
  authenticate(req: IncomingMessage): AuthnResult | Promise<AuthnResult>;
}

/**
 * Client certificates verified against the server's client CA during the TLS handshake:
 * CN is the user, each O a group (as kube-apiserver reads them). A certificate from another CA is
 * a rejection, not an anonymous request.
 */
export class X509Authenticator implements Authenticator {
  /** A TLS connection's peer certificate cannot change, so it is read once per connection. */
  private readonly bySocket = new WeakMap<object, AuthnResult>();

  authenticate(req: IncomingMessage): AuthnResult {
    const socket = req.socket as TLSSocket;
    if (this.bySocket.has(socket)) return this.bySocket.get(socket);
    const result = this.fromSocket(socket);
    this.bySocket.set(socket, result);
    return result;
  }

  private fromSocket(socket: TLSSocket): AuthnResult {
    if (typeof socket.getPeerCertificate !== 'function') return undefined;
    const cert = socket.getPeerCertificate();
    if (!cert || Object.keys(cert).length === 0) return undefined;
    if (!socket.authorized) {
      return {
        rejected: `client certificate rejected: ${String(socket.authorizationError ?? 'unknown authority')}`,
      };
    }
    const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
    const cn = subject.CN;
    const o = subject.O;
    const name = Array.isArray(cn) ? cn[0] : cn;
    if (!name) return { rejected: 'client certificate has no common name' };
    return { name, groups: [...(Array.isArray(o) ? o : o ? [o] : []), 'system:authenticated'] };
  }
}

/** Something that can check a bearer token (static tokens, bootstrap tokens, ...). */
export interface TokenChecker {
  check(token: string): UserInfo | undefined | Promise<UserInfo | undefined>;
}

/** Static bearer tokens (like kube's --token-auth-file). Compared in constant time. */
export class StaticTokens implements TokenChecker {
  constructor(private readonly tokens: { token: string; user: UserInfo }[]) {}

  check(token: string): UserInfo | undefined {
    const given = Buffer.from(token);
    for (const t of this.tokens) {
      const want = Buffer.from(t.token);
      if (want.length === given.length && timingSafeEqual(want, given)) {
        return { ...t.user, groups: [...t.user.groups, 'system:authenticated'] };
      }
    }
    return undefined;
  }
}

export class BearerTokenAuthenticator implements Authenticator {
  constructor(private readonly checkers: TokenChecker[]) {}

  async authenticate(req: IncomingMessage): Promise<AuthnResult> {
    const h = req.headers.authorization;
    if (!h) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (!m) return { rejected: 'malformed Authorization header' };
    for (const c of this.checkers) {
      const user = await c.check(m[1]);
      if (user) return user;
    }
    return { rejected: 'invalid bearer token' };
  }
}

/** Tries each authenticator in turn; the first definite answer wins. */
export class UnionAuthenticator implements Authenticator {
  constructor(private readonly chain: Authenticator[]) {}

  async authenticate(req: IncomingMessage): Promise<AuthnResult> {
    for (const a of this.chain) {
      const r = await a.authenticate(req);
      if (r !== undefined) return r;
    }
    return undefined;
  }
}
