/**
 * `edgefed get nodes|pods`: every cluster's nodes or pods in one table, from the hub's store (the
 * agents' ClusterInventory reports), with a CLUSTER column first as karmadactl prints them. A site
 * whose agent is away keeps its rows, marked "stale since 2m" in the REPORT column.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { NodeEntry, PodEntry } from '../../api/inventory.js';
import type { Row } from './fleet.js';
import {
  addFleetOptions,
  clusterList,
  loadReports,
  printWarnings,
  table,
  type FleetFlags,
} from './fleet-load.js';

const OUTPUTS = ['wide', 'yaml', 'json', 'name'];

export function resourceKind(arg: string): 'nodes' | 'pods' {
  if (['node', 'nodes', 'no'].includes(arg)) return 'nodes';
  if (['pod', 'pods', 'po'].includes(arg)) return 'pods';
  throw new InvalidArgumentError(
    `edgefed get lists nodes or pods, not "${arg}" (use kubectl for the hub's own objects)`,
  );
}

export async function runGet(kindArg: string, o: FleetFlags): Promise<void> {
  const kind = resourceKind(kindArg);
  if (o.output && !OUTPUTS.includes(o.output))
    throw new InvalidArgumentError(`-o ${o.output}: expected one of ${OUTPUTS.join(', ')}`);
  const [fleet, reports] = await Promise.all([import('./fleet.js'), loadReports(o)]);
  const now = Date.now();
  const sel = {
    namespace: kind === 'pods' && !o.allNamespaces ? o.namespace : undefined,
    labelSelector: o.selector,
    clusters: clusterList(o.clusters),
  };
  const rows: Row<NodeEntry | PodEntry>[] =
    kind === 'nodes' ? fleet.nodeRows(reports, sel, now) : fleet.podRows(reports, sel, now);
  printWarnings(fleet.warnings(reports, sel, now, kind));
  if (o.output === 'json' || o.output === 'yaml') {
    const list = fleet.listObject(kind === 'nodes' ? 'Node' : 'Pod', rows);
    if (o.output === 'json') process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    else process.stdout.write((await import('./yaml.js')).toYamlDocs([list]));
    return;
  }
  if (o.output === 'name') {
    for (const r of rows)
      process.stdout.write(`${r.cluster}/${kind === 'nodes' ? 'node' : 'pod'}/${r.entry.name}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stderr.write(
      kind === 'pods' && sel.namespace
        ? `No resources found in ${sel.namespace} namespace.\n`
        : 'No resources found\n',
    );
    return;
  }
  const wide = o.output === 'wide';
  const [header, cells] =
    kind === 'nodes'
      ? fleet.nodeTable(rows as Row<NodeEntry>[], wide, now)
      : fleet.podTable(rows as Row<PodEntry>[], sel.namespace === undefined, wide, now);
  process.stdout.write(table(header, cells));
}

export function registerGetCommand(program: Command): void {
  addFleetOptions(
    program
      .command('get')
      .description("List every cluster's nodes or pods from the hub (works while sites are offline).")
      .argument('<nodes|pods>', 'what to list'),
    true,
  )
    .option('-o, --output <format>', 'wide, yaml, json or name')
    .action((kind: string, o: FleetFlags) => runGet(kind, o));
}
