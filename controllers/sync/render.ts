/**
 * Rendering: the object one member cluster gets for a federated object. Pure and deterministic, so a
 * re-render of unchanged inputs yields a deep-equal manifest and the controller leaves the Work alone.
 *
 * Order (kubefed's ObjectForCluster + dispatch): template → per-cluster overrides (RFC 6902) →
 * identity (apiVersion/kind/name/namespace from the type config and the federated object) and
 * server-owned metadata dropped → `kubefed.io/managed: "true"` label, set last so no override can
 * remove it. Fields retained from the member object (resourceVersion, clusterIP, retainReplicas...)
 * are the agent's business: it merges them when it applies the manifest.
 */
import { applyJsonPatch } from '../../apiserver/patch/index.js';
import type { KubeObject, ObjectMeta } from '../../api/kubernetes.js';
import { MANAGED_LABEL, type FederatedObject, type Override, type TypeRef } from '../../api/federation.js';

export const ALLOWED_OVERRIDE_OPS: ReadonlySet<string> = new Set(['add', 'remove', 'replace']);

/**
 * Paths an override may not touch, nor anything under them: name and namespace tie the member object
 * to its federated object (kubefed's list), and apiVersion/kind come from the type config.
 */
export const FORBIDDEN_OVERRIDE_PATHS: readonly string[] = [
  '/metadata/name',
  '/metadata/namespace',
  '/metadata/generateName',
  '/kind',
  '/apiVersion',
];

/** Metadata the member's API server owns; never sent from the template. */
export const SERVER_OWNED_METADATA: readonly string[] = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'ownerReferences',
  'finalizers',
];

export type RenderResult =
  { object: KubeObject } | { error: { reason: 'ApplyOverridesFailed'; message: string } };

/**
 * Checks spec.overrides the way kubefed's GetOverrides does, per cluster: a duplicate clusterName, a
 * duplicate path within one cluster, an op other than add/remove/replace (empty means replace), a
 * path that does not start with '/' or that touches a forbidden path. Returns cluster name → error
 * message (several problems of one cluster joined with "; "); clusters with valid overrides are absent.
 */
export function validateOverrides(overrides: Override[] | undefined): Map<string, string> {
  const problems = new Map<string, string[]>();
  const report = (cluster: string, message: string): void => {
    const list = problems.get(cluster) ?? [];
    if (!list.includes(message)) list.push(message);
    problems.set(cluster, list);
  };
  const seenClusters = new Set<string>();
  for (const [index, item] of (overrides ?? []).entries()) {
    const cluster = typeof item?.clusterName === 'string' ? item.clusterName : '';
    if (seenClusters.has(cluster)) {
      report(cluster, `cluster ${JSON.stringify(cluster)} appears more than once in spec.overrides`);
      continue;
    }
    seenClusters.add(cluster);
    const seenPaths = new Set<string>();
    for (const [i, o] of (item.clusterOverrides ?? []).entries()) {
      const where = `spec.overrides[${index}].clusterOverrides[${i}] for cluster ${JSON.stringify(cluster)}`;
      const op = o?.op ?? '';
      if (op !== '' && !ALLOWED_OVERRIDE_OPS.has(op)) {
        report(cluster, `${where} has an invalid op ${JSON.stringify(op)}: must be add, remove or replace`);
      }
      const path: unknown = o?.path;
      if (typeof path !== 'string' || !path.startsWith('/')) {
        report(
          cluster,
          `${where} has an invalid path ${JSON.stringify(path) ?? 'undefined'}: must start with "/"`,
        );
        continue;
      }
      const forbidden = FORBIDDEN_OVERRIDE_PATHS.find((p) => path === p || path.startsWith(`${p}/`));
      if (forbidden) {
        report(cluster, `${where} has an invalid path ${path}: ${forbidden} may not be overridden`);
      }
      if (seenPaths.has(path)) {
        report(
          cluster,
          `path ${JSON.stringify(path)} appears more than once for cluster ${JSON.stringify(cluster)}`,
        );
      }
      seenPaths.add(path);
    }
  }
  return new Map([...problems].map(([cluster, list]) => [cluster, list.join('; ')]));
}

