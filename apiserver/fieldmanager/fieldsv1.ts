/** FieldsV1 (the JSON in managedFields[].fieldsV1) to and from FieldSet, as apimachinery writes it. */
import { FieldSet } from './fieldset.js';
import { isMap } from './json.js';
import {
  comparePathElements,
  parsePathElementKey,
  pathElementKey,
  type Path,
  type PathElement,
} from './path.js';
import type { JsonObject } from '../../api/kubernetes.js';

export function encodeFieldsV1(set: FieldSet): JsonObject {
  return encodeLevel(set, false);
}

function encodeLevel(set: FieldSet, selfOwned: boolean): JsonObject {
  const out: JsonObject = {};
  if (selfOwned) out['.'] = {};
  // Members and children interleave in path-element order, as emitContentsV1 writes them.
  const elements = new Map<string, PathElement>();
  for (const pe of set.sortedMembers()) elements.set(pathElementKey(pe), pe);
  for (const c of set.sortedChildren()) elements.set(pathElementKey(c.pe), c.pe);
  for (const [k, pe] of [...elements].sort((a, b) => comparePathElements(a[1], b[1]))) {
    const below = set.child(pe);
    out[k] = below ? encodeLevel(below, set.hasMember(pe)) : {};
  }
  return out;
}

/** Throws on anything that is not well-formed FieldsV1. */
export function decodeFieldsV1(fields: unknown): FieldSet {
  const set = new FieldSet();
  decodeLevel(fields, [], set);
  return set;
}

function decodeLevel(fields: unknown, prefix: Path, into: FieldSet): void {
  if (!isMap(fields)) throw new Error(`expected an object at ${JSON.stringify(prefix.map(pathElementKey))}`);
  for (const [k, v] of Object.entries(fields)) {
    if (k === '.') {
      into.insert(prefix);
      continue;
    }
    const path = [...prefix, parsePathElementKey(k)];
    if (!isMap(v)) throw new Error(`expected an object at ${JSON.stringify(path.map(pathElementKey))}`);
    if (Object.keys(v).length === 0) into.insert(path);
    else decodeLevel(v, path, into);
  }
}
