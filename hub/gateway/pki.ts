/**
 * The gateway's PKI: ensurePki in `<data-dir>/pki` (CA, serving certificate for the advertised
 * names, admin client certificate), with the CA itself shared through the host Secret
 * kube-federation-system/edgefed-gateway-pki so every controller replica signs and trusts the same
 * agent certificates and agents pin one CA hash:
 *
 * - the Secret exists: its CA is written into the data dir (replacing a different local one; the
 *   serving and admin certificates are then re-issued by ensurePki, as they no longer verify);
 * - it does not: the local CA (created if needed) is published; a replica that loses the create
 *   race adopts the winner's.
 *
 * Each replica keeps its own serving certificate (its own names) and admin certificate: both chain
 * to the shared CA. Reading the Secret being forbidden leaves the gateway on its local CA, with a
 * warning (replicas would then not share it).
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeClient } from '../../client/client.js';
import { ApiError, isAlreadyExists } from '../../client/errors.js';
import type { RuntimeLogger } from '../../client/log.js';
import { HUB_NAMESPACE } from '../../api/federation.js';
import { ensurePki, type KeyPair, type Pki } from '../../pki/pki.js';

export const GATEWAY_PKI_SECRET = 'edgefed-gateway-pki';
const SECRETS = `/api/v1/namespaces/${HUB_NAMESPACE}/secrets`;

interface Secret {
  metadata: { name: string; resourceVersion?: string };
  data?: Record<string, string>;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined): string => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

function caFromSecret(s: Secret): KeyPair | undefined {
  const cert = unb64(s.data?.['ca.crt']);
  const key = unb64(s.data?.['ca.key']);
  if (!cert || !key) return undefined;
  try {
    new X509Certificate(cert);
  } catch {
    return undefined;
  }
  return { cert, key };
}

function writeFileAtomic(path: string, content: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

/** Puts the CA into the PKI directory unless it is already there. */
function adoptCa(dir: string, ca: KeyPair): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const crt = join(dir, 'ca.crt');
  if (existsSync(crt) && readFileSync(crt, 'utf8') === ca.cert) return false;
  // The key first, then the certificate (as hub/pki.ts writes pairs).
  writeFileAtomic(join(dir, 'ca.key'), ca.key, 0o600);
  writeFileAtomic(crt, ca.cert, 0o644);
  return true;
}

function isForbidden(e: unknown): boolean {
  return e instanceof ApiError && e.code === 403;
}

export async function ensureGatewayPki(
  client: KubeClient,
  dir: string,
  names: { dns: string[]; ips: string[] },
  log: RuntimeLogger,
): Promise<Pki> {
  const path = `${SECRETS}/${GATEWAY_PKI_SECRET}`;
  let secret: Secret | undefined;
  try {
    secret = await client.getIfExists<Secret>(path);
  } catch (e) {
    if (!isForbidden(e)) throw e;
    log.warn(
      { secret: `${HUB_NAMESPACE}/${GATEWAY_PKI_SECRET}` },
      'may not read the shared gateway CA Secret: using the CA in the data dir (replicas will not share it)',
    );
    return ensurePki(dir, names);
  }
  const shared = secret ? caFromSecret(secret) : undefined;
  if (secret && !shared)
    throw new Error(`Secret ${HUB_NAMESPACE}/${GATEWAY_PKI_SECRET} has no usable ca.crt and ca.key`);
  if (shared) {
    if (adoptCa(dir, shared)) log.info({}, 'using the gateway CA shared in the host Secret');
    return ensurePki(dir, names);
  }
  const pki = await ensurePki(dir, names);
  try {
    await client.create(SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: GATEWAY_PKI_SECRET,
        namespace: HUB_NAMESPACE,
        labels: { 'app.kubernetes.io/managed-by': 'edgefed' },
      },
      data: { 'ca.crt': b64(pki.ca.cert), 'ca.key': b64(pki.ca.key) },
    });
    log.info({ secret: `${HUB_NAMESPACE}/${GATEWAY_PKI_SECRET}` }, 'published the gateway CA');
    return pki;
  } catch (e) {
    if (isForbidden(e)) {
      log.warn({}, 'may not create the shared gateway CA Secret: replicas will not share the CA');
      return pki;
    }
    if (!isAlreadyExists(e)) throw e;
  }
  // Another replica published its CA first: use that one.
  const winner = await client.get<Secret>(path);
  const ca = caFromSecret(winner);
  if (!ca) throw new Error(`Secret ${HUB_NAMESPACE}/${GATEWAY_PKI_SECRET} has no usable ca.crt and ca.key`);
  adoptCa(dir, ca);
  return ensurePki(dir, names);
}
