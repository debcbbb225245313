/**
 * A container's environment as kubelet builds it: envFrom first, then env (later names win),
 * `$(VAR)` references expanded against what is defined so far, values from ConfigMaps, Secrets,
 * the pod's own fields and its resources. Errors carry kubelet's messages, which end up in the
 * container's CreateContainerConfigError.
 */
import { divideCeil, parseQuantity, type Rational } from './quantity.js';
import type {
  ConfigMap,
  Container,
  EnvVar,
  ObjectFieldSelector,
  Pod,
  ResourceFieldSelector,
  Secret,
} from '../../../api/core.js';

export type Result<T> = { ok: true; value: T } | { ok: false; message: string };

export interface ObjectLookups {
  /** By name, in the pod's namespace; a name that is absent (or undefined) does not exist. */
  configMaps: ReadonlyMap<string, ConfigMap | undefined>;
  secrets: ReadonlyMap<string, Secret | undefined>;
}

export interface PodFieldContext {
  pod: Pod;
  /** '' while unknown (bridge networking before the first container started). */
  podIP: string;
  hostIP: string;
  /** What limits default to when a container sets none (kube: the node's allocatable). */
  allocatable: { cpu: string; memory: string };
}

export type EnvContext = ObjectLookups & PodFieldContext;

/** The ConfigMaps and Secrets a pod reads (env, envFrom, volumes): what to fetch before building it. */
export function referencedObjects(pod: Pod): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const c of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    }
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef?.name) configMaps.add(f.configMapRef.name);
      if (f.secretRef?.name) secrets.add(f.secretRef.name);
    }
  }
  for (const v of pod.spec.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) configMaps.add(s.configMap.name);
      if (s.secret?.name) secrets.add(s.secret.name);
    }
  }
  return { configMaps, secrets };
}

/**
 * Kubernetes' `$(VAR)` expansion: a defined name is replaced, an undefined one stays as written,
 * `$$` is a literal `$`.
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += '$(';
        i += 2;
        continue;
      }
      const name = input.slice(i + 2, close);
      const v = lookup(name);
      out += v ?? `$(${name})`;
      i = close + 1;
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  return out;
}

function decodeSecret(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}

/** `metadata.labels` as the downward API prints a map: `key="value"` lines, sorted. */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

/** A downward-API field of the pod (env fieldRef and downwardAPI volume items). */
export function podFieldValue(sel: ObjectFieldSelector, ctx: PodFieldContext): Result<string> {
  const meta = ctx.pod.metadata;
  const path = sel.fieldPath;
  const indexed = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (indexed) {
    const map = indexed[1] === 'labels' ? meta.labels : meta.annotations;
    return { ok: true, value: map?.[indexed[2]] ?? '' };
  }
  switch (path) {
    case 'metadata.name':
      return { ok: true, value: meta.name ?? '' };
    case 'metadata.namespace':
      return { ok: true, value: meta.namespace ?? '' };
    case 'metadata.uid':
      return { ok: true, value: meta.uid ?? '' };
    case 'metadata.labels':
      return { ok: true, value: formatMap(meta.labels) };
    case 'metadata.annotations':
      return { ok: true, value: formatMap(meta.annotations) };
    case 'spec.nodeName':
      return { ok: true, value: ctx.pod.spec.nodeName ?? '' };
    case 'spec.serviceAccountName':
      return { ok: true, value: ctx.pod.spec.serviceAccountName ?? '' };
    case 'status.hostIP':
    case 'status.hostIPs':
      return { ok: true, value: ctx.hostIP };
    case 'status.podIP':
    case 'status.podIPs':
      return { ok: true, value: ctx.podIP };
    default:
      return { ok: false, message: `unsupported fieldPath: ${path}` };
  }
}

