import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { ApiError } from '../../../../apiserver/errors.js';
import { checkRegisterRequest, parseCsr } from '../../../../hub/join/registration.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function csr(): Promise<{ pem: string; spki: ArrayBuffer }> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=whatever-the-agent-says, O=system:masters',
    keys: keys as unknown as Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]['keys'],
    signingAlgorithm: ALG,
  });
  return { pem: req.toString('pem'), spki: await webcrypto.subtle.exportKey('spki', keys.publicKey) };
}

function code(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return (e as ApiError).code;
  }
  return undefined;
}

describe('join request checks', () => {
  it('parses a CSR, verifies it and hashes its public key (SPKI sha256)', async () => {
    const { pem, spki } = await csr();
    const parsed = await parseCsr(pem);
    assert.equal(parsed.keyHash, createHash('sha256').update(Buffer.from(spki)).digest('hex'));
  });

  it('refuses CSRs that do not parse or whose signature does not verify (400)', async () => {
    const { pem } = await csr();
    for (const bad of [undefined, '', 'not a csr', pem.replace(/[A-Za-z]{8}\n/, 'AAAAAAAA\n')]) {
      await assert.rejects(parseCsr(bad), (e: unknown) => e instanceof ApiError && e.code === 400);
    }
    // Parses, but the signed part was changed after signing.
    const raw = Buffer.from(new x509.Pkcs10CertificateRequest(pem).rawData);
    const at = raw.indexOf(Buffer.from('whatever'));
    assert.ok(at > 0);
    raw[at] = 'W'.charCodeAt(0);
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${raw.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await assert.rejects(parseCsr(tampered), /signature does not verify/);
  });

  it('checks the cluster name and labels (422)', () => {
    assert.equal(
      code(() => checkRegisterRequest({ cluster: 'eu-1', csr: 'x' })),
      undefined,
    );
    assert.equal(
      code(() => checkRegisterRequest({ csr: 'x' })),
      422,
    );
    assert.equal(
      code(() => checkRegisterRequest({ cluster: 'EU_1', csr: 'x' })),
      422,
    );
    assert.equal(
      code(() => checkRegisterRequest({ cluster: 'a.b', csr: 'x' })),
      422,
    );
    assert.equal(
      code(() => checkRegisterRequest({ cluster: 'x'.repeat(48), csr: 'x' })),
      422,
    );
    assert.equal(
      code(() => checkRegisterRequest({ cluster: 'x'.repeat(47), csr: 'x' })),
      undefined,
    );
    assert.equal(
      code(() => checkRegisterRequest({ cluster: 'ok', csr: 'x', labels: { 'bad key!': 'v' } })),
      422,
    );
    assert.equal(
      code(() => checkRegisterRequest({ cluster: 'ok', csr: 'x', labels: { k: 'v v' } })),
      422,
    );
    assert.equal(
      code(() => checkRegisterRequest({ cluster: 'ok', csr: 'x', labels: 'region=eu' })),
      422,
    );
    assert.equal(
      code(() => checkRegisterRequest({ cluster: 'ok', csr: 'x', labels: { region: 'eu' } })),
      undefined,
    );
  });
});
