/**
 * client-go's EventCorrelator (tools/record/events_cache.go), as pure functions of the event and
 * the clock, so each decision is table-tested:
 *
 * - aggregation: more than 10 events in 10 minutes that differ only in their message (same
 *   source, object, type and reason) become one "(combined from similar events): ..." event;
 * - dedup: an event identical to one already written bumps that event's count and lastTimestamp
 *   (a PATCH) instead of creating another object;
 * - spam filter: a token bucket per source + object (burst 25, one token per 5 minutes), so a
 *   crash loop does not write an event per second.
 *
 * Memory is bounded: each cache is an LRU of 4,096 entries (client-go's maxLruCacheEntries).
 */

export type EventType = 'Normal' | 'Warning';

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** A core/v1 Event, the fields the recorder writes. */
export interface CoreEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  source: { component: string; host?: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  type: EventType;
  eventTime: null;
  reportingComponent: string;
  reportingInstance: string;
}

/** The merge patch that records a repeat of an event already written. */
export interface EventPatch {
  count: number;
  lastTimestamp: string;
  message: string;
}

export interface CorrelateResult {
  /** The event to write (a new one, or the existing one with a new count). */
  event: CoreEvent;
  /** Set when the event exists already: PATCH it with this instead of creating it. */
  patch?: EventPatch;
  /** The spam filter dropped it: write nothing. */
  skip: boolean;
}

export interface CorrelatorOptions {
  /** Distinct messages within the interval before similar events are combined (client-go: 10). */
  maxSimilarEvents?: number;
  /** Aggregation window (client-go: 600 s). */
  maxIntervalMs?: number;
  /** Spam filter burst (client-go: 25). */
  burst?: number;
  /** Spam filter refill, tokens per second (client-go: 1/300). */
  qps?: number;
  /** Entries per cache (client-go: 4096). */
  cacheSize?: number;
}

export const COMBINED_PREFIX = '(combined from similar events): ';

/** A Map used as an LRU: insertion order is recency. */
export class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }
}

function refKey(r: ObjectReference): string[] {
  return [r.kind ?? '', r.namespace ?? '', r.name ?? '', r.uid ?? '', r.apiVersion ?? ''];
}

/** getSpamKey: source and involved object. */
export function spamKey(e: CoreEvent): string {
  return [e.source.component, e.source.host ?? '', ...refKey(e.involvedObject)].join('\u0000');
}

/** EventAggregatorByReasonFunc: everything but the message (the message is the local key). */
export function aggregateKey(e: CoreEvent): string {
  return [e.source.component, e.source.host ?? '', ...refKey(e.involvedObject), e.type, e.reason].join(
    '\u0000',
  );
}

/** getEventKey: what makes two events the same event (dedup). */
export function eventKey(e: CoreEvent): string {
  return [
    e.source.component,
    e.source.host ?? '',
    ...refKey(e.involvedObject),
    e.involvedObject.fieldPath ?? '',
    e.type,
    e.reason,
    e.message,
  ].join('\u0000');
}

export interface TokenBucket {
  tokens: number;
  lastMs: number;
}

/** Takes one token if there is one; answers the new bucket and whether the event may pass. */
export function takeToken(
  bucket: TokenBucket | undefined,
  nowMs: number,
  burst: number,
  qps: number,
): { bucket: TokenBucket; allowed: boolean } {
  const b = bucket ?? { tokens: burst, lastMs: nowMs };
  const tokens = Math.min(burst, b.tokens + (Math.max(0, nowMs - b.lastMs) / 1000) * qps);
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, lastMs: nowMs }, allowed: true };
  return { bucket: { tokens, lastMs: nowMs }, allowed: false };
}

interface AggregateRecord {
  messages: Set<string>;
  lastMs: number;
}

interface EventLog {
  count: number;
  firstTimestamp: string;
  name: string;
  resourceVersion?: string;
}

export class EventCorrelator {
  private readonly maxSimilar: number;
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly qps: number;
  private readonly aggregates: Lru<AggregateRecord>;
  private readonly logs: Lru<EventLog>;
  private readonly buckets: Lru<TokenBucket>;

  constructor(o: CorrelatorOptions = {}) {
    this.maxSimilar = o.maxSimilarEvents ?? 10;
    this.intervalMs = o.maxIntervalMs ?? 600_000;
    this.burst = o.burst ?? 25;
    this.qps = o.qps ?? 1 / 300;
    const size = o.cacheSize ?? 4096;
    this.aggregates = new Lru(size);
    this.logs = new Lru(size);
    this.buckets = new Lru(size);
  }

  /** What to do with a new event at `nowMs` (the event's timestamps are set by the caller). */
  correlate(input: CoreEvent, nowMs: number): CorrelateResult {
    const { event: aggregated, key } = this.aggregate(input, nowMs);
    const observed = this.observe(aggregated, key);
    const { bucket, allowed } = takeToken(
      this.buckets.get(spamKey(observed.event)),
      nowMs,
      this.burst,
      this.qps,
    );
    this.buckets.set(spamKey(observed.event), bucket);
    return { ...observed, skip: !allowed };
  }

  /** After a write: remember the server's name, count and resourceVersion for the next repeat. */
  written(e: CoreEvent, key = eventKey(e)): void {
    this.logs.set(key, {
      count: e.count,
      firstTimestamp: e.firstTimestamp,
      name: e.metadata.name,
      resourceVersion: e.metadata.resourceVersion,
    });
  }

  /** The dedup key of an event as correlate() chose it (the aggregate key for combined events). */
  keyOf(e: CoreEvent): string {
    return e.message.startsWith(COMBINED_PREFIX) ? aggregateKey(e) : eventKey(e);
  }

  /** Forgets a written event (its PATCH found it gone: the next repeat creates it anew). */
  forget(e: CoreEvent): void {
    this.logs.set(this.keyOf(e), { count: 0, firstTimestamp: '', name: '' });
  }

  private aggregate(e: CoreEvent, nowMs: number): { event: CoreEvent; key: string } {
    const akey = aggregateKey(e);
    let rec = this.aggregates.get(akey);
    if (!rec || nowMs - rec.lastMs > this.intervalMs) rec = { messages: new Set(), lastMs: nowMs };
    rec.messages.add(e.message);
    rec.lastMs = nowMs;
    this.aggregates.set(akey, rec);
    if (rec.messages.size < this.maxSimilar) return { event: e, key: eventKey(e) };
    return { event: { ...e, message: COMBINED_PREFIX + e.message }, key: akey };
  }

  private observe(e: CoreEvent, key: string): { event: CoreEvent; patch?: EventPatch } {
    const last = this.logs.get(key);
    if (!last || !last.name) {
      this.logs.set(key, { count: 1, firstTimestamp: e.firstTimestamp, name: e.metadata.name });
      return { event: e };
    }
    const event: CoreEvent = {
      ...e,
      count: last.count + 1,
      firstTimestamp: last.firstTimestamp,
      metadata: { ...e.metadata, name: last.name, resourceVersion: last.resourceVersion },
    };
    this.logs.set(key, { ...last, count: event.count });
    return {
      event,
      patch: { count: event.count, lastTimestamp: event.lastTimestamp, message: event.message },
    };
  }
}
