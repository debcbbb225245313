/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package does
 * it, so that only one hub replica reconciles at a time.
 *
 * - A candidate takes the lease when it is free (no holderIdentity) or expired
 *   (renewTime + leaseDurationSeconds < now), with a PUT carrying the resourceVersion it read:
 *   compare-and-swap, so of two candidates exactly one wins and the other gets 409.
 * - The leader renews every retryPeriod. If no renewal succeeds within renewDeadline of the last
 *   renewTime it wrote, it steps down (onStoppedLeading) even though it cannot tell whether anyone
 *   took over: renewDeadline < leaseDuration guarantees it stops before a successor can start.
 * - stop() releases the lease (empty holderIdentity) so a successor takes over at once instead
 *   of waiting out the lease.
 *
 * Expiry compares the lease's renewTime with this host's clock, so hosts' clocks must agree to
 * well within leaseDuration − renewDeadline (client-go avoids this by timing from when it saw the
 * record change, at the cost of always waiting a full lease on startup).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { sleep } from './backoff.js';
import { KubeClient, resourcePath } from './client.js';
import { isAlreadyExists, isConflict, isNotFound } from './errors.js';
import { silentLogger, type RuntimeLogger } from './log.js';
import { microTime, parseTime } from '../api/time.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string; [k: string]: unknown };
  spec?: LeaseSpec;
}

export interface LeaderElectorOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  /** Unique per process (e.g. hostname + pid); written as spec.holderIdentity. */
  identity: string;
  /** How long a lease is valid after its renewTime (default 15). Whole seconds on the wire. */
  leaseDurationSeconds?: number;
  /** The leader steps down if it cannot renew for this long (default 10; must be < lease duration). */
  renewDeadlineSeconds?: number;
  /** Time between acquire/renew attempts (default 2). */
  retryPeriodSeconds?: number;
  onStartedLeading?: () => void;
  /** Called when leadership ends (lost or released): stop reconciling at once. */
  onStoppedLeading?: () => void;
  /** Called when the observed holder changes (including to this identity). */
  onNewLeader?: (identity: string) => void;
  /** After losing the lease, compete again (default true); false = stay out until start(). */
  rejoin?: boolean;
  logger?: RuntimeLogger;
}

export class LeaderElector {
  private readonly client: KubeClient;
  private readonly path: string;
  private readonly collection: string;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly log: RuntimeLogger;

