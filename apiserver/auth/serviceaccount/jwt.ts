/**
 * Compact JWS with ES256 (ECDSA P-256, SHA-256), as kube signs bound ServiceAccount tokens with
 * an EC key. Only what service-account tokens need: no other algorithms are accepted.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
  };
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

/** kube's key id: the base64url SHA-256 of the public key's DER (PKIX). */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return b64url(
    createHash('sha256')
      .update(pub.export({ type: 'spki', format: 'der' }))
      .digest(),
  );
}

export function signJwt(claims: ServiceAccountClaims, key: KeyObject): string {
  const header = { alg: 'ES256', kid: keyId(key) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

export type VerifyResult = { claims: ServiceAccountClaims } | { error: string } | undefined;

/**
 * Checks the signature, issuer, time window and audience. undefined: not a JWT of this issuer (some
 * other authenticator's token); { error }: ours but invalid.
 */
export function verifyJwt(
  token: string,
  key: KeyObject,
  opts: { issuer: string; audiences: string[]; nowSeconds: number },
): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  let header: { alg?: string };
  let claims: Partial<ServiceAccountClaims>;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: string };
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Partial<ServiceAccountClaims>;
  } catch {
    return undefined;
  }
  if (claims.iss !== opts.issuer) return undefined;
  if (header.alg !== 'ES256') return { error: `unexpected signing algorithm ${String(header.alg)}` };
  const ok = verify(
    'sha256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(parts[2], 'base64url'),
  );
  if (!ok) return { error: 'invalid signature' };
  const now = opts.nowSeconds;
  if (typeof claims.exp !== 'number' || now >= claims.exp) return { error: 'token has expired' };
  if (typeof claims.nbf === 'number' && now < claims.nbf) return { error: 'token is not valid yet' };
  const aud = Array.isArray(claims.aud) ? claims.aud : typeof claims.aud === 'string' ? [claims.aud] : [];
  if (!aud.some((a) => opts.audiences.includes(a))) return { error: 'token audiences do not match' };
  const k = claims['kubernetes.io'];
  if (!k?.namespace || !k.serviceaccount?.name || !k.serviceaccount.uid)
    return { error: 'token has no service account claims' };
  return { claims: claims as ServiceAccountClaims };
}
