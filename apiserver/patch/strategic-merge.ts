import { ApiError, errors } from '../errors.js';
import type { JsonObject } from '../../api/kubernetes.js';
import { cloneJson, deleteOwn, getOwn, hasOwn, isJsonObject, setOwn } from './json-value.js';
import { mergesListItems, type PatchMetaResolver } from './patch-meta.js';
import {
  DELETE_FROM_PRIMITIVE_LIST,
  PATCH_KEY,
  RETAIN_KEYS,
  SET_ELEMENT_ORDER,
  directiveField,
  isDirectiveKey,
  isListMarker,
  mergeKeyValue,
  patchDirectiveOf,
} from './strategic-directives.js';
import { orderMergedList } from './strategic-order.js';

/**
 * Strategic merge patch (application/strategic-merge-patch+json) with the server-side semantics of
 * k8s.io/apimachinery strategicpatch.StrategicMergeMapPatch: maps merge, null deletes, lists merge
 * by their patch strategy, and the `$patch`, `$retainKeys`, `$setElementOrder/` and
 * `$deleteFromPrimitiveList/` directives apply and never reach the result.
 * Returns a new object; neither input is touched. Malformed patches throw a 400 ApiError.
 */
export function applyStrategicMergePatch(
  original: unknown,
  patch: unknown,
  meta: PatchMetaResolver,
): unknown {
  if (!isJsonObject(patch)) throw errors.badRequest('strategic merge patch must be a JSON object');
  if (original !== undefined && original !== null && !isJsonObject(original)) {
    throw errors.badRequest('strategic merge patch can only be applied to a JSON object');
  }
  // Work on a private copy of the original so merging can update it in place.
  const doc = isJsonObject(original) ? (cloneJson(original) as JsonObject) : {};
  return new StrategicMerger(meta).mergeMap(doc, patch, []) ?? {};
}

class StrategicMerger {
  constructor(private readonly meta: PatchMetaResolver) {}