  private leading = false;
  /** Incremented whenever leadership starts or ends: a late answer from an older term is ignored. */
  private term = 0;
  private deadlineTimer?: NodeJS.Timeout;
  private running = false;
  private stopController = new AbortController();
  /** Aborts the in-flight request when the renew deadline passes. */
  private termController = new AbortController();
  private loop?: Promise<void>;
  private observed?: string;
  /** The renewTime of our last successful write (this host's clock). */
  private lastWrittenAt = 0;
  private hasLost = false;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.client = new KubeClient(opts.kc);
    const gvr = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };
    this.path = resourcePath(gvr, opts.namespace, opts.name);
    this.collection = resourcePath(gvr, opts.namespace);
    this.leaseMs = (opts.leaseDurationSeconds ?? 15) * 1000;
    this.renewDeadlineMs = (opts.renewDeadlineSeconds ?? 10) * 1000;
    this.retryMs = (opts.retryPeriodSeconds ?? 2) * 1000;
    if (this.renewDeadlineMs >= this.leaseMs)
      throw new Error('renewDeadline must be shorter than leaseDuration');
    if (this.retryMs >= this.renewDeadlineMs)
      throw new Error('retryPeriod must be shorter than renewDeadline');
    this.log = opts.logger ?? silentLogger;
  }

  get identity(): string {
    return this.opts.identity;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen on the lease ('' when free, undefined before the first read). */
  observedLeader(): string | undefined {
    return this.observed;
  }

  /** Starts competing in the background (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.hasLost = false;
    this.stopController = new AbortController();
    this.loop = this.run().catch((e: unknown) => this.log.error({ err: e }, 'leader election loop died'));
  }

  /** Stops competing; a leader steps down (onStoppedLeading) and releases the lease. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    // Step down first so nothing reconciles while we release.
    this.stepDown('stopped');
    this.stopController.abort();
    await this.loop;
    // Also covers an acquire that succeeded on the server while we were stopping.
    await this.release();
  }

  // ---------------------------------------------------------------- loop

  private async run(): Promise<void> {
    const stop = this.stopController.signal;
    while (!stop.aborted) {
      if (!this.leading && this.hasLost && this.opts.rejoin === false) return;
      if (!this.leading) {
        let won = false;
        try {
          // Bounded, so a hung connection cannot keep a candidate from ever retrying.
          won = await this.tryAcquireOrRenew(
            AbortSignal.any([stop, AbortSignal.timeout(this.renewDeadlineMs)]),
          );
        } catch (e) {
          this.log.warn({ err: e, lease: this.path }, 'acquiring the lease failed');
        }
        if (won && !stop.aborted) this.becomeLeader();
        else if (!stop.aborted) {
          // client-go jitters candidates so they do not hit the lease in lock-step.
          await sleep(this.retryMs * (1 + Math.random() * 0.2), stop);
        }
        continue;
      }
      await sleep(this.retryMs, stop);
      if (stop.aborted || !this.leading) continue;
      const term = this.term;
      try {
        const renewed = await this.tryAcquireOrRenew(AbortSignal.any([stop, this.termController.signal]));
        if (term !== this.term) continue;
        if (!renewed) this.stepDown('lease taken by another holder');
      } catch (e) {
        // Keep trying until the deadline timer decides.
        if (term === this.term) this.log.warn({ err: e, lease: this.path }, 'renewing the lease failed');
      }
    }
  }

  /** One read-modify-write of the lease. True when we hold it afterwards. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = Date.now();
    let lease: Lease | undefined;
    try {
      lease = await this.client.request<Lease>('GET', this.path, { signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const me = this.opts.identity;
    const leaseSeconds = Math.ceil(this.leaseMs / 1000);
    if (!lease) {
      const fresh: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.opts.name, namespace: this.opts.namespace },
        spec: {
          holderIdentity: me,
          leaseDurationSeconds: leaseSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      };
      try {
        await this.client.request<Lease>('POST', this.collection, { body: fresh, signal });
      } catch (e) {
        if (isAlreadyExists(e) || isConflict(e)) return false;
        throw e;
      }
      this.observe(me);
      this.renewedAt(now);
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    this.observe(holder);
    if (holder !== '' && holder !== me && !this.expired(spec, now)) return false;
    // A leader that finds itself no longer holding (it was released or taken) must not renew.
    if (this.leading && holder !== me) return false;
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: me,
        leaseDurationSeconds: leaseSeconds,
        renewTime: microTime(now),
        acquireTime: holder === me ? (spec.acquireTime ?? microTime(now)) : microTime(now),
        leaseTransitions: holder === me ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    try {
      // metadata.resourceVersion from the GET makes this compare-and-swap.
      await this.client.request<Lease>('PUT', this.path, { body: next, signal });
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) return false;
      throw e;
    }
    this.observe(me);
    this.renewedAt(now);
    return true;
  }

  private expired(spec: LeaseSpec, now: number): boolean {
    const renew = parseTime(spec.renewTime) ?? parseTime(spec.acquireTime);
    if (renew === undefined) return true;
    return renew + (spec.leaseDurationSeconds ?? this.leaseMs / 1000) * 1000 < now;
  }

  /** Re-arms the step-down deadline from the renewTime just written (not the answer's arrival). */
  private renewedAt(writtenAt: number): void {
    this.lastWrittenAt = writtenAt;
    if (this.leading) this.armDeadline(writtenAt);
  }

  private armDeadline(writtenAt: number): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    const ms = Math.max(0, writtenAt + this.renewDeadlineMs - Date.now());
    this.deadlineTimer = setTimeout(() => this.stepDown('renew deadline passed'), ms);
  }

  private becomeLeader(): void {
    this.leading = true;
    this.term++;
    this.termController = new AbortController();
    // Timed from the renewTime the acquire wrote, not from when its answer arrived.
    this.armDeadline(this.lastWrittenAt);
    this.log.info({ lease: this.path, identity: this.opts.identity }, 'became leader');
    this.call(this.opts.onStartedLeading);
  }

  private stepDown(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.hasLost = true;
    this.term++;
    this.termController.abort();
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.log.warn({ lease: this.path, identity: this.opts.identity, why }, 'stopped leading');
    this.call(this.opts.onStoppedLeading);
  }

  /** Clears holderIdentity (if still ours) so a successor need not wait for expiry. */
  private async release(): Promise<void> {
    try {
      const lease = await this.client.request<Lease>('GET', this.path, {
        signal: AbortSignal.timeout(this.renewDeadlineMs),
      });
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      const now = microTime(Date.now());
      await this.client.request<Lease>('PUT', this.path, {
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            renewTime: now,
            acquireTime: now,
          },
        },
        signal: AbortSignal.timeout(this.renewDeadlineMs),
      });
      this.observe('');
    } catch (e) {
      // Not fatal: the lease simply expires.
      this.log.warn({ err: e, lease: this.path }, 'releasing the lease failed');
    }
  }

  private observe(holder: string): void {
    if (holder === this.observed) return;
    this.observed = holder;
    if (holder) this.call(() => this.opts.onNewLeader?.(holder));
  }

  private call(fn: (() => void) | undefined): void {
    try {
      fn?.();
    } catch (e) {
      this.log.error({ err: e }, 'leader election callback threw');
    }
  }
}
