/**
 * The hub's join endpoints (served before authentication; each checks its own credential):
 *
 * - GET CA_PATH: the hub CA, which the agent checks against --discovery-token-ca-cert-hash.
 * - POST REGISTER_PATH: bootstrap token + CSR → the cluster's KubeFedCluster and namespace, and a
 *   client certificate (CN=AGENT_CN_PREFIX+name, O=AGENT_GROUP). The identity is bound to the key:
 *   a name already joined with another key is refused (409) until it is unjoined. With
 *   requireAcceptance, a new cluster waits (202) for `edgefed clusters accept <name>`.
 * - POST RENEW_PATH: the agent's current certificate (mTLS) + CSR → a new certificate; the key may
 *   change (rotation), and the KubeFedCluster's key annotation follows it.
 *
 * Every refusal happens before anything is written. Tokens and keys are never logged.
 */
import 'reflect-metadata';
import { createHash, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ACCEPTED_ANNOTATION,
  AGENT_CN_PREFIX,
  AGENT_GROUP,
  AGENT_KEY_ANNOTATION,
  CA_PATH,
  REGISTER_PATH,
  RENEW_PATH,
  type RegisterRequest,
  type RegisterResponse,
  type RenewRequest,
} from '../../api/protocol.js';
import { ApiError, errors, fieldInvalid } from '../../apiserver/errors.js';
import type { ApiApp } from '../../apiserver/server/api-server.js';
import type { StatusCause } from '../../api/kubernetes.js';
import { isDNS1123Label } from '../../apiserver/validation/rules.js';
import { validateLabels } from '../../apiserver/validation/object-meta.js';
import type { KubeClient } from '../../client/client.js';
import { isAlreadyExists, isNotFound } from '../../client/errors.js';
import type { RuntimeLogger } from '../../client/log.js';
import { CLUSTER_LABEL } from '../../controllers/sync/cluster-namespaces.js';
import { HUB_NAMESPACE, clusterNamespace, type KubeFedCluster } from '../../api/federation.js';
import type { KeyPair } from '../../pki/pki.js';
import { validateToken } from './tokens.js';
import { KUBEFEDCLUSTERS_PATH } from './known-clusters.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface JoinDeps {
  /** Admin client to the hub's own API. */
  client: KubeClient;
  ca: KeyPair;
  /** sha256:<hex> of the CA (logged at startup for the join command; not needed per request). */
  caHash: string;
  /** New clusters wait for `edgefed clusters accept <name>` before they get a certificate. */
  requireAcceptance: boolean;
  /** Lifetime of issued agent certificates (default 365 days). */
  certDays?: number;
  log: RuntimeLogger;
}

/** "edgefed-cluster-" + name must still be a DNS-1123 label. */
export const MAX_CLUSTER_NAME_LENGTH = 63 - clusterNamespace('').length;
const MAX_CSR_LENGTH = 16 * 1024;
const KFC_GROUP = 'core.kubefed.io';

/** Hex sha256 of a public key's SPKI DER: the value of AGENT_KEY_ANNOTATION. */
export function spkiSha256(spkiDer: ArrayBuffer | Uint8Array): string {
  return createHash('sha256')
    .update(spkiDer instanceof Uint8Array ? spkiDer : new Uint8Array(spkiDer))
    .digest('hex');
}

export interface ParsedCsr {
  publicKey: webcrypto.CryptoKey;
  keyHash: string;
}

/** Parses a PEM CSR and checks its self-signature. Throws a 400 ApiError otherwise. */
export async function parseCsr(pem: unknown): Promise<ParsedCsr> {
  if (typeof pem !== 'string' || pem.trim() === '') throw errors.badRequest('csr: required (PEM PKCS#10)');
  if (pem.length > MAX_CSR_LENGTH) throw errors.badRequest('csr: too large');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (e) {
    throw errors.badRequest(`csr: not a PEM PKCS#10 certificate request: ${(e as Error).message}`);
  }
  let ok = false;
  try {
    ok = await csr.verify();
  } catch {
    ok = false;
  }
  if (!ok) throw errors.badRequest('csr: signature does not verify');
  const alg = csr.publicKey.algorithm as { name?: string; modulusLength?: number };
  if (alg.modulusLength !== undefined && alg.modulusLength < 2048)
    throw errors.badRequest('csr: RSA keys must have at least 2048 bits');
  let publicKey: webcrypto.CryptoKey;
  try {
    publicKey = (await csr.publicKey.export()) as unknown as webcrypto.CryptoKey;
  } catch (e) {
    throw errors.badRequest(`csr: unsupported public key: ${(e as Error).message}`);
  }
  return { publicKey, keyHash: spkiSha256(csr.publicKey.rawData) };
}

