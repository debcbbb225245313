/** Path elements as structured-merge-diff names them, with their FieldsV1 and printed forms. */
import { canonicalJson, compareStrings, isMap } from './json.js';

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'key'; readonly fields: ReadonlyArray<readonly [string, unknown]> }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'index'; readonly index: number };

export type Path = readonly PathElement[];

export const field = (name: string): PathElement => ({ kind: 'field', name });

/** The FieldsV1 key; also the identity used to index sets, since it is canonical. */
export function pathElementKey(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `f:${pe.name}`;
    case 'key':
      return `k:${canonicalJson(Object.fromEntries(pe.fields))}`;
    case 'value':
      return `v:${canonicalJson(pe.value)}`;
    case 'index':
      return `i:${pe.index}`;
  }
}

export function parsePathElementKey(key: string): PathElement {
  const body = key.slice(2);
  switch (key.slice(0, 2)) {
    case 'f:':
      return field(body);
    case 'k:': {
      const parsed: unknown = JSON.parse(body);
      if (!isMap(parsed)) throw new Error(`invalid key path element ${JSON.stringify(key)}`);
      return keyElement(Object.entries(parsed));
    }
    case 'v:':
      return { kind: 'value', value: JSON.parse(body) as unknown };
    case 'i:': {
      const index = Number(body);
      if (!Number.isInteger(index)) throw new Error(`invalid index path element ${JSON.stringify(key)}`);
      return { kind: 'index', index };
    }
    default:
      throw new Error(`unknown path element ${JSON.stringify(key)}`);
  }
}

export function keyElement(fields: Array<[string, unknown]>): PathElement {
  return { kind: 'key', fields: [...fields].sort((a, b) => compareStrings(a[0], b[0])) };
}

const kindOrder = { field: 0, key: 1, value: 2, index: 3 } as const;

/** PathElement.Compare: fields, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return kindOrder[a.kind] - kindOrder[b.kind];
  switch (a.kind) {
    case 'field':
      return compareStrings(a.name, (b as typeof a).name);
    case 'key': {
      const bf = (b as typeof a).fields;
      for (let i = 0; ; i++) {
        if (i >= a.fields.length || i >= bf.length) return a.fields.length - bf.length;
        const c = compareStrings(a.fields[i][0], bf[i][0]) || compareValues(a.fields[i][1], bf[i][1]);
        if (c !== 0) return c;
      }
    }
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index':
      return a.index - (b as typeof a).index;
  }
}

function rank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (isMap(v)) return 4;
  return 5;
}

/** value.Compare: numbers < strings < bools < lists < maps < null. */
function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return compareStrings(canonicalJson(a), canonicalJson(b));
}

function printValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(printValue).join(',')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort(compareStrings);
    return `{${keys.map((k) => `${k}=${printValue(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** fieldpath.Path.String(): `.spec.containers[name="nginx"].image`. */
export function pathString(path: Path): string {
  return path
    .map((pe) => {
      switch (pe.kind) {
        case 'field':
          return `.${pe.name}`;
        case 'key':
          return `[${pe.fields.map(([k, v]) => `${k}=${printValue(v)}`).join(',')}]`;
        case 'value':
          return `[=${printValue(pe.value)}]`;
        case 'index':
          return `[${pe.index}]`;
      }
    })
    .join('');
}
