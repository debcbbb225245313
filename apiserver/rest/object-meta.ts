import { randomUUID, randomInt } from 'node:crypto';
import { errors } from '../errors.js';
import { jsonEqual } from '../json-equal.js';
import { builtinTraits } from '../registry/builtins.js';
import { groupVersion, type ResourceInfo, type ResourceVersion } from '../registry/resource-info.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { rfc3339, type RequestContext } from './context.js';

export function tracksGeneration(info: ResourceInfo): boolean {
  return info.builtin ? (builtinTraits(info.group, info.resource)?.tracksGeneration ?? false) : true;
}

/** The request body must name the kind and version of the URL it was sent to. */
export function checkTypeMeta(obj: KubeObject, info: ResourceInfo, version: ResourceVersion): void {
  const expected = groupVersion(info.group, version.name);
  if (obj.apiVersion === undefined && obj.kind === undefined) {
    obj.apiVersion = expected;
    obj.kind = info.kind;
    return;
  }
  if (obj.apiVersion !== expected) {
    throw errors.badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`,
    );
  }
  if (obj.kind !== info.kind) {
    throw errors.badRequest(
      `the kind in the data (${String(obj.kind)}) does not match the expected kind (${info.kind})`,
    );
  }
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function prepareCreateMeta(
  ctx: RequestContext,
  info: ResourceInfo,
  namespace: string | undefined,
  obj: KubeObject,
): void {
  if (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata))
    obj.metadata = {};
  const m = obj.metadata;
  if (info.namespaced) {
    if (m.namespace && m.namespace !== namespace) {
      throw errors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    m.namespace = namespace;
  } else {
    delete m.namespace;
  }
  if (!m.name && typeof m.generateName === 'string' && m.generateName) {
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[randomInt(GENERATE_ALPHABET.length)];
    m.name = m.generateName + suffix;
  }
  m.uid = randomUUID();
  m.creationTimestamp = rfc3339(ctx.now);
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  if (tracksGeneration(info)) m.generation = 1;
  else delete m.generation;
}

/** Carries over what a client may not change and enforces the optimistic-concurrency precondition. */
export function prepareUpdateMeta(info: ResourceInfo, name: string, old: KubeObject, obj: KubeObject): void {
  if (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata))
    obj.metadata = {};
  const m = obj.metadata;
  const o = old.metadata;
  if (m.name !== undefined && m.name !== name) {
    throw errors.badRequest(
      `the name of the object (${String(m.name)}) does not match the name on the URL (${name})`,
    );
  }
  if (info.namespaced && m.namespace && m.namespace !== o.namespace) {
    throw errors.badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  if (
    m.resourceVersion !== undefined &&
    m.resourceVersion !== '' &&
    m.resourceVersion !== o.resourceVersion
  ) {
    throw errors.conflict(info.resource, info.group, name);
  }
  m.name = o.name;
  if (info.namespaced) m.namespace = o.namespace;
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  setOrDelete(m, 'deletionTimestamp', o.deletionTimestamp);
  setOrDelete(m, 'deletionGracePeriodSeconds', o.deletionGracePeriodSeconds);
  setOrDelete(m, 'generation', o.generation);
  delete m.selfLink;
  if (o.deletionTimestamp) {
    const before = new Set(o.finalizers ?? []);
    if ((m.finalizers ?? []).some((f) => !before.has(f))) {
      throw errors.invalid(info.kind, info.group, name, [
        {
          reason: 'FieldValueForbidden',
          field: 'metadata.finalizers',
          message: 'Forbidden: no new finalizers can be added if the object is being deleted',
        },
      ]);
    }
  }
}

function setOrDelete(m: Record<string, unknown>, k: string, v: unknown): void {
  if (v === undefined) delete m[k];
  else m[k] = v;
}

/** Whether anything a controller acts on changed: everything but metadata (and status when it is a subresource). */
export function specChanged(old: KubeObject, obj: KubeObject, ignoreStatus: boolean): boolean {
  const strip = (o: KubeObject): Record<string, unknown> => {
    const { metadata: _m, status: s, apiVersion: _a, kind: _k, ...rest } = o;
    return ignoreStatus ? rest : { ...rest, status: s };
  };
  return !jsonEqual(strip(old), strip(obj));
}

/** Equal apart from managedFields bookkeeping: such a write is skipped (no new resourceVersion). */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): KubeObject => {
    const { managedFields: _mf, resourceVersion: _rv, ...meta } = o.metadata;
    return { ...o, metadata: meta };
  };
  return jsonEqual(strip(a), strip(b));
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

export { jsonEqual };
