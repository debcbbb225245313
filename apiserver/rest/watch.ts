import { errors } from '../errors.js';
import { groupVersion, type ResourceInfo, type ResourceVersion } from '../registry/resource-info.js';
import { StoreError, type Store, type StoreEvent, type WatchHandle } from '../storage/store.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { collectionPrefix, storageKey } from './keys.js';
import { filterFor, type ListQuery, type ListResponse } from './list-query.js';
import { isConverted, toVersion } from './convert.js';
import { caughtUp, tooLargeResourceVersion } from './revision.js';

/** What a watch reads from: the store, and lists for the initial state (ObjectStorage). */
export interface WatchSource {
  readonly store: Store;
  list(
    info: ResourceInfo,
    version: ResourceVersion,
    namespace: string | undefined,
    q: ListQuery,
  ): Promise<ListResponse>;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Where events go: the HTTP layer encodes them (JSON or Table). */
export interface WatchSink {
  /** `json` is the object already serialized, when it can be sent as is. */
  send(type: WatchEventType, object: KubeObject, json?: string): void;
  /** Ends the stream (after an ERROR event, or on shutdown). */
  end(): void;
}

export interface WatchOptions {
  allowBookmarks: boolean;
  /** sendInitialEvents=true: synthetic ADDED then a bookmark marking the end of them. */
  sendInitialEvents: boolean;
  bookmarkIntervalMs?: number;
}

/**
 * One watch: initial state when asked (resourceVersion unset or "0"), then every change in order.
 * Selectors are applied to both the new and the previous state, so objects entering or leaving the
 * selection arrive as ADDED or DELETED, as kube's watch cache does.
 */
export async function startWatch(
  storage: WatchSource,
  info: ResourceInfo,
  version: ResourceVersion,
  namespace: string | undefined,
  q: ListQuery,
  opts: WatchOptions,
  sink: WatchSink,
): Promise<{ stop(): void }> {
  const store = storage.store;
  const exact = q.exactName !== undefined && (namespace !== undefined || !info.namespaced);
  const prefix = exact
    ? storageKey(info, namespace, q.exactName as string)
    : collectionPrefix(info, namespace);
  const matches = filterFor(info, version, q);
  // events.k8s.io objects are stored as core Events: always converted.
  const sameVersion = version.name === info.storageVersion && !isConverted(info);
  const selective = q.labelSelector !== undefined || q.fieldSelector !== undefined;
  const bookmarkObject = (rv: number, initialEnd = false): KubeObject => ({
    kind: info.kind,
    apiVersion: groupVersion(info.group, version.name),
    metadata: {
      resourceVersion: String(rv),
      ...(initialEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
    },
  });

  let from: number;
  const rv = q.resourceVersion;
  const initial = rv === '' || rv === '0' || opts.sendInitialEvents;
  if (initial) {
    const page = await storage.list(info, version, namespace, {
      ...q,
      limit: undefined,
      continueKey: undefined,
      continueRevision: undefined,
    });
    for (const o of page.items) sink.send('ADDED', o);
    from = Number(page.resourceVersion);
    if (opts.sendInitialEvents && opts.allowBookmarks) sink.send('BOOKMARK', bookmarkObject(from, true));
  } else {
    from = Number(rv);
    if (!Number.isInteger(from) || from < 0) throw errors.badRequest(`invalid resourceVersion: ${rv}`);
    if (!(await caughtUp(store, from))) {
      sink.send(
        'ERROR',
        tooLargeResourceVersion(from, store.currentRevision()).toStatus() as unknown as KubeObject,
      );
      sink.end();
      return { stop() {} };
    }
  }

  const deliver = (ev: StoreEvent): void => {
    if (ev.revision <= from) return;
    const json = sameVersion ? ev.json : undefined;
    const obj = sameVersion ? ev.object : toVersion(ev.object, info, version);
    if (!selective) {
      sink.send(ev.type, obj, json);
      return;
    }
    const now = matches(ev.object);
    if (ev.type === 'ADDED') {
      if (now) sink.send('ADDED', obj, json);
      return;
    }
    if (ev.type === 'DELETED') {
      if (now) sink.send('DELETED', obj, json);
      return;
    }
    const prev = ev.previous();
    const was = prev !== undefined && matches(prev);
    if (now) sink.send(was ? 'MODIFIED' : 'ADDED', obj, json);
    else if (was && prev) {
      // Leaving the selection: the last state it matched in, at this event's revision.
      const last = toVersion(prev, info, version);
      sink.send('DELETED', { ...last, metadata: { ...last.metadata, resourceVersion: String(ev.revision) } });
    }
  };

  let handle: WatchHandle;
  let timer: NodeJS.Timeout | undefined;
  try {
    handle = store.watch(prefix, from, deliver, (err) => {
      // The backend lost our place (etcd compacted past it during a reconnect): clients relist on 410.
      sink.send('ERROR', errors.expired(`watch ended: ${err.message}`).toStatus() as unknown as KubeObject);
      if (timer) clearInterval(timer);
      sink.end();
    });
  } catch (e) {
    if (e instanceof StoreError && e.code === 'Compacted') {
      const status = errors
        .expired(`too old resource version: ${from} (${store.compactedRevision()})`)
        .toStatus();
      sink.send('ERROR', status as unknown as KubeObject);
      sink.end();
      return { stop() {} };
    }
    throw e;
  }
  if (opts.allowBookmarks) {
    timer = setInterval(
      () => sink.send('BOOKMARK', bookmarkObject(store.currentRevision())),
      opts.bookmarkIntervalMs ?? 30_000,
    );
    timer.unref();
  }
  return {
    stop() {
      handle.stop();
      if (timer) clearInterval(timer);
    },
  };
}
