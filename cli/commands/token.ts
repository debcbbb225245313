/**
 * `edgefed token create|list|delete`: bootstrap tokens for joining clusters (kubeadm's `token`
 * commands). The secret half of a token is printed once, at creation, and never listed.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { validateLabels } from '../../apiserver/validation/object-meta.js';
import type { KubeClient } from '../../client/client.js';
import { ApiError } from '../../client/errors.js';
import { createToken, deleteToken, listTokens } from '../../hub/join/tokens.js';
import { kubeconfigPath } from './hub-client.js';

export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
}

export interface HubConnection {
  kc: KubeConfig;
  client: KubeClient;
  server: string;
  /** The CA that signs the hub's serving certificate, from the kubeconfig (PEM), if it names one. */
  caPem?: string;
}

/** Loads the kubeconfig (client-node and the runtime client load lazily: they are slow to import). */
export async function connect(o: ConnectionFlags): Promise<HubConnection> {
  const path = kubeconfigPath(o.kubeconfig);
  if (!existsSync(path))
    throw new Error(`kubeconfig ${path} does not exist (use --kubeconfig or set KUBECONFIG)`);
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { KubeClient } = await import('../../client/client.js');
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (e) {
    throw new Error(`cannot load kubeconfig ${path}: ${(e as Error).message}`);
  }
  if (o.context) {
    if (!kc.getContextObject(o.context)) throw new Error(`context "${o.context}" not found in ${path}`);
    kc.setCurrentContext(o.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new Error(`kubeconfig ${path} has no current cluster with a server`);
  let caPem: string | undefined;
  if (cluster.caData) caPem = Buffer.from(cluster.caData, 'base64').toString('utf8');
  else if (cluster.caFile) caPem = readFileSync(cluster.caFile, 'utf8');
  return {
    kc,
    client: new KubeClient(kc, { fieldManager: 'edgefed-cli' }),
    server: cluster.server.replace(/\/+$/, ''),
    caPem,
  };
}

/** Turns client errors into one clear line (the hub's own Status message when it sent one). */
export function cliError(e: unknown, server?: string): Error {
  if (e instanceof ApiError) return new Error(e.status?.message ?? e.message);
  const code = (e as { code?: string }).code;
  if (
    server &&
    typeof code === 'string' &&
    /^(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EHOSTUNREACH)$/.test(code)
  )
    return new Error(`cannot reach the hub at ${server}: ${(e as Error).message}`);
  return e instanceof Error ? e : new Error(String(e));
}

export function addKubeconfigOptions(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig for the hub (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: the current context)');
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Go-style durations ("24h", "1h30m", "90s", "0"), or a plain number of seconds. Answers seconds. */
export function parseDuration(v: string): number {
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(s))
    throw new InvalidArgumentError('must be a duration like 24h, 30m, 90s or 1h30m (0 = never expires)');
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNITS[m[2]];
  return total;
}

/** "region=eu,zone=eu-1" → labels, checked like Kubernetes checks labels. */
export function parseLabels(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of v
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) throw new InvalidArgumentError(`"${part}" is not key=value`);
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  const causes = validateLabels(out, 'labels');
  if (causes.length) throw new InvalidArgumentError(causes.map((c) => c.message).join('; '));
  return out;
}

/** Left-aligned columns, three spaces apart, as kubectl prints tables. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description('Manage bootstrap tokens that let clusters join the hub (kubeadm-style).');

  addKubeconfigOptions(
    token
      .command('create')
      .description('Create a bootstrap token and print it (or the whole join command).')
      .addOption(
        new Option('--ttl <duration>', 'how long the token is valid (e.g. 24h, 30m; 0 = never expires)')
          .argParser(parseDuration)
          .default(86400, '24h'),
      )
      .option(
        '--labels <k=v,...>',
        'labels every cluster joining with this token gets (e.g. region=eu,zone=eu-1)',
        parseLabels,
      )
      .option('--description <text>', 'a note shown by `edgefed token list`')
      .option('--print-join-command', 'print the `edgefed agent join` command to run on the member cluster')
      .option('--name <cluster>', 'with --print-join-command: the cluster name to put in the command')
      .option(
        '--data-dir <dir>',
        "with --print-join-command: the agent's data directory to put in the command",
      )
      .option(
        '--hub-url <url>',
        'with --print-join-command: the URL agents join (default: the in-cluster gateway if one ' +
          'published itself in kube-federation-system/edgefed-gateway, else the kubeconfig server)',
      )
      .option(
        '--ca-cert <file>',
        'with --print-join-command: the CA (PEM) whose hash agents pin (default: the same)',
      ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  edgefed token create\n' +
        '  edgefed token create --ttl 2h --labels region=eu,zone=eu-1 --print-join-command\n',
    )
    .action(
      async (
        o: ConnectionFlags & {
          ttl: number;
          labels?: Record<string, string>;
          description?: string;
          printJoinCommand?: boolean;
          name?: string;
          dataDir?: string;
          hubUrl?: string;
          caCert?: string;
        },
      ) => {
        const hub = await connect(o);
        let hash: string | undefined;
        let joinServer = hub.server;
        if (o.printJoinCommand) {
          // In-cluster mode: agents join the gateway (its URL and CA), not the host API.
          const { readGatewayInfo } = await import('../../hub/gateway/info.js');
          const gw = o.hubUrl && o.caCert ? undefined : await readGatewayInfo(hub.client);
          joinServer = (o.hubUrl ?? gw?.server ?? hub.server).replace(/\/+$/, '');
          if (o.caCert) hub.caPem = readFileSync(o.caCert, 'utf8');
          else if (gw) hub.caPem = gw.ca;
          if (!hub.caPem)
            throw new Error(
              'the kubeconfig names no certificate authority for the hub; cannot compute the CA hash',
            );
          const { caCertHash } = await import('../../pki/pki.js');
          try {
            hash = caCertHash(hub.caPem);
          } catch (e) {
            throw new Error(
              `the kubeconfig's certificate authority is not a PEM certificate: ${(e as Error).message}`,
            );
          }
        }
        const t = await createToken(hub.client, {
          ttlSeconds: o.ttl,
          labels: o.labels,
          description: o.description,
        }).catch((e: unknown) => {
          throw cliError(e, hub.server);
        });
        if (!o.printJoinCommand) {
          process.stdout.write(`${t.token}\n`);
          return;
        }
        process.stdout.write(
          `edgefed agent join --hub ${joinServer} --token ${t.token} --discovery-token-ca-cert-hash ${hash}` +
            ` --name ${o.name ?? '<CLUSTER-NAME>'} --data-dir ${o.dataDir ?? '<DIR>'}\n`,
        );
      },
    );

  addKubeconfigOptions(
    token.command('list').description('List bootstrap tokens (ids only: the secret half is never shown).'),
  ).action(async (o: ConnectionFlags) => {
    const hub = await connect(o);
    const tokens = await listTokens(hub.client).catch((e: unknown) => {
      throw cliError(e, hub.server);
    });
    if (!tokens.length) {
      process.stdout.write('No bootstrap tokens. Create one: edgefed token create --print-join-command\n');
      return;
    }
    process.stdout.write(
      table(
        ['TOKEN-ID', 'EXPIRES', 'LABELS', 'DESCRIPTION'],
        tokens.map((t) => [
          t.id,
          t.expires ? `${t.expires}${t.expired ? ' (expired)' : ''}` : '<never>',
          formatLabels(t.labels),
          t.description || '<none>',
        ]),
      ),
    );
  });

  addKubeconfigOptions(
    token
      .command('delete')
      .description('Delete a bootstrap token; clusters that already joined with it are not affected.')
      .argument('<id>', 'the token id (the part before the dot), or the whole token'),
  ).action(async (id: string, o: ConnectionFlags) => {
    const hub = await connect(o);
    const found = await deleteToken(hub.client, id).catch((e: unknown) => {
      throw cliError(e, hub.server);
    });
    const tid = id.split('.')[0];
    if (!found) throw new Error(`bootstrap token "${tid}" not found`);
    process.stdout.write(`bootstrap token "${tid}" deleted\n`);
  });
}
