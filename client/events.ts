/**
 * Kubernetes Events, written as client-go's record.EventBroadcaster / EventRecorder write them:
 * core/v1 Events correlated (aggregated, deduplicated, spam-filtered: client/events/correlator.ts)
 * before they reach the API.
 *
 * Events are best effort and must never slow the caller: `event()` only enqueues; one writer
 * drains the queue. The queue is bounded (client-go's 1,000): when it is full the event is dropped
 * with a log line. A failed write is logged and retried a few times, then dropped (client-go
 * retries 12 times; an edge site offline from itself is not a case, its API is local).
 */
import { randomBytes } from 'node:crypto';
import type { KubeClient } from './client.js';
import { isAlreadyExists, isNotFound } from './errors.js';
import { silentLogger, type RuntimeLogger } from './log.js';
import {
  EventCorrelator,
  type CoreEvent,
  type CorrelatorOptions,
  type EventType,
  type ObjectReference,
} from './events/correlator.js';

export {
  EventCorrelator,
  type CoreEvent,
  type EventType,
  type ObjectReference,
} from './events/correlator.js';

/** Anything with metadata; kind and apiVersion come from the object or from `refFor`'s defaults. */
export interface EventSubject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** An ObjectReference to `obj`; typed clients' list items carry no kind, so callers may pass it. */
export function refFor(
  obj: EventSubject,
  type?: { apiVersion: string; kind: string },
  fieldPath?: string,
): ObjectReference {
  const ref: ObjectReference = {
    apiVersion: obj.apiVersion ?? type?.apiVersion,
    kind: obj.kind ?? type?.kind,
    name: obj.metadata?.name,
    namespace: obj.metadata?.namespace,
    uid: obj.metadata?.uid,
    resourceVersion: obj.metadata?.resourceVersion,
  };
  if (fieldPath) ref.fieldPath = fieldPath;
  return ref;
}

export interface EventRecorder {
  /** Records an event about `object` (an ObjectReference or an object with metadata). */
  event(object: EventSubject | ObjectReference, type: EventType, reason: string, message: string): void;
}

export interface EventSource {
  /** source.component / reportingComponent: `kubelet`, `replicaset-controller`, ... */
  component: string;
  /** source.host / reportingInstance (kubelet: the node name). */
  host?: string;
}

export interface BroadcasterOptions {
  client: KubeClient;
  log?: RuntimeLogger;
  /** Events waiting to be written before new ones are dropped (client-go: 1000). */
  queueSize?: number;
  correlator?: CorrelatorOptions;
  /** Attempts per write (default 3). */
  attempts?: number;
  /** Clock (tests). */
  now?: () => number;
}

function isRef(o: EventSubject | ObjectReference): o is ObjectReference {
  return !('metadata' in o);
}

/** Events are named `<object>.<hex timestamp>` as client-go names them (unique per object and time). */
export function eventName(objectName: string, nowMs: number): string {
  const nanos = BigInt(nowMs) * 1_000_000n + BigInt(randomBytes(2).readUInt16BE() % 1_000_000);
  return `${objectName || 'unknown'}.${nanos.toString(16)}`;
}

/** The Event for one occurrence, before correlation. */
export function newEvent(
  ref: ObjectReference,
  source: EventSource,
  type: EventType,
  reason: string,
  message: string,
  nowMs: number,
): CoreEvent {
  const ts = new Date(Math.floor(nowMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    // Cluster-scoped objects' events live in `default`, as client-go puts them.
    metadata: { name: eventName(ref.name ?? '', nowMs), namespace: ref.namespace || 'default' },
    involvedObject: ref,
    reason,
    message,
    source: source.host
      ? { component: source.component, host: source.host }
      : { component: source.component },
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
    type,
    eventTime: null,
    reportingComponent: source.component,
    reportingInstance: source.host ?? '',
  };
}

function eventPath(e: CoreEvent): string {
  const ns = encodeURIComponent(e.metadata.namespace);
  return `/api/v1/namespaces/${ns}/events${e.metadata.name ? `/${encodeURIComponent(e.metadata.name)}` : ''}`;
}

export class EventBroadcaster {
  private readonly queue: CoreEvent[] = [];
  private readonly correlator: EventCorrelator;
  private readonly log: RuntimeLogger;
  private readonly max: number;
  private readonly attempts: number;
  private readonly now: () => number;
  private draining?: Promise<void>;
  private closed = false;
  /** For tests and /metrics-like introspection. */
  readonly stats = { queued: 0, created: 0, patched: 0, skipped: 0, dropped: 0, failed: 0 };

  constructor(private readonly o: BroadcasterOptions) {
    this.correlator = new EventCorrelator(o.correlator);
    this.log = o.log ?? silentLogger;
    this.max = o.queueSize ?? 1000;
    this.attempts = o.attempts ?? 3;
    this.now = o.now ?? Date.now;
  }

  newRecorder(source: EventSource): EventRecorder {
    return {
      event: (object, type, reason, message) => {
        const ref = isRef(object) ? object : refFor(object);
        this.enqueue(newEvent(ref, source, type, reason, message, this.now()));
      },
    };
  }

  /** Resolves when every queued event has been written or dropped. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /**
   * Stops accepting events and waits for those queued, at most `graceMs`: a stopping controller
   * is not held up by an unreachable API (what is still queued then is dropped).
   */
  async shutdown(graceMs = 5000): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
    await Promise.race([this.flush(), late]);
    clearTimeout(timer);
    this.stats.dropped += this.queue.length;
    this.queue.length = 0;
  }

  private enqueue(e: CoreEvent): void {
    if (this.closed) return;
    if (this.queue.length >= this.max) {
      this.stats.dropped++;
      this.log.warn(
        { reason: e.reason, object: `${e.involvedObject.namespace ?? ''}/${e.involvedObject.name ?? ''}` },
        'event queue full; dropping event',
      );
      return;
    }
    this.queue.push(e);
    this.stats.queued++;
    this.kick();
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      // An event queued while the last write was finishing.
      if (this.queue.length) this.kick();
    });
  }

  private async drain(): Promise<void> {
    for (let e = this.queue.shift(); e; e = this.queue.shift()) {
      const r = this.correlator.correlate(e, this.now());
      if (r.skip) {
        this.stats.skipped++;
        continue;
      }
      await this.write(r.event, r.patch !== undefined);
    }
  }

  private async write(e: CoreEvent, repeat: boolean): Promise<void> {
    const c = this.o.client;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        let stored: CoreEvent;
        if (repeat) {
          try {
            stored = await c.mergePatch<CoreEvent>(eventPath(e), {
              count: e.count,
              lastTimestamp: e.lastTimestamp,
              message: e.message,
            });
            this.stats.patched++;
          } catch (err) {
            // Expired (TTL) or deleted: record it anew, as client-go falls back to create.
            if (!isNotFound(err)) throw err;
            repeat = false;
            attempt--;
            continue;
          }
        } else {
          const body = { ...e, metadata: { name: e.metadata.name, namespace: e.metadata.namespace } };
          stored = await c.create<CoreEvent>(
            eventPath({ ...e, metadata: { ...e.metadata, name: '' } }),
            body,
          );
          this.stats.created++;
        }
        this.correlator.written(stored, this.correlator.keyOf(e));
        return;
      } catch (err) {
        if (isAlreadyExists(err)) return;
        if (attempt === this.attempts) {
          this.stats.failed++;
          this.log.warn(
            { err, reason: e.reason, event: e.metadata.name },
            'could not write event; dropping it',
          );
          this.correlator.forget(e);
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt).unref());
      }
    }
  }
}
