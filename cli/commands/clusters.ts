/**
 * `edgefed clusters` (joined clusters and their health), `edgefed clusters accept <name>` (the
 * hub admin's half of the double opt-in) and `edgefed unjoin <name>`. Also registers the `token`
 * commands, so the CLI entry point needs one line for all of joining.
 */
import type { Command } from 'commander';
import { ACCEPTED_ANNOTATION, HEARTBEAT_LEASE } from '../../api/protocol.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { isNotFound } from '../../client/errors.js';
import { cpuMillis, quantityValue, type ClusterResourceSummary } from '../../api/inventory.js';
import { HUB_NAMESPACE, clusterNamespace, type KubeFedCluster } from '../../api/federation.js';
import {
  addKubeconfigOptions,
  cliError,
  connect,
  registerTokenCommands,
  table,
  type ConnectionFlags,
  type HubConnection,
} from './token.js';

const KFC_PATH = `/apis/core.kubefed.io/v1beta1/namespaces/${HUB_NAMESPACE}/kubefedclusters`;

interface HeartbeatLease extends KubeObject {
  spec?: { renewTime?: string };
}

/** "12s ago", "3m ago", "2h5m ago", "4d ago". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60 ? `${m % 60}m` : ''} ago`;
  return `${Math.floor(h / 24)}d ago`;
}

export function clusterStatus(c: KubeFedCluster): string {
  if (c.metadata.deletionTimestamp) return 'Unjoining';
  if (c.metadata.annotations?.[ACCEPTED_ANNOTATION] === 'false') return 'Pending acceptance';
  const ready = (c.status?.conditions ?? []).find((x) => x.type === 'Ready');
  return ready?.status === 'True' ? 'Ready' : 'NotReady';
}

async function getCluster(hub: HubConnection, name: string): Promise<KubeFedCluster> {
  const c = await hub.client.getIfExists<KubeFedCluster>(`${KFC_PATH}/${encodeURIComponent(name)}`);
  if (!c) throw new Error(`cluster "${name}" not found (see: edgefed clusters)`);
  return c;
}

const OUTPUTS = ['wide', 'yaml', 'json'];

/** NODES, PODS, CPU and MEMORY of `-o wide`, from the summary the agent reports (status.resources). */
export function resourceCells(r: ClusterResourceSummary | undefined): string[] {
  if (!r) return ['<unknown>', '<unknown>', '<unknown>', '<unknown>'];
  const cpu = (q: string | undefined) => (q === undefined ? '<unknown>' : `${cpuMillis(q) ?? 0}m`);
  const mem = (q: string | undefined) =>
    q === undefined ? '<unknown>' : `${Math.round((quantityValue(q) ?? 0) / 2 ** 20)}Mi`;
  return [
    `${r.nodes.ready}/${r.nodes.total}`,
    `${r.pods.ready}/${r.pods.total}`,
    `${cpu(r.usage?.cpu)}/${cpu(r.allocatable.cpu)}`,
    `${mem(r.usage?.memory)}/${mem(r.allocatable.memory)}`,
  ];
}

async function listClusters(hub: HubConnection, output?: string): Promise<void> {
  if (output !== undefined && !OUTPUTS.includes(output))
    throw new Error(`-o ${output}: expected one of ${OUTPUTS.join(', ')}`);
  const clusters = (await hub.client.listAll<KubeFedCluster>(KFC_PATH)).items;
  if (output === 'json' || output === 'yaml') {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: clusters.map((c) => ({ ...c, apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedCluster' })),
    };
    process.stdout.write(
      output === 'json'
        ? JSON.stringify(list, null, 2) + '\n'
        : (await import('./yaml.js')).toYamlDocs([list]),
    );
    return;
  }
  if (!clusters.length) {
    process.stdout.write(
      'No clusters. To join one, create a token: edgefed token create --print-join-command\n',
    );
    return;
  }
  const leases = await hub.client
    .listAll<HeartbeatLease>('/apis/coordination.k8s.io/v1/leases', {
      fieldSelector: `metadata.name=${HEARTBEAT_LEASE}`,
    })
    .then((l) => l.items)
    .catch(() => [] as HeartbeatLease[]);
  const works = await hub.client
    .listAll<KubeObject>('/apis/edgefed.io/v1alpha1/works')
    .then((l) => l.items)
    .catch((e: unknown) => {
      if (isNotFound(e)) return [] as KubeObject[];
      throw e;
    });
  const workCount = new Map<string, number>();
  for (const w of works) {
    const ns = String(w.metadata.namespace);
    workCount.set(ns, (workCount.get(ns) ?? 0) + 1);
  }
  const beat = new Map<string, string>();
  for (const l of leases) if (l.spec?.renewTime) beat.set(String(l.metadata.namespace), l.spec.renewTime);
  const now = Date.now();
  const rows = clusters
    .sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)))
    .map((c) => {
      const name = String(c.metadata.name);
      const ns = clusterNamespace(name);
      const labels = c.metadata.labels ?? {};
      const status = c.status as (KubeFedCluster['status'] & { lastHeartbeatTime?: string }) | undefined;
      const hb = beat.get(ns) ?? status?.lastHeartbeatTime;
      const hbMs = hb ? Date.parse(hb) : NaN;
      return [
        name,
        clusterStatus(c),
        status?.region ?? labels.region ?? labels['topology.kubernetes.io/region'] ?? '<none>',
        status?.zones?.join(',') || (labels.zone ?? labels['topology.kubernetes.io/zone'] ?? '<none>'),
        status?.kubernetesVersion ?? '<unknown>',
        Number.isNaN(hbMs) ? '<never>' : ago(now - hbMs),
        String(workCount.get(ns) ?? 0),
        ...(output === 'wide'
          ? resourceCells((c.status as { resources?: ClusterResourceSummary } | undefined)?.resources)
          : []),
      ];
    });
  const header = ['NAME', 'STATUS', 'REGION', 'ZONE', 'KUBERNETES-VERSION', 'LAST-HEARTBEAT', 'WORKS'];
  if (output === 'wide') header.push('NODES', 'PODS', 'CPU', 'MEMORY');
  process.stdout.write(table(header, rows));
}

