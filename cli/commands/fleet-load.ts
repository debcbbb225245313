/**
 * Reads the fleet view's data from the hub's store in two list requests: every KubeFedCluster and
 * every ClusterInventory. Nothing reaches the member clusters, so it answers quickly and works
 * while sites are offline. Heavy modules (client-node, the API client) load only when a command runs.
 */
import type { Command } from 'commander';
import type { KubeClient } from '../../client/client.js';
import { getJson, hubTarget } from './fleet-http.js';
import { kubeconfigPath } from './hub-client.js';
import { HUB_NAMESPACE, clusterNamespace, type KubeFedCluster } from '../../api/federation.js';
import { inventoryCollectionPath, type ClusterInventory } from '../../api/inventory.js';
import type { ClusterReport } from './fleet.js';

export interface FleetFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  clusters?: string;
  output?: string;
}

export function addFleetOptions(cmd: Command, namespaced: boolean): Command {
  cmd
    .option('--kubeconfig <file>', 'kubeconfig for the hub (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: the current context)')
    .option('-l, --selector <selector>', 'label selector on the nodes or pods (k=v, k!=v, k in (a,b), k, !k)')
    .option('--clusters <names>', 'only these clusters (comma-separated)');
  if (namespaced)
    cmd
      .option('-n, --namespace <ns>', 'namespace of the pods', 'default')
      .option('-A, --all-namespaces', 'pods in every namespace');
  return cmd;
}

export function clusterList(flag: string | undefined): string[] | undefined {
  const names = flag
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return names?.length ? names : undefined;
}

/**
 * The hub client through client-node, for kubeconfigs whose user needs it (exec or auth-provider
 * plugins); as token.ts's connect() does, without the hub/ modules the token commands load.
 */
async function connectHub(o: FleetFlags): Promise<{ client: KubeClient; server: string }> {
  // hubTarget() already checked that the file exists and parses.
  const path = kubeconfigPath(o.kubeconfig);
  const [{ KubeConfig }, { KubeClient }] = await Promise.all([
    import('@kubernetes/client-node'),
    import('../../client/client.js'),
  ]);
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
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(`kubeconfig ${path} has no current cluster with a server`);
  return { client: new KubeClient(kc, { timeoutMs: 10_000 }), server };
}

/** One clear line: the hub's own Status message, or that the hub cannot be reached. */
function fleetError(e: unknown, server: string): Error {
  const status = (e as { status?: { message?: string } }).status;
  if (status?.message) return new Error(status.message);
  const code = (e as { code?: string }).code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EHOSTUNREACH)$/.test(code))
    return new Error(`cannot reach the hub at ${server}: ${(e as Error).message}`);
  return e instanceof Error ? e : new Error(String(e));
}

/** kubectl's plain table: columns padded to their widest cell, three spaces apart. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

type Lister = <T>(path: string) => Promise<T[]>;

/** Plain https from the kubeconfig when it can (fast start), else client-node (exec plugins...). */
async function lister(flags: FleetFlags): Promise<Lister> {
  const target = hubTarget(kubeconfigPath(flags.kubeconfig), flags.context);
  if (target) return async <T>(path: string) => (await getJson<{ items?: T[] }>(target, path)).items ?? [];
  const hub = await connectHub(flags);
  return async <T>(path: string) => {
    try {
      return (await hub.client.listAll<T>(path)).items;
    } catch (e) {
      throw fleetError(e, hub.server);
    }
  };
}

export async function loadReports(flags: FleetFlags): Promise<ClusterReport[]> {
  const list = await lister(flags);
  const [clusters, inventories] = await Promise.all([
    list<KubeFedCluster>(`/apis/core.kubefed.io/v1beta1/namespaces/${HUB_NAMESPACE}/kubefedclusters`),
    list<ClusterInventory>(inventoryCollectionPath()),
  ]);
  const reports = new Map<string, ClusterReport>();
  for (const c of clusters) {
    const name = String(c.metadata.name);
    reports.set(name, { cluster: name, kfc: c });
  }
  for (const inv of inventories) {
    const name = String(inv.metadata.name);
    // Only an inventory in the cluster's own namespace counts (the agent can write nowhere else).
    if (inv.metadata.namespace !== clusterNamespace(name) || !inv.status) continue;
    const r = reports.get(name);
    if (r) r.inventory = inv.status;
  }
  return [...reports.values()];
}

export function printWarnings(lines: string[]): void {
  for (const l of lines) process.stderr.write(`Warning: ${l}\n`);
}
