import type { JSONSchemaProps } from '../../api/kubernetes.js';
import { isPlainObject } from './field-path.js';
import { formatCheck } from './formats.js';

export type JsonSchema = Record<string, unknown>;

/** Converted schemas whose enum got a null appended for `nullable`; error messages leave that null out. */
export const NULL_ADDED_TO_ENUM = new WeakSet<JsonSchema>();

const COPIED_KEYWORDS = [
  'multipleOf',
  'maxLength',
  'minLength',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
] as const;

export interface ConvertOptions {
  /** Called for every format Kubernetes validates, so the caller can register it with its validator. */
  onFormat: (format: string) => void;
}

/**
 * Kubernetes' OpenAPI v3 schema dialect as draft-07 JSON Schema: nullable becomes a null type,
 * x-kubernetes-int-or-string becomes integer|string, boolean exclusive bounds become numeric ones,
 * unvalidated formats and annotations are dropped.
 */
export function toJsonSchema(schema: JSONSchemaProps, opts: ConvertOptions): JsonSchema {
  const out: JsonSchema = {};
  const types: string[] = [];
  if (schema['x-kubernetes-int-or-string'] === true) types.push('integer', 'string');
  else if (typeof schema.type === 'string' && schema.type) types.push(schema.type);
  if (types.length) {
    if (schema.nullable === true) types.push('null');
    out.type = types.length === 1 ? types[0] : types;
  }

  if (typeof schema.format === 'string' && formatCheck(schema.format)) {
    opts.onFormat(schema.format);
    out.format = schema.format;
  }
  if (typeof schema.pattern === 'string' && isUsablePattern(schema.pattern)) out.pattern = schema.pattern;
  for (const keyword of COPIED_KEYWORDS) {
    if (schema[keyword] !== undefined) out[keyword] = schema[keyword];
  }
  convertBounds(schema, out);

  if (Array.isArray(schema.enum)) {
    const values = [...schema.enum];
    const withNull = schema.nullable === true && !values.includes(null);
    if (withNull) values.push(null);
    out.enum = values;
    if (withNull) NULL_ADDED_TO_ENUM.add(out);
  }

  if (isPlainObject(schema.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, toJsonSchema(v, opts)]),
    );
  }
  if (typeof schema.additionalProperties === 'boolean')
    out.additionalProperties = schema.additionalProperties;
  else if (isPlainObject(schema.additionalProperties)) {
    out.additionalProperties = toJsonSchema(schema.additionalProperties as JSONSchemaProps, opts);
  }
  if (isPlainObject(schema.items)) out.items = toJsonSchema(schema.items, opts);
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = schema[keyword];
    if (Array.isArray(list)) out[keyword] = list.map((s) => toJsonSchema(s, opts));
  }
  if (isPlainObject(schema.not)) out.not = toJsonSchema(schema.not, opts);

  if (schema['x-kubernetes-embedded-resource'] === true) requireTypeStrings(out);
  return out;
}

/** The schema for a whole resource: metadata is validated elsewhere, apiVersion/kind must be strings. */
export function toResourceJsonSchema(schema: JSONSchemaProps, opts: ConvertOptions): JsonSchema {
  const out = toJsonSchema(schema, opts);
  if (isPlainObject(out.properties)) delete out.properties.metadata;
  if (Array.isArray(out.required)) out.required = out.required.filter((r) => r !== 'metadata');
  requireTypeStrings(out);
  return out;
}

function requireTypeStrings(out: JsonSchema): void {
  const properties = isPlainObject(out.properties) ? out.properties : {};
  for (const key of ['apiVersion', 'kind']) {
    const existing = properties[key];
    properties[key] = isPlainObject(existing) ? { ...existing, type: 'string' } : { type: 'string' };
  }
  out.properties = properties;
}

/** OpenAPI 3.0 boolean exclusiveMinimum/Maximum modify minimum/maximum; draft-07 carries the bound itself. */
function convertBounds(schema: JSONSchemaProps, out: JsonSchema): void {
  if (typeof schema.minimum === 'number') {
    if (schema.exclusiveMinimum === true) out.exclusiveMinimum = schema.minimum;
    else out.minimum = schema.minimum;
  }
  if (typeof schema.maximum === 'number') {
    if (schema.exclusiveMaximum === true) out.exclusiveMaximum = schema.maximum;
    else out.maximum = schema.maximum;
  }
}

/** A pattern JavaScript cannot compile is skipped rather than failing every request for the kind. */
function isUsablePattern(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