function parseBody(body: unknown): Record<string, unknown> {
  let v: unknown = body;
  if (Buffer.isBuffer(v)) v = v.toString('utf8');
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw errors.badRequest('the request body must be JSON');
    }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw errors.badRequest('the request body must be a JSON object');
  return v as Record<string, unknown>;
}

function invalidRequest(name: string, causes: StatusCause[]): ApiError {
  return errors.invalid('RegisterRequest', '', name, causes);
}

/** Checks a RegisterRequest's shape, name and labels (422 / 400). */
export function checkRegisterRequest(body: Record<string, unknown>): RegisterRequest {
  const cluster = body.cluster;
  if (typeof cluster !== 'string' || cluster === '')
    throw invalidRequest('', [{ reason: 'FieldValueRequired', field: 'cluster', message: 'Required value' }]);
  const nameErrs = isDNS1123Label(cluster);
  if (cluster.length > MAX_CLUSTER_NAME_LENGTH)
    nameErrs.push(
      `must be no more than ${MAX_CLUSTER_NAME_LENGTH} characters (its namespace is edgefed-cluster-<name>)`,
    );
  if (nameErrs.length)
    throw invalidRequest(
      cluster,
      nameErrs.map((m) => fieldInvalid('cluster', cluster, m)),
    );
  if (body.labels !== undefined) {
    const causes = validateLabels(body.labels, 'labels');
    if (causes.length) throw invalidRequest(cluster, causes);
  }
  if (body.kubernetesVersion !== undefined && typeof body.kubernetesVersion !== 'string')
    throw invalidRequest(cluster, [
      fieldInvalid('kubernetesVersion', body.kubernetesVersion, 'must be a string'),
    ]);
  if (typeof body.kubernetesVersion === 'string' && body.kubernetesVersion.length > 256)
    throw invalidRequest(cluster, [fieldInvalid('kubernetesVersion', '...', 'too long')]);
  return {
    cluster,
    csr: body.csr as string,
    labels: body.labels as Record<string, string> | undefined,
    kubernetesVersion: body.kubernetesVersion as string | undefined,
  };
}

function bearer(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (!h) throw errors.unauthorized('a bootstrap token is required (Authorization: Bearer <token>)');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw errors.unauthorized('malformed Authorization header (want: Bearer <token>)');
  return m[1];
}

function kfcPath(name: string): string {
  return `${KUBEFEDCLUSTERS_PATH}/${encodeURIComponent(name)}`;
}

function alreadyJoined(name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `cluster "${name}" is already joined with another key; remove it first (edgefed unjoin ${name})`,
    { name, group: KFC_GROUP, kind: 'kubefedclusters' },
  );
}

/** region / zone from the labels, as kubefed's status reports them. */
function topology(labels: Record<string, string>): { region?: string; zones?: string[] } {
  const region = labels.region ?? labels['topology.kubernetes.io/region'];
  const zone = labels.zone ?? labels['topology.kubernetes.io/zone'];
  return { ...(region ? { region } : {}), ...(zone ? { zones: [zone] } : {}) };
}

async function getCluster(client: KubeClient, name: string): Promise<KubeFedCluster | undefined> {
  return client.getIfExists<KubeFedCluster>(kfcPath(name));
}

