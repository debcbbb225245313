import {
  CompareResult,
  CompareTarget,
  Etcd3,
  type IDuplexStream,
  type IResponseHeader,
  type ITxnRequest,
  type ITxnResponse,
  type IWatchRequest,
  type IWatchResponse,
} from 'etcd3';
import type { KubeObject } from '../../api/kubernetes.js';
import {
  StoreError,
  type ListOptions,
  type ListResult,
  type Store,
  type StoreListener,
  type StoredObject,
  type WatchHandle,
  type StoreWatchErrorHandler,
} from './store.js';
import { WatchFanout, prefixEnd } from './watch-fanout.js';
import { EtcdEvent, decode, encode, stamp, storeEvent, toStored } from './etcd/codec.js';
import { MemberGate, callWithRetry } from './etcd/failover.js';
import { credentials, type EtcdTlsOptions } from './etcd/tls.js';
import { WatchCache } from './etcd/watch-cache.js';
import { Delivery } from './etcd/delivery.js';
import { casFailure, expectAt } from './etcd/txn.js';

export type { EtcdTlsOptions } from './etcd/tls.js';

export interface EtcdStoreOptions {
  /** Client URLs, e.g. http://10.0.0.1:2379; https:// ones need `tls` unless the system roots do. */
  endpoints: string[];
  /** Every Store key `/x/y` is the etcd key `${prefix}/x/y`. Default `/registry`, as kube's. */
  prefix?: string;
  tls?: EtcdTlsOptions;
  /**
   * Events kept in memory to replay watches from (kube's watch cache); a watch from before them
   * gets Compacted and its client relists. Default 10,000 events or 64 MiB of values.
   */
  watchCacheEvents?: number;
  watchCacheBytes?: number;
  /** Backoff for re-opening the etcd watch after its member went away. Default 100 ms doubling to 2 s. */
  watchRetry?: { initialMs: number; maxMs: number };
  /** Deadline of each attempt of a request to etcd; unavailable members are retried for twice that. Default 10 s. */
  requestTimeoutMs?: number;
}

/** Called when a watch cannot go on (Compacted: its events were lost; the client must relist). */

interface Subscription {
  remove: () => void;
  onError?: StoreWatchErrorHandler;
}

/** How long a write waits for its own event before it is acknowledged anyway (watch down). */
const ACK_TIMEOUT_MS = 10_000;
/** A read that saw a newer revision than the watch waits this long for its events before a barrier. */
const BARRIER_DELAY_MS = 100;

/**
 * The Store on etcd, shaped like kube-apiserver's etcd3 storage plus its watch cache: values are the
 * object JSON without resourceVersion, the resourceVersion is etcd's mod_revision, writes are
 * transactions comparing create/mod revisions. ONE etcd watch on the whole prefix (with prevKv)
 * feeds an in-memory window of recent events and the prefix-indexed fan-out, so watch() replays
 * synchronously and etcd carries one watcher per hub, not one per client. A write is acknowledged
 * only after the watch has delivered its event, so in-process watchers (namespace tracking,
 * informers) have seen it by then, as with SQLite. The watch resumes from the last revision it saw
 * after a member failure; if that revision was compacted meanwhile, every watcher ends with
 * Compacted (kube's cacher does the same) since the events in between are gone.
 */
