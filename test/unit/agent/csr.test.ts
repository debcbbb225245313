import 'reflect-metadata';
import assert from 'node:assert/strict';
import * as x509 from '@peculiar/x509';
import { checkIssuedCertificate, generateKeyAndCsr } from '../../../agent/csr.js';
import { extractCaPem, verifyCaHash } from '../../../agent/join/join.js';
import { caCertHash, createCA, issue } from '../../../pki/pki.js';

describe('agent: keys, CSR and CA pinning', function () {
  this.timeout(20_000);
  it('CSR has the agent subject and a verifiable signature; the issued cert checks out', async () => {
    const { key, csr } = await generateKeyAndCsr('edge-1');
    const req = new x509.Pkcs10CertificateRequest(csr);
    assert.equal(req.subject, 'CN=edgefed:cluster:edge-1, O=edgefed:clusters');
    assert.ok(await req.verify());
    const ca = await createCA('test-ca');
    const publicKey = await req.publicKey.export();
    const { cert } = await issue(ca, {
      commonName: 'edgefed:cluster:edge-1',
      usage: 'client',
      days: 1,
      publicKey,
    });
    checkIssuedCertificate(cert, ca.cert, key);
    const other = await generateKeyAndCsr('edge-1');
    assert.throws(() => checkIssuedCertificate(cert, ca.cert, other.key), /another key/);
    const otherCa = await createCA('other');
    assert.throws(() => checkIssuedCertificate(cert, otherCa.cert, key), /not signed by its CA/);
  });

  it('CA hash: match passes, mismatch refuses with a clear message', async () => {
    const ca = await createCA('test-ca');
    const pem = extractCaPem(`junk\n${ca.cert}`);
    assert.equal(
      verifyCaHash(pem, caCertHash(ca.cert).toUpperCase().replace('SHA256', 'sha256')),
      caCertHash(ca.cert),
    );
    assert.throws(
      () => verifyCaHash(pem, `sha256:${'0'.repeat(64)}`),
      /does not match --discovery-token-ca-cert-hash.*nothing was written/,
    );
    assert.throws(() => extractCaPem('no cert here'), /PEM/);
  });
});
