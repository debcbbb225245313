/**
 * What the engine last said about this node's containers, indexed by pod uid. Fed by three
 * sources that may race: the periodic list (whole node), engine events and the runtime's own
 * create/start/stop/remove (one container each). Every change gets a sequence number; a list that
 * began before a change must not undo it (it would resurrect a container the runtime just removed,
 * or forget one it just created and make the runtime create it twice).
 */
import { LABELS, type ObservedContainer } from '../engine/engine.js';

interface Entry {
  c: ObservedContainer;
  seq: number;
}

/** The fields whose change is worth a pod sync. */
function fingerprint(c: ObservedContainer): string {
  return [c.status, c.exitCode, c.startedAt, c.finishedAt, c.oomKilled, c.error, c.ip, c.imageId].join('|');
}

export class ContainerCache {
  private seq = 0;
  private readonly byId = new Map<string, Entry>();
  private readonly byUid = new Map<string, Set<string>>();
  /** Removed ids, with the sequence of the removal, until a list taken after it replaces them. */
  private readonly tombstones = new Map<string, number>();

  /** Call before listing the engine; pass the mark to replace(). */
  mark(): number {
    return ++this.seq;
  }

  /** A fresh view of one container (event, inspect, own action); answers whether it changed. */
  put(c: ObservedContainer): boolean {
    this.tombstones.delete(c.id);
    const old = this.byId.get(c.id);
    this.byId.set(c.id, { c, seq: ++this.seq });
    this.index(c);
    return !old || fingerprint(old.c) !== fingerprint(c);
  }

  remove(id: string): void {
    const old = this.byId.get(id);
    this.tombstones.set(id, ++this.seq);
    if (!old) return;
    this.byId.delete(id);
    this.unindex(old.c);
  }

  /**
   * Applies a whole-node list taken after mark(); answers the pod uids whose containers changed.
   * Entries touched after the mark win over the list.
   */
  replace(list: ObservedContainer[], mark: number): Set<string> {
    const changed = new Set<string>();
    const seen = new Set<string>();
    for (const c of list) {
      seen.add(c.id);
      const tomb = this.tombstones.get(c.id);
      if (tomb !== undefined && tomb > mark) continue;
      const old = this.byId.get(c.id);
      if (old && old.seq > mark) continue;
      if (!old || fingerprint(old.c) !== fingerprint(c)) changed.add(uidOf(c));
      if (old) this.unindex(old.c);
      this.byId.set(c.id, { c, seq: old?.seq ?? 0 });
      this.index(c);
    }
    for (const [id, e] of [...this.byId]) {
      if (seen.has(id) || e.seq > mark) continue;
      this.byId.delete(id);
      this.unindex(e.c);
      changed.add(uidOf(e.c));
    }
    for (const [id, seq] of [...this.tombstones]) if (seq <= mark) this.tombstones.delete(id);
    changed.delete('');
    return changed;
  }

  forPod(uid: string): ObservedContainer[] {
    const ids = this.byUid.get(uid);
    if (!ids) return [];
    const out: ObservedContainer[] = [];
    for (const id of ids) {
      const e = this.byId.get(id);
      if (e) out.push(e.c);
    }
    return out;
  }

  get(id: string): ObservedContainer | undefined {
    return this.byId.get(id)?.c;
  }

  podUids(): string[] {
    return [...this.byUid.keys()];
  }

  get size(): number {
    return this.byId.size;
  }

  private index(c: ObservedContainer): void {
    const uid = uidOf(c);
    let set = this.byUid.get(uid);
    if (!set) this.byUid.set(uid, (set = new Set()));
    set.add(c.id);
  }

  private unindex(c: ObservedContainer): void {
    const uid = uidOf(c);
    const set = this.byUid.get(uid);
    if (!set) return;
    set.delete(c.id);
    if (set.size === 0) this.byUid.delete(uid);
  }
}

export function uidOf(c: { labels: Record<string, string> }): string {
  return c.labels[LABELS.podUid] ?? '';
}