export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly fanout = new WatchFanout();
  private readonly subs = new Set<Subscription>();
  private readonly attempts = new WeakMap<object, number>();
  private readonly cache: WatchCache;
  private readonly retry: { initialMs: number; maxMs: number };
  private readonly requestTimeoutMs: number;
  private etcdCompacted = 0;
  /** Every event up to here has been put in the window and dispatched. */
  private readonly delivery = new Delivery();
  /** The watch resumes after this (the last revision it delivered, including foreign keys). */
  private lastEventRev = 0;
  private stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  private streamGen = 0;
  private retryDelay: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private barrierPending = false;
  private closed = false;

  private constructor(opts: EtcdStoreOptions) {
    if (opts.endpoints.length === 0) throw new Error('etcd store: no endpoints');
    this.prefix = (opts.prefix ?? '/registry').replace(/\/+$/, '');
    if (this.prefix === '') throw new Error('etcd store: the prefix must not be empty or "/"');
    this.cache = new WatchCache(opts.watchCacheEvents ?? 10_000, opts.watchCacheBytes ?? 64 * 1024 * 1024);
    this.retry = opts.watchRetry ?? { initialMs: 100, maxMs: 2_000 };
    this.retryDelay = this.retry.initialMs;
    const gates: MemberGate[] = [];
    const timeout = (this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000);
    this.client = new Etcd3({
      hosts: opts.endpoints,
      credentials: opts.tls ? credentials(opts.tls) : undefined,
      grpcOptions: {
        // A list without a limit can be large; etcd itself allows up to 2 GiB.
        'grpc.max_receive_message_length': -1,
        // Notices a member that stopped answering without closing the connection.
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
      },
      // Failover and retries are ours (see call()): etcd3's defaults retry at once, which does not
      // outlast an election, and open a 5 s circuit on every member that failed three times in it.
      faultHandling: { host: () => new MemberGate(gates), global: new MemberGate([], 0) },
      defaultCallOptions: (ctx) => {
        if (ctx.isStream) return {};
        // Called once per attempt, so a request seen twice was retried.
        if (ctx.method === 'txn') this.attempts.set(ctx.params, (this.attempts.get(ctx.params) ?? 0) + 1);
        return { deadline: Date.now() + timeout };
      },
    });
  }

  /** Connects, replays recent history into the watch cache and returns once it is current. */
  static async open(opts: EtcdStoreOptions): Promise<EtcdStore> {
    const store = new EtcdStore(opts);
    try {
      await store.start();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  currentRevision(): number {
    return this.delivery.processed;
  }

  compactedRevision(): number {
    return this.cache.compactedRevision(this.etcdCompacted);
  }

  async get(key: string): Promise<StoredObject | undefined> {
    this.assertOpen();
    const res = await this.call(() => this.client.kv.range({ key: this.etcdKey(key) }));
    this.noteHeader(res.header);
    const kv = res.kvs[0];
    return kv ? toStored(key, kv) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const start =
      opts.startAfter !== undefined && opts.startAfter >= prefix
        ? Buffer.concat([this.etcdKey(opts.startAfter), Buffer.from([0])])
        : this.etcdKey(prefix);
    const req = {
      key: start,
      range_end: this.etcdKey(prefixEnd(prefix)),
      limit: opts.limit && opts.limit > 0 ? opts.limit : 0,
    };
    const at = opts.atRevision !== undefined && opts.atRevision > 0 ? opts.atRevision : 0;
    let res;
    try {
      res = await this.call(() => this.client.kv.range({ ...req, revision: at }));
    } catch (e) {
      // As SQLite does, a snapshot revision from the future reads the latest state.
      if (at === 0 || !/future revision/.test(String(e))) throw e;
      res = await this.call(() => this.client.kv.range(req));
    }
    this.noteHeader(res.header);
    const cut = this.prefix.length;
    return {
      items: res.kvs.map((kv) => toStored(kv.key.toString('utf8').slice(cut), kv)),
      revision: at > 0 && at <= Number(res.header.revision) ? at : Number(res.header.revision),
      more: req.limit > 0 && res.more,
    };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    const res = await this.call(() =>
      this.client.kv.range({
        key: this.etcdKey(prefix),
        range_end: this.etcdKey(prefixEnd(prefix)),
        count_only: true,
      }),
    );
    this.noteHeader(res.header);
    return Number(res.count);
  }

  async create(key: string, object: KubeObject): Promise<StoredObject> {
    this.assertOpen();
    const k = this.etcdKey(key);
    const value = encode(object);
    const { res, retried } = await this.txn({
      compare: [{ key: k, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
      success: [{ request_put: { key: k, value } }],
      failure: [{ request_range: { key: k } }],
    });
    let rev = Number(res.header.revision);
    if (!res.succeeded) {
      const cur = res.responses[0]?.response_range.kvs[0];
      if (!cur || !retried || !cur.value.equals(value) || cur.version !== '1') {
        throw new StoreError('KeyExists', `key ${key} already exists`, cur ? toStored(key, cur) : undefined);
      }
      rev = Number(cur.mod_revision);
    }
    await this.delivered(rev);
    return { key, object: stamp(object, rev), revision: rev, createRevision: rev };
  }

  async update(key: string, object: KubeObject, expectedRevision: number): Promise<StoredObject> {
    this.assertOpen();
    const k = this.etcdKey(key);
    const value = encode(object);
    const { res, retried } = await this.txn({
      compare: expectAt(k, expectedRevision),
      // The range after the put reads the txn's own write: the key's create_revision, no value.
      success: [{ request_put: { key: k, value } }, { request_range: { key: k, keys_only: true } }],
      failure: [{ request_range: { key: k } }],
    });
    let rev = Number(res.header.revision);
    let createRevision = Number(res.responses[1]?.response_range.kvs[0]?.create_revision ?? rev);
    if (!res.succeeded) {
      const cur = res.responses[0]?.response_range.kvs[0];
      if (!cur || !retried || !cur.value.equals(value) || Number(cur.mod_revision) <= expectedRevision) {
        throw casFailure(key, cur);
      }
      rev = Number(cur.mod_revision);
      createRevision = Number(cur.create_revision);
    }
    await this.delivered(rev);
    return { key, object: stamp(object, rev), revision: rev, createRevision };
  }

  async delete(key: string, expectedRevision?: number): Promise<StoredObject> {
    this.assertOpen();
    const k = this.etcdKey(key);
    const { res } = await this.txn({
      compare: expectAt(k, expectedRevision),
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) throw casFailure(key, res.responses[0]?.response_range.kvs[0]);
    const rev = Number(res.header.revision);
    const prev = res.responses[0]?.response_delete_range.prev_kvs[0];
    await this.delivered(rev);
    return {
      key,
      object: prev ? decode(prev.value, rev) : { metadata: { resourceVersion: String(rev) } },
      revision: rev,
      createRevision: Number(prev?.create_revision ?? 0),
    };
  }

  /**
   * `onError` (beyond the Store contract) hears when the watch had to end because etcd compacted
   * events it had not delivered yet; without it the watcher just stops receiving.
   */
  watch(
    prefix: string,
    afterRevision: number,
    listener: StoreListener,
    onError?: StoreWatchErrorHandler,
  ): WatchHandle {
    this.assertOpen();
    // Replay and registration in one synchronous step: no event can slip between them.
    this.cache.replay(prefix, afterRevision, this.etcdCompacted, listener);
    // Everything up to here was replayed (or is older than asked): live delivery starts above it.
    const floor = Math.max(afterRevision, this.delivery.processed);
    const remove = this.fanout.add(prefix, (ev) => {
      if (ev.revision > floor) listener(ev);
    });
    const sub: Subscription = { remove, onError };
    this.subs.add(sub);
    return {
      stop: () => {
        remove();
        this.subs.delete(sub);
      },
    };
  }

  watcherCount(): number {
    return this.fanout.size();
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    const target = Math.min(revision, this.delivery.processed - 1);
    if (target <= this.etcdCompacted) return;
    try {
      await this.call(() => this.client.kv.compact({ revision: target }));
    } catch (e) {
      // Someone compacted further already: the history we meant to drop is gone either way.
      if (!(e instanceof StoreError && e.code === 'Compacted')) throw e;
    }
    this.etcdCompacted = Math.max(this.etcdCompacted, target);
    this.cache.trim(this.etcdCompacted);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.streamGen++;
    clearTimeout(this.retryTimer);
    this.stream?.cancel();
    this.stream = undefined;
    this.delivery.close();
    this.subs.clear();
    this.client.close();
  }

  private async start(): Promise<void> {
    // Any key's range answers with the current revision in its header.
    const head = await this.call(() =>
      this.client.kv.range({ key: Buffer.from(this.prefix), count_only: true }),
    );
    const now = Number(head.header.revision);
    // Pre-fill the cache with recent history so that clients resuming after a hub restart need not relist.
    const from = Math.max(1, now - this.cache.maxEvents + 1);
    this.cache.windowStart = this.lastEventRev = this.delivery.processed = from - 1;
    this.connect();
    const barrier = await this.barrier(30_000);
    if (this.delivery.processed < barrier) {
      throw new Error(
        `etcd store: the watch on ${this.prefix} did not catch up to revision ${barrier} in 30 s`,
      );
    }
  }

  /**
   * Writes the sentinel key (the bare prefix, outside every Store key but inside the watched range)
   * and waits for its event: etcd delivers a watch's events in revision order, so every event before
   * it has been delivered. Exact on every etcd version, unlike progress requests before 3.4.24.
   */
  private async barrier(timeoutMs = ACK_TIMEOUT_MS): Promise<number> {
    const res = await this.call(() =>
      this.client.kv.put({ key: Buffer.from(this.prefix), value: Buffer.from('') }),
    );
    const rev = Number(res.header.revision);
    await this.delivered(rev, timeoutMs);
    return rev;
  }

  /**
   * A read can reflect revisions the watch has not delivered: our own writes in flight (their events
   * follow within milliseconds) or writes outside the prefix (no event will ever come). For the
   * latter a barrier moves currentRevision() up, so a client watching from the read's revision does
   * not wait for it in vain.
   */
  private noteHeader(header: IResponseHeader): void {
    const rev = Number(header.revision);
    if (rev <= this.delivery.processed || this.barrierPending || this.closed) return;
    this.barrierPending = true;
    setTimeout(() => {
      if (this.delivery.processed >= rev || this.closed) {
        this.barrierPending = false;
        return;
      }
      this.barrier()
        .catch(() => undefined)
        .finally(() => (this.barrierPending = false));
    }, BARRIER_DELAY_MS).unref();
  }

  private connect(): void {
    if (this.closed) return;
    const gen = ++this.streamGen;
    this.client.watchClient.watch().then(
      (stream) => {
        if (gen !== this.streamGen) {
          stream.cancel();
          return;
        }
        this.stream = stream;
        stream.on('data', (res) => {
          if (gen === this.streamGen) this.onWatchResponse(res);
        });
        stream.on('error', (err) => this.reconnect(gen, err));
        stream.on('end', () => this.reconnect(gen, new Error('watch stream ended')));
        const key = Buffer.from(this.prefix);
        stream.write({
          create_request: {
            key,
            range_end: Buffer.from(prefixEnd(`${this.prefix}/`)),
            start_revision: this.lastEventRev + 1,
            prev_kv: true,
          },
        });
      },
      (err: unknown) => this.reconnect(gen, err),
    );
  }

  /** The member went away (or refused): resume on whichever member answers next, after a backoff. */
  private reconnect(gen: number, _err: unknown, delayMs?: number): void {
    if (gen !== this.streamGen || this.closed) return;
    this.streamGen++;
    const old = this.stream;
    this.stream = undefined;
    try {
      old?.cancel();
    } catch {
      // Already torn down by grpc.
    }
    const delay = delayMs ?? this.retryDelay;
    if (delayMs === undefined) this.retryDelay = Math.min(this.retryDelay * 2, this.retry.maxMs);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private onWatchResponse(res: IWatchResponse): void {
    if (res.created && !res.canceled) {
      this.retryDelay = this.retry.initialMs;
      return;
    }
    if (res.canceled) {
      const compactRev = Number(res.compact_revision);
      if (compactRev > 0) this.resumeCompacted(compactRev);
      else this.reconnect(this.streamGen, new Error(`etcd canceled the watch: ${res.cancel_reason}`));
      return;
    }
    if (res.events.length === 0) return;
    const fresh: EtcdEvent[] = [];
    for (const ev of res.events) {
      const e = storeEvent(ev, this.prefix);
      if (e) fresh.push(e);
    }
    // All of the response enters the window before anyone hears of it: a watch registered by a
    // listener then replays the rest of this revision instead of missing it.
    for (const e of fresh) this.cache.push(e);
    this.lastEventRev = Number(res.events[res.events.length - 1].kv.mod_revision);
    this.delivery.processed = Math.max(this.delivery.processed, this.lastEventRev);
    this.cache.trim(this.etcdCompacted);
    for (const e of fresh) this.fanout.dispatch(e);
    this.delivery.advance(this.lastEventRev);
  }

  /**
   * etcd compacted past the revision the watch had to resume from: the events in between are lost,
   * so no watcher can be continued correctly. They end with Compacted (their clients relist) and the
   * cache restarts at the compaction.
   */
  private resumeCompacted(compactRev: number): void {
    this.etcdCompacted = Math.max(this.etcdCompacted, compactRev);
    this.cache.restartAt(compactRev);
    this.lastEventRev = Math.max(this.lastEventRev, compactRev - 1);
    this.delivery.processed = Math.max(this.delivery.processed, compactRev - 1);
    const err = new StoreError('Compacted', `watch history was compacted at revision ${compactRev}`);
    const subs = [...this.subs];
    this.subs.clear();
    for (const s of subs) s.remove();
    for (const s of subs) s.onError?.(err);
    this.delivery.advance(compactRev - 1);
    // The stream itself is healthy: resume from the compaction at once.
    this.reconnect(this.streamGen, err, 0);
  }

  /** Resolves once the watch delivered revision `rev` (or after `timeoutMs`, the watch being down). */
  private delivered(rev: number, timeoutMs = ACK_TIMEOUT_MS): Promise<void> {
    return this.delivery.delivered(rev, timeoutMs);
  }

  /**
   * etcd3 retries a request whose connection dropped or timed out, though the first attempt may
   * have been applied; the retry then fails its own compare. `retried` lets create and update
   * recognise that case by the value being byte for byte theirs (objects carry a uid and timestamps).
   */
  private async txn(req: ITxnRequest): Promise<{ res: ITxnResponse; retried: boolean }> {
    const res = await this.call(() => this.client.kv.txn(req));
    return { res, retried: (this.attempts.get(req) ?? 0) > 1 };
  }

  private etcdKey(key: string): Buffer {
    return Buffer.from(this.prefix + key, 'utf8');
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('Closed', 'store is closed');
  }

  /** Requests go through the failover policy (see etcd/failover.ts). */
  private call<T>(fn: () => Promise<T>): Promise<T> {
    return callWithRetry(fn, this.requestTimeoutMs, () => this.closed);
  }
}
