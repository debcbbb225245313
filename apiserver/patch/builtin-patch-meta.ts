import type { ListType, ListTypeResolver } from '../../api/kubernetes.js';
import { ANY_KIND, KINDS, STRUCTS, type FieldSpec } from './builtin-types.js';
import type { PatchMetaResolver } from './patch-meta.js';

export type { PatchMeta, PatchMetaResolver, PatchStrategy } from './patch-meta.js';

/** Strategic-merge-patch strategy of the list or map at a path of a built-in kind ("" = core group). */
export function builtinPatchMeta(group: string, kind: string): PatchMetaResolver {
  const root = rootOf(group, kind);
  return (path) => {
    const patch = fieldAt(root, path)?.patch;
    return patch ? { ...patch } : undefined;
  };
}

/**
 * Server-side-apply list type at a path of a built-in kind. Where upstream has no `+listType` marker,
 * the OpenAPI-to-SMD conversion falls back to the patch tags: merge with a key is a map on that key,
 * merge without one a set; undefined means atomic.
 */
export function builtinListType(group: string, kind: string): ListTypeResolver {
  const root = rootOf(group, kind);
  return (path) => listTypeOf(fieldAt(root, path));
}

function listTypeOf(field: FieldSpec | undefined): ListType | undefined {
  if (!field) return undefined;
  if (field.list) return { ...field.list, ...(field.list.keys ? { keys: [...field.list.keys] } : {}) };
  const patch = field.patch;
  if (patch?.strategy !== 'merge' && patch?.strategy !== 'merge,retainKeys') return undefined;
  return patch.mergeKey ? { type: 'map', keys: [patch.mergeKey] } : { type: 'set' };
}

function rootOf(group: string, kind: string): Readonly<Record<string, FieldSpec>> {
  const key = `${group === 'core' ? '' : group}/${kind}`;
  return Object.hasOwn(KINDS, key) ? KINDS[key] : ANY_KIND;
}

function fieldAt(root: Readonly<Record<string, FieldSpec>>, path: readonly string[]): FieldSpec | undefined {
  let struct: Readonly<Record<string, FieldSpec>> | undefined = root;
  let field: FieldSpec | undefined;
  for (const name of path) {
    if (!struct || !Object.hasOwn(struct, name)) return undefined;
    field = struct[name];
    struct = field.type !== undefined && Object.hasOwn(STRUCTS, field.type) ? STRUCTS[field.type] : undefined;
  }
  return field;
}
