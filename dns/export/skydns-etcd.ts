/**
 * Exports the zones to etcd in the CoreDNS etcd plugin's layout (see skydns.ts for the keys and
 * the ownership rule). Each reconcile reads everything under the prefix and applies the plan with
 * one compare-and-swap transaction per key, so a key someone else wrote or changed in between is
 * never overwritten or deleted. Reconciles run after zone changes (coalesced), every minute to
 * repair drift, and again with backoff after a failure.
 */
import { Etcd3 } from 'etcd3';
import { Backoff } from '../../client/backoff.js';
import { silentLogger, type RuntimeLogger } from '../../client/log.js';
import type { ZoneSet } from '../zone.js';
import { planSkydns, skydnsDesired, skydnsRange } from './skydns.js';

export interface SkydnsExporterOptions {
  endpoints: string[];
  prefix: string;
  owner: string;
  log?: RuntimeLogger;
  /** Full reconcile period (default 60 s). */
  resyncMs?: number;
  /** Wait this long after a change before writing, to batch bursts (default 100 ms). */
  debounceMs?: number;
}

export interface SkydnsStats {
  reconciles: number;
  failures: number;
  puts: number;
  deletes: number;
  foreign: number;
  lastError?: string;
}

const CONCURRENCY = 16;

async function inBatches<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CONCURRENCY)
    await Promise.all(items.slice(i, i + CONCURRENCY).map(fn));
}

export class SkydnsEtcdExporter {
  readonly stats: SkydnsStats = { reconciles: 0, failures: 0, puts: 0, deletes: 0, foreign: 0 };
  private readonly client: Etcd3;
  private readonly log: RuntimeLogger;
  private zones: ZoneSet | undefined;
  private timer?: NodeJS.Timeout;
  private resync?: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly backoff = new Backoff(500, 30_000);
  private reportedForeign = new Set<string>();

  constructor(private readonly opts: SkydnsExporterOptions) {
    this.log = opts.log ?? silentLogger;
    this.client = new Etcd3({
      hosts: opts.endpoints,
      // A down etcd must fail a reconcile, not hang it.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 10_000 }),
    });
  }

  start(): void {
    this.resync = setInterval(() => this.kick(0), this.opts.resyncMs ?? 60_000);
    this.resync.unref();
  }

  /** New zones to export. */
  update(zones: ZoneSet): void {
    this.zones = zones;
    this.kick(this.opts.debounceMs ?? 100);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.resync) clearInterval(this.resync);
    await this.running;
    this.client.close();
  }

  /** Resolves when no reconcile is pending or running (tests, benchmarks). */
  async idle(): Promise<void> {
    for (let i = 0; i < 100 && (this.timer || this.running); i++) {
      await this.running;
      if (this.timer) await new Promise((r) => setTimeout(r, 20));
    }
  }

  private kick(delayMs: number): void {
    if (this.stopped || !this.zones) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.reconcile().finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick(0);
        }
      });
    }, delayMs);
  }

  private async reconcile(): Promise<void> {
    const zones = this.zones;
    if (!zones || this.stopped) return;
    const { prefix, owner } = this.opts;
    try {
      const desired = skydnsDesired(zones, prefix, owner);
      const current = await this.client.getAll().prefix(skydnsRange(prefix)).strings();
      const plan = planSkydns(desired, current, owner);
      await inBatches(plan.create, async ([key, value]) => {
        const r = await this.client
          .if(key, 'Create', '==', 0)
          .then(this.client.put(key).value(value))
          .commit();
        if (r.succeeded) this.stats.puts++;
      });
      await inBatches(plan.update, async ([key, value, cur]) => {
        const r = await this.client
          .if(key, 'Value', '==', cur)
          .then(this.client.put(key).value(value))
          .commit();
        if (r.succeeded) this.stats.puts++;
      });
      await inBatches(plan.remove, async ([key, cur]) => {
        const r = await this.client.if(key, 'Value', '==', cur).then(this.client.delete().key(key)).commit();
        if (r.succeeded) this.stats.deletes++;
      });
      this.stats.foreign = plan.foreign.length;
      for (const key of plan.foreign)
        if (!this.reportedForeign.has(key))
          this.log.warn({ key }, 'dns etcd export: key exists and is not ours; left alone');
      this.reportedForeign = new Set(plan.foreign);
      this.stats.reconciles++;
      this.stats.lastError = undefined;
      this.backoff.reset();
      if (plan.create.length + plan.update.length + plan.remove.length > 0)
        this.log.info(
          { created: plan.create.length, updated: plan.update.length, removed: plan.remove.length },
          'dns etcd export: reconciled',
        );
    } catch (e) {
      this.stats.failures++;
      this.stats.lastError = (e as Error).message;
      const delay = this.backoff.next();
      this.log.warn(
        { err: (e as Error).message, endpoints: this.opts.endpoints, retryInMs: delay },
        'dns etcd export failed',
      );
      setTimeout(() => this.kick(0), delay).unref();
    }
  }
}
