/**
 * `edgefed up` (what `npm start` runs): a hub and two demo edge sites in one process, joined the
 * way a real site joins (bootstrap token → CSR → agent), so everything the README walks through is
 * the real path. The sites are named cluster1/cluster2 so kubefed's own example applies unchanged.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isJoined } from '../../agent/data-dir.js';
import { startEdgeAgent, type RunningEdgeAgent } from '../../agent/edge/edge-agent.js';
import type { ContainerEngine } from '../../agent/edge/engine/engine.js';
import { validateJoinArgs } from '../../agent/join/args.js';
import { joinHub } from '../../agent/join/join.js';
import { KubeClient } from '../../client/client.js';
import { DEFAULT_DNS_PORT } from '../../dns/options.js';
import { startHub, type RunningHub } from '../../hub/hub.js';
import { createToken } from '../../hub/join/tokens.js';

export interface DemoSite {
  name: string;
  region: string;
  zone: string;
  /** Distinct loopback addresses, so the two sites' Services (and DNS answers) differ. */
  nodeIp: string;
}

export const DEMO_SITES: DemoSite[] = [
  { name: 'cluster1', region: 'eu', zone: 'eu-1', nodeIp: '127.0.0.11' },
  { name: 'cluster2', region: 'us', zone: 'us-1', nodeIp: '127.0.0.12' },
];

export interface UpOptions {
  dataDir: string;
  port: number;
  logger: Logger;
  /** One engine per site (they share the machine's engine; containers are told apart by node label). */
  engine: () => ContainerEngine;
  engineName: string;
  progress: (line: string) => void;
  sites?: DemoSite[];
  /** Extra hub options (tests: a free port, a short heartbeat threshold). */
  heartbeatThresholdSeconds?: number;
  crashBackoff?: { baseMs: number; maxMs: number };
  /** Multi-cluster DNS port (default 5353, best effort; 0 picks a free one). */
  dnsPort?: number;
}

export interface RunningDemo {
  hub: RunningHub;
  sites: { site: DemoSite; edge: RunningEdgeAgent }[];
  close(): Promise<void>;
}

async function clusterExists(client: KubeClient, name: string): Promise<boolean> {
  const c = await client.getIfExists(
    `/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters/${name}`,
  );
  return c !== undefined;
}

async function waitReady(client: KubeClient, names: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await client.listAll<{
      metadata: { name?: string };
      status?: { conditions?: { type: string; status: string }[] };
    }>('/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters');
    const ready = new Set(
      list.items
        .filter((c) => c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))
        .map((c) => String(c.metadata.name)),
    );
    if (names.every((n) => ready.has(n))) return;
    if (Date.now() > deadline)
      throw new Error(
        `clusters not Ready after ${timeoutMs / 1000}s: ${names.filter((n) => !ready.has(n)).join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function up(opts: UpOptions): Promise<RunningDemo> {
  const sites = opts.sites ?? DEMO_SITES;
  const total = sites.length + 2;
  let step = 0;
  const say = (line: string) => opts.progress(`[${++step}/${total}] ${line}`);

  const t0 = Date.now();
  const { PushSupervisor } = await import('../../push/supervisor.js');
  const hub = await startHub({
    pushAgents: (deps) => new PushSupervisor(deps),
    dataDir: join(opts.dataDir, 'hub'),
    port: opts.port,
    bind: '127.0.0.1',
    logger: opts.logger,
    heartbeatThresholdSeconds: opts.heartbeatThresholdSeconds,
    dns: {
      port: opts.dnsPort ?? DEFAULT_DNS_PORT,
      bind: '127.0.0.1',
      required: opts.dnsPort !== undefined,
      owner: 'edgefed',
    },
  });
  say(
    `hub serving at ${hub.url}${hub.dnsAddress ? `, DNS at ${hub.dnsAddress}` : ''} (${Date.now() - t0} ms)`,
  );
  const kc = new KubeConfig();
  kc.loadFromFile(hub.kubeconfigPath);
  const admin = new KubeClient(kc, { fieldManager: 'edgefed-up' });

  const running: RunningDemo['sites'] = [];
  const close = async () => {
    await Promise.allSettled(running.map((r) => r.edge.stop()));
    await hub.close();
  };
  try {
    for (const site of sites) {
      const t = Date.now();
      const dir = join(opts.dataDir, 'sites', site.name);
      // A site joined to an earlier hub whose state is gone starts over (new identity, empty site);
      // its old containers are orphans the node runtime removes.
      if (isJoined(dir) && !(await clusterExists(admin, site.name)))
        rmSync(dir, { recursive: true, force: true });
      if (!isJoined(dir)) {
        const labels = { region: site.region, zone: site.zone };
        const token = await createToken(admin, {
          ttlSeconds: 600,
          labels,
          description: 'edgefed up demo site',
        });
        await joinHub(
          validateJoinArgs({
            hub: hub.url,
            token: token.token,
            discoveryTokenCaCertHash: hub.pki.caHash,
            name: site.name,
            dataDir: dir,
            labels: `region=${site.region},zone=${site.zone}`,
            wait: '1m',
          }),
          { progress: () => undefined },
        );
      }
      const edge = await startEdgeAgent({
        dataDir: dir,
        engine: opts.engine(),
        nodeIp: site.nodeIp,
        logger: opts.logger,
        crashBackoff: opts.crashBackoff,
        heartbeatIntervalMs: 5_000,
      });
      running.push({ site, edge });
      say(
        `edge site ${site.name} (region ${site.region}, zone ${site.zone}, ${opts.engineName} engine) ` +
          `joined and running (${Date.now() - t} ms)`,
      );
    }
    await waitReady(
      admin,
      sites.map((s) => s.name),
      60_000,
    );
    say(`all ${sites.length} clusters Ready (${Date.now() - t0} ms in all)`);
  } catch (e) {
    await close();
    throw e;
  }
  return { hub, sites: running, close };
}
