import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  signJwt,
  verifyJwt,
  type ServiceAccountClaims,
} from '../../../../apiserver/auth/serviceaccount/jwt.js';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const ISS = 'https://kubernetes.default.svc.cluster.local';

function claims(over: Partial<ServiceAccountClaims> = {}): ServiceAccountClaims {
  return {
    iss: ISS,
    sub: 'system:serviceaccount:team-a:bot',
    aud: [ISS],
    exp: 2000,
    iat: 1000,
    nbf: 1000,
    jti: 'j',
    'kubernetes.io': { namespace: 'team-a', serviceaccount: { name: 'bot', uid: 'u1' } },
    ...over,
  };
}
const opts = { issuer: ISS, audiences: [ISS], nowSeconds: 1500 };

describe('serviceaccount JWT (ES256)', () => {
  it('round-trips claims and sets alg ES256 and a kid', () => {
    const t = signJwt(claims(), privateKey);
    const header = JSON.parse(Buffer.from(t.split('.')[0], 'base64url').toString()) as Record<string, string>;
    assert.equal(header.alg, 'ES256');
    assert.ok(header.kid);
    const r = verifyJwt(t, privateKey, opts);
    assert.ok(r && 'claims' in r);
    assert.equal(r.claims['kubernetes.io'].serviceaccount.uid, 'u1');
  });
  const bad: [string, () => string, typeof opts, string | undefined][] = [
    ['expired', () => signJwt(claims({ exp: 1500 }), privateKey), opts, 'token has expired'],
    ['not yet valid', () => signJwt(claims({ nbf: 1600 }), privateKey), opts, 'token is not valid yet'],
    [
      'other audience',
      () => signJwt(claims({ aud: ['vault'] }), privateKey),
      opts,
      'token audiences do not match',
    ],
    ['signed by another key', () => signJwt(claims(), other), opts, 'invalid signature'],
    [
      'tampered payload',
      () => {
        const [h, , s] = signJwt(claims(), privateKey).split('.');
        const p = Buffer.from(
          JSON.stringify(claims({ sub: 'system:serviceaccount:kube-system:admin' })),
        ).toString('base64url');
        return `${h}.${p}.${s}`;
      },
      opts,
      'invalid signature',
    ],
    [
      'another issuer is not ours',
      () => signJwt(claims({ iss: 'https://other' }), privateKey),
      opts,
      undefined,
    ],
    ['not a JWT', () => 'abcdef.0123456789abcdef', opts, undefined],
  ];
  for (const [name, token, o, want] of bad) {
    it(`refuses: ${name}`, () => {
      const r = verifyJwt(token(), privateKey, o);
      if (want === undefined) assert.equal(r, undefined);
      else assert.deepEqual(r, { error: want });
    });
  }
});
