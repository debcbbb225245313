/**
 * Bound ServiceAccount tokens: issued by the TokenRequest subresource (serviceaccounts/<name>/token)
 * and checked on every request: signature, expiry, audience, and the ServiceAccount still existing
 * with the uid the token names (read from an in-memory view kept by the store's watch).
 */
import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { errors } from '../../errors.js';
import { rfc3339, type RequestContext, type UserInfo } from '../../rest/context.js';
import { followPrefix, type Follower } from '../../storage/follow.js';
import type { Store } from '../../storage/store.js';
import type { KubeObject } from '../../../api/kubernetes.js';
import type { TokenChecker } from '../authn.js';
import { serviceAccountUsername } from '../rbac/rules.js';
import { signJwt, verifyJwt, type ServiceAccountClaims } from './jwt.js';

const SA_PREFIX = '/registry/core/serviceaccounts/';
/** kube-apiserver's default --service-account-issuer style, and its default API audience. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
const MIN_SECONDS = 600;
const DEFAULT_SECONDS = 3600;
const MAX_SECONDS = 2 ** 32;

export interface TokenOptions {
  /** PEM (PKCS#8) EC P-256 private key. */
  signingKey: string;
  issuer?: string;
  /** Audiences the API accepts; default [issuer]. */
  audiences?: string[];
}

export function serviceAccountUser(namespace: string, name: string, uid: string, jti?: string): UserInfo {
  return {
    name: serviceAccountUsername(namespace, name),
    uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    ...(jti ? { extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${jti}`] } } : {}),
  };
}

export class ServiceAccountTokens implements TokenChecker {
  readonly issuer: string;
  readonly audiences: string[];
  private readonly key: KeyObject;
  private readonly pub: KeyObject;
  /** "<namespace>/<name>" → uid */
  private readonly accounts = new Map<string, string>();
  private follower: Follower | undefined;
  /** Told when a ServiceAccount is deleted (the default-account controller re-creates `default`). */
  onDeleted: ((namespace: string, name: string) => void) | undefined;

  constructor(
    private readonly store: Store,
    opts: TokenOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createPrivateKey(opts.signingKey);
    this.pub = createPublicKey(this.key);
    this.issuer = opts.issuer ?? DEFAULT_ISSUER;
    this.audiences = opts.audiences ?? [this.issuer];
  }

  async start(): Promise<void> {
    this.follower = await followPrefix(this.store, SA_PREFIX, {
      reset: (items) => {
        this.accounts.clear();
        for (const it of items)
          this.accounts.set(it.key.slice(SA_PREFIX.length), String(it.object.metadata.uid));
      },
      event: (ev) => {
        const k = ev.key.slice(SA_PREFIX.length);
        if (ev.type === 'DELETED') {
          this.accounts.delete(k);
          const [ns, name] = k.split('/');
          this.onDeleted?.(ns, name);
        } else this.accounts.set(k, String(ev.object.metadata.uid));
      },
    });
  }

  stop(): void {
    this.follower?.stop();
  }

  accountUid(namespace: string, name: string): string | undefined {
    return this.accounts.get(`${namespace}/${name}`);
  }

  check(token: string): UserInfo | undefined {
    const r = this.verify(token);
    return r && 'user' in r ? r.user : undefined;
  }

  /** The user a token stands for, or why it is refused; undefined when it is not one of ours. */
  verify(token: string): { user: UserInfo; audiences: string[] } | { error: string } | undefined {
    return this.verifyFor(token, this.audiences);
  }

  verifyFor(
    token: string,
    audiences: string[],
  ): { user: UserInfo; audiences: string[] } | { error: string } | undefined {
    const r = verifyJwt(token, this.pub, {
      issuer: this.issuer,
      audiences,
      nowSeconds: Math.floor(this.now() / 1000),
    });
    if (!r || 'error' in r) return r;
    const k = r.claims['kubernetes.io'];
    const uid = this.accountUid(k.namespace, k.serviceaccount.name);
    if (uid === undefined) return { error: `serviceaccounts "${k.serviceaccount.name}" not found` };
    if (uid !== k.serviceaccount.uid)
      return {
        error: `the ServiceAccount's uid (${uid}) does not match the token's (${k.serviceaccount.uid})`,
      };
    return {
      user: serviceAccountUser(k.namespace, k.serviceaccount.name, uid, r.claims.jti),
      audiences: r.claims.aud.filter((a) => audiences.includes(a)),
    };
  }

  /** Signs a token for a ServiceAccount object (its uid is bound into the token). */
  issue(sa: KubeObject, audiences: string[], seconds: number): { token: string; expires: Date } {
    const now = Math.floor(this.now() / 1000);
    const namespace = String(sa.metadata.namespace);
    const name = String(sa.metadata.name);
    const claims: ServiceAccountClaims = {
      iss: this.issuer,
      sub: serviceAccountUsername(namespace, name),
      aud: audiences,
      exp: now + seconds,
      iat: now,
      nbf: now,
      jti: randomUUID(),
      'kubernetes.io': { namespace, serviceaccount: { name, uid: String(sa.metadata.uid) } },
    };
    return { token: signJwt(claims, this.key), expires: new Date((now + seconds) * 1000) };
  }

  /** Handles a TokenRequest body for an existing ServiceAccount (kube's TokenREST.Create). */
  tokenRequest(ctx: RequestContext, sa: KubeObject, body: KubeObject): KubeObject {
    const spec = (body.spec ?? {}) as {
      audiences?: string[];
      expirationSeconds?: number;
      boundObjectRef?: unknown;
    };
    const seconds = spec.expirationSeconds ?? DEFAULT_SECONDS;
    const causes = [];
    if (!Number.isInteger(seconds) || seconds < MIN_SECONDS)
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.expirationSeconds',
        message: `Invalid value: ${seconds}: may not specify a duration less than 10 minutes`,
      });
    if (seconds > MAX_SECONDS)
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.expirationSeconds',
        message: `Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds`,
      });
    if (spec.boundObjectRef)
      causes.push({
        reason: 'FieldValueNotSupported',
        field: 'spec.boundObjectRef',
        message: 'Unsupported value: tokens bound to a Pod or Secret are not issued by this server',
      });
    const name = String(sa.metadata.name);
    if (causes.length) throw errors.invalid('TokenRequest', 'authentication.k8s.io', name, causes);
    const audiences = spec.audiences?.length ? spec.audiences : this.audiences;
    const t = this.issue(sa, audiences, seconds);
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name, namespace: sa.metadata.namespace, creationTimestamp: rfc3339(ctx.now) },
      spec: { audiences, expirationSeconds: seconds, boundObjectRef: null },
      status: { token: t.token, expirationTimestamp: rfc3339(t.expires) },
    };
  }
}