/** The namespace holding the cluster's Works (the cluster-namespaces controller also creates it). */
async function ensureClusterNamespace(client: KubeClient, name: string): Promise<void> {
  const ns = clusterNamespace(name);
  if (await client.getIfExists(`/api/v1/namespaces/${ns}`)) return;
  try {
    await client.create('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { [CLUSTER_LABEL]: name } },
    });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

function send(reply: FastifyReply, code: number, body: RegisterResponse): FastifyReply {
  return reply.code(code).type('application/json').send(JSON.stringify(body));
}

/**
 * Signs agent client certificates with the CA parsed once. pki.issue() parses the CA certificate
 * (pure-JS ASN.1), imports the CA key and derives the authority key identifier on every call: at
 * 1,000 agents joining at once that was most of the hub's X.509 time (bench:agents). The result is
 * the certificate issue() makes for the same request (the same fields and extensions, in order).
 */
export function agentCertSigner(
  ca: KeyPair,
  days: number,
): (name: string, publicKey: webcrypto.CryptoKey) => Promise<string> {
  interface CaMaterial {
    cert: x509.X509Certificate;
    key: webcrypto.CryptoKey;
    aki: x509.Extension;
  }
  let material: Promise<CaMaterial> | undefined;
  const load = async (): Promise<CaMaterial> => {
    const cert = new x509.X509Certificate(ca.cert);
    const der = Buffer.from(ca.key.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const key = await webcrypto.subtle.importKey('pkcs8', der, CA_ALG, false, ['sign']);
    return { cert, key, aki: await x509.AuthorityKeyIdentifierExtension.create(cert, false) };
  };
  return async (name, publicKey) => {
    material ??= load().catch((e: unknown) => {
      material = undefined;
      throw e;
    });
    const m = await material;
    const serial = randomBytes(16);
    serial[0] &= 0x7f;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial.toString('hex'),
      subject: [`CN=${escapeDn(AGENT_CN_PREFIX + name)}`, `O=${escapeDn(AGENT_GROUP)}`].join(', '),
      issuer: m.cert.subject,
      notBefore: new Date(Date.now() - 5 * 60 * 1000),
      notAfter: new Date(Date.now() + days * 24 * 60 * 60 * 1000),
      signingAlgorithm: CA_ALG,
      publicKey,
      signingKey: m.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        m.aki,
      ],
    });
    return `${cert.toString('pem')}\n`;
  };
}

/** pki/pki.ts's key algorithm (its CA keys are ECDSA P-256). */
const CA_ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function escapeDn(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1');
}

