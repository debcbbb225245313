/**
 * A list+watch cache of one resource collection, with our own loop instead of client-node's
 * makeInformer, because that one STOPS on any error other than 410 and cannot notice a stalled
 * stream. Behaviour (client-go's reflector, plus a watchdog):
 *
 * - list (paginated) and replace the cache, emitting add/update/delete only for the differences,
 *   so a relist after a hub restart or a 410 converges the cache exactly;
 * - watch from the list's resourceVersion; each event (and bookmark) moves the resume RV;
 * - 410 Expired (HTTP or in-stream ERROR) or 504 ResourceVersionTooLarge → relist; any other
 *   failure → back off (full jitter, 200 ms → 30 s) and resume the watch from the last RV
 *   (relisting after the server refused the watch 3 times in a row);
 * - watchdog: the watch asks for bookmarks and a server-side timeout shorter than the watchdog, so
 *   a healthy stream always produces traffic or ends cleanly; silence past watchdogMs means a dead
 *   connection (no FIN/RST ever arrives) and the watch is torn down and resumed;
 * - resync: every resyncMs each cached object is re-delivered as update(obj, obj), so controllers
 *   repair drift they missed (a failed reconcile that was forgotten, a lost side effect).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../api/kubernetes.js';
import { Backoff, sleep } from './backoff.js';
import { KubeClient } from './client.js';
import { ApiError, isExpired, type Status } from './errors.js';
import { IndexedCache } from './indexed-cache.js';
import { silentLogger, type RuntimeLogger } from './log.js';
import { openRequest } from './transport.js';

export interface InformerOptions {
  kc: KubeConfig;
  /** Collection path, e.g. `/apis/edgefed.io/v1alpha1/namespaces/x/works`, or cluster-wide `/apis/core.kubefed.io/v1beta1/kubefedclusters`. */
  listPath: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-deliver every cached object as 'update' this often (default 5 min; 0 disables). */
  resyncMs?: number;
  /** Restart the watch when nothing (no event, no bookmark) arrives for this long (default 2 min). */
  watchdogMs?: number;
  /** Server-side watch timeout; default about half the watchdog (so healthy streams end first). */
  watchTimeoutSeconds?: number;
  /** Page size for lists (default 500). */
  pageSize?: number;
  /** Reconnect backoff: full jitter from baseMs doubling to maxMs (default 200 ms → 30 s). */
  backoff?: { baseMs?: number; maxMs?: number };
  logger?: RuntimeLogger;
}

export interface InformerHandlers<T> {
  add: (obj: T) => void;
  update: (obj: T, old: T) => void;
  delete: (obj: T) => void;
  synced: () => void;
}

export type InformerEvent = keyof InformerHandlers<unknown>;

/** Counters, for logs, metrics and tests. */
export interface InformerStats {
  lists: number;
  watches: number;
  events: number;
  watchdogRestarts: number;
  expired: number;
  errors: number;
}

/** Cache key: `namespace/name` for namespaced objects, `name` for cluster-scoped ones. */
export function cacheKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** An object's cache key (see cacheKey). */
export function objectKey(obj: KubeObject): string {
  return cacheKey(obj.metadata.namespace, obj.metadata.name ?? '');
}

interface WatchEvent {
  type?: string;
  object?: KubeObject | Status;
}

class WatchdogError extends Error {
  override name = 'WatchdogError';
}

export class Informer<T extends KubeObject> {
  readonly stats: InformerStats = {
    lists: 0,
    watches: 0,
    events: 0,
    watchdogRestarts: 0,
    expired: 0,
    errors: 0,
  };

  private readonly kc: KubeConfig;
  private readonly client: KubeClient;
  private readonly listPath: string;
  private readonly labelSelector?: string;
  private readonly fieldSelector?: string;
  private readonly resyncMs: number;
  private readonly watchdogMs: number;
  private readonly watchTimeoutSeconds?: number;
  private readonly pageSize: number;
  private readonly log: RuntimeLogger;

  private readonly cache: IndexedCache<T>;
  private readonly handlers: { [E in InformerEvent]: InformerHandlers<T>[E][] } = {
    add: [],
    update: [],
    delete: [],
    synced: [],
  };

  private resourceVersion = '';
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private running = false;
  private stopController = new AbortController();
  private resyncTimer?: NodeJS.Timeout;
  private loop?: Promise<void>;
  private readonly backoff: Backoff;

  constructor(opts: InformerOptions) {
    this.kc = opts.kc;
    this.listPath = opts.listPath;
    this.labelSelector = opts.labelSelector;
    this.fieldSelector = opts.fieldSelector;
    this.resyncMs = opts.resyncMs ?? 5 * 60_000;
    this.watchdogMs = opts.watchdogMs ?? 2 * 60_000;
    this.watchTimeoutSeconds = opts.watchTimeoutSeconds;
    this.pageSize = opts.pageSize ?? 500;
    this.log = opts.logger ?? silentLogger;
    this.cache = new IndexedCache<T>(this.log);
    this.backoff = new Backoff(opts.backoff?.baseMs ?? 200, opts.backoff?.maxMs ?? 30_000);
    this.client = new KubeClient(opts.kc, { timeoutMs: this.watchdogMs });
  }

