import type { JSONSchemaProps, ListTypeResolver, PrinterColumn } from '../../api/kubernetes.js';

/** One served version of a resource. */
export interface ResourceVersion {
  name: string;
  served: boolean;
  storage: boolean;
  /** openAPIV3Schema of this version; undefined for built-in kinds we store without a schema. */
  schema?: JSONSchemaProps;
  printerColumns: PrinterColumn[];
  /** Subresources served for this version. */
  subresources: { status: boolean; scale?: ScaleSubresource };
  /** Fields usable in field selectors besides metadata.name / metadata.namespace (JSON paths like '.spec.x'). */
  selectableFields: string[];
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/**
 * Everything the API server knows about one resource (a group + plural), whether built in or
 * defined by a CustomResourceDefinition. Versions share one storage key space.
 */
export interface ResourceInfo {
  group: string;
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  versions: ResourceVersion[];
  /** The version objects are stored in. */
  storageVersion: string;
  /** Built-in kinds accept strategic merge patch; custom resources do not. */
  builtin: boolean;
  /** For lists inside objects of this kind: how they merge (SSA) — from the schema or a built-in table. */
  listType: ListTypeResolver;
  /** Verbs advertised in discovery. */
  verbs: string[];
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function servedVersions(info: ResourceInfo): ResourceVersion[] {
  return info.versions.filter((v) => v.served);
}

export function findVersion(info: ResourceInfo, version: string): ResourceVersion | undefined {
  return info.versions.find((v) => v.name === version && v.served);
}
