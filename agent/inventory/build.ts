/**
 * From what the member's API lists (Nodes, Pods, and metrics.k8s.io when it serves it) to what the
 * agent reports to the hub: the cluster summary and the bounded node/pod inventory. Pure.
 */
import {
  cpuMillis,
  cpuString,
  memoryString,
  quantityValue,
  type ClusterInventoryStatus,
  type ClusterResourceSummary,
  type NodeEntry,
  type PodEntry,
  type ResourceAmounts,
} from '../../api/inventory.js';

export interface MemberNode {
  metadata: { name?: string; creationTimestamp?: string; labels?: Record<string, string> };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: { type: string; status: string }[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: { kubeletVersion?: string };
  };
}

interface ContainerStatus {
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
}

export interface MemberPod {
  metadata: {
    name?: string;
    namespace?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
  };
  spec?: { nodeName?: string; containers?: unknown[] };
  status?: {
    phase?: string;
    reason?: string;
    podIP?: string;
    containerStatuses?: ContainerStatus[];
  };
}

export interface MetricsItem {
  metadata: { name?: string; namespace?: string };
  usage?: Record<string, string>;
  containers?: { usage?: Record<string, string> }[];
}

export interface InventoryCaps {
  maxNodes: number;
  maxPods: number;
  /** Serialized size cap of the whole status (the hub's request limit is 3 MiB, etcd's 1.5 MiB). */
  maxBytes: number;
}

export const DEFAULT_CAPS: InventoryCaps = { maxNodes: 500, maxPods: 2000, maxBytes: 1024 * 1024 };

const amounts = (r: Record<string, string> | undefined): ResourceAmounts | undefined =>
  r && r.cpu !== undefined && r.memory !== undefined
    ? { cpu: cpuString(cpuMillis(r.cpu) ?? 0), memory: memoryString(quantityValue(r.memory) ?? 0) }
    : undefined;

function sumAmounts(list: (ResourceAmounts | undefined)[]): ResourceAmounts {
  let cpu = 0;
  let mem = 0;
  for (const a of list) {
    cpu += cpuMillis(a?.cpu) ?? 0;
    mem += quantityValue(a?.memory) ?? 0;
  }
  return { cpu: cpuString(cpu), memory: memoryString(mem) };
}

function nodeEntry(n: MemberNode, usage: ResourceAmounts | undefined): NodeEntry {
  const labels = n.metadata.labels ?? {};
  const roles = Object.keys(labels)
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  const e: NodeEntry = {
    name: String(n.metadata.name),
    ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    creationTimestamp: n.metadata.creationTimestamp,
    labels,
    capacity: amounts(n.status?.capacity),
    allocatable: amounts(n.status?.allocatable),
  };
  if (roles.length) e.roles = roles;
  const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (ip) e.internalIP = ip;
  if (n.status?.nodeInfo?.kubeletVersion) e.kubeletVersion = n.status.nodeInfo.kubeletVersion;
  if (usage) e.usage = usage;
  return e;
}

/** STATUS as `kubectl get pods` prints it (the common cases of kubectl's printPod). */
export function podStatusText(p: MemberPod): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  let reason = p.status?.reason || p.status?.phase || 'Unknown';
  for (const c of p.status?.containerStatuses ?? []) {
    const r = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (r && !(r === 'Completed' && reason === 'Running')) reason = r;
  }
  return reason;
}

function podEntry(p: MemberPod, usage: ResourceAmounts | undefined): PodEntry {
  const cs = p.status?.containerStatuses ?? [];
  const e: PodEntry = {
    namespace: String(p.metadata.namespace),
    name: String(p.metadata.name),
    status: podStatusText(p),
    phase: p.status?.phase,
    readyContainers: cs.filter((c) => c.ready).length,
    containers: p.spec?.containers?.length ?? cs.length,
    restarts: cs.reduce((s, c) => s + (c.restartCount ?? 0), 0),
    creationTimestamp: p.metadata.creationTimestamp,
  };
  if (p.spec?.nodeName) e.node = p.spec.nodeName;
  if (p.status?.podIP) e.podIP = p.status.podIP;
  if (p.metadata.labels && Object.keys(p.metadata.labels).length) e.labels = p.metadata.labels;
  if (usage) e.usage = usage;
  return e;
}

const podReady = (e: PodEntry): boolean => e.status === 'Running' && e.readyContainers === e.containers;

/** Problem pods first (what an operator looks for survives the cap), then by namespace and name. */
function podOrder(a: PodEntry, b: PodEntry): number {
  const pa = podReady(a) || a.status === 'Completed' ? 1 : 0;
  const pb = podReady(b) || b.status === 'Completed' ? 1 : 0;
  return pa - pb || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
}

function podUsage(m: MetricsItem): ResourceAmounts {
  let cpu = 0;
  let mem = 0;
  for (const c of m.containers ?? []) {
    cpu += (quantityValue(c.usage?.cpu) ?? 0) * 1000;
    mem += quantityValue(c.usage?.memory) ?? 0;
  }
  return { cpu: cpuString(cpu), memory: memoryString(mem) };
}

export interface BuildInput {
  nodes: MemberNode[];
  pods: MemberPod[];
  /** Undefined when the member serves no metrics.k8s.io. */
  nodeMetrics?: MetricsItem[];
  podMetrics?: MetricsItem[];
  now: Date;
  refreshSeconds: number;
  caps?: InventoryCaps;
}

export function buildInventory(input: BuildInput): ClusterInventoryStatus {
  const caps = input.caps ?? DEFAULT_CAPS;
  const nodeUsage = new Map((input.nodeMetrics ?? []).map((m) => [m.metadata.name, amounts(m.usage)]));
  const podUsages = new Map(
    (input.podMetrics ?? []).map((m) => [`${m.metadata.namespace}/${m.metadata.name}`, podUsage(m)]),
  );
  const nodes = input.nodes
    .map((n) => nodeEntry(n, nodeUsage.get(n.metadata.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
  const pods = input.pods
    .map((p) => podEntry(p, podUsages.get(`${p.metadata.namespace}/${p.metadata.name}`)))
    .sort(podOrder);
  const summary: ClusterResourceSummary = {
    nodes: { total: nodes.length, ready: nodes.filter((n) => n.ready).length },
    pods: {
      total: pods.length,
      running: pods.filter((p) => p.phase === 'Running').length,
      ready: pods.filter(podReady).length,
    },
    capacity: sumAmounts(nodes.map((n) => n.capacity)),
    allocatable: sumAmounts(nodes.map((n) => n.allocatable)),
    updateTime: input.now.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  if (input.nodeMetrics) summary.usage = sumAmounts(nodes.map((n) => n.usage));
  const status: ClusterInventoryStatus = {
    reportTime: summary.updateTime,
    refreshSeconds: input.refreshSeconds,
    summary,
    nodes: nodes.slice(0, caps.maxNodes),
    pods: pods.slice(0, caps.maxPods),
  };
  // Past the byte cap, halve the pod list until it fits: the summary still counts every pod.
  while (status.pods.length > 0 && JSON.stringify(status).length > caps.maxBytes)
    status.pods = status.pods.slice(0, Math.floor(status.pods.length / 2));
  if (nodes.length > status.nodes.length) status.nodesOmitted = nodes.length - status.nodes.length;
  if (pods.length > status.pods.length) status.podsOmitted = pods.length - status.pods.length;
  return status;
}
