import type { TypeRef } from '../../api/federation.js';

/** REST paths of a type, as the Kubernetes API lays them out. */
export function groupVersionPath(group: string | undefined, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

export function collectionPath(t: TypeRef, namespace?: string): string {
  const base = groupVersionPath(t.group, t.version);
  return t.scope === 'Namespaced' && namespace
    ? `${base}/namespaces/${namespace}/${t.pluralName}`
    : `${base}/${t.pluralName}`;
}

export function objectPath(t: TypeRef, namespace: string | undefined, name: string): string {
  return `${collectionPath(t, namespace)}/${encodeURIComponent(name)}`;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
