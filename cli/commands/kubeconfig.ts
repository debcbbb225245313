/**
 * `edgefed kubeconfig <cluster>`: a kubeconfig that reaches a member cluster's API through the
 * hub's tunnel (server = <hub server>/clusters/<cluster>/proxy), with the hub's CA and the same user
 * credentials as the hub kubeconfig. kubectl appends its API paths (/api, /apis, /openapi/v3, ...)
 * to the server's path, so everything, discovery included, goes through the tunnel.
 */
import { Command } from 'commander';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import yaml from 'js-yaml';
import { PROXY_PREFIX } from '../../api/protocol.js';
import { kubeconfigPath } from './hub-client.js';

type Entry = Record<string, unknown>;
interface Named {
  name: string;
  [k: string]: unknown;
}
interface RawKubeconfig {
  clusters?: Named[];
  users?: Named[];
  contexts?: Named[];
  'current-context'?: string;
}

/** Cluster names are KubeFedCluster names (DNS-1123 subdomains). */
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Fields holding file paths, which kubectl resolves relative to the kubeconfig's directory. */
const CLUSTER_FILES = ['certificate-authority'];
const USER_FILES = ['client-certificate', 'client-key', 'tokenFile'];

function absolutize(entry: Entry, fields: string[], base: string): Entry {
  const out = { ...entry };
  for (const f of fields) {
    const v = out[f];
    if (typeof v === 'string' && v && !isAbsolute(v)) out[f] = resolve(base, v);
  }
  return out;
}

/** Renders the member kubeconfig from a hub kubeconfig's YAML. Exported for tests. */
export function memberKubeconfig(
  hubKubeconfig: string,
  cluster: string,
  opts: { context?: string; baseDir?: string } = {},
): string {
  if (!CLUSTER_NAME.test(cluster) || cluster.length > 253)
    throw new Error(`invalid cluster name "${cluster}" (a DNS-1123 subdomain)`);
  const doc = (yaml.load(hubKubeconfig) ?? {}) as RawKubeconfig;
  const ctxName = opts.context ?? doc['current-context'];
  if (!ctxName) throw new Error('the hub kubeconfig has no current context (use --context)');
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context as Entry | undefined;
  if (!ctx) throw new Error(`context "${ctxName}" not found in the hub kubeconfig`);
  const hubCluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster as Entry | undefined;
  if (!hubCluster) throw new Error(`cluster "${String(ctx.cluster)}" not found in the hub kubeconfig`);
  const user = doc.users?.find((u) => u.name === ctx.user);
  if (!user) throw new Error(`user "${String(ctx.user)}" not found in the hub kubeconfig`);
  const server = typeof hubCluster.server === 'string' ? hubCluster.server.replace(/\/+$/, '') : '';
  if (!server) throw new Error(`cluster "${String(ctx.cluster)}" has no server`);
  const base = opts.baseDir ?? process.cwd();
  const name = `edgefed-${cluster}`;
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          ...absolutize(hubCluster, CLUSTER_FILES, base),
          server: `${server}${PROXY_PREFIX}${encodeURIComponent(cluster)}/proxy`,
        },
      },
    ],
    users: [{ ...user, user: absolutize((user.user ?? {}) as Entry, USER_FILES, base) }],
    contexts: [{ name, context: { cluster: name, user: user.name } }],
    'current-context': name,
    preferences: {},
  });
}

export function registerKubeconfigCommand(program: Command): void {
  program
    .command('kubeconfig')
    .description("Write a kubeconfig that reaches a member cluster's API through the hub's tunnel.")
    .argument('<cluster>', 'member cluster name')
    .option('--kubeconfig <file>', 'hub kubeconfig (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'context of the hub kubeconfig to use (default: its current context)')
    .option('--out <file>', 'write here (mode 0600) instead of stdout')
    .addHelpText(
      'after',
      '\nExample:\n  edgefed kubeconfig edge-1 --out edge-1.kubeconfig\n' +
        '  kubectl --kubeconfig edge-1.kubeconfig get pods -A\n' +
        "Only hub admins (system:masters) may use the proxy; requests run with the agent's member credentials.",
    )
    .action((cluster: string, o: { kubeconfig?: string; context?: string; out?: string }) => {
      const path = kubeconfigPath(o.kubeconfig);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        throw new Error(`cannot read kubeconfig ${path}: ${(e as Error).message}`);
      }
      const out = memberKubeconfig(text, cluster, { context: o.context, baseDir: dirname(resolve(path)) });
      if (o.out) {
        writeFileSync(o.out, out, { mode: 0o600 });
        chmodSync(o.out, 0o600);
        process.stdout.write(`wrote ${o.out} (context edgefed-${cluster})\n`);
      } else process.stdout.write(out);
    });
}