/**
 * The manifest for `cluster`. `overrideErrors` is validateOverrides' result (computed here when not
 * given); a cluster listed there, or whose override does not apply (RFC 6902: replace/remove of a
 * missing path, add under a missing parent...), gets `ApplyOverridesFailed` naming the op and path.
 *
 * Identity: apiVersion = target group/version, kind = target kind, metadata.name from the federated
 * object, metadata.namespace from it for namespaced targets. A FederatedNamespace renders a Namespace
 * named after its namespace, without a namespace field.
 *
 * Metadata: labels and annotations of the template are kept. kubefed did not propagate template
 * annotations; edgefed does, so tools that key on annotations work on members as they do on the hub.
 * Server-owned fields (uid, resourceVersion, generation, timestamps, managedFields, selfLink,
 * ownerReferences, finalizers) and a top-level `status` are dropped.
 *
 * Inputs are never mutated; the output shares no objects with them.
 */
export function renderForCluster(
  fed: FederatedObject,
  target: TypeRef,
  cluster: string,
  overrideErrors?: Map<string, string>,
): RenderResult {
  const errs = overrideErrors ?? validateOverrides(fed.spec?.overrides);
  const invalid = errs.get(cluster);
  if (invalid !== undefined)
    return failed(`invalid overrides for cluster ${JSON.stringify(cluster)}: ${invalid}`);

  const apiVersion = target.group ? `${target.group}/${target.version}` : target.version;
  const isNamespace = !target.group && target.kind === 'Namespace';
  const name = isNamespace ? (fed.metadata.namespace ?? fed.metadata.name) : fed.metadata.name;
  const namespace = !isNamespace && target.scope === 'Namespaced' ? fed.metadata.namespace : undefined;

  // Start from a copy of the template with identity filled in, so overrides under /metadata apply
  // to an object that has metadata, as in kubefed (which set identity before the overrides).
  const template = isPlainObject(fed.spec?.template) ? cloneJson(fed.spec.template) : {};
  let doc: Record<string, unknown> = { ...template, apiVersion, kind: target.kind };
  doc.metadata = isPlainObject(doc.metadata) ? doc.metadata : {};

  const item = (fed.spec?.overrides ?? []).find((o) => o?.clusterName === cluster);
  for (const o of item?.clusterOverrides ?? []) {
    const op = o.op ? o.op : 'replace';
    const patch: Record<string, unknown> = { op, path: o.path };
    // A missing value is JSON null, as kubefed's Go struct decoding made it.
    if (op !== 'remove') patch.value = o.value === undefined ? null : o.value;
    try {
      const next = applyJsonPatch(doc, [patch]);
      if (!isPlainObject(next)) {
        return failed(
          `cluster ${JSON.stringify(cluster)}: override ${op} ${o.path} does not leave an object`,
        );
      }
      doc = next;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      return failed(`cluster ${JSON.stringify(cluster)}: override ${op} ${o.path} failed: ${detail}`);
    }
  }

  const meta: ObjectMeta = isPlainObject(doc.metadata) ? { ...doc.metadata } : {};
  for (const k of SERVER_OWNED_METADATA) delete meta[k];
  delete meta.name;
  delete meta.namespace;
  delete meta.generateName;
  const labels = isPlainObject(meta.labels) ? (meta.labels as Record<string, string>) : {};
  const { labels: _labels, ...restMeta } = meta;
  const metadata: ObjectMeta = {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    ...restMeta,
    labels: { ...labels, [MANAGED_LABEL]: 'true' },
  };

  const { apiVersion: _a, kind: _k, metadata: _m, status: _s, ...rest } = doc;
  return { object: { apiVersion, kind: target.kind, metadata, ...rest } };
}

function failed(message: string): RenderResult {
  return { error: { reason: 'ApplyOverridesFailed', message } };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cloneJson<T>(v: T): T {
  return structuredClone(v);
}
