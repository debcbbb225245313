import type { KubeObject } from '../../api/kubernetes.js';

/**
 * The storage contract of the API server (kine's shape): one global, monotonically increasing
 * revision is every object's resourceVersion; updates and deletes are compare-and-swap on it;
 * watches replay history from any retained revision and then follow live writes in order.
 * Implementations: SQLite (default, single process) and etcd.
 */
export interface StoredObject {
  key: string;
  object: KubeObject;
  /** Revision of the last write to this key (= metadata.resourceVersion). */
  revision: number;
  createRevision: number;
}

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  key: string;
  revision: number;
  /** New state; for DELETED the last state stamped with the deletion's revision. */
  object: KubeObject;
  /** `object` serialized once, shared by every watcher that sends it unchanged. */
  json: string;
  /** The state before this event (undefined for ADDED or when compacted away). Lazy: costs only when asked. */
  previous(): KubeObject | undefined;
}

export type StoreListener = (event: StoreEvent) => void;
/**
 * A watch that can no longer continue (its resume point was compacted while the backend's own
 * watch was reconnecting: etcd). The watch has ended; the caller relists, as a 410 tells clients to.
 */
export type StoreWatchErrorHandler = (err: StoreError) => void;

export interface ListOptions {
  /** Only keys strictly greater than this (pagination). */
  startAfter?: string;
  limit?: number;
  /** Read the state as of this revision (a continue token's snapshot); default latest. */
  atRevision?: number;
}

export interface ListResult {
  items: StoredObject[];
  /** Revision the list reflects. */
  revision: number;
  /** True when `limit` cut the list short. */
  more: boolean;
}

export type StoreErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Compacted' | 'Closed';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** For Conflict: the current state of the key. */
    readonly current?: StoredObject,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface WatchHandle {
  stop(): void;
}

export interface Store {
  /** The newest revision written. */
  currentRevision(): number;
  /** Revisions at or below this have been compacted: watching from them is impossible. */
  compactedRevision(): number;
  get(key: string): Promise<StoredObject | undefined>;
  /** Keys under `prefix` (which ends in '/'), in key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  create(key: string, object: KubeObject): Promise<StoredObject>;
  /** Compare-and-swap on `expectedRevision`. */
  update(key: string, object: KubeObject, expectedRevision: number): Promise<StoredObject>;
  /** Returns the deleted object stamped with the deletion's revision. */
  delete(key: string, expectedRevision?: number): Promise<StoredObject>;
  /**
   * Events for keys under `prefix` (ends in '/') or equal to `prefix` (an exact key), with revision
   * > `afterRevision`, in revision order: first retained history, then live. Throws
   * StoreError('Compacted') when `afterRevision` is older than the retained window.
   */
  watch(
    prefix: string,
    afterRevision: number,
    listener: StoreListener,
    onError?: StoreWatchErrorHandler,
  ): WatchHandle;
  /** Drop superseded history at or below `revision`. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
