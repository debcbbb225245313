/**
 * Wrapping an existing object into its Federated form (what `kubefedctl federate` did). Pure.
 */
import type { KubeObject } from '../../api/kubernetes.js';
import type { FederatedObject, Placement, TypeRef } from '../../api/federation.js';
import { federatedTypeFor } from './crd-gen.js';
import { SERVER_OWNED_METADATA } from '../sync/render.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stripMetadata(meta: unknown): void {
  if (!isObj(meta)) return;
  for (const f of SERVER_OWNED_METADATA) delete meta[f];
  if (isObj(meta.annotations)) {
    delete meta.annotations[LAST_APPLIED];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
}

/**
 * The template for a target object: the object without apiVersion, kind, name, namespace, status and
 * server-set metadata (also in a pod template), and without fields the member cluster allocates
 * (Service cluster IPs and node ports, Namespace finalizers, ServiceAccount token secrets).
 */
export function templateFrom(target: TypeRef, obj: KubeObject): Record<string, unknown> {
  const t = structuredClone(obj) as Obj;
  delete t.apiVersion;
  delete t.kind;
  delete t.status;
  const meta = isObj(t.metadata) ? t.metadata : undefined;
  if (meta) {
    stripMetadata(meta);
    delete meta.name;
    delete meta.namespace;
    delete meta.generateName;
  }
  const spec = isObj(t.spec) ? t.spec : undefined;
  if (spec && isObj(spec.template)) stripMetadata(spec.template.metadata);
  if (!target.group) {
    if (target.kind === 'Namespace' && spec) {
      delete spec.finalizers;
    } else if (target.kind === 'ServiceAccount') {
      delete t.secrets;
    } else if (target.kind === 'Service' && spec) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      delete spec.healthCheckNodePort;
      if (Array.isArray(spec.ports)) for (const p of spec.ports) if (isObj(p)) delete p.nodePort;
    }
  }
  if (spec && Object.keys(spec).length === 0) delete t.spec;
  if (meta && Object.keys(meta).length === 0) delete t.metadata;
  return t;
}

export interface FederateOptions {
  /** Default: kubefed's `clusterSelector: {}` (every cluster). */
  placement?: Placement;
  /** Namespace for a namespaced target when the object has none. */
  namespace?: string;
}

/** The Federated<Kind> object for an existing target object. */
export function federatedObjectFrom(
  target: TypeRef,
  obj: KubeObject,
  opts: FederateOptions = {},
): FederatedObject {
  const fed = federatedTypeFor(target);
  const name = obj.metadata?.name;
  if (!name) throw new Error(`the ${target.kind} has no metadata.name`);
  const isNamespace = !target.group && target.kind === 'Namespace';
  const namespace = isNamespace
    ? name
    : target.scope === 'Namespaced'
      ? (obj.metadata.namespace ?? opts.namespace ?? 'default')
      : undefined;
  return {
    apiVersion: `${fed.group}/${fed.version}`,
    kind: fed.kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: {
      template: templateFrom(target, obj),
      placement: opts.placement ?? { clusterSelector: {} },
    },
  };
}
