/**
 * An in-process Kubernetes-compatible API server for unit tests of reconcilers: apiserver/boot.ts
 * (SQLite in a temp dir, TLS, admin kubeconfig), optionally serving CRDs from crds/. Runs in the
 * test's own process, so tests must not block the event loop (no spawnSync of kubectl against it).
 */
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startApiServer, type RunningApiServer } from '../../apiserver/boot.js';
import { installCrds, readManifests } from '../../hub/crd-loader.js';
import { KubeClient } from '../../client/client.js';
import { ROOT, cleanup, tempDir } from './hub.js';

export interface InProcessApi {
  server: RunningApiServer;
  dir: string;
  kubeconfigPath: string;
  kc: KubeConfig;
  /** Admin client (field manager "test"). */
  client: KubeClient;
  close(): Promise<void>;
}

/**
 * Starts one. `crds`: CRD names (metadata.name, e.g. "works.edgefed.io") from the repo's crds/ to
 * install before it listens; `namespaces`: created besides kube's defaults.
 */
export async function startInProcessApi(
  opts: { crds?: string[]; namespaces?: string[]; prefix?: string } = {},
): Promise<InProcessApi> {
  const dir = tempDir(opts.prefix ?? 'edgefed-unit-api-');
  const logger = pino({ level: 'silent' });
  const wanted = new Set(opts.crds ?? []);
  const crds = wanted.size
    ? readManifests(join(ROOT, 'crds')).filter(
        (o) => o.kind === 'CustomResourceDefinition' && wanted.has(String(o.metadata.name)),
      )
    : [];
  if (crds.length !== wanted.size) throw new Error(`CRDs not found in crds/: ${[...wanted].join(', ')}`);
  const server = await startApiServer({
    dataDir: join(dir, 'api'),
    port: 0,
    bind: '127.0.0.1',
    logger,
    namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease', ...(opts.namespaces ?? [])],
    install: crds.length ? (api) => installCrds(api, crds, logger) : undefined,
  });
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  return {
    server,
    dir,
    kubeconfigPath: server.kubeconfigPath,
    kc,
    client: new KubeClient(kc, { fieldManager: 'test', timeoutMs: 10_000 }),
    async close() {
      await server.close();
      cleanup(dir);
    },
  };
}

/** A KubeConfig for the same user as `kc` but pointed at `server` (e.g. a closed port: unreachable). */
export function kubeConfigAt(kc: KubeConfig, server: string): KubeConfig {
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: kc.clusters.map((c) => ({ ...c, server })),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return out;
}
