/**
 * Dropping what an applier stopped applying: structured-merge-diff's Updater.prune. A field or
 * item goes (with everything under it) when the applier owned it last time and nobody owns it
 * now, the applier's new configuration included.
 */
import { FieldSet } from './fieldset.js';
import { isMap, type JsonMap } from './json.js';
import { listItemPathElement } from './list-items.js';
import { field } from './path.js';
import { granularList, intoField, intoItem, root, type Position } from './schema.js';
import type { ListTypeResolver } from '../../api/kubernetes.js';

export function prune(merged: unknown, last: FieldSet, owned: FieldSet, listType: ListTypeResolver): unknown {
  return pruneNode(merged, last, owned, root(listType));
}

const nothing = new FieldSet();

function pruneNode(v: unknown, last: FieldSet, owned: FieldSet, at: Position): unknown {
  if (isMap(v)) {
    const out: JsonMap = {};
    for (const [k, child] of Object.entries(v)) {
      const pe = field(k);
      if (last.coversForPrune(pe) && !owned.coversForPrune(pe)) continue;
      const lastBelow = last.child(pe);
      if (!lastBelow) {
        out[k] = child;
        continue;
      }
      const kept = pruneNode(child, lastBelow, owned.child(pe) ?? nothing, intoField(at, k));
      // SMD leaves null where a container lost everything; Kubernetes then drops such nulls.
      if (!emptiedContainer(child, kept)) out[k] = kept;
    }
    return out;
  }
  const lt = Array.isArray(v) ? granularList(at) : undefined;
  if (!Array.isArray(v) || !lt) return v;
  const out: unknown[] = [];
  v.forEach((item, i) => {
    const pe = listItemPathElement(item, lt, at.path, i);
    if (last.hasMember(pe) && !owned.hasMember(pe)) return;
    const lastBelow = last.child(pe);
    out.push(lastBelow ? pruneNode(item, lastBelow, owned.child(pe) ?? nothing, intoItem(at, pe)) : item);
  });
  return out;
}

function emptiedContainer(before: unknown, after: unknown): boolean {
  const size = (x: unknown): number => (Array.isArray(x) ? x.length : isMap(x) ? Object.keys(x).length : -1);
  return size(after) === 0 && size(before) > 0;
}
