/** Object plumbing around the walkers: copies without managedFields, and server-owned metadata. */
import { clone, isMap } from './json.js';
import type { KubeObject } from '../../api/kubernetes.js';

/** A deep copy without metadata.managedFields, which never takes part in merging or comparing. */
export function withoutManagedFields(obj: KubeObject): KubeObject {
  const copy = clone(obj);
  if (isMap(copy.metadata)) delete copy.metadata.managedFields;
  return copy;
}

/**
 * Metadata the server sets. An apply keeps the live values, as the registry's update path would
 * restore them anyway; resourceVersion is left as applied since it is the client's precondition.
 */
const serverMetadata = ['uid', 'generation', 'creationTimestamp', 'deletionTimestamp', 'selfLink'] as const;

export function keepServerMetadata(merged: KubeObject, live: KubeObject | undefined): void {
  if (!live || !isMap(merged.metadata)) return;
  const out: Record<string, unknown> = merged.metadata;
  const from: Record<string, unknown> = live.metadata;
  for (const k of serverMetadata) {
    if (from[k] === undefined) delete out[k];
    else out[k] = clone(from[k]);
  }
}
