import { KubeConfig } from '@kubernetes/client-node';
import { Command, InvalidArgumentError } from 'commander';
import { hostname } from 'node:os';
import { ControllerManager } from '../../controllers/manager.js';
import { createLogger } from '../logger.js';

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

function days(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of days');
  return n;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

/**
 * `edgefed controllers`: the federation controllers alone, against any Kubernetes API (the hub's,
 * or a host cluster with edgefed's CRDs). Leader-elected, so several may run for availability.
 */
export function registerControllersCommand(program: Command): void {
  program
    .command('controllers')
    .description(
      'Run the federation controllers against a Kubernetes API (leader-elected; run several for HA).',
    )
    .option(
      '--kubeconfig <file>',
      'kubeconfig of the API to reconcile (default: $KUBECONFIG or ~/.kube/config)',
    )
    .option('--identity <id>', 'leader election identity', `${hostname()}-${process.pid}`)
    .option('--lease-duration <seconds>', 'how long a leader lease is valid', seconds, 15)
    .option('--renew-deadline <seconds>', 'the leader steps down if it cannot renew within this', seconds, 10)
    .option('--retry-period <seconds>', 'time between lease attempts', seconds, 2)
    .option(
      '--failover-grace <seconds>',
      'how long a cluster may be not Ready before its scheduled replicas move',
      seconds,
      60,
    )
    .option(
      '--heartbeat-threshold <seconds>',
      'agent heartbeat age after which a cluster is NotReady (default 40)',
      seconds,
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    // In-cluster mode (hub/gateway/): the API in a host cluster, agents through the gateway.
    .option('--in-cluster', "use the pod's service account (instead of --kubeconfig)")
    .option('--no-install-crds', 'do not install the CRDs, kube-federation-system and default FTCs at start')
    .option('--gateway-port <port>', 'serve the agent gateway on this HTTPS port (0 picks a free one)', port)
    .option('--gateway-bind <addr>', 'address the gateway listens on', '0.0.0.0')
    .option('--data-dir <dir>', 'gateway PKI (pki/) and admin.kubeconfig', '.data/gateway')
    .option(
      '--advertise <names>',
      "names/IPs agents dial (gateway serving certificate; the first is the URL's)",
      '',
    )
    .option('--require-acceptance', 'clusters joining through the gateway wait for `edgefed clusters accept`')
    .option('--agent-cert-days <days>', 'lifetime of agent certificates the gateway signs', days, 365)
    .action(
      async (o: {
        kubeconfig?: string;
        identity: string;
        leaseDuration: number;
        renewDeadline: number;
        retryPeriod: number;
        failoverGrace: number;
        heartbeatThreshold?: number;
        logLevel: string;
        inCluster?: boolean;
        installCrds: boolean;
        gatewayPort?: number;
        gatewayBind: string;
        dataDir: string;
        advertise: string;
        requireAcceptance?: boolean;
        agentCertDays: number;
      }) => {
        const log = createLogger(o.logLevel, 'edgefed-controllers');
        const kc = new KubeConfig();
        if (o.inCluster) kc.loadFromCluster();
        else if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
        else kc.loadFromDefault();
        const { startInCluster } = await import('../../hub/gateway/in-cluster.js');
        const { gateway } = await startInCluster({
          kc,
          logger: log,
          installCrds: o.installCrds,
          gatewayPort: o.gatewayPort,
          gatewayBind: o.gatewayBind,
          dataDir: o.dataDir,
          advertise: o.advertise
            .split(',')
            .map((a) => a.trim())
            .filter(Boolean),
          requireAcceptance: o.requireAcceptance,
          agentCertDays: o.agentCertDays,
        });
        const manager = new ControllerManager({
          kc,
          log,
          identity: o.identity,
          leaseDurationSeconds: o.leaseDuration,
          renewDeadlineSeconds: o.renewDeadline,
          retryPeriodSeconds: o.retryPeriod,
          failoverGraceSeconds: o.failoverGrace,
          heartbeatThresholdSeconds: o.heartbeatThreshold,
        });
        manager.start();
        process.stdout.write(
          `edgefed controllers running as ${o.identity} against ${kc.getCurrentCluster()?.server ?? '?'}\n`,
        );
        if (gateway)
          process.stdout.write(
            `edgefed gateway is serving at ${gateway.url} (CA ${gateway.caHash})\n` +
              `  admin kubeconfig (/clusters/<name>/proxy): ${gateway.kubeconfigPath}\n`,
          );
        const stop = async () => {
          await manager.stop();
          await gateway?.close();
          process.exit(0);
        };
        process.once('SIGINT', () => void stop());
        process.once('SIGTERM', () => void stop());
      },
    );
}
