/** What changed between two objects, per field: structured-merge-diff's TypedValue.Compare. */
import { FieldSet } from './fieldset.js';
import { deepEqual, isMap } from './json.js';
import { indexListItems } from './list-items.js';
import { granularList, intoField, intoItem, root, type Position } from './schema.js';
import type { ListTypeResolver } from '../../api/kubernetes.js';

export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

/** `undefined` stands for an absent field; null is a present value. */
export function compare(lhs: unknown, rhs: unknown, listType: ListTypeResolver): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  node(lhs, rhs, root(listType), c);
  return c;
}

type Shape = 'map' | 'list' | 'scalar';

function shape(v: unknown): Shape | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return 'list';
  return isMap(v) ? 'map' : 'scalar';
}

function node(lhs: unknown, rhs: unknown, at: Position, c: Comparison): void {
  if (lhs === undefined && rhs === undefined) return;
  const ls = shape(lhs);
  const rs = shape(rhs);
  // null (or absence) takes whatever form the other side has, as SMD's deduceAtom allows.
  if (ls && rs && ls !== rs) {
    c.modified.insert(at.path);
    children(lhs, undefined, ls, at, c);
    children(undefined, rhs, rs, at, c);
    return;
  }
  const s = ls ?? rs ?? 'scalar';
  if (isLeaf(lhs, rhs, s, at)) {
    leaf(lhs, rhs, at, c);
    return;
  }
  children(lhs, rhs, s, at, c);
  if (lhs === undefined) c.added.insert(at.path);
  else if (rhs === undefined) c.removed.insert(at.path);
}

/** Scalars, atomic lists, and containers empty on both sides (to keep null apart from empty). */
function isLeaf(lhs: unknown, rhs: unknown, s: Shape, at: Position): boolean {
  if (s === 'scalar') return true;
  if (s === 'list' && !granularList(at)) return true;
  return isEmpty(lhs) && isEmpty(rhs);
}

function isEmpty(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (isMap(v)) return Object.keys(v).length === 0;
  return true;
}

function leaf(lhs: unknown, rhs: unknown, at: Position, c: Comparison): void {
  if (lhs === undefined) c.added.insert(at.path);
  else if (rhs === undefined) c.removed.insert(at.path);
  else if (!deepEqual(lhs, rhs)) c.modified.insert(at.path);
}

function children(lhs: unknown, rhs: unknown, s: Shape, at: Position, c: Comparison): void {
  if (s === 'map') {
    const l = isMap(lhs) ? lhs : {};
    const r = isMap(rhs) ? rhs : {};
    for (const k of new Set([...Object.keys(l), ...Object.keys(r)])) {
      node(l[k], r[k], intoField(at, k), c);
    }
    return;
  }
  const lt = granularList(at);
  if (s !== 'list' || !lt) return;
  const l = indexListItems(Array.isArray(lhs) ? lhs : [], lt, at.path, false);
  const r = indexListItems(Array.isArray(rhs) ? rhs : [], lt, at.path, false);
  for (const [k, item] of r) node(l.get(k)?.value, item.value, intoItem(at, item.pe), c);
  for (const [k, item] of l) if (!r.has(k)) node(item.value, undefined, intoItem(at, item.pe), c);
}
