/**
 * The agent's key pair and certificate signing request: EC P-256, PKCS#10, subject
 * CN=AGENT_CN_PREFIX+cluster, O=AGENT_GROUP (the hub binds the identity to the CN).
 */
import 'reflect-metadata';
import { createHash, createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { AGENT_CN_PREFIX, AGENT_GROUP } from '../api/protocol.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface KeyAndCsr {
  /** PKCS#8 PEM. */
  key: string;
  /** PKCS#10 PEM. */
  csr: string;
  /** sha256 (hex) of the public key's SPKI DER, as AGENT_KEY_ANNOTATION records it. */
  publicKeySha256: string;
}

export function agentSubject(cluster: string): string {
  return `CN=${AGENT_CN_PREFIX}${cluster}, O=${AGENT_GROUP}`;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export async function generateKeyAndCsr(cluster: string): Promise<KeyAndCsr> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: agentSubject(cluster),
    keys,
    signingAlgorithm: ALG,
  });
  const spki = await webcrypto.subtle.exportKey('spki', keys.publicKey);
  return {
    key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    csr: csr.toString('pem') + '\n',
    publicKeySha256: createHash('sha256').update(Buffer.from(spki)).digest('hex'),
  };
}

/** Checks an issued certificate: parses, signed by the CA, and for our key (it must match `key`). */
export function checkIssuedCertificate(certPem: string, caPem: string, keyPem: string): void {
  const cert = new X509Certificate(certPem);
  const ca = new X509Certificate(caPem);
  if (!cert.verify(ca.publicKey)) throw new Error('the hub returned a certificate not signed by its CA');
  if (!cert.checkPrivateKey(createPrivateKey(keyPem)))
    throw new Error('the hub returned a certificate for another key');
}

/** Validity window of a PEM certificate. */
export function certificateValidity(certPem: string): { notBefore: number; notAfter: number } {
  const c = new X509Certificate(certPem);
  return { notBefore: Date.parse(c.validFrom), notAfter: Date.parse(c.validTo) };
}
