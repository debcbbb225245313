/**
 * In-cluster mode's counterpart of hub/crd-loader.ts: installs edgefed's API (the CRDs shipped in
 * crds/, kube-federation-system, the default FederatedTypeConfigs) into a host cluster through the
 * Kubernetes API, since the host is not our in-process ApiServer.
 *
 * - A CRD is created when missing and updated only when the shipped one is not already contained
 *   in it (the server adds defaults, so "contained" rather than "equal"): restarts and several
 *   controller replicas write nothing, and a hub serving the same build is not touched.
 * - The defaults go in once (marker ConfigMap kube-federation-system/edgefed-defaults, as the hub
 *   does): afterwards they are the user's.
 * - Where the host forbids a write, what exists is used with a warning; a missing CRD that cannot be
 *   created is an error. An identity that may not even read CRDs (the helm chart's, which installs
 *   the CRDs itself and grants no CRD rights) skips the CRD step with a warning.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/kubernetes.js';
import type { KubeClient } from '../../client/client.js';
import { ApiError, isAlreadyExists } from '../../client/errors.js';
import { HUB_NAMESPACE } from '../../api/federation.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const DEFAULTS_MARKER = 'edgefed-defaults';

type RuntimeLog = Pick<Logger, 'info' | 'warn' | 'debug'>;

interface CrdNames {
  group: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  versions: string[];
}

interface Crd extends KubeObject {
  spec: {
    group: string;
    scope: string;
    names: { plural: string; kind: string };
    versions: { name: string }[];
  };
  status?: { conditions?: { type: string; status: string }[] };
}

function isForbidden(e: unknown): boolean {
  return e instanceof ApiError && e.code === 403;
}

/** Whether every field of `want` is in `have` with the same value (arrays compared element-wise). */
export function contains(have: unknown, want: unknown): boolean {
  if (want === null || typeof want !== 'object') return have === want;
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return false;
    return want.every((w, i) => contains(have[i], w));
  }
  if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
  const h = have as Record<string, unknown>;
  return Object.entries(want as Record<string, unknown>).every(([k, v]) =>
    v === undefined ? true : contains(h[k], v),
  );
}

