import type { JSONSchemaProps } from '../../api/kubernetes.js';
import { childPath, indexPath, isPlainObject } from './field-path.js';
import { OBJECT_META_FIELDS, OBJECT_META_LIST_ITEM_FIELDS } from './object-meta-fields.js';

export interface PruneOptions {
  /**
   * The object is a whole resource: apiVersion/kind/metadata are kept even if the schema omits them.
   * Defaults to true because forgetting it on a custom resource would strip its type information.
   */
  isResourceRoot?: boolean;
}

/**
 * Removes fields the structural schema does not specify, mutating obj, like the apiextensions pruning
 * algorithm. Returns the removed paths (sorted) in Kubernetes notation, e.g. `spec.items[0].foo`.
 */
export function pruneUnknownFields(obj: unknown, schema: JSONSchemaProps, opts: PruneOptions = {}): string[] {
  const pruned: string[] = [];
  const root = (opts.isResourceRoot ?? true) ? { ...schema, 'x-kubernetes-embedded-resource': true } : schema;
  prune(obj, root, '', pruned);
  return pruned.sort();
}

function prune(value: unknown, schema: JSONSchemaProps | undefined, path: string, pruned: string[]): void {
  if (schema?.['x-kubernetes-preserve-unknown-fields'] === true) {
    skipPrune(value, schema, path, pruned);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => prune(item, schema?.items, indexPath(path, i), pruned));
    return;
  }
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    const fieldPath = childPath(path, key);
    if (
      schema?.['x-kubernetes-embedded-resource'] === true &&
      keepEmbeddedField(value, key, fieldPath, pruned)
    ) {
      continue;
    }
    const sub = subSchema(schema, key);
    if (sub === 'keep') continue;
    if (sub === undefined) {
      pruned.push(fieldPath);
      delete value[key];
      continue;
    }
    prune(value[key], sub, fieldPath, pruned);
  }
}

/** Under x-kubernetes-preserve-unknown-fields unknown keys stay, but specified sub-schemas still prune. */
function skipPrune(
  value: unknown,
  schema: JSONSchemaProps | undefined,
  path: string,
  pruned: string[],
): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => skipPrune(item, schema.items, indexPath(path, i), pruned));
    return;
  }
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    const fieldPath = childPath(path, key);
    if (
      schema['x-kubernetes-embedded-resource'] === true &&
      keepEmbeddedField(value, key, fieldPath, pruned)
    ) {
      continue;
    }
    const sub = subSchema(schema, key);
    if (sub !== undefined && sub !== 'keep') prune(value[key], sub, fieldPath, pruned);
  }
}

/** The schema for one key: a property, the additionalProperties schema, 'keep' for `true`, or none. */
function subSchema(schema: JSONSchemaProps | undefined, key: string): JSONSchemaProps | 'keep' | undefined {
  if (!schema) return undefined;
  const prop =
    schema.properties && Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
  if (prop) return prop;
  const additional = schema.additionalProperties;
  if (additional === true) return 'keep';
  if (isPlainObject(additional)) return additional as JSONSchemaProps;
  return undefined;
}

/** apiVersion/kind (strings) and metadata (an object, itself pruned to ObjectMeta) of an embedded resource. */
function keepEmbeddedField(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  pruned: string[],
): boolean {
  const value = obj[key];
  if (key === 'apiVersion' || key === 'kind') return typeof value === 'string';
  if (key !== 'metadata' || !isPlainObject(value)) return false;
  pruneObjectMeta(value, path, pruned);
  return true;
}

function pruneObjectMeta(meta: Record<string, unknown>, path: string, pruned: string[]): void {
  for (const key of Object.keys(meta)) {
    const fieldPath = childPath(path, key);
    if (!OBJECT_META_FIELDS.has(key)) {
      pruned.push(fieldPath);
      delete meta[key];
      continue;
    }
    const itemFields = OBJECT_META_LIST_ITEM_FIELDS[key];
    const list = meta[key];
    if (!itemFields || !Array.isArray(list)) continue;
    list.forEach((item, i) => {
      if (!isPlainObject(item)) return;
      for (const itemKey of Object.keys(item)) {
        if (itemFields.has(itemKey)) continue;
        pruned.push(childPath(indexPath(fieldPath, i), itemKey));
        delete item[itemKey];
      }
    });
  }
}
