import type { KubeObject, StatusCause } from '../../api/kubernetes.js';
import { childPath, indexPath, isPlainObject, keyPath } from './field-path.js';
import { duplicate, forbidden, invalid, notSupported, required, tooMany } from './field-errors.js';
import { isDNS1035Label, isDNS1123Subdomain } from './dns-names.js';
import { arrayAt, objectAt, stringAt } from './json-access.js';
import { validateStructuralSchema } from './structural-schema.js';

export interface CrdValidationOptions {
  /** Accept groups without a dot (Kubernetes requires a domain; some embedded setups relax it). */
  allowGroupWithoutDot?: boolean;
}

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const PRINTER_COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';
const MAX_SELECTABLE_FIELDS = 8;

/**
 * Validates an apiextensions.k8s.io/v1 CustomResourceDefinition (after defaulting) like
 * kube-apiserver's ValidateCustomResourceDefinition, for the rules this server relies on.
 */
export function validateCustomResourceDefinition(
  crd: KubeObject,
  opts: CrdValidationOptions = {},
): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = isPlainObject(crd.spec) ? crd.spec : {};
  const group = stringAt(spec, 'group');
  const names = objectAt(spec, 'names') ?? {};
  const plural = stringAt(names, 'plural');

  const name = crd.metadata?.name ?? '';
  if (name !== `${plural}.${group}`) {
    causes.push(invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  }
  causes.push(...validateGroup(crd, group, opts));
  causes.push(...validateNames(names));

  const scope = stringAt(spec, 'scope');
  if (!scope) causes.push(required('spec.scope'));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') {
    causes.push(notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));
  }
  causes.push(...validateVersions(arrayAt(spec, 'versions')));
  causes.push(...validateConversion(objectAt(spec, 'conversion')));
  return causes;
}

