/**
 * In-process followers of a key prefix (namespace states, served CRDs, terminating objects): list,
 * then watch from the list's revision; when the store ends the watch (etcd compacted past it while
 * reconnecting) list again and reset, exactly as an informer does on 410.
 */
import type { StoreEvent, Store, StoredObject } from './store.js';

export interface FollowHandlers {
  /** The whole current state (first list, and after every relist). */
  reset(items: StoredObject[]): void;
  event(ev: StoreEvent): void;
}

export interface Follower {
  stop(): void;
}

export async function followPrefix(
  store: Store,
  prefix: string,
  h: FollowHandlers,
  onRelist?: (reason: string) => void,
): Promise<Follower> {
  let stopped = false;
  let handle: { stop(): void } | undefined;
  const start = async (): Promise<void> => {
    const page = await store.list(prefix);
    if (stopped) return;
    h.reset(page.items);
    handle = store.watch(prefix, page.revision, h.event, (err) => {
      onRelist?.(err.message);
      const retry = (): void => {
        if (!stopped) void start().catch(() => setTimeout(retry, 1000).unref());
      };
      setTimeout(retry, 100).unref();
    });
  };
  await start();
  return {
    stop() {
      stopped = true;
      handle?.stop();
    },
  };
}
