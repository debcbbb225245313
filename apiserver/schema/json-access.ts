import { isPlainObject } from './field-path.js';

/** Typed reads from untrusted JSON (request bodies), never throwing on the wrong shape. */

export function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) return undefined;
  const v = value[key];
  return isPlainObject(v) ? v : undefined;
}

export function stringAt(value: unknown, key: string): string {
  if (!isPlainObject(value)) return '';
  const v = value[key];
  return typeof v === 'string' ? v : '';
}

export function arrayAt(value: unknown, key: string): unknown[] {
  if (!isPlainObject(value)) return [];
  const v = value[key];
  return Array.isArray(v) ? v : [];
}

export function stringsAt(value: unknown, key: string): string[] {
  return arrayAt(value, key).filter((v): v is string => typeof v === 'string');
}

/** Returns obj[key] as an object, creating it when absent so defaults can be written into it. */
export function ensureObject(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = obj[key];
  if (isPlainObject(existing)) return existing;
  const created: Record<string, unknown> = {};
  obj[key] = created;
  return created;
}