  /** Merges `patch` into `live` (owned, updated in place); undefined means the map is deleted. */
  mergeMap(live: JsonObject | undefined, patch: JsonObject, path: readonly string[]): JsonObject | undefined {
    const directive = patchDirectiveOf(patch);
    if (directive === 'delete') return undefined;
    const target = directive === 'replace' || live === undefined ? {} : live;
    if (directive !== 'replace') applyRetainKeys(target, patch);
    const ordered = this.applySetElementOrder(target, patch, path);

    const deletions: [string, unknown][] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        deletions.push([directiveField(key, DELETE_FROM_PRIMITIVE_LIST), value]);
      } else if (!isDirectiveKey(key) && !ordered.has(key)) {
        this.mergeField(target, key, value, [...path, key]);
      }
    }
    for (const [field, values] of deletions) deleteFromPrimitiveList(target, field, values);
    return target;
  }

  private mergeField(target: JsonObject, key: string, value: unknown, path: readonly string[]): void {
    const merged = value === null ? undefined : this.mergeValue(getOwn(target, key), value, path);
    if (merged === undefined) deleteOwn(target, key);
    else setOwn(target, key, merged);
  }

  /** The merged value of a field; undefined when a `$patch: delete` removed it. */
  private mergeValue(live: unknown, patch: unknown, path: readonly string[]): unknown {
    if (isJsonObject(patch)) {
      const replace = this.meta(path)?.strategy === 'replace';
      return this.mergeMap(isJsonObject(live) && !replace ? live : undefined, patch, path);
    }
    if (Array.isArray(patch)) {
      const meta = this.meta(path);
      if (!mergesListItems(meta)) return this.replaceList(patch, path);
      return this.mergeList(Array.isArray(live) ? live : [], patch, meta?.mergeKey, path);
    }
    return patch;
  }

  /** A list without a merge strategy is replaced; its maps are still cleaned of nulls and directives. */
  private replaceList(items: readonly unknown[], path: readonly string[]): unknown[] {
    const out: unknown[] = [];
    for (const item of items) {
      if (!isJsonObject(item)) out.push(cloneJson(item));
      else if (!isListMarker(item)) {
        const merged = this.mergeMap(undefined, item, path);
        if (merged !== undefined) out.push(merged);
      }
    }
    return out;
  }

  private mergeList(
    live: readonly unknown[],
    patch: readonly unknown[],
    mergeKey: string | undefined,
    path: readonly string[],
  ): unknown[] {
    const { items, replace, deleteKeys } = splitListDirectives(patch, mergeKey, path);
    const base = replace
      ? []
      : live.filter(
          (item) => mergeKey === undefined || !isJsonObject(item) || !deleteKeys.has(getOwn(item, mergeKey)),
        );
    if (base.length === 0 && items.length === 0) return [];

    if (listKind([...base, ...items], path) === 'scalar') {
      const merged = [...new Set([...base, ...items])];
      return orderMergedList(merged, items, base, (item) => item);
    }
    if (mergeKey === undefined) {
      throw errors.badRequest(`cannot merge lists of maps without a merge key at ${pathString(path)}`);
    }
    const keyOf = (item: unknown) => mergeKeyValue(item, mergeKey);
    base.forEach(keyOf);
    const merged: unknown[] = [...base];
    for (const item of items) {
      const key = keyOf(item);
      const index = merged.findIndex((existing) => keyOf(existing) === key);
      const existing = index >= 0 && isJsonObject(merged[index]) ? merged[index] : undefined;
      const result = this.mergeMap(existing, item as JsonObject, path);
      if (result === undefined) continue;
      if (index >= 0) merged[index] = result;
      else merged.push(result);
    }
    return orderMergedList(merged, items, base, keyOf);
  }

  /**
   * Runs every `$setElementOrder/<field>` of `patch`: merges that field's list now and orders it as
   * the directive says. Returns the fields done, so the caller does not merge them twice.
   */
  private applySetElementOrder(target: JsonObject, patch: JsonObject, path: readonly string[]): Set<string> {
    const done = new Set<string>();
    for (const [key, order] of Object.entries(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
      const field = directiveField(key, SET_ELEMENT_ORDER);
      if (!Array.isArray(order)) {
        throw errors.badRequest(`invalid patch format of setElementOrder list: ${key} must be a list`);
      }
      const patchList = getOwn(patch, field);
      // A null list is a deletion, and the ordinary merge handles that.
      if (patchList === null) continue;
      if (patchList !== undefined && !Array.isArray(patchList)) {
        throw errors.badRequest(`invalid patch format of setElementOrder list: ${field} must be a list`);
      }
      const current = getOwn(target, field);
      const live = Array.isArray(current) ? current : undefined;
      if (live === undefined && patchList === undefined) continue;

      const fieldPath = [...path, field];
      const merged =
        patchList === undefined ? (live ?? []) : (this.mergeValue(live, patchList, fieldPath) as unknown[]);
      const identity = orderIdentity(
        [...merged, ...order, ...(patchList ?? [])],
        this.meta(fieldPath)?.mergeKey,
        fieldPath,
      );
      checkPatchFollowsOrder(patchList ?? [], order, identity);
      setOwn(target, field, orderMergedList(merged, order, live ?? [], identity));
      done.add(field);
    }
    return done;
  }
}

interface ListDirectives {
  items: unknown[];
  replace: boolean;
  deleteKeys: Set<unknown>;
}

/** Pulls `$patch` elements out of a merging list: replace the list, delete an item, or plain merge. */
function splitListDirectives(
  patch: readonly unknown[],
  mergeKey: string | undefined,
  path: readonly string[],
): ListDirectives {
  const out: ListDirectives = { items: [], replace: false, deleteKeys: new Set() };
  for (const item of patch) {
    const directive = isJsonObject(item) ? patchDirectiveOf(item) : undefined;
    if (directive === undefined) {
      out.items.push(item);
    } else if (directive === 'replace') {
      out.replace = true;
    } else if (directive === 'delete') {
      if (mergeKey === undefined) {
        throw errors.badRequest(
          `$patch: delete needs a merge key, which the list at ${pathString(path)} does not have; use ${DELETE_FROM_PRIMITIVE_LIST}/ for lists of scalars`,
        );
      }
      out.deleteKeys.add(mergeKeyValue(item, mergeKey));
    }
    // An explicit `$patch: merge` element only restates the default.
  }
  return out;
}

