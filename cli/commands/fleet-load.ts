/**
 * Reads the fleet view's data from the hub's store in two list requests: every KubeFedCluster and
 * every ClusterInventory. Nothing reaches the member clusters, so it answers quickly and works
 * while sites are offline. Heavy modules (client-node, the API client) load only when a command runs.
 */
import type { Command } from 'commander';
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

export async function loadReports(flags: FleetFlags): Promise<ClusterReport[]> {
  const { connect, cliError } = await import('./token.js');
  const hub = await connect(flags);
  try {
    const [clusters, inventories] = await Promise.all([
      hub.client.listAll<KubeFedCluster>(
        `/apis/core.kubefed.io/v1beta1/namespaces/${HUB_NAMESPACE}/kubefedclusters`,
      ),
      hub.client.listAll<ClusterInventory>(inventoryCollectionPath()),
    ]);
    const reports = new Map<string, ClusterReport>();
    for (const c of clusters.items) {
      const name = String(c.metadata.name);
      reports.set(name, { cluster: name, kfc: c });
    }
    for (const inv of inventories.items) {
      const name = String(inv.metadata.name);
      // Only an inventory in the cluster's own namespace counts (the agent can write nowhere else).
      if (inv.metadata.namespace !== clusterNamespace(name) || !inv.status) continue;
      const r = reports.get(name);
      if (r) r.inventory = inv.status;
    }
    return [...reports.values()];
  } catch (e) {
    throw cliError(e, hub.server);
  }
}

export function printWarnings(lines: string[]): void {
  for (const l of lines) process.stderr.write(`Warning: ${l}\n`);
}