function validateGroup(crd: KubeObject, group: string, opts: CrdValidationOptions): StatusCause[] {
  if (!group) return [required('spec.group')];
  const causes: StatusCause[] = [];
  const errs = isDNS1123Subdomain(group);
  if (errs.length) causes.push(invalid('spec.group', group, errs.join(',')));
  if (!opts.allowGroupWithoutDot && group.split('.').length < 2) {
    causes.push(invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  const protectedGroup =
    group === 'k8s.io' ||
    group.endsWith('.k8s.io') ||
    group === 'kubernetes.io' ||
    group.endsWith('.kubernetes.io');
  if (protectedGroup && !crd.metadata?.annotations?.[APPROVAL_ANNOTATION]) {
    causes.push(
      required(
        keyPath('metadata.annotations', APPROVAL_ANNOTATION),
        `protected groups must have approval annotation "${APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111`,
      ),
    );
  }
  return causes;
}

function validateNames(names: Record<string, unknown>): StatusCause[] {
  const causes: StatusCause[] = [];
  const path = 'spec.names';
  const label = (field: string, mixedCase: boolean) => {
    const value = stringAt(names, field);
    if (!value) {
      causes.push(required(childPath(path, field)));
      return;
    }
    const errs = isDNS1035Label(mixedCase ? value.toLowerCase() : value);
    if (errs.length) {
      const prefix = mixedCase ? 'may have mixed case, but should otherwise match: ' : '';
      causes.push(invalid(childPath(path, field), value, prefix + errs.join(',')));
    }
  };
  label('plural', false);
  label('singular', false);
  label('kind', true);
  label('listKind', true);
  const kind = stringAt(names, 'kind');
  if (kind && kind === stringAt(names, 'listKind')) {
    causes.push(invalid(childPath(path, 'listKind'), kind, 'kind and listKind may not be the same'));
  }
  for (const list of ['shortNames', 'categories']) {
    arrayAt(names, list).forEach((value, i) => {
      const errs = isDNS1035Label(typeof value === 'string' ? value : '');
      if (errs.length) causes.push(invalid(indexPath(childPath(path, list), i), value, errs.join(',')));
    });
  }
  return causes;
}

function validateVersions(versions: unknown[]): StatusCause[] {
  const causes: StatusCause[] = [];
  const path = 'spec.versions';
  if (versions.length === 0) causes.push(required(path, 'must have at least one version'));
  const seen = new Set<string>();
  let unique = true;
  let storage = 0;
  versions.forEach((version, i) => {
    const versionPath = indexPath(path, i);
    const name = stringAt(version, 'name');
    if (seen.has(name)) unique = false;
    seen.add(name);
    if (isPlainObject(version) && version.storage === true) storage++;
    const errs = isDNS1035Label(name);
    if (errs.length) causes.push(invalid(childPath(versionPath, 'name'), name, errs.join(',')));
    causes.push(
      ...validateStructuralSchema(
        objectAt(objectAt(version, 'schema'), 'openAPIV3Schema'),
        childPath(versionPath, 'schema.openAPIV3Schema'),
      ),
    );
    causes.push(
      ...validatePrinterColumns(
        arrayAt(version, 'additionalPrinterColumns'),
        childPath(versionPath, 'additionalPrinterColumns'),
      ),
    );
    causes.push(
      ...validateSubresources(objectAt(version, 'subresources'), childPath(versionPath, 'subresources')),
    );
    causes.push(
      ...validateSelectableFields(
        arrayAt(version, 'selectableFields'),
        childPath(versionPath, 'selectableFields'),
      ),
    );
  });
  if (!unique) causes.push(invalid(path, versions, 'must contain unique version names'));
  if (storage !== 1)
    causes.push(invalid(path, versions, 'must have exactly one version marked as storage version'));
  return causes;
}

function validatePrinterColumns(columns: unknown[], path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  columns.forEach((column, i) => {
    const colPath = indexPath(path, i);
    if (!stringAt(column, 'name')) causes.push(required(childPath(colPath, 'name')));
    const type = stringAt(column, 'type');
    const typeDetail = `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`;
    if (!type) causes.push(required(childPath(colPath, 'type'), typeDetail));
    else if (!PRINTER_COLUMN_TYPES.includes(type))
      causes.push(invalid(childPath(colPath, 'type'), type, typeDetail));
    const format = stringAt(column, 'format');
    if (format && !PRINTER_COLUMN_FORMATS.includes(format)) {
      causes.push(
        invalid(childPath(colPath, 'format'), format, `must be one of ${PRINTER_COLUMN_FORMATS.join(',')}`),
      );
    }
    causes.push(...simpleJsonPath(stringAt(column, 'jsonPath'), childPath(colPath, 'jsonPath')));
  });
  return causes;
}

function validateSubresources(
  subresources: Record<string, unknown> | undefined,
  path: string,
): StatusCause[] {
  if (!subresources) return [];
  const causes: StatusCause[] = [];
  if (subresources.status !== undefined && !isPlainObject(subresources.status)) {
    causes.push(invalid(childPath(path, 'status'), subresources.status, 'must be an object'));
  }
  if (subresources.scale === undefined) return causes;
  const scale = subresources.scale;
  const scalePath = childPath(path, 'scale');
  if (!isPlainObject(scale)) return [...causes, invalid(scalePath, scale, 'must be an object')];
  const underPrefix = (field: string, prefixes: string[], detail: string, isRequired: boolean) => {
    const value = stringAt(scale, field);
    const fieldPath = childPath(scalePath, field);
    if (!value) {
      if (isRequired) causes.push(required(fieldPath));
      return;
    }
    const errs = simpleJsonPath(value, fieldPath);
    if (errs.length) causes.push(...errs);
    else if (!prefixes.some((p) => value.startsWith(p))) causes.push(invalid(fieldPath, value, detail));
  };
  underPrefix('specReplicasPath', ['.spec.'], 'should be a json path under .spec', true);
  underPrefix('statusReplicasPath', ['.status.'], 'should be a json path under .status', true);
  underPrefix(
    'labelSelectorPath',
    ['.spec.', '.status.'],
    'should be a json path under either .spec or .status',
    false,
  );
  return causes;
}

function validateSelectableFields(fields: unknown[], path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (fields.length > MAX_SELECTABLE_FIELDS) causes.push(tooMany(path, fields.length, MAX_SELECTABLE_FIELDS));
  const seen = new Set<string>();
  fields.forEach((field, i) => {
    const jsonPathField = childPath(indexPath(path, i), 'jsonPath');
    const value = stringAt(field, 'jsonPath');
    causes.push(...simpleJsonPath(value, jsonPathField));
    if (value && seen.has(value)) causes.push(duplicate(jsonPathField, value));
    seen.add(value);
  });
  return causes;
}

function validateConversion(conversion: Record<string, unknown> | undefined): StatusCause[] {
  const strategy = stringAt(conversion, 'strategy');
  const path = 'spec.conversion';
  if (!strategy) return [required(childPath(path, 'strategy'))];
  if (strategy !== 'None' && strategy !== 'Webhook') {
    return [notSupported(childPath(path, 'strategy'), strategy, ['None', 'Webhook'])];
  }
  const webhook = objectAt(conversion, 'webhook');
  if (strategy === 'Webhook' && !objectAt(webhook, 'clientConfig')) {
    return [required(childPath(path, 'webhook.clientConfig'), 'required when strategy is set to Webhook')];
  }
  if (strategy === 'None' && webhook) {
    return [forbidden(childPath(path, 'webhook'), 'should not be set when strategy is not set to Webhook')];
  }
  return [];
}

function simpleJsonPath(value: string, path: string): StatusCause[] {
  if (!value) return [required(path)];
  if (!value.startsWith('.')) return [invalid(path, value, 'must be a simple json path starting with .')];
  return [];
}
