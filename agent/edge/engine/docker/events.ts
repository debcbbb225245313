/** The engine's event stream: one subscription shared by all listeners, reconnecting with backoff. */
import type { EngineEvent } from '../engine.js';
import { ApiError, messageOf, type DockerHttp } from './http.js';
import { forEachJsonLine, readText } from './streams.js';
import { sleep } from './util.js';

const EVENT_BACKOFF_MIN_MS = 250;
const EVENT_BACKOFF_MAX_MS = 10_000;
/** Event attributes the engine adds next to the container's labels. */
const NON_LABEL_ATTRIBUTES = new Set([
  'image',
  'name',
  'exitCode',
  'containerExitCode',
  'podId',
  'signal',
  'execID',
  'health_status',
]);

interface DockerEventMessage {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

interface EventSubscription {
  abort: AbortController;
  /** Engine time (ns) of the newest event delivered: a reconnect asks for events since then. */
  cursorNs: number;
}

export class DockerEvents {
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private events?: EventSubscription;
  private closed = false;

  constructor(
    private readonly http: DockerHttp,
    /** Called for every container event before the listeners, e.g. to drop cached state. */
    private readonly onContainerEvent: (containerId: string) => void,
  ) {}

  onEvent(listener: (e: EngineEvent) => void): () => void {
    if (this.closed) return () => {};
    this.listeners.add(listener);
    if (!this.events) {
      const sub: EventSubscription = { abort: new AbortController(), cursorNs: Date.now() * 1e6 };
      this.events = sub;
      void this.followEvents(sub);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.events) {
        this.events.abort.abort();
        this.events = undefined;
      }
    };
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.events?.abort.abort();
    this.events = undefined;
  }

  private async followEvents(sub: EventSubscription): Promise<void> {
    const { signal } = sub.abort;
    let backoff = EVENT_BACKOFF_MIN_MS;
    let reconnect = false;
    while (!signal.aborted && !this.closed) {
      try {
        const res = await this.http.open({
          method: 'GET',
          path: '/events',
          query: {
            filters: JSON.stringify({ type: ['container'] }),
            // Replays what happened while disconnected; the cursor drops what was already delivered.
            since: reconnect ? Math.floor(sub.cursorNs / 1e9) : undefined,
          },
          timeoutMs: 0,
          signal,
        });
        if ((res.statusCode ?? 0) >= 400)
          throw new ApiError(res.statusCode ?? 0, messageOf(await readText(res)));
        backoff = EVENT_BACKOFF_MIN_MS;
        await forEachJsonLine<DockerEventMessage>(res, (m) => this.dispatchEvent(sub, m, reconnect));
      } catch {
        // Best effort by contract: the runtime polls as well. Retry below.
      }
      if (signal.aborted || this.closed) return;
      reconnect = true;
      try {
        await sleep(backoff, signal);
      } catch {
        return;
      }
      backoff = Math.min(backoff * 2, EVENT_BACKOFF_MAX_MS);
    }
  }

  private dispatchEvent(sub: EventSubscription, m: DockerEventMessage, replayed: boolean): void {
    if ((m.Type ?? 'container') !== 'container') return;
    const ns = m.timeNano ?? (m.time ?? 0) * 1e9;
    if (replayed && ns <= sub.cursorNs) return;
    sub.cursorNs = Math.max(sub.cursorNs, ns);
    const containerId = m.Actor?.ID ?? m.id;
    const raw = m.Action ?? m.status;
    if (!containerId || !raw) return;
    this.onContainerEvent(containerId);
    // Docker: `exec_start: sh -c ...`, `health_status: healthy`. Podman says `remove` where Docker says `destroy`.
    let action = raw.split(':')[0].trim();
    if (action === 'remove') action = 'destroy';
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.Actor?.Attributes ?? {}))
      if (!NON_LABEL_ATTRIBUTES.has(k)) labels[k] = v;
    const event: EngineEvent = { containerId, labels, action };
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // One listener's bug must not end the subscription of the others.
      }
    }
  }
}
