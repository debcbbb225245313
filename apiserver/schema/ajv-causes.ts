import type { ErrorObject } from 'ajv';
import type { StatusCause } from '../../api/kubernetes.js';
import { childPath, indexPath, isPlainObject } from './field-path.js';
import { invalid, notSupported, required, tooLong, tooMany, typeInvalid } from './field-errors.js';
import { NULL_ADDED_TO_ENUM } from './to-json-schema.js';

/**
 * Ajv errors as the causes kube-apiserver reports for a custom resource: the kube-openapi messages
 * ("<path> in body ...") mapped to field errors the way apiextensions does it.
 */
export function ajvErrorsToCauses(errors: readonly ErrorObject[], root: unknown): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // Branch failures inside anyOf/oneOf are summarised by the composite error itself.
    if (/\/(?:anyOf|oneOf)\/\d+\//.test(error.schemaPath)) continue;
    const cause = toCause(error, fieldPathOf(error.instancePath, root));
    const key = `${cause.reason}\u0000${cause.field ?? ''}\u0000${cause.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    causes.push(cause);
  }
  return causes.sort((a, b) => compareFields(a.field ?? '', b.field ?? ''));
}

function toCause(error: ErrorObject, field: string): StatusCause {
  const data = error.data;
  const params = error.params as Record<string, unknown>;
  const name = field;
  switch (error.keyword) {
    case 'required': {
      const missing = childPath(field, String(params.missingProperty));
      return required(missing);
    }
    case 'type': {
      const actual = jsonTypeOf(data);
      return typeInvalid(
        field,
        actual,
        `${name} in body must be of type ${expectedTypes(error)}: "${actual}"`,
      );
    }
    case 'format':
      return typeInvalid(
        field,
        data,
        `${name} in body must be of type ${String(params.format)}: ${JSON.stringify(data)}`,
      );
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? [...(params.allowedValues as unknown[])] : [];
      const parent = error.parentSchema as Record<string, unknown> | undefined;
      const shown = parent && NULL_ADDED_TO_ENUM.has(parent) ? allowed.filter((v) => v !== null) : allowed;
      return notSupported(
        field,
        data,
        shown.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
      );
    }
    case 'pattern':
      return invalid(field, data, `${name} in body should match '${String(params.pattern)}'`);
    case 'minimum':
      return invalid(
        field,
        data,
        `${name} in body should be greater than or equal to ${String(params.limit)}`,
      );
    case 'exclusiveMinimum':
      return invalid(field, data, `${name} in body should be greater than ${String(params.limit)}`);
    case 'maximum':
      return invalid(field, data, `${name} in body should be less than or equal to ${String(params.limit)}`);
    case 'exclusiveMaximum':
      return invalid(field, data, `${name} in body should be less than ${String(params.limit)}`);
    case 'multipleOf':
      return invalid(field, data, `${name} in body should be a multiple of ${String(params.multipleOf)}`);
    case 'minLength':
      return invalid(field, data, `${name} in body should be at least ${String(params.limit)} chars long`);
    case 'maxLength':
      return tooLong(field, Number(params.limit));
    case 'minItems':
      return invalid(
        field,
        Array.isArray(data) ? data.length : '',
        `${name} in body should have at least ${String(params.limit)} items`,
      );
    case 'maxItems':
      return tooMany(field, Array.isArray(data) ? data.length : -1, Number(params.limit));
    case 'uniqueItems':
      return invalid(field, '', `${name} in body shouldn't contain duplicates`);
    // kube-openapi reports the bound itself as the value for property-count errors.
    case 'minProperties':
      return invalid(
        field,
        params.limit,
        `${name} in body should have at least ${String(params.limit)} properties`,
      );
    case 'maxProperties':
      return tooMany(field, Number(params.limit), Number(params.limit));
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      return invalid(childPath(field, key), key, `${childPath(name, key)} in body is a forbidden property`);
    }
    case 'anyOf':
      return invalid(field, '', `${JSON.stringify(name)} must validate at least one schema (anyOf)`);
    case 'oneOf':
      return invalid(field, '', `${JSON.stringify(name)} must validate one and only one schema (oneOf)`);
    case 'not':
      return invalid(field, '', `${JSON.stringify(name)} must not validate the schema (not)`);
    default:
      return invalid(field, data, `${name} in body ${error.message ?? 'is invalid'}`);
  }
}

/** kube-openapi's name for a JSON value's type; whole numbers count as integers. */
function jsonTypeOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

function expectedTypes(error: ErrorObject): string {
  const declared = (error.parentSchema as Record<string, unknown> | undefined)?.type ?? error.params.type;
  const list = Array.isArray(declared) ? declared.map(String) : String(declared).split(',');
  return list.filter((t) => t !== 'null').join(',');
}

/** JSON pointer to Kubernetes field path; the data decides whether a segment is a list index. */
function fieldPathOf(pointer: string, root: unknown): string {
  if (!pointer) return '';
  let path = '';
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) {
      const index = Number(segment);
      path = indexPath(path, index);
      current = current[index];
    } else {
      path = childPath(path, segment);
      current = isPlainObject(current) ? current[segment] : undefined;
    }
  }
  return path;
}

/** Field order, with list indexes compared numerically so items[2] sorts before items[10]. */
function compareFields(a: string, b: string): number {
  const pa = a.split(/(\d+)/);
  const pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    const na = Number(pa[i]);
    const nb = Number(pb[i]);
    if (i % 2 === 1 && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
    return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}
