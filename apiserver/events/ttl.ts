/**
 * Event TTL (kube-apiserver's --event-ttl, default 1 h). Kubernetes attaches an etcd lease to each
 * Event write, so an Event disappears one TTL after its last write. Our stores have no leases, so
 * a janitor does it: it follows the Event keys (list, then watch) and remembers when each key was
 * last written; every tick it deletes the keys whose last write is older than the TTL, each with a
 * compare-and-swap on the revision it saw, so an Event written again meanwhile (a repeat bumping
 * its count) lives on, and several hub replicas running the janitor at once delete each Event once.
 *
 * Memory: one small entry per live Event, which the TTL itself bounds. Cost: no scan per tick;
 * deletes only for what expired.
 */
import type { Logger } from 'pino';
import { followPrefix, type Follower } from '../storage/follow.js';
import { StoreError, type Store, type StoredObject } from '../storage/store.js';
import type { KubeObject } from '../../api/kubernetes.js';

export const DEFAULT_EVENT_TTL_MS = 60 * 60 * 1000;
/** Where core Events (and so events.k8s.io Events) are stored. */
export const EVENTS_PREFIX = '/registry/core/events/';

interface Entry {
  revision: number;
  expiresMs: number;
}

function timeMs(v: unknown): number {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : 0;
}

/**
 * When an Event found in a list was last written, as well as its fields tell (the store keeps no
 * write times): the newest of its timestamps. Events seen written live use the clock instead.
 */
export function lastWriteMs(o: KubeObject): number {
  const series = (o.series ?? {}) as { lastObservedTime?: unknown };
  const managed = (o.metadata.managedFields ?? []) as { time?: unknown }[];
  return Math.max(
    timeMs(o.metadata.creationTimestamp),
    timeMs(o.lastTimestamp),
    timeMs(o.eventTime),
    timeMs(series.lastObservedTime),
    ...managed.map((m) => timeMs(m.time)),
  );
}

/** The keys to delete at `nowMs`: expired, oldest first. */
export function expiredKeys(entries: ReadonlyMap<string, Entry>, nowMs: number): [string, Entry][] {
  return [...entries].filter(([, e]) => e.expiresMs <= nowMs).sort((a, b) => a[1].expiresMs - b[1].expiresMs);
}

export interface EventTtlOptions {
  store: Store;
  ttlMs: number;
  log: Pick<Logger, 'warn'>;
  /** How often expired Events are looked for (default: a tenth of the TTL, 1 s to 60 s). */
  tickMs?: number;
  now?: () => number;
}

export class EventTtl {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private follower?: Follower;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  readonly stats = { deleted: 0 };

  constructor(private readonly o: EventTtlOptions) {
    this.now = o.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.follower = await followPrefix(this.o.store, EVENTS_PREFIX, {
      reset: (items) => {
        this.entries.clear();
        for (const it of items) this.seen(it, lastWriteMs(it.object));
      },
      event: (ev) => {
        if (ev.type === 'DELETED') this.entries.delete(ev.key);
        else this.seen({ key: ev.key, revision: ev.revision }, this.now());
      },
    });
    const tick = this.o.tickMs ?? Math.min(60_000, Math.max(1000, Math.floor(this.o.ttlMs / 10)));
    this.timer = setInterval(() => {
      this.running ??= this.sweep().finally(() => (this.running = undefined));
    }, tick);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.follower?.stop();
    await this.running;
  }

  /** Deletes what expired; answers how many. */
  async sweep(): Promise<number> {
    let n = 0;
    for (const [key, e] of expiredKeys(this.entries, this.now())) {
      try {
        await this.o.store.delete(key, e.revision);
        n++;
      } catch (err) {
        // Written again (Conflict: the watch brings the new revision) or gone already.
        if (!(err instanceof StoreError) || (err.code !== 'Conflict' && err.code !== 'NotFound')) {
          this.o.log.warn({ err: (err as Error).message, key }, 'deleting an expired event failed');
          continue;
        }
      }
      if (this.entries.get(key)?.revision === e.revision) this.entries.delete(key);
    }
    this.stats.deleted += n;
    return n;
  }

  private seen(it: Pick<StoredObject, 'key' | 'revision'>, writtenMs: number): void {
    this.entries.set(it.key, { revision: it.revision, expiresMs: writtenMs + this.o.ttlMs });
  }
}
