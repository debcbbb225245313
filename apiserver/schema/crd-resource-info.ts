import type { JSONSchemaProps, KubeObject, PrinterColumn } from '../../api/kubernetes.js';
import {
  ALL_VERBS,
  type ResourceInfo,
  type ResourceVersion,
  type ScaleSubresource,
} from '../registry/resource-info.js';
import { isPlainObject } from './field-path.js';
import { arrayAt, objectAt, stringAt, stringsAt } from './json-access.js';
import { listTypeResolverFromSchema } from './list-type.js';

/** kube-apiserver serves an Age column for custom resources that declare no printer columns. */
const DEFAULT_COLUMNS: PrinterColumn[] = [
  {
    name: 'Age',
    type: 'date',
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
    jsonPath: '.metadata.creationTimestamp',
  },
];

/**
 * The ResourceInfo for a (defaulted, valid) CustomResourceDefinition. The list-type resolver reads
 * the storage version's schema, since merges happen on stored objects.
 */
export function resourceInfoFromCRD(crd: KubeObject): ResourceInfo {
  const spec = isPlainObject(crd.spec) ? crd.spec : {};
  const names = objectAt(spec, 'names');
  const kind = stringAt(names, 'kind');
  const versions = arrayAt(spec, 'versions').filter(isPlainObject).map(toResourceVersion);
  const storage = versions.find((v) => v.storage) ?? versions[0];
  return {
    group: stringAt(spec, 'group'),
    resource: stringAt(names, 'plural'),
    kind,
    listKind: stringAt(names, 'listKind') || `${kind}List`,
    singular: stringAt(names, 'singular') || kind.toLowerCase(),
    namespaced: stringAt(spec, 'scope') !== 'Cluster',
    shortNames: stringsAt(names, 'shortNames'),
    categories: stringsAt(names, 'categories'),
    versions,
    storageVersion: storage?.name ?? '',
    builtin: false,
    listType: listTypeResolverFromSchema(storage?.schema),
    verbs: [...ALL_VERBS],
  };
}

function toResourceVersion(version: Record<string, unknown>): ResourceVersion {
  const schema = objectAt(objectAt(version, 'schema'), 'openAPIV3Schema') as JSONSchemaProps | undefined;
  const subresources = objectAt(version, 'subresources');
  const columns = arrayAt(version, 'additionalPrinterColumns').filter(isPlainObject).map(toPrinterColumn);
  return {
    name: stringAt(version, 'name'),
    served: version.served === true,
    storage: version.storage === true,
    schema,
    printerColumns: columns.length ? columns : DEFAULT_COLUMNS.map((c) => ({ ...c })),
    subresources: {
      status: objectAt(subresources, 'status') !== undefined,
      scale: toScale(objectAt(subresources, 'scale')),
    },
    selectableFields: arrayAt(version, 'selectableFields')
      .map((f) => stringAt(f, 'jsonPath'))
      .filter(Boolean),
  };
}

function toPrinterColumn(column: Record<string, unknown>): PrinterColumn {
  const out: PrinterColumn = {
    name: stringAt(column, 'name'),
    type: stringAt(column, 'type'),
    jsonPath: stringAt(column, 'jsonPath'),
  };
  const format = stringAt(column, 'format');
  const description = stringAt(column, 'description');
  if (format) out.format = format;
  if (description) out.description = description;
  if (typeof column.priority === 'number') out.priority = column.priority;
  return out;
}

function toScale(scale: Record<string, unknown> | undefined): ScaleSubresource | undefined {
  if (!scale) return undefined;
  const out: ScaleSubresource = {
    specReplicasPath: stringAt(scale, 'specReplicasPath'),
    statusReplicasPath: stringAt(scale, 'statusReplicasPath'),
  };
  const labelSelectorPath = stringAt(scale, 'labelSelectorPath');
  if (labelSelectorPath) out.labelSelectorPath = labelSelectorPath;
  return out;
}
