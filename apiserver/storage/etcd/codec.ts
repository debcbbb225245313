import type { IEvent, IKeyValue } from 'etcd3';
import type { KubeObject } from '../../../api/kubernetes.js';
import type { StoreEvent, StoreEventType, StoredObject } from '../store.js';

/**
 * One etcd event, decoded only when someone looks: an event no watcher asks about costs its buffer
 * and nothing more; one that many watchers send unchanged is serialized once.
 */
export class EtcdEvent implements StoreEvent {
  private obj: KubeObject | undefined;
  private str: string | undefined;
  private prevObj: KubeObject | null | undefined;
  readonly size: number;

  constructor(
    readonly type: StoreEventType,
    readonly key: string,
    readonly revision: number,
    private readonly value: Buffer | undefined,
    private readonly prev: IKeyValue | undefined,
  ) {
    this.size = (value?.length ?? 0) + (prev?.value.length ?? 0) + key.length + 64;
  }

  /** For DELETED, the last state stamped with the deletion's revision. */
  get object(): KubeObject {
    if (!this.obj) {
      const source = this.type === 'DELETED' ? this.prev?.value : this.value;
      this.obj = source
        ? decode(source, this.revision)
        : { metadata: { resourceVersion: String(this.revision) } };
    }
    return this.obj;
  }

  get json(): string {
    return (this.str ??= JSON.stringify(this.object));
  }

  previous(): KubeObject | undefined {
    if (this.prevObj === undefined) {
      this.prevObj =
        this.type !== 'ADDED' && this.prev ? decode(this.prev.value, Number(this.prev.mod_revision)) : null;
    }
    return this.prevObj ?? undefined;
  }
}

/** The stored value carries no resourceVersion: it is the key's mod_revision, stamped on the way out. */
export function encode(object: KubeObject): Buffer {
  if (object.metadata?.resourceVersion === undefined) return Buffer.from(JSON.stringify(object));
  const { resourceVersion: _, ...metadata } = object.metadata;
  return Buffer.from(JSON.stringify({ ...object, metadata }));
}

export function decode(value: Buffer, revision: number): KubeObject {
  const object = JSON.parse(value.toString('utf8')) as KubeObject;
  object.metadata = { ...object.metadata, resourceVersion: String(revision) };
  return object;
}

export function stamp(object: KubeObject, revision: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}

export function toStored(key: string, kv: IKeyValue): StoredObject {
  const revision = Number(kv.mod_revision);
  return { key, object: decode(kv.value, revision), revision, createRevision: Number(kv.create_revision) };
}

/** Null for keys in the watched range that are not Store keys (the sentinel, `${prefix}-x`). */
export function storeEvent(ev: IEvent, prefix: string): EtcdEvent | null {
  const raw = ev.kv.key.toString('utf8');
  if (raw.length <= prefix.length || raw[prefix.length] !== '/') return null;
  const rev = Number(ev.kv.mod_revision);
  const deleted = String(ev.type).toUpperCase() === 'DELETE';
  const type: StoreEventType = deleted
    ? 'DELETED'
    : ev.kv.create_revision === ev.kv.mod_revision
      ? 'ADDED'
      : 'MODIFIED';
  return new EtcdEvent(
    type,
    raw.slice(prefix.length),
    rev,
    deleted ? undefined : ev.kv.value,
    ev.prev_kv ?? undefined,
  );
}
