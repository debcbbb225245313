/**
 * `edgefed join <name> --kubeconfig MEMBER`: push mode, as `kubefedctl join`. For a member cluster
 * the hub can reach: no agent is installed on the member; the hub runs the agent for it in-process
 * (push/supervisor.ts). This command only checks the member answers, creates a short-lived
 * bootstrap token and hands both to the hub in the Secret kube-federation-system/edgefed-push-<name>.
 *
 * `edgefed unjoin <name>` removes a push-mode cluster like any other: the hub's supervisor then stops
 * its agent and deletes the Secret.
 */
import { Command, InvalidArgumentError } from 'commander';
import { existsSync } from 'node:fs';
import { MAX_CLUSTER_NAME, parseLabels } from '../../agent/join/args.js';
import { parseDuration } from '../../agent/duration.js';
import type { KubeFedCluster } from '../../api/federation.js';
import { HUB_NAMESPACE, isClusterReady } from '../../api/federation.js';
import { KUBEFEDCLUSTERS_PATH } from '../../hub/join/known-clusters.js';
import {
  DATA,
  PUSH_LABEL,
  PUSH_SECRETS_PATH,
  PUSH_SECRET_TYPE,
  PUSH_STATUS_ANNOTATION,
  b64,
  pushSecretName,
  pushSecretPath,
  type PushSecret,
} from '../../push/secret.js';
import { cliError, connect } from './token.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The bootstrap token only has to outlive the hub picking the Secret up. */
const TOKEN_TTL_SECONDS = 60 * 60;

interface JoinFlags {
  kubeconfig: string;
  context?: string;
  hubKubeconfig?: string;
  hubContext?: string;
  labels?: string;
  wait?: number;
}

