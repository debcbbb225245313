/** Object-metadata helpers shared by the site controllers (pure). */
import type { KubeObject, OwnerReference } from '../../../api/kubernetes.js';

/** Milliseconds since the epoch of an RFC 3339 time; undefined when absent or unparsable. */
export function timeMs(t: string | null | undefined): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** metav1.GetControllerOf: the owner reference with controller: true. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** The controller reference a controller puts on what it creates (blockOwnerDeletion as kube does). */
export function controllerRefTo(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: String(owner.metadata.name),
    uid: String(owner.metadata.uid),
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isBeingDeleted(obj: KubeObject): boolean {
  return Boolean(obj.metadata.deletionTimestamp);
}

export function namespacedKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** controller.ReplicaSetsByCreationTimestamp (and the same for any object): older first, then by name. */
export function byCreationTimestamp(a: KubeObject, b: KubeObject): number {
  const ta = timeMs(a.metadata.creationTimestamp) ?? 0;
  const tb = timeMs(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  return compareStrings(a.metadata.name ?? '', b.metadata.name ?? '');
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A JSON deep copy: objects from the informer cache are shared and must not be mutated. */
export function clone<T>(v: T): T {
  return structuredClone(v);
}