  on<E extends InformerEvent>(event: E, fn: InformerHandlers<T>[E]): () => void {
    const list = this.handlers[event] as InformerHandlers<T>[E][];
    list.push(fn);
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Starts the list+watch loop in the background (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopController = new AbortController();
    this.loop = this.run().catch((e: unknown) =>
      this.log.error({ err: e, path: this.listPath }, 'informer loop died'),
    );
    if (this.resyncMs > 0) {
      this.resyncTimer = setInterval(() => this.resync(), this.resyncMs);
      this.resyncTimer.unref();
    }
  }

  /** Stops the loop and closes the watch; no handler is called afterwards. The cache is kept. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopController.abort();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await this.loop;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first complete list has been applied. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  /** The RV the next watch resumes from (the last event's, bookmark's or list's). */
  lastResourceVersion(): string {
    return this.resourceVersion;
  }

  list(): T[] {
    return this.cache.list();
  }

  keys(): string[] {
    return this.cache.keys();
  }

  /** `namespace/name` (namespaced) or `name` (cluster-scoped). */
  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  /** Registers an index: fn gives the values an object is filed under (e.g. its source). */
  addIndex(name: string, fn: (obj: T) => string[]): void {
    this.cache.addIndex(name, fn);
  }

  byIndex(name: string, value: string): T[] {
    return this.cache.byIndex(name, value);
  }

  // ---------------------------------------------------------------- the loop

  private async run(): Promise<void> {
    const signal = this.stopController.signal;
    let needList = true;
    let failedWatches = 0;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.listAndReplace(signal);
          needList = false;
          failedWatches = 0;
        }
        // Resolves when the server ends the stream (timeoutSeconds): resume straight away.
        await this.watchOnce(signal);
        failedWatches = 0;
      } catch (e) {
        if (signal.aborted) break;
        this.stats.errors++;
        let delay: number;
        if (isExpired(e) || isTooLargeResourceVersion(e)) {
          // Our RV fell out of the server's history (410), or is ahead of it (a hub restored from
          // an older backup answers 504 ResourceVersionTooLarge): only a fresh list can tell
          // what changed.
          this.stats.expired++;
          needList = true;
          // The first one relists at once; repeated ones back off.
          const first = this.backoff.attempts === 0;
          delay = this.backoff.next();
          if (first) delay = 0;
          this.log.info(
            { path: this.listPath, rv: this.resourceVersion },
            'resource version unusable; relisting',
          );
        } else {
          if (e instanceof WatchdogError) this.stats.watchdogRestarts++;
          else if (e instanceof ApiError && !needList && ++failedWatches >= 3) {
            // The server keeps refusing the watch (not a network problem, which says nothing
            // about our RV): relist rather than insisting on the resume point.
            needList = true;
          }
          delay = this.backoff.next();
          this.log.warn(
            { err: errorSummary(e), path: this.listPath, retryInMs: delay, relist: needList },
            e instanceof WatchdogError ? 'watch stalled; restarting it' : 'list/watch failed; retrying',
          );
        }
        await sleep(delay, signal);
      }
    }
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    this.stats.lists++;
    const res = await this.client.listAll<T>(this.listPath, {
      labelSelector: this.labelSelector,
      fieldSelector: this.fieldSelector,
      limit: this.pageSize,
      signal,
    });
    if (signal.aborted) return;
    // List items carry no kind/apiVersion; fill them in so handlers see whole objects.
    const kind = res.kind?.replace(/List$/, '');
    for (const item of res.items) {
      if (!item.kind && kind) item.kind = kind;
      if (!item.apiVersion && res.apiVersion) item.apiVersion = res.apiVersion;
    }
    this.replace(res.items);
    this.resourceVersion = res.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
      this.emit('synced');
    }
  }

  /** Makes the cache exactly `items`, emitting only the differences. */
  private replace(items: T[]): void {
    const next = new Map<string, T>();
    for (const obj of items) next.set(objectKey(obj), obj);
    for (const [key, old] of this.cache.entries()) {
      if (!next.has(key)) {
        this.cache.delete(key);
        this.emit('delete', old);
      }
    }
    for (const [key, obj] of next) {
      const old = this.cache.get(key);
      if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
      this.cache.set(key, obj);
      if (old) this.emit('update', obj, old);
      else this.emit('add', obj);
    }
  }

  /** Server-side timeout: below the watchdog so a healthy but idle stream ends before it fires. */
  private timeoutSeconds(): number {
    if (this.watchTimeoutSeconds) return this.watchTimeoutSeconds;
    const base = Math.min(300, this.watchdogMs / 2000);
    return Math.max(1, Math.floor(base * (1 + Math.random() * 0.25)));
  }

  /** One watch stream. Resolves on a clean server-side end; rejects on anything else. */
  private async watchOnce(stopSignal: AbortSignal): Promise<void> {
    this.stats.watches++;
    const ac = new AbortController();
    const onStop = (): void => ac.abort(new Error('informer stopped'));
    stopSignal.addEventListener('abort', onStop, { once: true });
    // Armed before the request: a connect or header phase that hangs is a stall too.
    const watchdog = setTimeout(
      () => ac.abort(new WatchdogError(`no watch traffic for ${this.watchdogMs} ms`)),
      this.watchdogMs,
    );
    let res: IncomingMessage | undefined;
    try {
      const opened = await openRequest(this.kc, {
        method: 'GET',
        path: this.listPath,
        query: {
          watch: 'true',
          resourceVersion: this.resourceVersion || undefined,
          allowWatchBookmarks: 'true',
          timeoutSeconds: this.timeoutSeconds(),
          labelSelector: this.labelSelector,
          fieldSelector: this.fieldSelector,
        },
        signal: ac.signal,
      });
      res = opened.res;
      if (res.statusCode !== 200) {
        const body = await readAll(res);
        throw ApiError.fromResponse(res.statusCode ?? 0, body, `watch ${this.listPath}`);
      }
      await this.consume(res, ac.signal, () => watchdog.refresh());
    } catch (e) {
      // A watchdog abort surfaces as the request's destroy error; report the cause.
      const reason: unknown = ac.signal.reason;
      if (ac.signal.aborted && reason instanceof WatchdogError) throw reason;
      throw e;
    } finally {
      clearTimeout(watchdog);
      stopSignal.removeEventListener('abort', onStop);
      res?.destroy();
    }
  }

  /** Reads newline-delimited JSON events until the stream ends. */
  private consume(res: IncomingMessage, signal: AbortSignal, onTraffic: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let buf = '';
      let settled = false;
      const finish = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(String(err)));
      };
      const onAbort = (): void => finish(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      const handleLine = (line: string): boolean => {
        if (line.trim() === '') return true;
        try {
          this.handleEvent(line);
          return true;
        } catch (e) {
          finish(e);
          res.destroy();
          return false;
        }
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (settled) return;
        onTraffic();
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!handleLine(line)) return;
        }
      });
      res.once('end', () => {
        if (buf && !handleLine(buf)) return;
        finish();
      });
      res.once('aborted', () => finish(new Error('watch connection closed mid-stream')));
      res.once('error', (e) => finish(e));
      res.once('close', () => finish(new Error('watch connection closed')));
    });
  }

  /** Applies one watch event line. Throws on ERROR events and on lines that are not JSON. */
  private handleEvent(line: string): void {
    let ev: WatchEvent;
    try {
      ev = JSON.parse(line) as WatchEvent;
    } catch {
      // client-node drops such lines silently, losing an event; resuming from the last good RV
      // gets it again.
      throw new Error(`unparsable watch line: ${line.slice(0, 200)}`);
    }
    if (!ev.object || typeof ev.object !== 'object')
      throw new Error(`malformed watch event: ${line.slice(0, 200)}`);
    if (ev.type === 'ERROR') throw ApiError.fromStatus(ev.object as Status, `watch ${this.listPath}`);
    const obj = ev.object as T;
    if (!obj.metadata) throw new Error(`watch event without metadata: ${line.slice(0, 200)}`);
    this.stats.events++;
    // Traffic proved the stream works: the next failure starts from the base delay again.
    this.backoff.reset();
    const key = objectKey(obj);
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const old = this.cache.get(key);
        this.cache.set(key, obj);
        if (old) this.emit('update', obj, old);
        else this.emit('add', obj);
        break;
      }
      case 'DELETED': {
        const old = this.cache.get(key);
        if (old) {
          this.cache.delete(key);
          this.emit('delete', obj);
        }
        break;
      }
      case 'BOOKMARK':
        break;
      default:
        this.log.warn({ type: ev.type, path: this.listPath }, 'unknown watch event type');
        return;
    }
    if (obj.metadata.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
  }

  private resync(): void {
    if (!this.synced || !this.running) return;
    for (const obj of this.cache.list()) this.emit('update', obj, obj);
  }

  private emit<E extends InformerEvent>(event: E, ...args: Parameters<InformerHandlers<T>[E]>): void {
    if (!this.running) return;
    for (const fn of [...this.handlers[event]]) {
      try {
        (fn as (...a: Parameters<InformerHandlers<T>[E]>) => void)(...args);
      } catch (e) {
        this.log.error({ err: e, event, path: this.listPath }, 'informer handler threw');
      }
    }
  }
}

function isTooLargeResourceVersion(e: unknown): boolean {
  return (
    e instanceof ApiError &&
    e.code === 504 &&
    (e.status?.details?.causes ?? []).some((c) => c.reason === 'ResourceVersionTooLarge')
  );
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (data += d));
    res.once('end', () => resolve(data));
    res.once('error', reject);
  });
}

function errorSummary(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
