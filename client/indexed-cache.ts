/**
 * The informer's local store with secondary indices (client-go's cache.Indexer): objects by key
 * (`namespace/name`, or `name` when cluster-scoped) and, per registered index, the keys filed under
 * each value an index function gives, so `byIndex` costs the size of the answer.
 */
import type { KubeObject } from '../api/kubernetes.js';
import type { RuntimeLogger } from './log.js';

export class IndexedCache<T extends KubeObject> {
  private readonly objects = new Map<string, T>();
  private readonly indexers = new Map<string, (obj: T) => string[]>();
  /** index name → value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly log: RuntimeLogger) {}

  get size(): number {
    return this.objects.size;
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  entries(): [string, T][] {
    return [...this.objects];
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  has(key: string): boolean {
    return this.objects.has(key);
  }

  /** Registers an index: fn gives the values an object is filed under (e.g. its source). */
  addIndex(name: string, fn: (obj: T) => string[]): void {
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.objects) this.indexAdd(name, fn, index, key, obj);
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`no index named ${name}`);
    const out: T[] = [];
    for (const key of index.get(value) ?? []) {
      const obj = this.objects.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  set(key: string, obj: T): void {
    const old = this.objects.get(key);
    if (old) this.unindex(key, old);
    this.objects.set(key, obj);
    for (const [name, fn] of this.indexers) this.indexAdd(name, fn, this.indices.get(name)!, key, obj);
  }

  delete(key: string): void {
    const old = this.objects.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.objects.delete(key);
  }

  private indexAdd(
    name: string,
    fn: (obj: T) => string[],
    index: Map<string, Set<string>>,
    key: string,
    obj: T,
  ): void {
    let values: string[];
    try {
      values = fn(obj);
    } catch (e) {
      this.log.error({ err: e, index: name, key }, 'index function threw');
      return;
    }
    for (const v of values) {
      let set = index.get(v);
      if (!set) index.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      let values: string[];
      try {
        values = fn(obj);
      } catch {
        // The function threw when filing it too: look for the key under every value.
        values = [...index.keys()];
      }
      for (const v of values) {
        const set = index.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) index.delete(v);
      }
    }
  }
}
