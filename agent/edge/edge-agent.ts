/**
 * The agent with the "edge" runtime: an edge site (local API + controllers + node runtime) and the
 * ordinary agent applying this cluster's Works to it. Used by `edgefed agent run --runtime edge`,
 * `edgefed up` and bench:edge.
 */
import type { Logger } from 'pino';
import { startAgent, type AgentOptions, type RunningAgent } from '../agent.js';
import { readAgentConfig } from '../data-dir.js';
import type { ContainerEngine } from './engine/engine.js';
import { defaultNodeIp } from './node-ip.js';
import { startEdgeSite, type EdgeSite, type EdgeSiteOptions } from './site.js';

export interface EdgeAgentOptions extends Omit<AgentOptions, 'member' | 'logger'> {
  engine: ContainerEngine;
  nodeIp?: string;
  logger: Logger;
  sitePort?: number;
  crashBackoff?: EdgeSiteOptions['crashBackoff'];
  syncIntervalMs?: number;
  metricsResolutionMs?: number;
}

export interface RunningEdgeAgent {
  agent: RunningAgent;
  site: EdgeSite;
  stop(): Promise<void>;
}

export async function startEdgeAgent(opts: EdgeAgentOptions): Promise<RunningEdgeAgent> {
  const config = readAgentConfig(opts.dataDir);
  const site = await startEdgeSite({
    dataDir: opts.dataDir,
    engine: opts.engine,
    nodeName: config.cluster,
    nodeIp: opts.nodeIp ?? defaultNodeIp(),
    logger: opts.logger,
    port: opts.sitePort,
    crashBackoff: opts.crashBackoff,
    syncIntervalMs: opts.syncIntervalMs,
    metricsResolutionMs: opts.metricsResolutionMs,
  });
  let agent: RunningAgent;
  try {
    agent = await startAgent({ ...opts, member: site.kubeConfig, logger: opts.logger });
  } catch (e) {
    await site.stop();
    throw e;
  }
  let stopped: Promise<void> | undefined;
  return {
    agent,
    site,
    stop() {
      stopped ??= (async () => {
        await agent.stop();
        await site.stop();
        await opts.engine.close();
      })();
      return stopped;
    },
  };
}