/** Creates the namespace unless it exists. */
export async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  if (await client.getIfExists(`/api/v1/namespaces/${encodeURIComponent(name)}`)) return;
  try {
    await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

function crdNames(crd: KubeObject): CrdNames {
  const c = crd as Crd;
  return {
    group: c.spec.group,
    plural: c.spec.names.plural,
    kind: c.spec.names.kind,
    namespaced: c.spec.scope === 'Namespaced',
    versions: c.spec.versions.map((v) => v.name),
  };
}

/** Creates or updates each CRD; answers once every one is Established (or timeoutMs passed). */
export async function installCrdsVia(
  client: KubeClient,
  crds: KubeObject[],
  log: RuntimeLog,
  timeoutMs = 60_000,
): Promise<void> {
  const missing: string[] = [];
  for (const crd of crds) {
    const name = String(crd.metadata.name);
    const path = `${CRDS}/${encodeURIComponent(name)}`;
    for (let attempt = 1; ; attempt++) {
      let existing: Crd | undefined;
      try {
        existing = await client.getIfExists<Crd>(path);
      } catch (e) {
        if (!isForbidden(e)) throw e;
        // E.g. the helm chart: it installs the CRDs and grants the controllers no CRD rights.
        log.warn({}, 'may not read CustomResourceDefinitions on the host: assuming crds/ is installed there');
        return;
      }
      try {
        if (!existing) {
          await client.create(CRDS, crd);
          log.info({ crd: name }, 'installed CRD');
        } else if (
          !contains(existing.spec, crd.spec) ||
          !contains(existing.metadata.labels ?? {}, crd.metadata.labels ?? {}) ||
          !contains(existing.metadata.annotations ?? {}, crd.metadata.annotations ?? {})
        ) {
          await client.update(path, {
            ...crd,
            metadata: {
              ...existing.metadata,
              labels: { ...existing.metadata.labels, ...crd.metadata.labels },
              annotations: { ...existing.metadata.annotations, ...crd.metadata.annotations },
            },
          });
          log.info({ crd: name }, 'updated CRD');
        }
        break;
      } catch (e) {
        if (isForbidden(e)) {
          if (!existing) missing.push(name);
          else log.warn({ crd: name }, 'not allowed to update this CRD on the host; using it as it is');
          break;
        }
        // Another replica wrote it meanwhile: look again.
        if (e instanceof ApiError && e.code === 409 && attempt < 5) continue;
        throw e;
      }
    }
  }
  if (missing.length)
    throw new Error(
      `the host API has no CRD ${missing.join(', ')} and this identity may not create it: apply crds/ ` +
        'to the host cluster (kubectl apply -f crds/) or grant create on customresourcedefinitions',
    );
  // A real API server serves a new CRD's resources a moment after it is created.
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    const name = String(crd.metadata.name);
    for (;;) {
      const c = await client.getIfExists<Crd>(`${CRDS}/${encodeURIComponent(name)}`);
      if (c?.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) break;
      if (Date.now() > deadline)
        throw new Error(`CRD ${name} is not Established after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Creates the default objects (FederatedTypeConfigs) once; the marker ConfigMap records that it happened. */
export async function installDefaultsVia(
  client: KubeClient,
  objects: KubeObject[],
  crds: KubeObject[],
  log: RuntimeLog,
): Promise<void> {
  const markerPath = `/api/v1/namespaces/${HUB_NAMESPACE}/configmaps/${DEFAULTS_MARKER}`;
  try {
    if (await client.getIfExists(markerPath)) return;
  } catch (e) {
    if (!isForbidden(e)) throw e;
    log.warn({}, 'not allowed to read the defaults marker ConfigMap; default objects not installed');
    return;
  }
  const served = crds.map(crdNames);
  for (const obj of objects) {
    const [group, version] = String(obj.apiVersion).includes('/')
      ? String(obj.apiVersion).split('/')
      : ['', String(obj.apiVersion)];
    const r = served.find((s) => s.group === group && s.kind === obj.kind && s.versions.includes(version));
    if (!r) {
      log.warn({ kind: obj.kind, apiVersion: obj.apiVersion }, 'default object of an unserved kind skipped');
      continue;
    }
    const ns = r.namespaced ? (obj.metadata.namespace ?? HUB_NAMESPACE) : undefined;
    const path =
      `/apis/${group}/${version}` + (ns ? `/namespaces/${encodeURIComponent(ns)}` : '') + `/${r.plural}`;
    try {
      await client.create(path, obj);
      log.info({ kind: obj.kind, name: obj.metadata.name }, 'installed default');
    } catch (e) {
      if (isAlreadyExists(e)) continue;
      if (isForbidden(e)) {
        log.warn({ kind: obj.kind, name: obj.metadata.name }, 'not allowed to create this default; skipped');
        continue;
      }
      throw e;
    }
  }
  try {
    await client.create(`/api/v1/namespaces/${HUB_NAMESPACE}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: DEFAULTS_MARKER, namespace: HUB_NAMESPACE },
      data: { installed: new Date().toISOString() },
    });
  } catch (e) {
    if (!isAlreadyExists(e) && !isForbidden(e)) throw e;
  }
}

/**
 * Everything the controllers and the gateway need on the host: kube-federation-system, the CRDs
 * (Established) and, once, the default FederatedTypeConfigs.
 */
export async function installFederationApi(
  client: KubeClient,
  manifests: KubeObject[],
  log: RuntimeLog,
): Promise<void> {
  try {
    await ensureNamespace(client, HUB_NAMESPACE);
  } catch (e) {
    if (!isForbidden(e)) throw e;
    if (!(await client.getIfExists(`/api/v1/namespaces/${HUB_NAMESPACE}`).catch(() => undefined)))
      throw new Error(`namespace ${HUB_NAMESPACE} does not exist and this identity may not create it`);
  }
  const crds = manifests.filter((m) => m.kind === 'CustomResourceDefinition');
  await installCrdsVia(client, crds, log);
  await installDefaultsVia(
    client,
    manifests.filter((m) => m.kind !== 'CustomResourceDefinition'),
    crds,
    log,
  );
}
