import { groupVersion, type ResourceInfo, type ResourceVersion } from '../registry/resource-info.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { EVENTS_GROUP, coreToEventsV1, eventsV1ToCore } from '../events/conversion.js';

/** Custom resources with several versions use conversion strategy None: only apiVersion changes. */
export function toVersion(obj: KubeObject, info: ResourceInfo, version: ResourceVersion): KubeObject {
  if (info.group === EVENTS_GROUP) return coreToEventsV1(obj);
  const gv = groupVersion(info.group, version.name);
  return obj.apiVersion === gv ? obj : { ...obj, apiVersion: gv };
}

export function toStorage(obj: KubeObject, info: ResourceInfo): KubeObject {
  if (info.group === EVENTS_GROUP) return eventsV1ToCore(obj);
  const gv = groupVersion(info.group, info.storageVersion);
  return obj.apiVersion === gv ? obj : { ...obj, apiVersion: gv };
}

/** Stored in another API's shape (events.k8s.io as core Events), so every read converts. */
export function isConverted(info: ResourceInfo): boolean {
  return info.group === EVENTS_GROUP;
}
