/**
 * A single pass over JSON text, before JSON.parse, that needs no recursion: it finds how deep the
 * document nests and which object keys repeat. Everything after decoding (pruning, defaulting,
 * validation, managed fields) recurses over the object, so depth must be refused here, on the text.
 * The scan does not validate the syntax; JSON.parse does that afterwards.
 */

export interface JsonScan {
  /** Deepest nesting of objects and arrays (a scalar document is 0, `{}` is 1). */
  depth: number;
  /** Paths of repeated keys, as kube names fields: `metadata.labels.a`, `spec.ports[0].port`. */
  duplicates: string[];
  /** The scan stopped at this depth (more than maxDepth): the rest was not read. */
  tooDeep: boolean;
}

interface Frame {
  kind: 'object' | 'array';
  /** Keys seen so far (objects). */
  keys: Set<string> | undefined;
  /** The key or index whose value is being read, for paths. */
  at: string | number | undefined;
  /** Objects: the next string is a key. */
  expectKey: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Scans `text`; stops as soon as nesting passes maxDepth. */
export function scanJson(text: string, maxDepth: number): JsonScan {
  const stack: Frame[] = [];
  const duplicates: string[] = [];
  let depth = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // A string: find its end, honouring escapes; decode it only when it is a key with escapes.
      let j = i + 1;
      let escaped = false;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === BACKSLASH) {
          escaped = true;
          j += 2;
          continue;
        }
        if (d === QUOTE) break;
        j++;
      }
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectKey) {
        const rawKey = text.slice(i + 1, Math.min(j, n));
        const key = escaped ? decodeKey(rawKey) : rawKey;
        if (top.keys?.has(key)) duplicates.push(pathOf(stack, key));
        else top.keys?.add(key);
        top.at = key;
        top.expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return { depth: stack.length + 1, duplicates, tooDeep: true };
      const obj = c === 0x7b;
      stack.push({
        kind: obj ? 'object' : 'array',
        keys: obj ? new Set() : undefined,
        at: obj ? undefined : 0,
        expectKey: obj,
      });
      if (stack.length > depth) depth = stack.length;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') top.expectKey = true;
      else if (top?.kind === 'array') top.at = (top.at as number) + 1;
    }
    i++;
  }
  return { depth, duplicates, tooDeep: false };
}

function decodeKey(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

function pathOf(stack: Frame[], key: string): string {
  let out = '';
  for (let k = 0; k < stack.length - 1; k++) {
    const at = stack[k].at;
    if (typeof at === 'number') out += `[${at}]`;
    else if (at !== undefined) out += out ? `.${at}` : at;
  }
  return out ? `${out}.${key}` : key;
}
