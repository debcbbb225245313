import type { ListTypeResolver } from '../../api/kubernetes.js';

export interface FieldManagerOptions {
  /** The field manager (the request's fieldManager, or the client's name). */
  manager: string;
  /** The group/version the request was made in, e.g. "apps/v1" or "v1". */
  apiVersion: string;
  /** RFC 3339 timestamp recorded on the entries this write touches. */
  now: string;
  listType: ListTypeResolver;
  /** Set for writes through a subresource such as "status" or "scale". */
  subresource?: string;
}

export interface FieldConflict {
  manager: string;
  apiVersion: string;
  /** As Kubernetes prints paths: `.spec.replicas`, `.spec.containers[name="nginx"].image`. */
  field: string;
  /** How the other manager came to own the field; Kubernetes words the two kinds differently. */
  operation?: 'Apply' | 'Update';
  subresource?: string;
}
