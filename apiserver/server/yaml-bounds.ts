/**
 * Bounds on what a YAML document may become once its aliases are expanded. js-yaml shares one
 * object for every use of an anchor, so parsing a "billion laughs" is cheap, but everything that
 * walks the result afterwards (clone, pruning, JSON.stringify) expands it: nine aliases of nine
 * aliases... become gigabytes. This walk measures the expanded document without expanding it,
 * once per distinct node, iteratively, and stops at the first bound crossed.
 */

export interface YamlLimits {
  /** References to an already-built mapping or sequence (uses of `*alias`). */
  maxAliases: number;
  /** The expanded document's size as JSON text, in bytes (approximately: strings count UTF-16 units). */
  maxBytes: number;
  /** The expanded document's nesting (an alias adds its anchor's depth where it is used). */
  maxDepth: number;
}

export type YamlBoundsResult =
  | { ok: true; bytes: number; aliases: number; depth: number }
  | { ok: false; exceeded: 'aliases' | 'bytes' | 'depth' | 'cycle' };

interface Frame {
  node: object;
  children: unknown[];
  next: number;
  bytes: number;
  depth: number;
}

interface Measure {
  bytes: number;
  depth: number;
}

function scalarBytes(v: unknown): number {
  if (typeof v === 'string') return v.length + 2;
  if (typeof v === 'number') return String(v).length;
  if (typeof v === 'boolean') return v ? 4 : 5;
  return 4; // null
}

function open(node: object): Frame {
  if (Array.isArray(node)) {
    return { node, children: node, next: 0, bytes: 2 + Math.max(node.length - 1, 0), depth: 0 };
  }
  const keys = Object.keys(node);
  let bytes = 2 + Math.max(keys.length - 1, 0);
  for (const k of keys) bytes += k.length + 3;
  return { node, children: keys.map((k) => (node as Record<string, unknown>)[k]), next: 0, bytes, depth: 0 };
}

/** Measures the document `doc` as it would be expanded, against `limits`. */
export function measureYaml(doc: unknown, limits: YamlLimits): YamlBoundsResult {
  if (doc === null || typeof doc !== 'object')
    return { ok: true, bytes: scalarBytes(doc), aliases: 0, depth: 0 };
  const done = new Map<object, Measure>();
  const active = new Set<object>();
  let aliases = 0;
  const stack: Frame[] = [open(doc)];
  active.add(doc);
  // Bytes of finished siblings are already in their parents' frames, so the sum over the stack is
  // a lower bound of the final size: crossing the limit there is final.
  let pending = stack[0].bytes;
  for (;;) {
    const top = stack[stack.length - 1];
    if (pending > limits.maxBytes) return { ok: false, exceeded: 'bytes' };
    if (top.next < top.children.length) {
      const child = top.children[top.next++];
      if (child === null || typeof child !== 'object') {
        const b = scalarBytes(child);
        top.bytes += b;
        pending += b;
        continue;
      }
      const seen = done.get(child);
      if (seen) {
        if (++aliases > limits.maxAliases) return { ok: false, exceeded: 'aliases' };
        top.bytes += seen.bytes;
        pending += seen.bytes;
        if (seen.depth + 1 > top.depth) top.depth = seen.depth + 1;
        if (stack.length + seen.depth > limits.maxDepth) return { ok: false, exceeded: 'depth' };
        continue;
      }
      if (active.has(child)) return { ok: false, exceeded: 'cycle' };
      if (stack.length + 1 > limits.maxDepth) return { ok: false, exceeded: 'depth' };
      const f = open(child);
      active.add(child);
      stack.push(f);
      pending += f.bytes;
      continue;
    }
    stack.pop();
    active.delete(top.node);
    const m = { bytes: top.bytes, depth: top.depth + 1 };
    done.set(top.node, m);
    const parent = stack[stack.length - 1];
    if (!parent) return { ok: true, bytes: m.bytes, aliases, depth: m.depth };
    parent.bytes += m.bytes;
    if (m.depth > parent.depth) parent.depth = m.depth;
  }
}
