import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { Logger } from 'pino';
import type { ApiServer } from '../apiserver/server/api-server.js';
import { SYSTEM_USER, newContext } from '../apiserver/rest/context.js';
import type { KubeObject } from '../apiserver/types.js';

/** Reads every CustomResourceDefinition in a directory of YAML files (multi-document allowed). */
export function readCrds(dir: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
    .sort()) {
    for (const doc of yaml.loadAll(readFileSync(join(dir, f), 'utf8'))) {
      const o = doc as KubeObject | null;
      if (o && o.kind === 'CustomResourceDefinition') out.push(o);
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
