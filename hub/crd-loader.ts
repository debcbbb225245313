import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { Logger } from 'pino';
import type { ApiServer } from '../apiserver/server/api-server.js';
import { SYSTEM_USER, newContext } from '../apiserver/rest/context.js';
import type { KubeObject } from '../api/kubernetes.js';

/** Reads every manifest in a directory of YAML files (multi-document allowed). */
export function readManifests(dir: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
    .sort()) {
    for (const doc of yaml.loadAll(readFileSync(join(dir, f), 'utf8'))) {
      const o = doc as KubeObject | null;
      if (o && typeof o === 'object' && o.kind) out.push(o);
    }
  }
  return out;
}

/** Creates or updates each CRD so the served API matches the files shipped with this build. */
export async function installCrds(api: ApiServer, crds: KubeObject[], log: Logger): Promise<void> {
  const resolved = api.registry.resolve('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  if (!resolved) throw new Error('CustomResourceDefinitions are not served');
  const { info, version } = resolved;
  const opts = { dryRun: false, fieldManager: 'edgefed-hub', fieldValidation: 'Strict' as const };
  for (const crd of crds) {
    const name = String(crd.metadata.name);
    const ctx = newContext(SYSTEM_USER);
    const existing = await api.storage.get(info, version, undefined, name).catch(() => undefined);
    if (!existing) {
      await api.storage.create(ctx, info, version, undefined, crd, opts);
      log.info({ crd: name }, 'installed CRD');
    } else {
      const next = {
        ...crd,
        metadata: {
          ...existing.metadata,
          labels: crd.metadata.labels,
          annotations: crd.metadata.annotations,
        },
      };
      await api.storage.update(ctx, info, version, undefined, name, next, opts);
    }
  }
}

/**
 * Creates the default objects shipped beside the CRDs (the FederatedTypeConfigs kubefed's chart
 * installed) once, on the hub's first start: afterwards they are the user's to change or delete.
 */
export async function installDefaults(api: ApiServer, objects: KubeObject[], log: Logger): Promise<void> {
  const cms = api.registry.resolve('', 'v1', 'configmaps');
  if (!cms) return;
  const marker = { ns: 'kube-federation-system', name: 'edgefed-defaults' };
  const done = await api.storage.get(cms.info, cms.version, marker.ns, marker.name).catch(() => undefined);
  if (done) return;
  const opts = { dryRun: false, fieldManager: 'edgefed-hub', fieldValidation: 'Strict' as const };
  for (const obj of objects) {
    const [group, version] = String(obj.apiVersion).includes('/')
      ? String(obj.apiVersion).split('/')
      : ['', String(obj.apiVersion)];
    const r = api.registry
      .all()
      .find((i) => i.group === group && i.kind === obj.kind && i.versions.some((v) => v.name === version));
    const v = r?.versions.find((x) => x.name === version);
    if (!r || !v) {
      log.warn({ kind: obj.kind, apiVersion: obj.apiVersion }, 'default object of an unserved kind skipped');
      continue;
    }
    await api.storage
      .create(newContext(SYSTEM_USER), r, v, obj.metadata.namespace, obj, opts)
      .then(() => log.info({ kind: obj.kind, name: obj.metadata.name }, 'installed default'))
      .catch((e: unknown) => {
        if ((e as { code?: number }).code !== 409) throw e;
      });
  }
  await api.storage.create(
    newContext(SYSTEM_USER),
    cms.info,
    cms.version,
    marker.ns,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: marker.name, namespace: marker.ns },
      data: { installed: new Date().toISOString() },
    },
    opts,
  );
}
