/** The fields an applied configuration sets: structured-merge-diff's TypedValue.ToFieldSet. */
import { FieldSet } from './fieldset.js';
import { isMap } from './json.js';
import { indexListItems } from './list-items.js';
import { granularList, intoField, intoItem, root, type Position } from './schema.js';
import type { ListTypeResolver } from '../../api/kubernetes.js';

export function toFieldSet(obj: unknown, listType: ListTypeResolver): FieldSet {
  const set = new FieldSet();
  walk(obj, root(listType), set, true);
  return set;
}

function walk(v: unknown, at: Position, set: FieldSet, isRoot = false): void {
  if (Array.isArray(v)) {
    const lt = granularList(at);
    if (!lt) {
      set.insert(at.path);
      return;
    }
    for (const item of indexListItems(v, lt, at.path, true).values()) {
      const itemAt = intoItem(at, item.pe);
      walk(item.value, itemAt, set);
      set.insert(itemAt.path);
    }
    return;
  }
  if (isMap(v)) {
    for (const [k, child] of Object.entries(v)) {
      const childAt = intoField(at, k);
      walk(child, childAt, set);
      // Nothing below an empty or null map would record that it was set.
      if (child === null || (isMap(child) && Object.keys(child).length === 0)) set.insert(childAt.path);
    }
    return;
  }
  if (!isRoot) set.insert(at.path);
}