/** A container's resource (resourceFieldRef), divided and rounded up as kube does. */
export function resourceFieldValue(
  sel: ResourceFieldSelector,
  pod: Pod,
  self: Container,
  allocatable: PodFieldContext['allocatable'],
): Result<string> {
  const c = sel.containerName
    ? [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].find(
        (x) => x.name === sel.containerName,
      )
    : self;
  if (!c) return { ok: false, message: `container ${String(sel.containerName)} not found` };
  const [kind, resource] = sel.resource.split('.', 2);
  if ((kind !== 'limits' && kind !== 'requests') || !resource)
    return { ok: false, message: `unsupported container resource : ${sel.resource}` };
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  let q: string | number | undefined;
  if (kind === 'limits') q = limits[resource] ?? allocatable[resource as 'cpu' | 'memory'];
  // kube defaults a missing request to the limit.
  else q = requests[resource] ?? limits[resource] ?? 0;
  if (q === undefined) return { ok: false, message: `unsupported container resource : ${sel.resource}` };
  try {
    const divisor: Rational = parseQuantity(sel.divisor ?? 1);
    return { ok: true, value: String(divideCeil(parseQuantity(q), divisor)) };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

function keyRefValue(e: EnvVar, ctx: EnvContext, namespace: string): Result<string | undefined> {
  const cm = e.valueFrom?.configMapKeyRef;
  if (cm) {
    const name = cm.name ?? '';
    const obj = ctx.configMaps.get(name);
    if (!obj)
      return cm.optional
        ? { ok: true, value: undefined }
        : { ok: false, message: `configmap "${name}" not found` };
    const v =
      obj.data?.[cm.key] ??
      (obj.binaryData?.[cm.key] !== undefined ? decodeSecret(obj.binaryData[cm.key]) : undefined);
    if (v === undefined)
      return cm.optional
        ? { ok: true, value: undefined }
        : { ok: false, message: `couldn't find key ${cm.key} in ConfigMap ${namespace}/${name}` };
    return { ok: true, value: v };
  }
  const sk = e.valueFrom?.secretKeyRef;
  if (sk) {
    const name = sk.name ?? '';
    const obj = ctx.secrets.get(name);
    if (!obj)
      return sk.optional
        ? { ok: true, value: undefined }
        : { ok: false, message: `secret "${name}" not found` };
    const v = obj.data?.[sk.key];
    if (v === undefined)
      return sk.optional
        ? { ok: true, value: undefined }
        : { ok: false, message: `couldn't find key ${sk.key} in Secret ${namespace}/${name}` };
    return { ok: true, value: decodeSecret(v) };
  }
  return { ok: true, value: undefined };
}

/** The container's environment, in kubelet's order, or the first error kubelet would report. */
export function resolveEnv(container: Container, ctx: EnvContext): Result<{ name: string; value: string }[]> {
  const namespace = ctx.pod.metadata.namespace ?? '';
  const vars = new Map<string, string>();
  for (const src of container.envFrom ?? []) {
    const prefix = src.prefix ?? '';
    let data: Record<string, string> | undefined;
    if (src.configMapRef) {
      const name = src.configMapRef.name ?? '';
      const cm = ctx.configMaps.get(name);
      if (!cm) {
        if (src.configMapRef.optional) continue;
        return { ok: false, message: `configmap "${name}" not found` };
      }
      data = cm.data ?? {};
    } else if (src.secretRef) {
      const name = src.secretRef.name ?? '';
      const s = ctx.secrets.get(name);
      if (!s) {
        if (src.secretRef.optional) continue;
        return { ok: false, message: `secret "${name}" not found` };
      }
      data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, decodeSecret(v)]));
    }
    for (const [k, v] of Object.entries(data ?? {})) {
      // Not representable as NAME=value; kubelet skips such keys (with an event).
      if (k.includes('=') || k === '') continue;
      vars.set(prefix + k, v);
    }
  }
  for (const e of container.env ?? []) {
    let value: string | undefined;
    if (e.valueFrom?.fieldRef) {
      const r = podFieldValue(e.valueFrom.fieldRef, ctx);
      if (!r.ok) return r;
      value = r.value;
    } else if (e.valueFrom?.resourceFieldRef) {
      const r = resourceFieldValue(e.valueFrom.resourceFieldRef, ctx.pod, container, ctx.allocatable);
      if (!r.ok) return r;
      value = r.value;
    } else if (e.valueFrom?.configMapKeyRef || e.valueFrom?.secretKeyRef) {
      const r = keyRefValue(e, ctx, namespace);
      if (!r.ok) return r;
      if (r.value === undefined) continue;
      value = r.value;
    } else {
      value = expand(e.value ?? '', (n) => vars.get(n));
    }
    vars.set(e.name, value);
  }
  return { ok: true, value: [...vars].map(([name, value]) => ({ name, value })) };
}
