/** Pods made from a template (kube's GetPodFromTemplate) and their names (pure but for the random suffix). */
import { randomInt } from 'node:crypto';
import type { OwnerReference } from '../../../api/kubernetes.js';
import { clone } from './meta.js';
import { SAFE_ALPHABET } from './pod-template-hash.js';
import type { Pod, PodSpec, PodTemplateSpec } from './types.js';

/** names.SimpleNameGenerator: the prefix is cut so the name stays a valid 63-character label. */
const MAX_GENERATED_NAME_PREFIX = 63 - 5;

/** What generateName would produce: `<prefix><5 random characters of the safe alphabet>`. */
export function generateName(prefix: string, random: (n: number) => number = randomInt): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SAFE_ALPHABET[random(SAFE_ALPHABET.length)];
  return prefix.slice(0, MAX_GENERATED_NAME_PREFIX) + suffix;
}

export interface PodFromTemplateOptions {
  name: string;
  namespace: string;
  controllerRef: OwnerReference;
  /** The site's one node: there is no scheduler, the controllers bind pods at creation. */
  nodeName: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

/**
 * The pod: the template's labels, annotations and finalizers (nothing else of its metadata), its
 * spec, the controller reference, and the node.
 */
export function podFromTemplate(template: PodTemplateSpec | undefined, o: PodFromTemplateOptions): Pod {
  const meta = template?.metadata ?? {};
  const labels = { ...(meta.labels ?? {}), ...(o.labels ?? {}) };
  const annotations = { ...(meta.annotations ?? {}), ...(o.annotations ?? {}) };
  const finalizers = [...new Set([...(meta.finalizers ?? []), ...(o.finalizers ?? [])])];
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: o.name, namespace: o.namespace, ownerReferences: [o.controllerRef] },
    // A template without containers is invalid anyway; the API server says so, not this copy.
    spec: { ...clone(template?.spec ?? {}), nodeName: o.nodeName } as PodSpec,
  };
  if (Object.keys(labels).length > 0) pod.metadata.labels = labels;
  if (Object.keys(annotations).length > 0) pod.metadata.annotations = annotations;
  if (finalizers.length > 0) pod.metadata.finalizers = finalizers;
  return pod;
}
