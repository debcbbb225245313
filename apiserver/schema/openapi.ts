import { createHash } from 'node:crypto';
import type { JSONSchemaProps, JsonObject } from '../../api/kubernetes.js';
import { findVersion, groupVersion, type ResourceInfo } from '../registry/resource-info.js';
import {
  API_VERSION_DESCRIPTION,
  KIND_DESCRIPTION,
  LIST_META,
  LIST_METADATA_DESCRIPTION,
  OBJECT_META,
  metaSchemas,
  ref,
} from './openapi-meta.js';
import { isPlainObject } from './field-path.js';
import { groupVersionPath, schemaName } from './openapi-names.js';
import { resourcePaths } from './openapi-paths.js';

export interface GroupVersionHash {
  group: string;
  version: string;
  hash: string;
}

export interface OpenApiV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

/** The /openapi/v3 discovery document: one entry per group-version, keyed like kube-apiserver. */
export function openApiV3Index(gvs: readonly GroupVersionHash[]): OpenApiV3Index {
  const entries = gvs
    .map(({ group, version, hash }) => {
      const path = groupVersionPath(group, version);
      return [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` }] as const;
    })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { paths: Object.fromEntries(entries) };
}

/**
 * The OpenAPI 3.0 document of one group-version (/openapi/v3/apis/<g>/<v>) covering the given
 * resources that serve this version: what kubectl needs for strict field validation (PATCH
 * operations carrying fieldValidation, matched by x-kubernetes-group-version-kind) and explain.
 */
export function openApiV3Document(
  group: string,
  version: string,
  resources: readonly ResourceInfo[],
): JsonObject {
  const paths: Record<string, JsonObject> = {};
  const schemas: Record<string, JsonObject> = {};
  for (const info of resources) {
    const served = findVersion(info, version);
    if (!served) continue;
    const kindSchema = schemaName(info, version, info.kind);
    const listSchema = schemaName(info, version, info.listKind);
    schemas[kindSchema] = kindBodySchema(served.schema, { group: info.group, version, kind: info.kind });
    schemas[listSchema] = listBodySchema(info, version, kindSchema);
    Object.assign(
      paths,
      resourcePaths({ info, version, kindSchema, listSchema, hasStatus: served.subresources.status }),
    );
  }
  Object.assign(schemas, metaSchemas());
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: groupVersion(group, version) },
    paths: sortKeys(paths),
    components: { schemas: sortKeys(schemas) },
  };
}

/** Hash published in the index so clients can cache documents: upper-case hex SHA-512, as Kubernetes does. */
export function documentHash(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
}

function kindBodySchema(
  schema: JSONSchemaProps | undefined,
  gvk: { group: string; version: string; kind: string },
): JsonObject {
  const body: JsonObject = schema
    ? (structuredClone(schema) as JsonObject)
    : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const properties = isPlainObject(body.properties) ? body.properties : {};
  properties.apiVersion = {
    ...asRecord(properties.apiVersion),
    type: 'string',
    description: API_VERSION_DESCRIPTION,
  };
  properties.kind = { ...asRecord(properties.kind), type: 'string', description: KIND_DESCRIPTION };
  properties.metadata = ref(OBJECT_META);
  body.properties = properties;
  body.type = 'object';
  body['x-kubernetes-group-version-kind'] = [gvk];
  return body;
}

function listBodySchema(info: ResourceInfo, version: string, kindSchema: string): JsonObject {
  return {
    description: `${info.listKind} is a list of ${info.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: API_VERSION_DESCRIPTION },
      items: {
        description: `List of ${info.resource}. More info: https://git.k8s.io/community/contributors/devel/api-conventions.md`,
        type: 'array',
        items: ref(kindSchema),
      },
      kind: { type: 'string', description: KIND_DESCRIPTION },
      metadata: { ...ref(LIST_META), description: LIST_METADATA_DESCRIPTION },
    },
    'x-kubernetes-group-version-kind': [{ group: info.group, version, kind: info.listKind }],
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}

/** Stable key order keeps documentHash stable across registration order. */
function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
