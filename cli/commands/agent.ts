/**
 * `edgefed agent join` and `edgefed agent run`: the member-cluster side. The agent dials out to the
 * hub (it works from behind NAT), applies its cluster's Works to the member, and keeps doing so from
 * its local cache when the hub is unreachable.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { startAgent } from '../../agent/agent.js';
import { isJoined } from '../../agent/data-dir.js';
import { parseDuration } from '../../agent/duration.js';
import { validateJoinArgs } from '../../agent/join/args.js';
import { joinHub } from '../../agent/join/join.js';
import { KubeClient } from '../../client/client.js';
import { createLogger } from '../logger.js';
import { startEdgeAgent } from '../../agent/edge/edge-agent.js';
import { engineEndpoint, openEngine } from '../../agent/edge/engine/select.js';

function duration(v: string): number {
  try {
    const ms = parseDuration(v);
    if (ms <= 0) throw new Error('must be positive');
    return ms;
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** A duration flag (`30s`, `5m`, `1h`) whose --help shows the default as written, not in ms. */
function durationOption(flags: string, description: string, dflt: string): Option {
  return new Option(flags, description).argParser(duration).default(parseDuration(dflt), dflt);
}

function loadMember(o: { kubeconfig?: string; inCluster?: boolean }): KubeConfig {
  const kc = new KubeConfig();
  if (o.inCluster) kc.loadFromCluster();
  else if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
  else throw new Error('give the member cluster with --kubeconfig <file> or --in-cluster');
  return kc;
}

async function memberVersion(kc: KubeConfig): Promise<string | undefined> {
  try {
    const v = await new KubeClient(kc, { timeoutMs: 10_000 }).get<{ gitVersion?: string }>('/version');
    return v.gitVersion;
  } catch {
    return undefined;
  }
}

