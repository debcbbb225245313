/**
 * A set of field paths, shaped like structured-merge-diff's fieldpath.Set: at each level the
 * path elements that are themselves owned (members) and the subsets below path elements
 * (children). A path can be both, which FieldsV1 writes as `".": {}`.
 */
import { comparePathElements, pathElementKey, type Path, type PathElement } from './path.js';

interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

export class FieldSet {
  private readonly members = new Map<string, PathElement>();
  private readonly children = new Map<string, Child>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Inserting the empty path is a no-op: nobody owns the object as a whole. */
  insert(path: Path): void {
    if (path.length === 0) return;
    const [head, ...rest] = path;
    if (rest.length === 0) this.members.set(pathElementKey(head), head);
    else this.childOrCreate(head).insert(rest);
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    const [head, ...rest] = path;
    return rest.length === 0 ? this.hasMember(head) : (this.child(head)?.has(rest) ?? false);
  }

  hasMember(pe: PathElement): boolean {
    return this.members.has(pathElementKey(pe));
  }

  /** The subset below pe, if any path goes through it. */
  child(pe: PathElement): FieldSet | undefined {
    return this.children.get(pathElementKey(pe))?.set;
  }

  /**
   * Whether pe is owned once named fields with owned descendants count as owned, which is how
   * structured-merge-diff's prune treats struct fields (EnsureNamedFieldsAreMembers). Every map
   * key is taken to be a named field, having no schema to say otherwise.
   */
  coversForPrune(pe: PathElement): boolean {
    return this.hasMember(pe) || (pe.kind === 'field' && this.child(pe) !== undefined);
  }

  empty(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    for (const [k, pe] of other.members) out.members.set(k, pe);
    for (const [k, c] of other.children) {
      const mine = out.children.get(k);
      out.children.set(k, { pe: c.pe, set: mine ? mine.set.union(c.set) : c.set.copy() });
    }
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const theirs = other.children.get(k);
      const rest = theirs ? c.set.difference(theirs.set) : c.set.copy();
      if (!rest.empty()) out.children.set(k, { pe: c.pe, set: rest });
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const theirs = other.children.get(k);
      if (!theirs) continue;
      const both = c.set.intersection(theirs.set);
      if (!both.empty()) out.children.set(k, { pe: c.pe, set: both });
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).empty() && other.difference(this).empty();
  }

  /** Paths in Set.Iterate order: a level's members, then each child's paths, all sorted. */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = this.sortedMembers().map((pe) => [...prefix, pe]);
    for (const c of this.sortedChildren()) out.push(...c.set.paths([...prefix, c.pe]));
    return out;
  }

  sortedMembers(): PathElement[] {
    return [...this.members.values()].sort(comparePathElements);
  }

  sortedChildren(): Child[] {
    return [...this.children.values()].sort((a, b) => comparePathElements(a.pe, b.pe));
  }

  private childOrCreate(pe: PathElement): FieldSet {
    const k = pathElementKey(pe);
    let c = this.children.get(k);
    if (!c) {
      c = { pe, set: new FieldSet() };
      this.children.set(k, c);
    }
    return c.set;
  }

  private copy(): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, c] of this.children) out.children.set(k, { pe: c.pe, set: c.set.copy() });
    return out;
  }
}