/** Adds the join routes to the hub's API server (pass as ApiServerOptions.extraRoutes). */
export function registerJoinRoutes(app: ApiApp, deps: JoinDeps): void {
  const { client, ca, log } = deps;
  const certDays = deps.certDays ?? 365;
  const caX509 = new X509Certificate(ca.cert);
  const sign = agentCertSigner(ca, certDays);

  app.get(CA_PATH, { config: { public: true } }, async (_req, reply) =>
    reply.type('text/plain').send(ca.cert),
  );

  app.post(REGISTER_PATH, { config: { public: true } }, async (req, reply) => {
    // 1. Every check first: nothing is written for a refused request.
    const token = bearer(req);
    const tv = await validateToken(client, token);
    if (!tv.ok) {
      log.info({ reason: tv.reason }, 'join refused: bad bootstrap token');
      throw errors.unauthorized(tv.message);
    }
    const body = checkRegisterRequest(parseBody(req.body));
    const name = body.cluster;
    const csr = await parseCsr(body.csr);
    // Token labels are the admin's and win over what the agent asks for.
    const labels = { ...(body.labels ?? {}), ...tv.labels };
    const causes = validateLabels(labels, 'labels');
    if (causes.length) throw invalidRequest(name, causes);

    let cluster = await getCluster(client, name);
    const checkExisting = (c: KubeFedCluster): void => {
      if (c.metadata.annotations?.[AGENT_KEY_ANNOTATION] !== csr.keyHash) {
        log.info({ cluster: name, tokenId: tv.id }, 'join refused: name already joined with another key');
        throw alreadyJoined(name);
      }
      if (c.metadata.deletionTimestamp)
        throw errors.conflict(
          'kubefedclusters',
          KFC_GROUP,
          name,
          'the cluster is being removed; try again later',
        );
    };
    if (cluster) checkExisting(cluster);

    // 2. Writes.
    if (!cluster) {
      const annotations: Record<string, string> = { [AGENT_KEY_ANNOTATION]: csr.keyHash };
      if (deps.requireAcceptance) annotations[ACCEPTED_ANNOTATION] = 'false';
      try {
        cluster = await client.create<KubeFedCluster>(KUBEFEDCLUSTERS_PATH, {
          apiVersion: `${KFC_GROUP}/v1beta1`,
          kind: 'KubeFedCluster',
          metadata: { name, namespace: HUB_NAMESPACE, labels, annotations },
          spec: {},
        });
        log.info({ cluster: name, tokenId: tv.id, labels }, 'cluster joined');
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        // Lost a race with another registration of the same name: judge against the winner.
        cluster = await getCluster(client, name);
        if (!cluster) throw errors.conflict('kubefedclusters', KFC_GROUP, name, 'try again');
        checkExisting(cluster);
      }
    }
    const status = {
      ...(body.kubernetesVersion ? { kubernetesVersion: body.kubernetesVersion } : {}),
      ...topology(cluster.metadata.labels ?? {}),
    };
    const cur = cluster.status ?? {};
    if (
      (status.kubernetesVersion && status.kubernetesVersion !== cur.kubernetesVersion) ||
      (status.region && status.region !== cur.region) ||
      (status.zones && JSON.stringify(status.zones) !== JSON.stringify(cur.zones))
    ) {
      await client.mergePatch(`${kfcPath(name)}/status`, { status }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
    await ensureClusterNamespace(client, name);

    const base = { ca: ca.cert, cluster: name, namespace: clusterNamespace(name) };
    if (cluster.metadata.annotations?.[ACCEPTED_ANNOTATION] === 'false') {
      return send(reply, 202, {
        ...base,
        pending: true,
        message: `cluster "${name}" is waiting for the hub admin to run: edgefed clusters accept ${name}`,
      });
    }
    const certificate = await sign(name, csr.publicKey);
    log.info({ cluster: name }, 'issued agent certificate');
    return send(reply, 200, { ...base, certificate });
  });

  app.post(RENEW_PATH, { config: { public: true } }, async (req, reply) => {
    const socket = req.raw.socket as TLSSocket;
    const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    if (!peer || !peer.raw) throw errors.unauthorized('renewal needs the agent client certificate (mTLS)');
    if (!socket.authorized)
      throw errors.unauthorized(
        `client certificate rejected: ${String(socket.authorizationError ?? 'unknown authority')}`,
      );
    const current = new X509Certificate(peer.raw);
    if (!current.verify(caX509.publicKey))
      throw errors.unauthorized('client certificate is not from the hub CA');
    const subject = peer.subject as unknown as Record<string, string | string[] | undefined>;
    const cn = ([] as (string | undefined)[]).concat(subject.CN)[0] ?? '';
    const orgs = ([] as (string | undefined)[]).concat(subject.O);
    if (!cn.startsWith(AGENT_CN_PREFIX) || !orgs.includes(AGENT_GROUP))
      throw errors.forbidden(
        `"${cn}" is not an agent identity (want CN=${AGENT_CN_PREFIX}<cluster>, O=${AGENT_GROUP})`,
      );
    const name = cn.slice(AGENT_CN_PREFIX.length);
    const body = parseBody(req.body) as Partial<RenewRequest>;
    const csr = await parseCsr(body.csr);
    const cluster = await getCluster(client, name);
    if (!cluster || cluster.metadata.deletionTimestamp)
      throw errors.forbidden(`cluster "${name}" is not joined to this hub (unjoined?); join it again`);
    const currentKey = spkiSha256(current.publicKey.export({ type: 'spki', format: 'der' }));
    const bound = cluster.metadata.annotations?.[AGENT_KEY_ANNOTATION];
    // The bound key is the presented certificate's, or already the new one (a retried rotation).
    if (bound !== currentKey && bound !== csr.keyHash) {
      log.info({ cluster: name }, 'renewal refused: certificate key is not the one the cluster joined with');
      throw errors.forbidden(
        `cluster "${name}" is joined with another key; this certificate is no longer valid`,
      );
    }
    if (cluster.metadata.annotations?.[ACCEPTED_ANNOTATION] === 'false')
      throw errors.forbidden(`cluster "${name}" is waiting for acceptance (edgefed clusters accept ${name})`);
    if (bound !== csr.keyHash) {
      // Compare-and-swap on the old value: two concurrent rotations cannot both win.
      const pointer = `/metadata/annotations/${AGENT_KEY_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      try {
        await client.jsonPatch(kfcPath(name), [
          { op: 'test', path: pointer, value: bound },
          { op: 'replace', path: pointer, value: csr.keyHash },
        ]);
      } catch (e) {
        if (isNotFound(e)) throw errors.forbidden(`cluster "${name}" is not joined to this hub (unjoined?)`);
        throw errors.conflict(
          'kubefedclusters',
          KFC_GROUP,
          name,
          'the agent key changed meanwhile; try again',
        );
      }
      log.info({ cluster: name }, 'agent key rotated');
    }
    const certificate = await sign(name, csr.publicKey);
    log.info({ cluster: name }, 'renewed agent certificate');
    return send(reply, 200, { ca: ca.cert, cluster: name, namespace: clusterNamespace(name), certificate });
  });
}
