/**
 * Structural schemas of the built-in kinds, made from Kubernetes' own published definitions
 * (v1.32.0, vendored gzip'd under ./data, see its README): `$ref`s inlined, apimachinery's wrapper
 * types written as kube writes them for structural schemas (IntOrString and Quantity as
 * x-kubernetes-int-or-string, Time as a nullable date-time string, RawExtension and FieldsV1 as
 * preserved objects). With them the API server prunes unknown fields (fieldValidation Strict/Warn
 * report them as kube's strict decoder does), checks types, and publishes the schemas in OpenAPI
 * for `kubectl explain`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { JSONSchemaProps } from '../../api/kubernetes.js';

export const DEFINITIONS_FILE = 'kubernetes-v1.32.0-definitions.json.gz';
const REF = '#/definitions/';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/** One definition (or property) of the v2 document, as published. */
export interface Definition {
  type?: string;
  format?: string;
  description?: string;
  $ref?: string;
  properties?: Record<string, Definition>;
  additionalProperties?: Definition | boolean;
  items?: Definition;
  enum?: unknown[];
  required?: string[];
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  [ext: string]: unknown;
}

export type Definitions = Record<string, Definition>;

let loaded: Definitions | undefined;

function dataPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // From source (apiserver/schema) or from dist/apiserver/schema, where tsc copies no data.
  const candidates = [
    join(here, 'data', DEFINITIONS_FILE),
    join(here, '..', '..', '..', 'apiserver', 'schema', 'data', DEFINITIONS_FILE),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`Kubernetes definitions not found (looked for ${candidates.join(', ')})`);
  return found;
}

/** The published definitions, read once per process. */
export function kubernetesDefinitions(): Definitions {
  if (!loaded) {
    const doc = JSON.parse(gunzipSync(readFileSync(dataPath())).toString('utf8')) as {
      definitions: Definitions;
    };
    loaded = doc.definitions;
  }
  return loaded;
}

const PRESERVED: JSONSchemaProps = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/** Wrapper types whose JSON form is not what their definition says (custom MarshalJSON). */
function wrapper(name: string): JSONSchemaProps | undefined {
  switch (name) {
    case 'io.k8s.apimachinery.pkg.util.intstr.IntOrString':
    case 'io.k8s.apimachinery.pkg.api.resource.Quantity':
      return { 'x-kubernetes-int-or-string': true };
    case `${META}Time`:
    case `${META}MicroTime`:
      // Generated manifests carry `creationTimestamp: null` in pod templates.
      return { type: 'string', format: 'date-time', nullable: true };
    case 'io.k8s.apimachinery.pkg.runtime.RawExtension':
    case `${META}FieldsV1`:
    case 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON':
    case 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps':
      return { ...PRESERVED };
    default:
      return undefined;
  }
}

const KEPT_EXTENSIONS = [
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
] as const;

/**
 * One definition as a structural schema. `required` is left out: kube enforces it in each kind's
 * validation code, which we do not replicate, not while decoding; the schema checks shape and types.
 */
export function toStructural(
  def: Definition,
  defs: Definitions,
  stack: readonly string[] = [],
): JSONSchemaProps {
  if (def.$ref) {
    const name = def.$ref.startsWith(REF) ? def.$ref.slice(REF.length) : def.$ref;
    const target = defs[name];
    const base =
      wrapper(name) ??
      (stack.includes(name) || !target ? { ...PRESERVED } : toStructural(target, defs, [...stack, name]));
    return def.description ? { ...base, description: def.description } : base;
  }
  const out: JSONSchemaProps = {};
  if (def.description) out.description = def.description;
  if (def.format === 'int-or-string') out['x-kubernetes-int-or-string'] = true;
  else {
    if (def.type) out.type = def.type;
    if (def.format) out.format = def.format;
  }
  if (def.enum) out.enum = def.enum as JSONSchemaProps['enum'];
  for (const ext of KEPT_EXTENSIONS)
    if (def[ext] !== undefined) (out as Record<string, unknown>)[ext] = def[ext];
  if (def.properties) {
    out.type = 'object';
    out.properties = Object.fromEntries(
      Object.entries(def.properties).map(([k, v]) => [k, toStructural(v, defs, stack)]),
    );
  }
  if (def.additionalProperties && typeof def.additionalProperties === 'object')
    out.additionalProperties = toStructural(def.additionalProperties, defs, stack);
  if (def.items) out.items = toStructural(def.items, defs, stack);
  if (!out.type && !out['x-kubernetes-int-or-string'])
    return { ...PRESERVED, ...(def.description ? { description: def.description } : {}) };
  return out;
}

let byGvk: Map<string, string> | undefined;

/** The definition name of a group/version/kind, e.g. io.k8s.api.apps.v1.Deployment. */
export function definitionName(group: string, version: string, kind: string): string | undefined {
  if (!byGvk) {
    byGvk = new Map();
    for (const [name, d] of Object.entries(kubernetesDefinitions()))
      for (const g of d['x-kubernetes-group-version-kind'] ?? [])
        byGvk.set(`${g.group}/${g.version}/${g.kind}`, name);
  }
  return byGvk.get(`${group}/${version}/${kind}`);
}

/** Kinds served without a schema: CRDs are checked by their own validation; events.k8s.io Events share core Events' storage. */
const WITHOUT_SCHEMA = new Set(['apiextensions.k8s.io/CustomResourceDefinition', 'events.k8s.io/Event']);
const cache = new Map<string, JSONSchemaProps | undefined>();

/** The structural schema of a built-in kind (root metadata left to ObjectMeta validation), or undefined. */
export function builtinSchema(group: string, version: string, kind: string): JSONSchemaProps | undefined {
  const key = `${group}/${version}/${kind}`;
  if (cache.has(key)) return cache.get(key);
  let schema: JSONSchemaProps | undefined;
  const name = WITHOUT_SCHEMA.has(`${group}/${kind}`) ? undefined : definitionName(group, version, kind);
  if (name) {
    const defs = kubernetesDefinitions();
    schema = toStructural(defs[name], defs, [name]);
    if (schema.properties) schema.properties.metadata = { type: 'object' };
  }
  cache.set(key, schema);
  return schema;
}
