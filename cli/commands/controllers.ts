import { KubeConfig } from '@kubernetes/client-node';
import { Command, InvalidArgumentError } from 'commander';
import { hostname } from 'node:os';
import { ControllerManager } from '../../controllers/manager.js';
import { createLogger } from '../../hub/logger.js';

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
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
      }) => {
        const log = createLogger(o.logLevel, 'edgefed-controllers');
        const kc = new KubeConfig();
        if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
        else kc.loadFromDefault();
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
        const stop = async () => {
          await manager.stop();
          process.exit(0);
        };
        process.once('SIGINT', () => void stop());
        process.once('SIGTERM', () => void stop());
      },
    );
}
