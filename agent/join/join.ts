/**
 * `edgefed agent join`: kubeadm-style discovery and registration.
 *
 * 1. GET CA_PATH without verifying TLS (we do not trust the hub yet) and compare the sha256 of the CA
 *    certificate's DER with --discovery-token-ca-cert-hash; a mismatch stops here, nothing written.
 * 2. Generate an EC P-256 key and a CSR (CN edgefed:cluster:<name>, O edgefed:clusters).
 * 3. POST REGISTER_PATH with the bootstrap token, now verifying TLS against the pinned CA. 202 means
 *    the hub admin must accept the cluster: poll (same key, same CSR) until accepted or --wait ends.
 * 4. Write the data directory (agent.json last).
 */
import { X509Certificate } from 'node:crypto';
import { caCertHash } from '../../pki/pki.js';
import { generateKeyAndCsr, checkIssuedCertificate } from '../csr.js';
import { writeAgentState, type AgentConfig } from '../data-dir.js';
import { httpsCall, statusMessage, type HttpsAnswer } from '../https.js';
import { CA_PATH, REGISTER_PATH, type RegisterRequest, type RegisterResponse } from '../../api/protocol.js';
import type { JoinArgs } from './args.js';

export class JoinError extends Error {
  override name = 'JoinError';
}

export interface JoinDeps {
  /** Progress lines for the user (stdout in the CLI). */
  progress: (line: string) => void;
  /** Seconds between polls while the hub waits for acceptance (default 3). */
  pollMs?: number;
  kubernetesVersion?: string;
  sleep?: (ms: number) => Promise<void>;
}

export interface JoinResult extends AgentConfig {
  caHash: string;
}

/** The PEM of the first certificate in a body (the CA endpoint may answer PEM text or JSON). */
export function extractCaPem(body: string): string {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(body);
  if (!m) throw new JoinError(`the hub's ${CA_PATH} did not answer a PEM certificate`);
  return m[0] + '\n';
}

export function verifyCaHash(caPem: string, expected: string): string {
  let actual: string;
  try {
    actual = caCertHash(caPem);
  } catch (e) {
    throw new JoinError(`the hub's CA certificate does not parse: ${(e as Error).message}`);
  }
  if (actual.toLowerCase() !== expected.toLowerCase())
    throw new JoinError(
      `the hub's CA certificate hash ${actual} does not match --discovery-token-ca-cert-hash ${expected}: ` +
        'refusing to join (wrong hub address, a man in the middle, or the hub CA was replaced); nothing was written',
    );
  return actual;
}

export async function joinHub(args: JoinArgs, deps: JoinDeps): Promise<JoinResult> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  deps.progress(`Fetching the hub CA from ${args.hub}${CA_PATH} ...`);
  let caRes: HttpsAnswer;
  try {
    caRes = await httpsCall({ url: args.hub + CA_PATH, method: 'GET', insecure: true, timeoutMs: 15_000 });
  } catch (e) {
    throw new JoinError(`cannot reach the hub at ${args.hub}: ${(e as Error).message}`);
  }
  if (caRes.status !== 200)
    throw new JoinError(
      `the hub answered ${caRes.status} for ${CA_PATH}: ${statusMessage(caRes.body, caRes.status)}`,
    );
  const ca = extractCaPem(caRes.body);
  const caHash = verifyCaHash(ca, args.caHash);
  deps.progress(`Hub CA verified (${caHash}).`);

  const { key, csr } = await generateKeyAndCsr(args.name);
  const body: RegisterRequest = {
    cluster: args.name,
    csr,
    ...(Object.keys(args.labels).length > 0 ? { labels: args.labels } : {}),
    ...(deps.kubernetesVersion ? { kubernetesVersion: deps.kubernetesVersion } : {}),
  };
  const started = Date.now();
  const pollMs = deps.pollMs ?? 3_000;
  let announced = false;
  for (;;) {
    let res: HttpsAnswer;
    try {
      res = await httpsCall({
        url: args.hub + REGISTER_PATH,
        method: 'POST',
        ca,
        headers: { authorization: `Bearer ${args.token}` },
        body,
        timeoutMs: 30_000,
      });
    } catch (e) {
      throw new JoinError(`registration request failed: ${(e as Error).message}`);
    }
    if (res.status < 200 || res.status >= 300)
      throw new JoinError(
        `the hub refused the registration (HTTP ${res.status}): ${statusMessage(res.body, res.status)}`,
      );
    let answer: RegisterResponse;
    try {
      answer = JSON.parse(res.body) as RegisterResponse;
    } catch {
      throw new JoinError(`the hub's registration answer is not JSON: ${res.body.slice(0, 200)}`);
    }
    if (res.status !== 202 && answer.certificate && !answer.pending) {
      if (answer.ca && caCertHash(extractCaPem(answer.ca)) !== caHash)
        throw new JoinError('the hub answered with a CA other than the one verified; refusing');
      try {
        checkIssuedCertificate(answer.certificate, ca, key);
      } catch (e) {
        throw new JoinError((e as Error).message);
      }
      const config: AgentConfig = {
        hub: args.hub,
        cluster: answer.cluster || args.name,
        namespace: answer.namespace,
      };
      if (!config.namespace)
        throw new JoinError("the hub did not say which namespace holds this cluster's Works");
      writeAgentState(args.dataDir, config, { caCert: ca, cert: answer.certificate, key });
      const expires = new X509Certificate(answer.certificate).validTo;
      deps.progress(`Joined the hub as cluster ${config.cluster} (certificate valid until ${expires}).`);
      return { ...config, caHash };
    }
    const elapsed = Date.now() - started;
    if (elapsed >= args.waitMs)
      throw new JoinError(
        `still waiting for the hub admin to accept cluster ${args.name} after ${Math.round(elapsed / 1000)} s; ` +
          `run \`edgefed clusters accept ${args.name}\` on the hub and join again (or raise --wait)`,
      );
    if (!announced) {
      deps.progress(
        answer.message ??
          `The hub requires acceptance: run \`edgefed clusters accept ${args.name}\` on the hub.`,
      );
      announced = true;
    }
    deps.progress(`Waiting for acceptance of cluster ${args.name} ... (${Math.round(elapsed / 1000)} s)`);
    await sleep(Math.min(pollMs, Math.max(0, args.waitMs - elapsed)));
  }
}
