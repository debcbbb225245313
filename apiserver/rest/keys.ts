import { sharedStorageResource } from '../events/conversion.js';
import type { ResourceInfo } from '../registry/resource-info.js';

/** Storage keys: /registry/<group|core>/<resource>/[<namespace>/]<name>. */
export function resourcePrefix(info: ResourceInfo): string {
  // events.k8s.io/v1 Events are the core Events, as in Kubernetes.
  const shared = sharedStorageResource(info.group, info.resource);
  if (shared) return `/registry/core/${shared}/`;
  return `/registry/${info.group || 'core'}/${info.resource}/`;
}

export function collectionPrefix(info: ResourceInfo, namespace: string | undefined): string {
  const base = resourcePrefix(info);
  return info.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function storageKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return info.namespaced ? `${resourcePrefix(info)}${namespace}/${name}` : `${resourcePrefix(info)}${name}`;
}
