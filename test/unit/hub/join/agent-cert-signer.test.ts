/**
 * agentCertSigner (hub/join/registration.ts) signs with the CA parsed once; its certificates must be
 * the ones pki.issue() makes for the same request: same subject, issuer, extensions (DER), key,
 * lifetime, verifiable with the CA's key.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { AGENT_CN_PREFIX, AGENT_GROUP } from '../../../../api/protocol.js';
import { agentCertSigner } from '../../../../hub/join/registration.js';
import { createCA, issue } from '../../../../pki/pki.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

describe('agentCertSigner', () => {
  it('makes the certificate pki.issue() makes, signed by the CA', async () => {
    const ca = await createCA('test-ca');
    const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
    const sign = agentCertSigner(ca, 30);
    const ours = await sign('site-a', keys.publicKey);
    const again = await sign('site-b', keys.publicKey);
    const theirs = (
      await issue(ca, {
        commonName: `${AGENT_CN_PREFIX}site-a`,
        organizations: [AGENT_GROUP],
        usage: 'client',
        days: 30,
        publicKey: keys.publicKey,
      })
    ).cert;
    const a = new X509Certificate(ours);
    const b = new X509Certificate(theirs);
    const caCert = new X509Certificate(ca.cert);
    assert.ok(a.verify(caCert.publicKey), 'signed by the CA');
    assert.ok(new X509Certificate(again).verify(caCert.publicKey), 'the cached CA key signs again');
    assert.equal(a.subject, b.subject);
    assert.equal(a.issuer, b.issuer);
    assert.deepEqual(a.keyUsage, b.keyUsage);
    assert.equal(
      a.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
      b.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
    );
    const life = (c: X509Certificate): number => Date.parse(c.validTo) - Date.parse(c.validFrom);
    assert.ok(Math.abs(life(a) - life(b)) <= 2_000, 'same lifetime');
    const ext = (pem: string): string[] =>
      new x509.X509Certificate(pem).extensions.map((e) => Buffer.from(e.rawData).toString('hex'));
    assert.deepEqual(ext(ours), ext(theirs));
    assert.notEqual(a.serialNumber, new X509Certificate(again).serialNumber);
    assert.match(ours, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
  });
});
