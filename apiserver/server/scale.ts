import { errors } from '../errors.js';
import type { ResourceInfo, ResourceVersion } from '../registry/resource-info.js';
import { evaluateJsonPath } from '../table/jsonpath.js';
import type { KubeObject } from '../../api/kubernetes.js';

/** autoscaling/v1 Scale view of an object with a scale subresource. */
export function scaleOf(info: ResourceInfo, version: ResourceVersion, obj: KubeObject): KubeObject {
  const s = version.subresources.scale;
  if (!s) throw errors.notFoundPath();
  const first = (p: string | undefined): unknown => (p ? evaluateJsonPath(obj, p)[0] : undefined);
  const selector = first(s.labelSelectorPath);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: Number(first(s.specReplicasPath) ?? 0) },
    status: {
      replicas: Number(first(s.statusReplicasPath) ?? 0),
      ...(typeof selector === 'string' ? { selector } : {}),
    },
  };
}

/** Writes a Scale's spec.replicas back into the object at the subresource's path. */
export function applyScale(
  info: ResourceInfo,
  version: ResourceVersion,
  obj: KubeObject,
  scale: KubeObject,
): KubeObject {
  const s = version.subresources.scale;
  if (!s) throw errors.notFoundPath();
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  if (!Number.isInteger(replicas) || (replicas as number) < 0) {
    throw errors.invalid('Scale', 'autoscaling', String(obj.metadata.name), [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      },
    ]);
  }
  const rv = scale.metadata?.resourceVersion;
  const next = structuredClone(obj);
  if (rv) next.metadata.resourceVersion = rv;
  const path = s.specReplicasPath.replace(/^\./, '').split('.');
  let cur: Record<string, unknown> = next as Record<string, unknown>;
  for (const seg of path.slice(0, -1)) {
    if (typeof cur[seg] !== 'object' || cur[seg] === null) cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = replicas;
  return next;
}
