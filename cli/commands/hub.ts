/**
 * `edgefed hub` (the federation hub) and `edgefed apiserver` (a bare Kubernetes-compatible API
 * server, a member stand-in like envtest). Loaded only when one of them runs: the hub pulls in the
 * API server, controllers, DNS and, with --store etcd, gRPC.
 */
import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { parseDuration } from '../../agent/duration.js';
import { startHub } from '../../hub/hub.js';
import { addDnsOptions, dnsConfigFromCli } from '../../dns/options.js';
import { createLogger } from '../logger.js';
import { addStoreOptions, etcdFromCli, type StoreCliOptions } from './store-options.js';
import { addReplicaOptions, replicaFromCli, type ReplicaCliOptions } from './replica-options.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

/** kube-apiserver's --event-ttl: a duration (1h, 30s); 0 keeps events forever. */
function eventTtl(v: string): number {
  try {
    return parseDuration(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

export function registerHubCommands(program: Command): void {
  program
    .command('hub')
    .description('Run the hub: a Kubernetes-compatible API on SQLite, with the federation CRDs loaded.')
    .option('--data-dir <dir>', 'where the database, PKI and admin.kubeconfig live', '.data/hub')
    .option('--port <port>', 'HTTPS port (0 picks a free one)', port, 6443)
    .option('--bind <addr>', 'address to listen on', '127.0.0.1')
    .option('--advertise <names>', 'extra DNS names or IPs for the serving certificate (comma-separated)', '')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .option(
      '--no-controllers',
      'serve the API only: no federation controllers and no push-mode agents in this process',
    )
    .option(
      '--heartbeat-threshold <seconds>',
      'agent heartbeat age after which a cluster is NotReady (default 40)',
      positive,
    )
    .option(
      '--require-acceptance',
      'clusters joining need `edgefed clusters accept <name>` before they get a certificate',
    )
    .option(
      '--agent-cert-days <days>',
      'lifetime of agent client certificates (agents renew at about 75%)',
      positive,
      365,
    )
    .option(
      '--failover-grace <seconds>',
      'how long a cluster may be not Ready before its scheduled replicas move',
      positive,
      60,
    )
    .option('--compact-interval <seconds>', 'how often superseded history is compacted', positive, 60)
    .option('--compact-keep <revisions>', 'recent revisions kept watchable after compaction', positive, 10000)
    .option(
      '--event-ttl <duration>',
      'how long an Event is kept after its last write (0: forever)',
      eventTtl,
      3_600_000,
    )
    .addHelpText(
      'after',
      '\nFirst start creates <data-dir>/pki (CA, serving and admin certificates) and <data-dir>/admin.kubeconfig.\n' +
        'Then: kubectl --kubeconfig <data-dir>/admin.kubeconfig get namespaces',
    )
    .action(
      async (
        o: {
          dataDir: string;
          port: number;
          bind: string;
          advertise: string;
          logLevel: string;
          compactInterval: number;
          compactKeep: number;
          controllers: boolean;
          heartbeatThreshold?: number;
          requireAcceptance?: boolean;
          agentCertDays: number;
          failoverGrace: number;
          eventTtl: number;
        } & StoreCliOptions &
          ReplicaCliOptions,
      ) => {
        const logger = createLogger(o.logLevel);
        const { PushSupervisor } = await import('../../push/supervisor.js');
        const hub = await startHub({
          // An API-only hub writes nothing by itself: push agents run where the controllers do.
          pushAgents: o.controllers ? (deps) => new PushSupervisor(deps) : undefined,
          dataDir: resolve(o.dataDir),
          port: o.port,
          bind: o.bind,
          advertise: o.advertise
            ? o.advertise
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean)
            : [],
          logger,
          compaction: { intervalMs: o.compactInterval * 1000, keepRevisions: o.compactKeep },
          eventTtlMs: o.eventTtl,
          controllers: o.controllers,
          heartbeatThresholdSeconds: o.heartbeatThreshold,
          requireAcceptance: o.requireAcceptance ?? false,
          agentCertDays: o.agentCertDays,
          failoverGraceSeconds: o.failoverGrace,
          dns: dnsConfigFromCli(o),
          etcd: etcdFromCli(o),
          ...replicaFromCli(o),
        });
        process.stdout.write(
          `edgefed hub is serving at ${hub.url}\n` +
            `  export KUBECONFIG=${hub.kubeconfigPath}\n` +
            `  kubectl get namespaces\n`,
        );
        if (hub.dnsAddress)
          process.stdout.write(`edgefed DNS is serving at ${hub.dnsAddress} (UDP and TCP)\n`);
        const stop = async (sig: string) => {
          logger.info({ signal: sig }, 'shutting down');
          await hub.close();
          process.exit(0);
        };
        process.once('SIGINT', () => void stop('SIGINT'));
        process.once('SIGTERM', () => void stop('SIGTERM'));
      },
    );

  program
    .command('apiserver')
    .description(
      'Run a bare Kubernetes-compatible API server (no federation): a member-cluster stand-in, like envtest.',
    )
    .option('--data-dir <dir>', 'where the database, PKI and admin.kubeconfig live', '.data/apiserver')
    .option('--port <port>', 'HTTPS port (0 picks a free one)', port, 6444)
    .option('--bind <addr>', 'address to listen on', '127.0.0.1')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .option(
      '--event-ttl <duration>',
      'how long an Event is kept after its last write (0: forever)',
      eventTtl,
      3_600_000,
    )
    .action(
      async (o: { dataDir: string; port: number; bind: string; logLevel: string; eventTtl: number }) => {
        const logger = createLogger(o.logLevel, 'edgefed-apiserver');
        const { startApiServer } = await import('../../apiserver/boot.js');
        const server = await startApiServer({
          dataDir: resolve(o.dataDir),
          port: o.port,
          bind: o.bind,
          logger,
          eventTtlMs: o.eventTtl,
          accessControl: true,
        });
        process.stdout.write(
          `edgefed apiserver is serving at ${server.url}\n  export KUBECONFIG=${server.kubeconfigPath}\n`,
        );
        const stop = () => void server.close().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      },
    );
  const hub = program.commands.find((c) => c.name() === 'hub') ?? program;
  // After the hub's own options, so `edgefed hub --help` lists them last.
  addDnsOptions(hub);
  addStoreOptions(hub);
  addReplicaOptions(hub);
}