function duration(v: string): number {
  try {
    const ms = parseDuration(v);
    if (ms <= 0) throw new Error('must be positive');
    return ms;
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

async function push(name: string, o: JoinFlags): Promise<void> {
  if (!DNS_LABEL.test(name) || name.length > MAX_CLUSTER_NAME)
    throw new Error(
      `cluster name "${name}" must be lower-case letters, digits and '-', start and end alphanumeric, at most ${MAX_CLUSTER_NAME} characters`,
    );
  const labels = parseLabels(o.labels);
  const out = (s: string): boolean => process.stdout.write(s + '\n');

  // 1. The member: self-contained kubeconfig, and proof that it answers.
  if (!existsSync(o.kubeconfig)) throw new Error(`member kubeconfig ${o.kubeconfig} does not exist`);
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { KubeClient } = await import('../../client/client.js');
  const { selfContainedKubeconfig } = await import('../../push/secret.js');
  const src = new KubeConfig();
  try {
    src.loadFromFile(o.kubeconfig);
  } catch (e) {
    throw new Error(`cannot load member kubeconfig ${o.kubeconfig}: ${(e as Error).message}`);
  }
  if (o.context) {
    if (!src.getContextObject(o.context))
      throw new Error(`context "${o.context}" not found in ${o.kubeconfig}`);
    src.setCurrentContext(o.context);
  }
  const memberText = selfContainedKubeconfig(src);
  const member = new KubeConfig();
  member.loadFromString(memberText);
  const memberServer = String(member.getCurrentCluster()?.server);
  let version: string | undefined;
  try {
    version = (await new KubeClient(member, { timeoutMs: 10_000 }).get<{ gitVersion?: string }>('/version'))
      .gitVersion;
  } catch (e) {
    throw new Error(
      `cannot reach the member cluster at ${memberServer}: ${(e as Error).message}\n` +
        'push mode needs a member the hub can reach; for a member behind NAT use `edgefed agent join` on the member instead',
    );
  }
  out(`Member cluster at ${memberServer} answers (Kubernetes ${version ?? 'version unknown'}).`);

  // 2. The hub: refuse names in use, then token + Secret.
  const hub = await connect({ kubeconfig: o.hubKubeconfig, context: o.hubContext });
  try {
    const kfc = await hub.client.getIfExists<KubeFedCluster>(`${KUBEFEDCLUSTERS_PATH}/${name}`);
    if (kfc)
      throw new Error(
        `cluster "${name}" is already joined to the hub; unjoin it first: edgefed unjoin ${name}`,
      );
    const existing = await hub.client.getIfExists<PushSecret>(pushSecretPath(name));
    if (existing)
      throw new Error(
        `a push join of "${name}" is already pending (Secret ${HUB_NAMESPACE}/${pushSecretName(name)}` +
          `${existing.metadata.annotations?.[PUSH_STATUS_ANNOTATION] ? `, status: ${existing.metadata.annotations[PUSH_STATUS_ANNOTATION]}` : ''}); ` +
          `to start over: kubectl -n ${HUB_NAMESPACE} delete secret ${pushSecretName(name)}`,
      );
    const { createToken, deleteToken } = await import('../../hub/join/tokens.js');
    const token = await createToken(hub.client, {
      ttlSeconds: TOKEN_TTL_SECONDS,
      description: `edgefed join ${name} (push mode)`,
    });
    const secret: PushSecret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: PUSH_SECRET_TYPE,
      metadata: { name: pushSecretName(name), namespace: HUB_NAMESPACE, labels: { [PUSH_LABEL]: name } },
      data: {
        [DATA.kubeconfig]: b64(memberText),
        [DATA.token]: b64(token.token),
        [DATA.labels]: b64(JSON.stringify(labels)),
      },
    };
    try {
      await hub.client.create(PUSH_SECRETS_PATH, secret);
    } catch (e) {
      await deleteToken(hub.client, token.id).catch(() => undefined);
      throw e;
    }
    out(
      `Secret ${HUB_NAMESPACE}/${pushSecretName(name)} created (member kubeconfig and a 1 h bootstrap token).`,
    );

    if (o.wait === undefined) {
      out(
        `\nThe hub now joins "${name}" and runs its agent in-process (push mode):\n` +
          `  edgefed clusters                    # ${name} turns Ready with its first heartbeat\n` +
          `  kubectl -n ${HUB_NAMESPACE} get secret ${pushSecretName(name)} -o jsonpath='{.metadata.annotations.edgefed\\.io/push-status}'\n` +
          `  edgefed kubeconfig ${name}           # the member's API through the hub\n` +
          `To remove it: edgefed unjoin ${name} (the hub stops its agent and deletes the Secret).`,
      );
      return;
    }
    const deadline = Date.now() + o.wait;
    let status = '';
    while (Date.now() < deadline) {
      const kfc = await hub.client.getIfExists<KubeFedCluster>(`${KUBEFEDCLUSTERS_PATH}/${name}`);
      if (kfc && isClusterReady(kfc)) {
        out(`cluster "${name}" is Ready`);
        return;
      }
      const s = await hub.client.getIfExists<PushSecret>(pushSecretPath(name));
      status = s?.metadata.annotations?.[PUSH_STATUS_ANNOTATION] ?? '';
      if (status.startsWith('Error:'))
        throw new Error(`the hub could not join "${name}": ${status.slice(7)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(
      `cluster "${name}" is not Ready after ${Math.round(o.wait / 1000)} s (push status: ${status || 'not picked up yet; is the hub running?'})`,
    );
  } catch (e) {
    throw cliError(e, hub.server);
  }
}

export function registerPushJoinCommand(program: Command): void {
  program
    .command('join')
    .description(
      'Join a member cluster the hub can reach (push mode, as kubefedctl join): the hub runs its agent in-process.',
    )
    .argument('<name>', 'the cluster name on the hub')
    .requiredOption('--kubeconfig <file>', "the member cluster's kubeconfig")
    .option('--context <name>', 'context of the member kubeconfig (default: its current context)')
    .option(
      '--hub-kubeconfig <file>',
      'admin kubeconfig for the hub (default: $KUBECONFIG, else ~/.kube/config)',
    )
    .option('--hub-context <name>', 'context of the hub kubeconfig')
    .option('--labels <k=v,...>', 'KubeFedCluster labels (what clusterSelector matches)')
    .option('--wait <duration>', 'wait until the cluster is Ready (e.g. 60s)', duration)
    .addHelpText(
      'after',
      '\nThe member kubeconfig is copied, self-contained, into the Secret kube-federation-system/edgefed-push-<name>\n' +
        '(exec and auth-provider users are refused: the hub would have to run them). Remove with: edgefed unjoin <name>',
    )
    .action(async (name: string, o: JoinFlags) => push(name, o));
}
