import 'reflect-metadata';
import { createHash, webcrypto, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface KeyPair {
  cert: string;
  key: string;
}

export interface Pki {
  ca: KeyPair;
  server: KeyPair;
  admin: KeyPair;
  /** sha256:<hex> of the CA certificate's DER, as kubeadm's --discovery-token-ca-cert-hash. */
  caHash: string;
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return webcrypto.subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), ALG, true, ['sign']);
}

function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

function newKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
}

export async function createCA(commonName: string, years = 10): Promise<KeyPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - 5 * 60 * 1000),
    notAfter: new Date(Date.now() + years * 365 * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await exportKey(keys.privateKey) };
}

export interface LeafRequest {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ips?: string[];
  usage: 'server' | 'client';
  days: number;
  /** Sign this public key (from a CSR) instead of generating a key pair. */
  publicKey?: CryptoKey;
}

function escapeDn(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1');
}

/** Issues a certificate signed by the CA. Returns the key only when it generated one. */
export async function issue(ca: KeyPair, req: LeafRequest): Promise<{ cert: string; key?: string }> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const keys = req.publicKey ? undefined : await newKeys();
  const publicKey = req.publicKey ?? (keys as CryptoKeyPair).publicKey;
  const subject = [
    `CN=${escapeDn(req.commonName)}`,
    ...(req.organizations ?? []).map((o) => `O=${escapeDn(o)}`),
  ].join(', ');
  const san: x509.JsonGeneralName[] = [
    ...(req.dnsNames ?? []).map((d) => ({ type: 'dns' as const, value: d })),
    ...(req.ips ?? []).map((ip) => ({ type: 'ip' as const, value: ip })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([
      req.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
    ]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
  if (san.length) extensions.push(new x509.SubjectAlternativeNameExtension(san));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 5 * 60 * 1000),
    notAfter: new Date(Date.now() + req.days * DAY),
    signingAlgorithm: ALG,
    publicKey,
    signingKey: caKey,
    extensions,
  });
  return { cert: cert.toString('pem') + '\n', key: keys ? await exportKey(keys.privateKey) : undefined };
}

export function caCertHash(caPem: string): string {
  const der = new X509Certificate(caPem).raw;
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

function writeSecret(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
}

/**
 * The hub's PKI under <dataDir>/pki: a CA, a serving certificate for the given names, and an admin
 * client certificate (O=system:masters). Created on first start, reused afterwards; the serving
 * certificate is re-issued when it does not cover a requested name.
 */
export async function ensurePki(dir: string, names: { dns: string[]; ips: string[] }): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = (f: string) => join(dir, f);
  let ca: KeyPair;
  if (existsSync(p('ca.crt')) && existsSync(p('ca.key'))) {
    ca = { cert: readFileSync(p('ca.crt'), 'utf8'), key: readFileSync(p('ca.key'), 'utf8') };
  } else {
    ca = await createCA('edgefed-ca');
    writeFileSync(p('ca.crt'), ca.cert);
    writeSecret(p('ca.key'), ca.key);
  }
  let server: KeyPair | undefined;
  if (existsSync(p('server.crt')) && existsSync(p('server.key'))) {
    server = { cert: readFileSync(p('server.crt'), 'utf8'), key: readFileSync(p('server.key'), 'utf8') };
    const c = new X509Certificate(server.cert);
    const san = c.subjectAltName ?? '';
    const covered =
      names.dns.every((d) => san.includes(`DNS:${d}`)) &&
      names.ips.every((ip) => san.includes(`IP Address:${ip}`));
    if (
      !covered ||
      new Date(c.validTo).getTime() < Date.now() + 30 * DAY ||
      !c.verify(new X509Certificate(ca.cert).publicKey)
    )
      server = undefined;
  }
  if (!server) {
    const s = await issue(ca, {
      commonName: 'edgefed-hub',
      dnsNames: names.dns,
      ips: names.ips,
      usage: 'server',
      days: 365,
    });
    server = { cert: s.cert, key: s.key as string };
    writeFileSync(p('server.crt'), server.cert);
    writeSecret(p('server.key'), server.key);
  }
  let admin: KeyPair;
  if (existsSync(p('admin.crt')) && existsSync(p('admin.key'))) {
    admin = { cert: readFileSync(p('admin.crt'), 'utf8'), key: readFileSync(p('admin.key'), 'utf8') };
  } else {
    const a = await issue(ca, {
      commonName: 'edgefed-admin',
      organizations: ['system:masters'],
      usage: 'client',
      days: 365,
    });
    admin = { cert: a.cert, key: a.key as string };
    writeFileSync(p('admin.crt'), admin.cert);
    writeSecret(p('admin.key'), admin.key);
  }
  return { ca, server, admin, caHash: caCertHash(ca.cert) };
}