export function registerAgentCommands(program: Command): void {
  const agent = program
    .command('agent')
    .description('The member-cluster agent: join a hub, then apply its Works to the member cluster.');

  agent
    .command('join')
    .description(
      'Register this member cluster with a hub (kubeadm-style token + CA hash) and store credentials.',
    )
    .requiredOption('--hub <url>', 'hub address, https://HOST:PORT')
    .requiredOption('--token <token>', 'bootstrap token, abcdef.0123456789abcdef')
    .requiredOption('--discovery-token-ca-cert-hash <hash>', 'sha256:<hex> of the hub CA certificate')
    .requiredOption('--name <cluster>', 'the name of this cluster on the hub')
    .requiredOption('--data-dir <dir>', 'where the agent keeps its credentials and cache')
    .option('--labels <k=v,...>', 'KubeFedCluster labels (what clusterSelector matches)')
    .option('--wait <duration>', 'how long to wait for the hub admin to accept the cluster', '10m')
    .option('--kubeconfig <file>', 'the member cluster, to report its Kubernetes version (optional)')
    .option('--force', 'join again even if the data directory already holds a joined agent')
    .action(
      async (o: {
        hub: string;
        token: string;
        discoveryTokenCaCertHash: string;
        name: string;
        dataDir: string;
        labels?: string;
        wait: string;
        kubeconfig?: string;
        force?: boolean;
      }) => {
        const args = validateJoinArgs({ ...o, dataDir: resolve(o.dataDir) });
        if (isJoined(args.dataDir) && !o.force)
          throw new Error(`${args.dataDir} already holds a joined agent; use --force to join again`);
        const kubernetesVersion =
          o.kubeconfig && existsSync(o.kubeconfig) ? await memberVersion(loadMember(o)) : undefined;
        const res = await joinHub(args, {
          progress: (line) => process.stdout.write(`${line}\n`),
          kubernetesVersion,
        });
        process.stdout.write(
          `\nThis cluster is registered as ${res.cluster} (hub namespace ${res.namespace}).\n` +
            `Start the agent:\n  edgefed agent run --data-dir ${args.dataDir} --kubeconfig <member kubeconfig>\n`,
        );
      },
    );

  agent
    .command('run')
    .description("Run the agent: apply this cluster's Works to the member, report status and heartbeats.")
    .requiredOption('--data-dir <dir>', 'the directory `agent join` wrote')
    .option('--kubeconfig <file>', 'kubeconfig of the member cluster (runtime kubernetes)')
    .option('--in-cluster', "use the pod's service account (the agent runs inside the member)")
    .option(
      '--runtime <runtime>',
      'kubernetes: apply into a member cluster; edge: run the workloads here, in containers (no Kubernetes)',
      'kubernetes',
    )
    .option(
      '--engine <endpoint>',
      'edge runtime: unix:///path/to/docker-or-podman.sock, or simulated (default: $DOCKER_HOST, then the podman and docker sockets)',
    )
    .option(
      '--node-ip <addr>',
      "edge runtime: this site's address for Services and DNS (default: first non-loopback IPv4)",
    )
    .option(
      '--site-port <port>',
      'edge runtime: port of the local site API on 127.0.0.1 (default: as last time, else free)',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535)
          throw new InvalidArgumentError('must be a port number');
        return n;
      },
    )
    .addOption(
      durationOption(
        '--crash-backoff <duration>',
        'edge runtime: first crash-loop back-off (doubles up to 5m, as kubelet)',
        '10s',
      ),
    )
    .addOption(
      durationOption(
        '--metrics-resolution <duration>',
        'edge runtime: scrape metrics.k8s.io usage this often',
        '15s',
      ),
    )
    .addOption(
      durationOption(
        '--inventory-interval <duration>',
        'report the cluster summary and node/pod inventory to the hub at most this often (on change)',
        '30s',
      ),
    )
    .addOption(durationOption('--resync <duration>', 're-apply every cached Work this often', '30s'))
    .addOption(durationOption('--status-interval <duration>', 'refresh member statuses this often', '5s'))
    .addOption(
      durationOption(
        '--heartbeat-interval <duration>',
        'renew the heartbeat Lease on the hub this often',
        '10s',
      ),
    )
    .option(
      '--workers <n>',
      'concurrent applies',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
        return n;
      },
      4,
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .action(
      async (o: {
        dataDir: string;
        kubeconfig?: string;
        inCluster?: boolean;
        resync: number;
        statusInterval: number;
        heartbeatInterval: number;
        workers: number;
        logLevel: string;
        runtime: string;
        engine?: string;
        nodeIp?: string;
        sitePort?: number;
        crashBackoff: number;
        metricsResolution: number;
        inventoryInterval: number;
      }) => {
        if (o.kubeconfig && o.inCluster)
          throw new Error('give either --kubeconfig or --in-cluster, not both');
        if (o.runtime !== 'kubernetes' && o.runtime !== 'edge')
          throw new Error(`--runtime ${o.runtime}: expected kubernetes or edge`);
        const logger = createLogger(o.logLevel, 'edgefed-agent');
        if (o.runtime === 'edge') {
          if (o.kubeconfig || o.inCluster)
            throw new Error('--runtime edge runs its own site API: drop --kubeconfig/--in-cluster');
          const endpoint = engineEndpoint(o.engine);
          const engine = openEngine(endpoint);
          const info = await engine.info();
          const edge = await startEdgeAgent({
            dataDir: resolve(o.dataDir),
            engine,
            nodeIp: o.nodeIp,
            sitePort: o.sitePort,
            crashBackoff: { baseMs: o.crashBackoff, maxMs: Math.max(o.crashBackoff, 300_000) },
            metricsResolutionMs: o.metricsResolution,
            resyncMs: o.resync,
            statusIntervalMs: o.statusInterval,
            heartbeatIntervalMs: o.heartbeatInterval,
            inventoryIntervalMs: o.inventoryInterval,
            workers: o.workers,
            logger,
          });
          process.stdout.write(
            `edgefed agent is running edge site ${edge.agent.config.cluster} (hub ${edge.agent.config.hub}) ` +
              `with ${info.name} ${info.version}\n` +
              `  site API: ${edge.site.url}\n` +
              `  kubectl --kubeconfig ${edge.site.kubeconfigPath} get pods -A\n`,
          );
          const stopEdge = (sig: string): void => {
            logger.info({ signal: sig }, 'shutting down (containers keep running)');
            void edge.stop().then(() => process.exit(0));
          };
          process.once('SIGINT', () => stopEdge('SIGINT'));
          process.once('SIGTERM', () => stopEdge('SIGTERM'));
          return;
        }
        const running = await startAgent({
          dataDir: resolve(o.dataDir),
          member: loadMember(o),
          resyncMs: o.resync,
          statusIntervalMs: o.statusInterval,
          heartbeatIntervalMs: o.heartbeatInterval,
          inventoryIntervalMs: o.inventoryInterval,
          workers: o.workers,
          logger,
        });
        process.stdout.write(
          `edgefed agent is running for cluster ${running.config.cluster} (hub ${running.config.hub})\n`,
        );
        const stop = (sig: string): void => {
          logger.info({ signal: sig }, 'shutting down');
          void running.stop().then(() => process.exit(0));
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      },
    );
}
