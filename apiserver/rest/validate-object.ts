import { errors } from '../errors.js';
import type { ResourceInfo, ResourceVersion } from '../registry/resource-info.js';
import { builtinTraits } from '../registry/builtins.js';
import { validateExtraKind } from '../registry/extra-kinds.js';
import { applyDefaults } from '../schema/defaults.js';
import { defaultBuiltinObject } from '../schema/builtin-defaults.js';
import { pruneUnknownFields } from '../schema/prune.js';
import { validateAgainstSchema } from '../schema/validate.js';
import { validateCustomResourceDefinition } from '../schema/crd.js';
import type { JSONSchemaProps, KubeObject, StatusCause } from '../../api/kubernetes.js';
import { validateObjectMeta } from '../validation/names.js';
import type { RequestContext } from './context.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const OPAQUE: JSONSchemaProps = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/**
 * Drops fields the schema does not know (unknown metadata fields too, even for kinds we store
 * without a schema) and reports them as `fieldValidation` asks: Strict fails the request naming
 * each field, Warn returns them as warnings, Ignore drops them silently.
 */
export function pruneForValidation(
  obj: KubeObject,
  version: ResourceVersion,
  mode: FieldValidation,
  ctx: RequestContext,
): void {
  const unknown = pruneUnknownFields(obj, version.schema ?? OPAQUE, { isResourceRoot: true });
  if (unknown.length === 0 || mode === 'Ignore') return;
  const msgs = unknown.map((p) => `unknown field "${p}"`);
  if (mode === 'Strict') throw errors.badRequest(`strict decoding error: ${msgs.join(', ')}`);
  ctx.warnings.push(...msgs);
}

export function defaultObject(obj: KubeObject, version: ResourceVersion): void {
  if (version.schema) applyDefaults(obj, version.schema);
  defaultBuiltinObject(obj);
}

/** Full validation of an object about to be stored; throws 422 Invalid with every cause. */
export function validateObject(info: ResourceInfo, version: ResourceVersion, obj: KubeObject): void {
  const causes: StatusCause[] = [];
  const nameRule = builtinTraits(info.group, info.resource)?.nameRule ?? 'subdomain';
  causes.push(...validateObjectMeta(obj.metadata, { namespaced: info.namespaced, nameRule }));
  if (version.schema) causes.push(...validateAgainstSchema(obj, version.schema));
  if (info.builtin) causes.push(...validateExtraKind(info.group, info.kind, obj));
  if (info.group === 'apiextensions.k8s.io' && info.resource === 'customresourcedefinitions') {
    causes.push(...validateCustomResourceDefinition(obj));
  }
  if (causes.length > 0) {
    throw errors.invalid(
      info.kind,
      info.group,
      String(obj.metadata?.name ?? obj.metadata?.generateName ?? ''),
      causes,
    );
  }
}
