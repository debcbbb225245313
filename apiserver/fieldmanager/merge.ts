/** Merging an applied configuration into the live object: structured-merge-diff's TypedValue.Merge. */
import { clone, isMap, type JsonMap } from './json.js';
import { indexListItems, type IndexedItem } from './list-items.js';
import { granularList, intoField, intoItem, root, type Position } from './schema.js';
import type { ListTypeResolver } from '../../api/kubernetes.js';

/** rhs wins at leaves; maps merge by key; granular lists merge item by item. */
export function merge(lhs: unknown, rhs: unknown, listType: ListTypeResolver): unknown {
  return mergeNode(lhs, rhs, root(listType));
}

function mergeNode(lhs: unknown, rhs: unknown, at: Position): unknown {
  if (rhs === undefined) return clone(lhs);
  if (lhs === undefined) return clone(rhs);
  const lMap = isMap(lhs) || lhs === null;
  const rMap = isMap(rhs) || rhs === null;
  if (isMap(lhs) || isMap(rhs)) {
    // A null on one side acts as an empty map; anything else of another shape simply loses.
    if (!lMap || !rMap) return clone(rhs);
    const l = lhs ?? {};
    const r = rhs ?? {};
    if (Object.keys(l).length === 0 && Object.keys(r).length === 0) return clone(rhs);
    return mergeMaps(l as JsonMap, r as JsonMap, at);
  }
  if (Array.isArray(lhs) || Array.isArray(rhs)) {
    const lt = granularList(at);
    const l = Array.isArray(lhs) ? lhs : lhs === null ? [] : undefined;
    const r = Array.isArray(rhs) ? rhs : rhs === null ? [] : undefined;
    if (!lt || !l || !r || (l.length === 0 && r.length === 0)) return clone(rhs);
    return mergeLists(indexListItems(l, lt, at.path, false), indexListItems(r, lt, at.path, true), at);
  }
  return clone(rhs);
}

function mergeMaps(l: JsonMap, r: JsonMap, at: Position): JsonMap {
  const out: JsonMap = {};
  for (const k of Object.keys(l)) out[k] = mergeNode(l[k], r[k], intoField(at, k));
  for (const k of Object.keys(r))
    if (!Object.hasOwn(l, k)) out[k] = mergeNode(undefined, r[k], intoField(at, k));
  return out;
}

/**
 * Item order follows SMD's merge: shared items keep the applied configuration's relative order,
 * live-only items stay where they were, and new items land where the configuration puts them.
 */
function mergeLists(lhs: Map<string, IndexedItem>, rhs: Map<string, IndexedItem>, at: Position): unknown[] {
  const lOrder = [...lhs.keys()];
  const rOrder = [...rhs.keys()];
  const shared = rOrder.filter((k) => lhs.has(k));
  let nextShared = shared.shift();
  const out: unknown[] = [];
  const take = (k: string): void => {
    const item = (lhs.get(k) ?? rhs.get(k)) as IndexedItem;
    out.push(mergeNode(lhs.get(k)?.value, rhs.get(k)?.value, intoItem(at, item.pe)));
  };
  let li = 0;
  let ri = 0;
  while (li < lOrder.length || ri < rOrder.length) {
    if (li < lOrder.length && ri < rOrder.length) {
      const k = lOrder[li];
      if (k === rOrder[ri]) {
        take(k);
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (rhs.has(k) && nextShared !== undefined && nextShared !== k) {
        li++;
        continue;
      }
    }
    if (li < lOrder.length && !rhs.has(lOrder[li])) {
      take(lOrder[li]);
      li++;
      continue;
    }
    if (ri < rOrder.length) {
      const k = rOrder[ri];
      take(k);
      ri++;
      if (nextShared === k) nextShared = shared.shift();
      continue;
    }
    // Only a live item already merged out of order can be left here; it is done.
    li++;
  }
  return out;
}
