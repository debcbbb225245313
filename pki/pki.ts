import 'reflect-metadata';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  webcrypto,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
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
  /**
   * Requested names the serving certificate does not cover. Only a shared PKI directory (used as
   * is, never rewritten by a replica) can leave some; clients dialling those names refuse it.
   */
  uncovered?: string[];
}

export interface EnsurePkiOptions {
  /**
   * The directory is shared by several hub replicas (`--pki-dir`): created once, under a lock, by
   * the first replica, with the names that replica asks for; afterwards every replica uses it as
   * is, so all of them present the same serving certificate. A near-expiry serving certificate is
   * re-issued keeping its names (plus the requested ones). Default false: a hub's own directory,
   * whose serving certificate is re-issued whenever it misses a requested name.
   */
  shared?: boolean;
  /** How long to wait for another replica holding the directory's lock (default 60 s). */
  lockTimeoutMs?: number;
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

/** Write to a temporary name, then rename: a reader never sees half a file. */
function writeAtomic(path: string, content: string, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

function writeSecret(path: string, content: string): void {
  writeAtomic(path, content, 0o600);
}

/** A lock older than this is from a process that died holding it. */
const STALE_LOCK_MS = 30_000;

/**
 * Holds `<dir>/.lock` (O_EXCL create) while fn runs, so replicas starting at once against a shared
 * PKI directory do not each create a CA. Works on local disks and on NFS v3+.
 */
async function withLock<T>(dir: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) unlinkSync(lock);
      } catch {
        // Released (or removed by another waiter) meanwhile: try again.
      }
      if (Date.now() > deadline)
        throw new Error(`${lock} is held by another process (remove it if no hub is starting)`);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // Gone already.
    }
  }
}

/** DNS names and IPs of a certificate's subjectAltName. */
function sanNames(cert: X509Certificate): { dns: string[]; ips: string[] } {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const part of (cert.subjectAltName ?? '').split(/,\s*/)) {
    if (part.startsWith('DNS:')) dns.push(part.slice(4));
    else if (part.startsWith('IP Address:')) ips.push(part.slice(11));
  }
  return { dns, ips };
}

/** Node prints IPv6 SANs expanded (0:0:0:0:0:0:0:1); compare addresses, not spellings. */
function coversIp(san: string[], ip: string): boolean {
  const norm = (a: string): string => {
    if (!a.includes(':')) return a;
    try {
      return new URL(`http://[${a}]/`).hostname;
    } catch {
      return a;
    }
  };
  return san.some((s) => norm(s) === norm(ip));
}

/** Whether a key pair read from disk belongs together (a crash between two writes can split it). */
function matches(pair: KeyPair): boolean {
  try {
    const fromKey = createPublicKey(createPrivateKey(pair.key)).export({ type: 'spki', format: 'der' });
    const fromCert = new X509Certificate(pair.cert).publicKey.export({ type: 'spki', format: 'der' });
    return fromKey.equals(fromCert);
  } catch {
    return false;
  }
}

function readPair(dir: string, name: string): KeyPair | undefined {
  const crt = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (!existsSync(crt) || !existsSync(key)) return undefined;
  return { cert: readFileSync(crt, 'utf8'), key: readFileSync(key, 'utf8') };
}

/** The key first, then the certificate: a reader that finds the certificate finds its key. */
function writePair(dir: string, name: string, pair: KeyPair): void {
  writeSecret(join(dir, `${name}.key`), pair.key);
  writeAtomic(join(dir, `${name}.crt`), pair.cert);
}

/**
 * The hub's PKI in `dir` (<dataDir>/pki by default): a CA, a serving certificate for the given
 * names, and an admin client certificate (O=system:masters). Created on first start, reused
 * afterwards. In a hub's own directory the serving certificate is re-issued when it does not cover
 * a requested name; a shared directory (opts.shared) is used as is (see EnsurePkiOptions).
 */
export async function ensurePki(
  dir: string,
  names: { dns: string[]; ips: string[] },
  opts: EnsurePkiOptions = {},
): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return withLock(dir, opts.lockTimeoutMs ?? 60_000, () => ensurePkiLocked(dir, names, opts.shared ?? false));
}

async function ensurePkiLocked(
  dir: string,
  names: { dns: string[]; ips: string[] },
  shared: boolean,
): Promise<Pki> {
  let ca = readPair(dir, 'ca');
  if (ca && !matches(ca)) throw new Error(`${dir}: ca.key does not belong to ca.crt`);
  if (!ca) {
    ca = await createCA('edgefed-ca');
    writePair(dir, 'ca', ca);
  }
  const caPublicKey = new X509Certificate(ca.cert).publicKey;
  let server = readPair(dir, 'server');
  let uncovered: string[] = [];
  let keep = { dns: [] as string[], ips: [] as string[] };
  if (server) {
    const c = new X509Certificate(server.cert);
    const san = sanNames(c);
    uncovered = [
      ...names.dns.filter((d) => !san.dns.includes(d)),
      ...names.ips.filter((ip) => !coversIp(san.ips, ip)),
    ];
    const usable = matches(server) && c.verify(caPublicKey);
    const expiring = new Date(c.validTo).getTime() < Date.now() + 30 * DAY;
    if (!usable || expiring || (uncovered.length > 0 && !shared)) {
      // Re-issued: a shared one keeps the names the other replicas are reached by.
      if (shared && usable) keep = san;
      server = undefined;
    }
  }
  if (!server) {
    const dns = [...new Set([...keep.dns, ...names.dns])];
    const ips = [...keep.ips];
    for (const ip of names.ips) if (!coversIp(ips, ip)) ips.push(ip);
    const s = await issue(ca, { commonName: 'edgefed-hub', dnsNames: dns, ips, usage: 'server', days: 365 });
    server = { cert: s.cert, key: s.key as string };
    writePair(dir, 'server', server);
    uncovered = [];
  }
  let admin = readPair(dir, 'admin');
  if (admin && !(matches(admin) && new X509Certificate(admin.cert).verify(caPublicKey))) admin = undefined;
  if (!admin) {
    const a = await issue(ca, {
      commonName: 'edgefed-admin',
      organizations: ['system:masters'],
      usage: 'client',
      days: 365,
    });
    admin = { cert: a.cert, key: a.key as string };
    writePair(dir, 'admin', admin);
  }
  return { ca, server, admin, caHash: caCertHash(ca.cert), ...(uncovered.length ? { uncovered } : {}) };
}

/**
 * The key that signs ServiceAccount tokens (`<dir>/sa.key`, EC P-256 PKCS#8), created once. Replicas
 * sharing the directory race on an exclusive create: the first one's key is everyone's.
 */
export function ensureServiceAccountKey(dir: string): string {
  const path = join(dir, 'sa.key');
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, pem, { mode: 0o600 });
    try {
      linkSync(tmp, path); // atomic, and fails if another replica's key is there already
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
  }
  return readFileSync(path, 'utf8');
}
