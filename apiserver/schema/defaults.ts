import type { JSONSchemaProps } from '../../api/kubernetes.js';
import { isPlainObject } from './field-path.js';

/**
 * Structural defaulting as the apiextensions defaulter does it, mutating obj: a property with a default
 * is set when missing, or when null and the property is not nullable; defaulting then continues into
 * the (possibly just defaulted) values through properties, additionalProperties and array items.
 */
export function applyDefaults(obj: unknown, schema: JSONSchemaProps): void {
  defaultValue(obj, schema);
}

function defaultValue(value: unknown, schema: JSONSchemaProps | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    for (let i = 0; i < value.length; i++) {
      if (isNonNullableNull(value[i], items) && items?.default !== undefined)
        value[i] = cloneJson(items.default);
      defaultValue(value[i], items);
    }
    return;
  }
  if (!isPlainObject(value)) return;
  const properties = schema.properties ?? {};
  for (const [key, prop] of Object.entries(properties)) {
    if (prop.default === undefined) continue;
    if (!Object.hasOwn(value, key) || isNonNullableNull(value[key], prop))
      value[key] = cloneJson(prop.default);
  }
  const additional = isPlainObject(schema.additionalProperties)
    ? (schema.additionalProperties as JSONSchemaProps)
    : undefined;
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(properties, key)) {
      defaultValue(value[key], properties[key]);
    } else if (additional) {
      if (isNonNullableNull(value[key], additional) && additional.default !== undefined) {
        value[key] = cloneJson(additional.default);
      }
      defaultValue(value[key], additional);
    }
  }
}

function isNonNullableNull(value: unknown, schema: JSONSchemaProps | undefined): boolean {
  return value === null && schema !== undefined && schema.nullable !== true;
}

/** Each defaulted object gets its own copy so later mutations never leak back into the schema. */
function cloneJson<T>(value: T): T {
  return structuredClone(value);
}
