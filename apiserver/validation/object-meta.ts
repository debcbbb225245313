import { fieldInvalid, fieldRequired } from '../errors.js';
import type { StatusCause } from '../../api/kubernetes.js';
import { byteLength, isQualifiedName, isValidLabelValue, validateName, type NameRule } from './rules.js';

/** metav1validation.TotalAnnotationSizeLimitB */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const ORPHAN_FINALIZER = 'orphan';
const FOREGROUND_FINALIZER = 'foregroundDeletion';

export interface ObjectMetaRules {
  namespaced: boolean;
  nameRule: NameRule;
}

type Meta = Record<string, unknown>;

const isRecord = (v: unknown): v is Meta => typeof v === 'object' && v !== null && !Array.isArray(v);

const forbidden = (field: string, detail: string): StatusCause => ({
  reason: 'FieldValueForbidden',
  field,
  message: `Forbidden: ${detail}`,
});

const tooLong = (field: string, max: number): StatusCause => ({
  reason: 'FieldValueTooLong',
  field,
  message: `Too long: may not be more than ${max} bytes`,
});

const asString = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * ValidateObjectMetaAccessor: the checks every object's metadata gets on create and update, in
 * Kubernetes' order and wording. Expects generateName to have been turned into a name already
 * when the caller generates names before validating; a missing name is only reported when
 * there is neither.
 */
export function validateObjectMeta(meta: unknown, rules: ObjectMetaRules): StatusCause[] {
  const m: Meta = isRecord(meta) ? meta : {};
  const causes: StatusCause[] = [];
  const name = asString(m.name);
  const generateName = asString(m.generateName);
  const namespace = asString(m.namespace);

  if (generateName) {
    for (const msg of validateName(rules.nameRule, generateName, true)) {
      causes.push(fieldInvalid('metadata.generateName', generateName, msg));
    }
  }
  if (!name) {
    if (!generateName)
      causes.push(fieldRequired('metadata.name', 'Required value: name or generateName is required'));
  } else {
    for (const msg of validateName(rules.nameRule, name, false))
      causes.push(fieldInvalid('metadata.name', name, msg));
  }

  if (rules.namespaced) {
    if (!namespace) causes.push(fieldRequired('metadata.namespace'));
    else
      for (const msg of validateName('label', namespace, false))
        causes.push(fieldInvalid('metadata.namespace', namespace, msg));
  } else if (namespace) {
    causes.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }

  if (typeof m.generation === 'number' && m.generation < 0) {
    causes.push(fieldInvalid('metadata.generation', m.generation, 'must be greater than or equal to 0'));
  }
  causes.push(...validateLabels(m.labels));
  causes.push(...validateAnnotations(m.annotations));
  causes.push(...validateOwnerReferences(m.ownerReferences));
  causes.push(...validateFinalizers(m.finalizers));
  return causes;
}

function stringMap(v: unknown, field: string, causes: StatusCause[]): [string, string][] {
  if (v === undefined || v === null) return [];
  if (!isRecord(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    causes.push(fieldInvalid(field, v, 'must be a map of string keys to string values'));
    return [];
  }
  return Object.entries(v as Record<string, string>);
}

export function validateLabels(labels: unknown, field = 'metadata.labels'): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [k, v] of stringMap(labels, field, causes)) {
    for (const msg of isQualifiedName(k)) causes.push(fieldInvalid(field, k, msg));
    for (const msg of isValidLabelValue(v)) causes.push(fieldInvalid(field, v, msg));
  }
  return causes;
}

export function validateAnnotations(annotations: unknown, field = 'metadata.annotations'): StatusCause[] {
  const causes: StatusCause[] = [];
  let total = 0;
  for (const [k, v] of stringMap(annotations, field, causes)) {
    // Annotation keys follow the qualified-name rule but case does not matter.
    for (const msg of isQualifiedName(k.toLowerCase())) causes.push(fieldInvalid(field, k, msg));
    total += byteLength(k) + byteLength(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) causes.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return causes;
}

export function validateFinalizers(finalizers: unknown, field = 'metadata.finalizers'): StatusCause[] {
  if (finalizers === undefined || finalizers === null) return [];
  if (!Array.isArray(finalizers) || finalizers.some((f) => typeof f !== 'string')) {
    return [fieldInvalid(field, finalizers, 'must be a list of strings')];
  }
  const list = finalizers as string[];
  const causes: StatusCause[] = [];
  for (const f of list) for (const msg of isQualifiedName(f)) causes.push(fieldInvalid(field, f, msg));
  if (list.includes(ORPHAN_FINALIZER) && list.includes(FOREGROUND_FINALIZER)) {
    causes.push(
      fieldInvalid(
        field,
        list,
        `finalizer ${ORPHAN_FINALIZER} and ${FOREGROUND_FINALIZER} cannot be both set`,
      ),
    );
  }
  return causes;
}

/** The version part of an apiVersion ('v1' of 'apps/v1'); '' when there is none. */
function versionOf(apiVersion: string): string {
  const parts = apiVersion.split('/');
  if (parts.length === 1) return parts[0];
  return parts.length === 2 ? parts[1] : '';
}

export function validateOwnerReferences(refs: unknown, field = 'metadata.ownerReferences'): StatusCause[] {
  if (refs === undefined || refs === null) return [];
  if (!Array.isArray(refs)) return [fieldInvalid(field, refs, 'must be a list of owner references')];
  const causes: StatusCause[] = [];
  let firstController = '';
  for (const raw of refs) {
    const ref: Meta = isRecord(raw) ? raw : {};
    const apiVersion = asString(ref.apiVersion);
    const kind = asString(ref.kind);
    const name = asString(ref.name);
    const uid = asString(ref.uid);
    // Kubernetes reports these without the list index.
    if (!versionOf(apiVersion))
      causes.push(fieldInvalid(`${field}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!kind) causes.push(fieldInvalid(`${field}.kind`, kind, 'must not be empty'));
    if (!name) causes.push(fieldInvalid(`${field}.name`, name, 'must not be empty'));
    if (!uid) causes.push(fieldInvalid(`${field}.uid`, uid, 'must not be empty'));
    if (ref.controller === true) {
      const current = `${kind}/${name}`;
      if (firstController) {
        causes.push(
          fieldInvalid(
            field,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return causes;
}
