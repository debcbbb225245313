/**
 * `edgefed hub` options for running several replicas on one etcd: the shared PKI directory, the
 * replica's identity and URL, and the controller leader election timing (named as
 * kube-controller-manager names them).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import type { HubOptions } from '../../hub/hub.js';
import { parseAdvertiseUrl } from '../../hub/replicas/index.js';
import { sanitizeReplicaId } from '../../hub/replicas/registry.js';

export interface ReplicaCliOptions {
  pkiDir?: string;
  replicaId?: string;
  advertiseUrl?: string;
  leaderElectLeaseDuration: number;
  leaderElectRenewDeadline: number;
  leaderElectRetryPeriod: number;
}

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

function replicaId(v: string): string {
  try {
    const id = sanitizeReplicaId(v);
    if (id !== v) throw new Error(`use lower-case letters, digits, '-' and '.' (e.g. ${id})`);
    return id;
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function advertiseUrl(v: string): string {
  try {
    return parseAdvertiseUrl(v).origin;
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

export function addReplicaOptions(cmd: Command): Command {
  return cmd
    .option(
      '--pki-dir <dir>',
      'CA, serving and admin certificates (default <data-dir>/pki); give every replica the same directory: ' +
        'the first creates it, the others use it as is',
    )
    .option(
      '--replica-id <id>',
      'this replica among several on one etcd (Lease kube-federation-system/edgefed-hub-<id>; default <hostname>-<port>)',
      replicaId,
    )
    .option(
      '--advertise-url <url>',
      'where the other replicas reach this one (default https://<bind>:<port>)',
      advertiseUrl,
    )
    .option('--leader-elect-lease-duration <seconds>', 'controller leader Lease validity', seconds, 15)
    .option(
      '--leader-elect-renew-deadline <seconds>',
      'the controller leader steps down if it cannot renew within this',
      seconds,
      10,
    )
    .option('--leader-elect-retry-period <seconds>', 'time between controller Lease attempts', seconds, 2)
    .addHelpText(
      'after',
      '\nSeveral replicas: run each with --store etcd --etcd-endpoints <same> --pki-dir <same shared dir>\n' +
        '--advertise <load balancer name>,<every replica address> and put an L4 (TCP) load balancer in front;\n' +
        'agents and users use the load balancer address.',
    );
}

/** The HubOptions these flags set. */
export function replicaFromCli(
  o: ReplicaCliOptions,
): Pick<HubOptions, 'pkiDir' | 'replica' | 'leaderElection'> {
  if (o.leaderElectRenewDeadline >= o.leaderElectLeaseDuration)
    throw new Error('--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration');
  if (o.leaderElectRetryPeriod >= o.leaderElectRenewDeadline)
    throw new Error('--leader-elect-retry-period must be shorter than --leader-elect-renew-deadline');
  return {
    pkiDir: o.pkiDir ? resolve(o.pkiDir) : undefined,
    replica: { id: o.replicaId, advertiseUrl: o.advertiseUrl },
    leaderElection: {
      leaseDurationSeconds: o.leaderElectLeaseDuration,
      renewDeadlineSeconds: o.leaderElectRenewDeadline,
      retryPeriodSeconds: o.leaderElectRetryPeriod,
    },
  };
}
