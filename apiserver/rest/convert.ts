import { groupVersion, type ResourceInfo, type ResourceVersion } from '../registry/resource-info.js';
import type { KubeObject } from '../../api/kubernetes.js';

/** Custom resources with several versions use conversion strategy None: only apiVersion changes. */
export function toVersion(obj: KubeObject, info: ResourceInfo, version: ResourceVersion): KubeObject {
  const gv = groupVersion(info.group, version.name);
  return obj.apiVersion === gv ? obj : { ...obj, apiVersion: gv };
}

export function toStorage(obj: KubeObject, info: ResourceInfo): KubeObject {
  const gv = groupVersion(info.group, info.storageVersion);
  return obj.apiVersion === gv ? obj : { ...obj, apiVersion: gv };
}