async function accept(hub: HubConnection, name: string): Promise<void> {
  const c = await getCluster(hub, name);
  if (c.metadata.annotations?.[ACCEPTED_ANNOTATION] !== 'false') {
    process.stdout.write(`cluster "${name}" is already accepted\n`);
    return;
  }
  await hub.client.mergePatch(`${KFC_PATH}/${encodeURIComponent(name)}`, {
    metadata: { annotations: { [ACCEPTED_ANNOTATION]: 'true' } },
  });
  process.stdout.write(
    `cluster "${name}" accepted; its agent receives its certificate on its next registration attempt\n`,
  );
}

async function unjoin(hub: HubConnection, name: string, wait: boolean): Promise<void> {
  await getCluster(hub, name);
  const ns = clusterNamespace(name);
  const works = await hub.client
    .list(`/apis/edgefed.io/v1alpha1/namespaces/${ns}/works`)
    .then((l) => l.items.length)
    .catch(() => 0);
  const found = await hub.client.deleteIfExists(`${KFC_PATH}/${encodeURIComponent(name)}`);
  if (!found) throw new Error(`cluster "${name}" not found (see: edgefed clusters)`);
  const out = (s: string) => process.stdout.write(s + '\n');
  out(`cluster "${name}" unjoined (KubeFedCluster ${HUB_NAMESPACE}/${name} deleted):`);
  out(`  - the hub refuses its agent's certificate from now on;`);
  out(
    `  - the federation controllers release its ${works} Work${works === 1 ? '' : 's'} and delete namespace ${ns};`,
  );
  out(
    `  - objects already on the member cluster are left as they are (its agent can no longer reach the hub);`,
  );
  out(
    `  - to join it again: edgefed token create --print-join-command (agent at the site), or edgefed join <name> --kubeconfig F (push mode).`,
  );
  if (!wait) return;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!(await hub.client.getIfExists(`/api/v1/namespaces/${ns}`))) {
      out(`namespace ${ns} is gone`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`namespace ${ns} still exists after 60 s (are the federation controllers running?)`);
}

/** `token`, `clusters` and `unjoin`: everything about joining clusters. */
export function registerJoinCommands(program: Command): void {
  registerTokenCommands(program);

  const clusters = addKubeconfigOptions(
    program
      .command('clusters')
      .description('List joined clusters and their health; `clusters accept <name>` admits a pending one.')
      .option('-o, --output <format>', 'wide (nodes, pods, CPU and memory used/allocatable), yaml or json'),
  ).action(async (_o: ConnectionFlags, cmd: Command) => {
    const flags = cmd.optsWithGlobals<ConnectionFlags & { output?: string }>();
    const hub = await connect(flags);
    await listClusters(hub, flags.output).catch((e: unknown) => {
      throw cliError(e, hub.server);
    });
  });

  addKubeconfigOptions(
    clusters
      .command('accept')
      .description('Accept a cluster waiting to join (when the hub requires acceptance).')
      .argument('<name>', 'the cluster name'),
  ).action(async (name: string, _o: ConnectionFlags, cmd: Command) => {
    const hub = await connect(cmd.optsWithGlobals<ConnectionFlags>());
    await accept(hub, name).catch((e: unknown) => {
      throw cliError(e, hub.server);
    });
  });

  addKubeconfigOptions(
    program
      .command('unjoin')
      .description(
        "Remove a cluster from the federation: delete its KubeFedCluster; its Works are released, its namespace deleted and its agent's certificate refused.",
      )
      .argument('<name>', 'the cluster name')
      .option('--wait', "wait until the cluster's namespace on the hub is gone"),
  ).action(async (name: string, o: ConnectionFlags & { wait?: boolean }) => {
    const hub = await connect(o);
    await unjoin(hub, name, !!o.wait).catch((e: unknown) => {
      throw cliError(e, hub.server);
    });
  });
}
