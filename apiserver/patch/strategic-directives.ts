import { errors } from '../errors.js';
import type { JsonObject } from '../../api/kubernetes.js';
import { getOwn, hasOwn, isJsonObject } from './json-value.js';

/** The special keys of k8s.io/apimachinery/pkg/util/strategicpatch. */
export const PATCH_KEY = '$patch';
export const RETAIN_KEYS = '$retainKeys';
export const SET_ELEMENT_ORDER = '$setElementOrder';
export const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';

export type PatchDirective = 'replace' | 'delete' | 'merge';

/** The `$patch` of a map, or undefined when it has none. */
export function patchDirectiveOf(map: JsonObject): PatchDirective | undefined {
  if (!hasOwn(map, PATCH_KEY)) return undefined;
  const value = map[PATCH_KEY];
  if (value === 'replace' || value === 'delete' || value === 'merge') return value;
  throw errors.badRequest(`unknown patch type: ${JSON.stringify(value)} in map: ${JSON.stringify(map)}`);
}

/** True for keys that steer the merge and never become fields of the result. */
export function isDirectiveKey(key: string): boolean {
  return (
    key === PATCH_KEY ||
    key === RETAIN_KEYS ||
    key.startsWith(SET_ELEMENT_ORDER) ||
    key.startsWith(DELETE_FROM_PRIMITIVE_LIST)
  );
}

/** "$setElementOrder/containers" → "containers"; the prefix without a field is malformed. */
export function directiveField(key: string, prefix: string): string {
  const field = key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : '';
  if (field === '') {
    throw errors.badRequest(
      prefix === SET_ELEMENT_ORDER
        ? `invalid patch format of setElementOrder list: ${JSON.stringify(key)}`
        : `invalid patch format of primitive list: ${JSON.stringify(key)}`,
    );
  }
  return field;
}

/** A list element that is only `{"$patch": ...}` and stands for the list, not for an item. */
export function isListMarker(item: unknown): boolean {
  return isJsonObject(item) && hasOwn(item, PATCH_KEY) && Object.keys(item).length === 1;
}

export function mergeKeyValue(item: unknown, mergeKey: string): unknown {
  if (!isJsonObject(item) || !hasOwn(item, mergeKey)) {
    throw errors.badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
  }
  return getOwn(item, mergeKey);
}
