/**
 * `edgefed top nodes|pods`: CPU and memory of every cluster's nodes or pods, as the agents last
 * reported them from their metrics.k8s.io (kubectl top's columns, with a CLUSTER column first and
 * the report's age or staleness last).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { resourceKind } from './get.js';
import {
  addFleetOptions,
  clusterList,
  loadReports,
  printWarnings,
  table,
  type FleetFlags,
} from './fleet-load.js';

export async function runTop(kindArg: string, o: FleetFlags & { sortBy?: string }): Promise<void> {
  const kind = resourceKind(kindArg);
  if (o.sortBy !== undefined && o.sortBy !== 'cpu' && o.sortBy !== 'memory')
    throw new InvalidArgumentError(`--sort-by ${o.sortBy}: expected cpu or memory`);
  const [fleet, reports] = await Promise.all([import('./fleet.js'), loadReports(o)]);
  const now = Date.now();
  const sel = {
    namespace: kind === 'pods' && !o.allNamespaces ? o.namespace : undefined,
    labelSelector: o.selector,
    clusters: clusterList(o.clusters),
  };
  printWarnings(fleet.warnings(reports, sel, now, kind));
  const by = o.sortBy as 'cpu' | 'memory' | undefined;
  const [header, cells] =
    kind === 'nodes'
      ? fleet.topNodeTable(fleet.sortByUsage(fleet.nodeRows(reports, sel, now), by))
      : fleet.topPodTable(
          fleet.sortByUsage(fleet.podRows(reports, sel, now), by),
          sel.namespace === undefined,
        );
  if (cells.length === 0) {
    process.stderr.write('No resources found\n');
    return;
  }
  process.stdout.write(table(header, cells));
}

export function registerTopCommand(program: Command): void {
  addFleetOptions(
    program
      .command('top')
      .description(
        "Show every cluster's node or pod CPU and memory from the hub (as the agents reported them).",
      )
      .argument('<nodes|pods>', 'what to show'),
    true,
  )
    .option('--sort-by <cpu|memory>', 'largest first')
    .action((kind: string, o: FleetFlags & { sortBy?: string }) => runTop(kind, o));
}
