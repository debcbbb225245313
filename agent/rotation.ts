/**
 * Client certificate rotation: once the agent certificate has lived 75 % of its lifetime (± 5 % of
 * it, jittered so a fleet joined together does not renew together), POST RENEW_PATH with a fresh key's
 * CSR over mTLS with the current certificate, write the new files atomically and reload the hub
 * clients. Failures retry with backoff (1 min doubling to 1 h) until the certificate expires; an
 * expired one cannot renew itself (the cluster must join again), which is logged loudly.
 */
import { Backoff } from '../client/backoff.js';
import type { RuntimeLogger } from '../client/log.js';
import { caCertHash } from '../pki/pki.js';
import { certificateValidity, checkIssuedCertificate, generateKeyAndCsr } from './csr.js';
import { readCredentials, writeCredentials, type AgentConfig } from './data-dir.js';
import { httpsCall, statusMessage } from './https.js';
import { extractCaPem } from './join/join.js';
import { RENEW_PATH, type RegisterResponse, type RenewRequest } from '../api/protocol.js';

export const ROTATE_AT = 0.75;
export const ROTATE_JITTER = 0.05;
/** Re-check at least daily (timers cannot span more than ~24.8 days, and clocks jump). */
const MAX_TIMER_MS = 24 * 3_600_000;

/** Milliseconds from `now` until renewal is due (0 = now). `random` in [0, 1). Pure. */
export function rotationDelayMs(
  validity: { notBefore: number; notAfter: number },
  now: number,
  random: number,
): number {
  const lifetime = Math.max(0, validity.notAfter - validity.notBefore);
  const fraction = ROTATE_AT + (random * 2 - 1) * ROTATE_JITTER;
  return Math.max(0, Math.round(validity.notBefore + lifetime * fraction - now));
}

export interface RotatorDeps {
  dataDir: string;
  config: AgentConfig;
  log: RuntimeLogger;
  /** Called after new files are in place: reload the clients that use them. */
  onRotated: () => Promise<void>;
  random?: () => number;
}

export class CertRotator {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly backoff = new Backoff(60_000, 3_600_000);
  private inFlight?: Promise<void>;

  constructor(private readonly d: RotatorDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
  }

  private schedule(delayOverride?: number): void {
    if (this.stopped) return;
    let delay = delayOverride;
    if (delay === undefined) {
      const validity = certificateValidity(readCredentials(this.d.dataDir).cert);
      delay = rotationDelayMs(validity, Date.now(), (this.d.random ?? Math.random)());
    }
    const due = delay <= MAX_TIMER_MS;
    this.timer = setTimeout(
      () => {
        if (!due) return this.schedule();
        this.inFlight = this.rotate().finally(() => (this.inFlight = undefined));
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    this.timer.unref();
  }

  private async rotate(): Promise<void> {
    try {
      await this.renewNow();
      this.backoff.reset();
      this.schedule();
    } catch (e) {
      const creds = readCredentials(this.d.dataDir);
      const expired = certificateValidity(creds.cert).notAfter <= Date.now();
      const retry = this.backoff.next() + 1_000;
      this.d.log.error(
        { err: e instanceof Error ? e.message : String(e), retryInMs: retry, expired },
        expired
          ? 'agent certificate EXPIRED and could not be renewed: join the cluster again'
          : 'certificate renewal failed; retrying',
      );
      this.schedule(retry);
    }
  }

  /** One renewal, now. */
  async renewNow(): Promise<void> {
    const current = readCredentials(this.d.dataDir);
    const { key, csr } = await generateKeyAndCsr(this.d.config.cluster);
    const body: RenewRequest = { csr };
    const res = await httpsCall({
      url: this.d.config.hub + RENEW_PATH,
      method: 'POST',
      ca: current.caCert,
      cert: current.cert,
      key: current.key,
      body,
      timeoutMs: 30_000,
    });
    if (res.status < 200 || res.status >= 300)
      throw new Error(`hub refused the renewal (HTTP ${res.status}): ${statusMessage(res.body, res.status)}`);
    const answer = JSON.parse(res.body) as RegisterResponse;
    if (!answer.certificate) throw new Error('hub answered the renewal without a certificate');
    // A new CA arrives over a channel authenticated by the old one, so it may be adopted.
    const ca = answer.ca ? extractCaPem(answer.ca) : current.caCert;
    checkIssuedCertificate(answer.certificate, ca, key);
    writeCredentials(this.d.dataDir, this.d.config, { caCert: ca, cert: answer.certificate, key });
    const caChanged = caCertHash(ca) !== caCertHash(current.caCert);
    this.d.log.info(
      { notAfter: new Date(certificateValidity(answer.certificate).notAfter).toISOString(), caChanged },
      'agent certificate renewed',
    );
    await this.d.onRotated();
  }
}
