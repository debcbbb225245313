import type { JSONSchemaProps, ListType, ListTypeResolver } from '../../api/kubernetes.js';
import { isPlainObject } from './field-path.js';

/**
 * A resolver reading x-kubernetes-list-type / x-kubernetes-list-map-keys from a CRD schema. Paths name
 * fields only; when a path step meets an array schema it steps through `items` first, since list
 * positions are omitted from the path.
 */
export function listTypeResolverFromSchema(schema: JSONSchemaProps | undefined): ListTypeResolver {
  return (path) => {
    let node: JSONSchemaProps | undefined = schema;
    for (const field of path) {
      node = fieldSchema(throughItems(node), field);
      if (!node) return undefined;
    }
    return listTypeOf(node);
  };
}

function throughItems(node: JSONSchemaProps | undefined): JSONSchemaProps | undefined {
  let current = node;
  while (current && isPlainObject(current.items)) current = current.items;
  return current;
}

function fieldSchema(node: JSONSchemaProps | undefined, field: string): JSONSchemaProps | undefined {
  if (!node) return undefined;
  if (node.properties && Object.hasOwn(node.properties, field)) return node.properties[field];
  return isPlainObject(node.additionalProperties)
    ? (node.additionalProperties as JSONSchemaProps)
    : undefined;
}

function listTypeOf(node: JSONSchemaProps | undefined): ListType | undefined {
  const type = node?.['x-kubernetes-list-type'];
  if (type !== 'atomic' && type !== 'set' && type !== 'map') return undefined;
  const keys = node?.['x-kubernetes-list-map-keys'];
  return type === 'map' && Array.isArray(keys) ? { type, keys: [...keys] } : { type };
}
