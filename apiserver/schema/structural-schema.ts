import type { StatusCause } from '../../api/kubernetes.js';
import { childPath, isPlainObject, keyPath } from './field-path.js';
import { forbidden, invalid, required } from './field-errors.js';

type Level = 'root' | 'field' | 'item';

const MISSING_TYPE: Record<Level, string> = {
  root: 'must not be empty at the root',
  field: 'must not be empty for specified object fields',
  item: 'must not be empty for specified array items',
};

/**
 * The structural-schema rules apiextensions.k8s.io/v1 enforces on openAPIV3Schema: a type at every
 * specified node (except int-or-string / preserve-unknown-fields nodes), object at the root, no
 * properties beside additionalProperties, metadata limited to name/generateName, and the shape of
 * the x-kubernetes extensions. `path` is where the schema sits in the CRD, e.g.
 * `spec.versions[0].schema.openAPIV3Schema`.
 */
export function validateStructuralSchema(schema: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!isPlainObject(schema)) {
    causes.push(required(path, 'schemas are required'));
    return causes;
  }
  walk(schema, path, 'root', causes);
  const metadata = isPlainObject(schema.properties) ? schema.properties.metadata : undefined;
  if (isPlainObject(metadata))
    checkRootMetadata(metadata, keyPath(childPath(path, 'properties'), 'metadata'), causes);
  return causes;
}

function walk(node: Record<string, unknown>, path: string, level: Level, causes: StatusCause[]): void {
  const type = typeof node.type === 'string' ? node.type : '';
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'];
  const embedded = node['x-kubernetes-embedded-resource'] === true;
  const typePath = childPath(path, 'type');

  if (level === 'root' && type && type !== 'object')
    causes.push(invalid(typePath, type, 'must be object at the root'));
  if (embedded && type !== 'object') {
    causes.push(
      type
        ? invalid(typePath, type, 'must be object if x-kubernetes-embedded-resource is true')
        : required(typePath, 'must be object if x-kubernetes-embedded-resource is true'),
    );
  } else if (!type && !intOrString && (preserve !== true || level === 'root')) {
    causes.push(required(typePath, MISSING_TYPE[level]));
  }
  if (preserve === false) {
    causes.push(
      invalid(childPath(path, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'),
    );
  }
  if (
    node['x-kubernetes-list-type'] === 'map' &&
    !(Array.isArray(node['x-kubernetes-list-map-keys']) && node['x-kubernetes-list-map-keys'].length)
  ) {
    causes.push(
      required(
        childPath(path, 'x-kubernetes-list-map-keys'),
        'must not be empty if x-kubernetes-list-type is map',
      ),
    );
  }

  const properties = isPlainObject(node.properties) ? node.properties : undefined;
  if (properties && node.additionalProperties !== undefined && node.additionalProperties !== false) {
    causes.push(
      forbidden(
        childPath(path, 'additionalProperties'),
        'additionalProperties and properties are mutual exclusive',
      ),
    );
  }
  for (const [key, prop] of Object.entries(properties ?? {})) {
    if (isPlainObject(prop)) walk(prop, keyPath(childPath(path, 'properties'), key), 'field', causes);
  }
  if (isPlainObject(node.additionalProperties)) {
    walk(node.additionalProperties, childPath(path, 'additionalProperties'), 'field', causes);
  }
  if (isPlainObject(node.items)) walk(node.items, childPath(path, 'items'), 'item', causes);
}

/** ObjectMeta is implied at the root; a schema may only constrain name and generateName as strings. */
function checkRootMetadata(metadata: Record<string, unknown>, metaPath: string, causes: StatusCause[]): void {
  const props = isPlainObject(metadata.properties) ? metadata.properties : {};
  const onlyNames = Object.entries(props).every(
    ([k, v]) => (k === 'name' || k === 'generateName') && isPlainObject(v) && v.type === 'string',
  );
  const allowedKeys = new Set(['type', 'properties', 'description']);
  const extraKeywords = Object.keys(metadata).some((k) => !allowedKeys.has(k));
  if (!onlyNames || extraKeywords) {
    causes.push(
      forbidden(
        metaPath,
        'must not specify anything other than name and generateName, but metadata is implicitly specified',
      ),
    );
  }
}
