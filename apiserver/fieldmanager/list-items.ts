/** How items of a granular list are named: by key fields (map lists) or by value (sets). */
import { isMap } from './json.js';
import { keyElement, pathElementKey, pathString, type Path, type PathElement } from './path.js';
import type { ListType } from '../../api/kubernetes.js';

/** A value that structured-merge-diff would refuse to type, with the path it reports. */
export class FieldPathError extends Error {
  constructor(path: Path, message: string) {
    super(`${pathString(path) || '.'}: ${message}`);
    this.name = 'FieldPathError';
  }
}

export function listItemPathElement(item: unknown, lt: ListType, path: Path, index: number): PathElement {
  const fail = (msg: string): never => {
    throw new FieldPathError(path, `element ${index}: ${msg}`);
  };
  const keys = lt.keys ?? [];
  if (lt.type === 'map' && keys.length > 0) {
    if (!isMap(item)) return fail('associative list with keys may not have non-map elements');
    const fields: Array<[string, unknown]> = [];
    for (const k of keys) {
      // No schema defaults reach us, so a missing key field cannot be filled in.
      if (!Object.hasOwn(item, k)) {
        return fail(
          `associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`,
        );
      }
      fields.push([k, item[k]]);
    }
    return keyElement(fields);
  }
  if (isMap(item)) return fail("associative list without keys has an element that's a map type");
  if (Array.isArray(item)) return fail('not supported: associative list with lists as elements');
  if (item === null) return fail("associative list without keys has an element that's an explicit null");
  return { kind: 'value', value: item };
}

export interface IndexedItem {
  readonly pe: PathElement;
  readonly value: unknown;
}

/**
 * Items keyed by path element, in list order. Later duplicates are ignored (first one wins),
 * as the compare and merge walkers do, unless `rejectDuplicates` (applied configurations).
 */
export function indexListItems(
  list: readonly unknown[],
  lt: ListType,
  path: Path,
  rejectDuplicates: boolean,
): Map<string, IndexedItem> {
  const out = new Map<string, IndexedItem>();
  list.forEach((value, i) => {
    const pe = listItemPathElement(value, lt, path, i);
    const k = pathElementKey(pe);
    if (out.has(k)) {
      if (rejectDuplicates) throw new FieldPathError(path, `duplicate entries for key ${pathString([pe])}`);
      return;
    }
    out.set(k, { pe, value });
  });
  return out;
}
