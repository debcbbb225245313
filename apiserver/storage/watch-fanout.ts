import type { StoreEvent, StoreListener } from './store.js';

/**
 * Delivers each event only to the watchers whose prefix contains its key. Watchers are indexed by
 * prefix, and an event looks up only the prefixes of its own key (one per '/' level plus the exact
 * key), so its cost does not grow with the number of unrelated watchers.
 */
export class WatchFanout {
  private readonly byPrefix = new Map<string, Set<StoreListener>>();
  private count = 0;

  add(prefix: string, listener: StoreListener): () => void {
    let set = this.byPrefix.get(prefix);
    if (!set) {
      set = new Set();
      this.byPrefix.set(prefix, set);
    }
    set.add(listener);
    this.count++;
    return () => {
      const s = this.byPrefix.get(prefix);
      if (s?.delete(listener)) {
        this.count--;
        if (s.size === 0) this.byPrefix.delete(prefix);
      }
    };
  }

  size(): number {
    return this.count;
  }

  dispatch(event: StoreEvent): void {
    if (this.count === 0) return;
    const key = event.key;
    this.deliver(key, event);
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
      this.deliver(key.slice(0, i + 1), event);
    }
  }

  private deliver(prefix: string, event: StoreEvent): void {
    const set = this.byPrefix.get(prefix);
    if (!set) return;
    for (const listener of set) listener(event);
  }
}

/** The smallest string greater than every string starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Whether `key` is covered by a watch on `prefix` (a '/'-terminated prefix or an exact key). */
export function keyMatchesPrefix(key: string, prefix: string): boolean {
  return prefix.endsWith('/') ? key.startsWith(prefix) : key === prefix;
}