/** Drops every field the `$retainKeys` list does not name, after checking the patch stays inside it. */
function applyRetainKeys(target: JsonObject, patch: JsonObject): void {
  if (!hasOwn(patch, RETAIN_KEYS)) return;
  const keys = patch[RETAIN_KEYS];
  if (!Array.isArray(keys))
    throw errors.badRequest('invalid patch format of retainKeys: $retainKeys must be a list');
  const retained = new Set(keys);
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && !isDirectiveKey(key) && !retained.has(key)) {
      throw errors.badRequest(
        `invalid patch format of retainKeys: ${JSON.stringify(key)} is patched but not retained`,
      );
    }
  }
  for (const key of Object.keys(target)) {
    if (!retained.has(key)) deleteOwn(target, key);
  }
}

function deleteFromPrimitiveList(target: JsonObject, field: string, values: unknown): void {
  if (values === null) return;
  if (!Array.isArray(values)) {
    throw errors.badRequest(
      `invalid patch format of primitive list: ${DELETE_FROM_PRIMITIVE_LIST}/${field} must be a list`,
    );
  }
  const current = getOwn(target, field);
  // Upstream would store the deletion list itself when the field is absent; there is nothing to delete.
  if (!Array.isArray(current)) return;
  const drop = new Set(values);
  setOwn(
    target,
    field,
    current.filter((item) => !drop.has(item)),
  );
}

/** Lists hold maps or scalars, never a mix and never lists (strategicpatch's sliceElementType). */
function listKind(items: readonly unknown[], path: readonly string[]): 'map' | 'scalar' {
  let kind: string | undefined;
  for (const item of items) {
    const itemKind = Array.isArray(item) ? 'list' : item === null ? 'null' : typeof item;
    if (itemKind === 'list') {
      throw new ApiError(422, 'Invalid', `lists of lists are not supported (at ${pathString(path)})`);
    }
    if (kind !== undefined && kind !== itemKind) {
      throw errors.badRequest(`list element types are not identical at ${pathString(path)}`);
    }
    kind = itemKind;
  }
  return kind === 'object' ? 'map' : 'scalar';
}

/** How `$setElementOrder` names an item: by merge key for maps, by value for scalars. */
function orderIdentity(
  items: readonly unknown[],
  mergeKey: string | undefined,
  path: readonly string[],
): (item: unknown) => unknown {
  if (!items.some(isJsonObject)) return (item) => item;
  if (mergeKey === undefined) {
    throw errors.badRequest(
      `$setElementOrder needs a merge key, which the list at ${pathString(path)} does not have`,
    );
  }
  return (item) => mergeKeyValue(item, mergeKey);
}

/** The patch list must name its items in the `$setElementOrder` order (deletions aside). */
function checkPatchFollowsOrder(
  patchList: readonly unknown[],
  order: readonly unknown[],
  identity: (item: unknown) => unknown,
): void {
  const items = patchList.filter((item) => !(isJsonObject(item) && hasOwn(item, PATCH_KEY)));
  let next = 0;
  for (const entry of order) {
    if (next < items.length && identity(items[next]) === identity(entry)) next++;
  }
  if (next < items.length) {
    throw errors.badRequest(
      `the order in patch list ${JSON.stringify(patchList)} doesn't match ${SET_ELEMENT_ORDER} list ${JSON.stringify(order)}`,
    );
  }
}

function pathString(path: readonly string[]): string {
  return path.length === 0 ? '<root>' : path.join('.');
}
