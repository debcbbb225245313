/**
 * What an agent reports to the hub about its cluster, for the fleet view (`edgefed get/top`,
 * `edgefed clusters -o wide`):
 *
 * - a summary in its KubeFedCluster's `status.resources` (node and pod counts, capacity,
 *   allocatable, usage), as karmada's Cluster status.resourceSummary or OCM's ManagedCluster
 *   status.capacity;
 * - a bounded inventory of its nodes and pods in `edgefed.io/v1alpha1 ClusterInventory`, one per
 *   cluster, named like the cluster, in the cluster's namespace `edgefed-cluster-<name>` (a CRD, so
 *   plain `kubectl get clusterinventories -A` lists them too).
 *
 * Quantities are Kubernetes quantity strings (cpu "250m", memory "1024Ki") as in Node status and
 * metrics.k8s.io. Both sides import this file; it stays free of imports so the CLI loads it fast.
 */

export const INVENTORY_GROUP = 'edgefed.io';
export const INVENTORY_VERSION = 'v1alpha1';
export const INVENTORY_KIND = 'ClusterInventory';
export const INVENTORY_RESOURCE = 'clusterinventories';

/** cpu and memory as quantity strings. */
export interface ResourceAmounts {
  cpu: string;
  memory: string;
}

/** KubeFedCluster status.resources. */
export interface ClusterResourceSummary {
  nodes: { total: number; ready: number };
  pods: { total: number; running: number; ready: number };
  capacity: ResourceAmounts;
  allocatable: ResourceAmounts;
  /** From the member's metrics.k8s.io (absent when it serves none). */
  usage?: ResourceAmounts;
  /** When the agent measured this. */
  updateTime: string;
}

export interface NodeEntry {
  name: string;
  ready: boolean;
  /** Node roles from node-role.kubernetes.io/<role> labels. */
  roles?: string[];
  internalIP?: string;
  kubeletVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  capacity?: ResourceAmounts;
  allocatable?: ResourceAmounts;
  usage?: ResourceAmounts;
}

export interface PodEntry {
  namespace: string;
  name: string;
  /** What `kubectl get pods` shows in STATUS: the phase, or the reason (CrashLoopBackOff, Completed...). */
  status: string;
  phase?: string;
  readyContainers: number;
  containers: number;
  restarts: number;
  node?: string;
  podIP?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  usage?: ResourceAmounts;
}

export interface ClusterInventoryStatus {
  /** When the agent last wrote this (a report is written on change, and at least every refreshSeconds). */
  reportTime: string;
  /** The agent writes at least this often while it runs: an older report means the agent is away. */
  refreshSeconds: number;
  summary: ClusterResourceSummary;
  nodes: NodeEntry[];
  pods: PodEntry[];
  /** Entries left out beyond the size cap (the summary still counts them). */
  nodesOmitted?: number;
  podsOmitted?: number;
}

export interface ClusterInventory {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; [k: string]: unknown };
  status?: ClusterInventoryStatus;
}

export function inventoryCollectionPath(namespace?: string): string {
  return namespace
    ? `/apis/${INVENTORY_GROUP}/${INVENTORY_VERSION}/namespaces/${encodeURIComponent(namespace)}/${INVENTORY_RESOURCE}`
    : `/apis/${INVENTORY_GROUP}/${INVENTORY_VERSION}/${INVENTORY_RESOURCE}`;
}

const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A quantity string as a number of base units ("250m" → 0.25, "1Ki" → 1024); undefined if malformed. */
export function quantityValue(q: string | number | undefined): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1] + (m[2] ?? ''));
  const suffix = m[3] ?? '';
  return n * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

/** CPU in whole millicores ("250m", "2" → 2000). */
export function cpuMillis(q: string | number | undefined): number | undefined {
  const v = quantityValue(q);
  return v === undefined ? undefined : Math.round(v * 1000);
}

export const cpuString = (millis: number): string => `${Math.max(0, Math.round(millis))}m`;
export const memoryString = (bytes: number): string => `${Math.max(0, Math.round(bytes / 1024))}Ki`;
