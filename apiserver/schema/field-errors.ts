import type { StatusCause } from '../../api/kubernetes.js';

/**
 * Field errors worded as k8s.io/apimachinery/pkg/util/validation/field renders them. Kept here rather
 * than using errors.ts' fieldInvalid because Kubernetes prints a null bad value as the quoted string
 * "null" and needs the TypeInvalid / NotSupported / TooLong / TooMany variants.
 */

/** How field.Error prints a bad value: strings quoted, numbers and booleans bare, null as "null". */
export function formatBadValue(value: unknown): string {
  if (value === null || value === undefined) return '"null"';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function withDetail(body: string, detail: string): string {
  return detail ? `${body}: ${detail}` : body;
}

export function invalid(field: string, value: unknown, detail: string): StatusCause {
  return {
    reason: 'FieldValueInvalid',
    field,
    message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail),
  };
}

/** The value did not match the schema type; Kubernetes words it like Invalid but with its own reason. */
export function typeInvalid(field: string, value: unknown, detail: string): StatusCause {
  return {
    reason: 'FieldValueTypeInvalid',
    field,
    message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail),
  };
}

export function required(field: string, detail = ''): StatusCause {
  return { reason: 'FieldValueRequired', field, message: withDetail('Required value', detail) };
}

export function forbidden(field: string, detail: string): StatusCause {
  return { reason: 'FieldValueForbidden', field, message: withDetail('Forbidden', detail) };
}

export function duplicate(field: string, value: unknown): StatusCause {
  return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatBadValue(value)}` };
}

export function notSupported(field: string, value: unknown, validValues: readonly string[]): StatusCause {
  const detail = validValues.length
    ? `supported values: ${validValues.map((v) => JSON.stringify(v)).join(', ')}`
    : '';
  return {
    reason: 'FieldValueNotSupported',
    field,
    message: withDetail(`Unsupported value: ${formatBadValue(value)}`, detail),
  };
}

export function tooLong(field: string, maxLength: number): StatusCause {
  const detail = maxLength >= 0 ? `may not be longer than ${maxLength}` : 'value is too long';
  return { reason: 'FieldValueTooLong', field, message: `Too long: ${detail}` };
}

export function tooMany(field: string, actual: number, max: number): StatusCause {
  const detail = max >= 0 ? `must have at most ${max} items` : 'has too many items';
  const body = actual >= 0 ? `Too many: ${actual}` : 'Too many';
  return { reason: 'FieldValueTooMany', field, message: `${body}: ${detail}` };
}
