/**
 * What `edgefed controllers` adds for in-cluster mode before its controllers start: edgefed's API
 * installed into the host (hub/gateway/install.ts) and, with a gateway port, the agent gateway
 * (hub/gateway/gateway.ts). Kept here so the command itself only parses flags.
 */
import { join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KubeClient } from '../../client/client.js';
import { readManifests } from '../crd-loader.js';
import { packageRoot } from '../package-root.js';
import { startGateway, type RunningGateway } from './gateway.js';
import { installFederationApi } from './install.js';

export interface InClusterOptions {
  kc: KubeConfig;
  logger: Logger;
  /** Install the CRDs, kube-federation-system and the default FTCs into the host (default true). */
  installCrds?: boolean;
  crdDir?: string;
  /** undefined: no gateway. */
  gatewayPort?: number;
  gatewayBind?: string;
  dataDir?: string;
  advertise?: string[];
  requireAcceptance?: boolean;
  agentCertDays?: number;
}

export async function startInCluster(opts: InClusterOptions): Promise<{ gateway?: RunningGateway }> {
  if (opts.installCrds !== false) {
    const client = new KubeClient(opts.kc, { fieldManager: 'edgefed-controllers' });
    await installFederationApi(
      client,
      readManifests(opts.crdDir ?? join(packageRoot(), 'crds')),
      opts.logger.child({ component: 'install' }),
    );
  }
  if (opts.gatewayPort === undefined) return {};
  const gateway = await startGateway({
    hostKc: opts.kc,
    dataDir: resolve(opts.dataDir ?? '.data/gateway'),
    port: opts.gatewayPort,
    bind: opts.gatewayBind ?? '0.0.0.0',
    advertise: opts.advertise,
    logger: opts.logger,
    requireAcceptance: opts.requireAcceptance,
    agentCertDays: opts.agentCertDays,
  });
  return { gateway };
}
