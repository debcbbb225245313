import type { PodSummary } from './pod-summary.js';
/**
 * The federation API shapes (kubefed's types.kubefed.io / core.kubefed.io / scheduling.kubefed.io,
 * and edgefed's Work), as the controllers read and write them. Plain JSON, like the API.
 */
import type { KubeObject, MetaLabelSelector } from './kubernetes.js';

export const HUB_NAMESPACE = 'kube-federation-system';
export const FEDERATED_GROUP = 'types.kubefed.io';
export const FEDERATED_VERSION = 'v1beta1';
export const MANAGED_LABEL = 'kubefed.io/managed';
export const SYNC_FINALIZER = 'kubefed.io/sync-controller';
export const ORPHAN_ANNOTATION = 'kubefed.io/orphan';
export const WORK_GROUP = 'edgefed.io';
export const WORK_VERSION = 'v1alpha1';
/** The agent holds a Work with this finalizer until the member object is gone. */
export const WORK_FINALIZER = 'edgefed.io/member-cleanup';

export function clusterNamespace(cluster: string): string {
  return `edgefed-cluster-${cluster}`;
}

/** Namespaces never propagated (kubefed's rule). */
export const UNPROPAGATED_NAMESPACES = new Set(['kube-system', 'kube-public', 'default', HUB_NAMESPACE]);

export interface Placement {
  clusters?: { name: string }[];
  clusterSelector?: MetaLabelSelector;
}

export interface ClusterOverride {
  op?: string;
  path: string;
  value?: unknown;
}

export interface Override {
  clusterName: string;
  clusterOverrides?: ClusterOverride[];
}

export interface FederatedSpec {
  template?: Record<string, unknown>;
  placement?: Placement;
  overrides?: Override[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string;
}

/** kubefed's per-cluster status values (omitted when all is well). */
export type ClusterPropagationStatus =
  | 'ClusterNotReady'
  | 'CreationFailed'
  | 'UpdateFailed'
  | 'DeletionFailed'
  | 'ApplyOverridesFailed'
  | 'AlreadyExists'
  | 'ManagedLabelFalse'
  | 'WaitingForRemoval'
  | 'WaitingForApply';

export interface FederatedClusterStatus {
  name: string;
  status?: ClusterPropagationStatus;
  /** Human detail for `status` (edgefed addition). */
  message?: string;
  remoteStatus?: unknown;
  /** The member workload's pods (edgefed): count, ready, restarts, why some are not running. */
  pods?: PodSummary;
}

export interface FederatedStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  clusters?: FederatedClusterStatus[];
  /** edgefed additions for printer columns: "applied/placed" clusters and "ready/desired" replicas. */
  clustersSummary?: string;
  readySummary?: string;
}

export interface FederatedObject extends KubeObject {
  spec?: FederatedSpec;
  status?: FederatedStatus;
}

/** core.kubefed.io/v1beta1 KubeFedCluster. */
export interface KubeFedCluster extends KubeObject {
  spec?: { apiEndpoint?: string; caBundle?: string; secretRef?: { name: string }; proxyURL?: string };
  status?: { conditions?: Condition[]; region?: string; zones?: string[]; kubernetesVersion?: string };
}

export interface TypeRef {
  group?: string;
  version: string;
  kind: string;
  pluralName: string;
  scope: 'Namespaced' | 'Cluster';
}

/** core.kubefed.io/v1beta1 FederatedTypeConfig. */
export interface FederatedTypeConfig extends KubeObject {
  spec: {
    targetType: TypeRef;
    federatedType: TypeRef;
    propagation: 'Enabled' | 'Disabled';
    statusCollection?: 'Enabled' | 'Disabled';
  };
}

/** What a Work says about where its manifest came from. */
export interface WorkSource {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespace?: string;
  name: string;
  uid: string;
  generation?: number;
}

/** edgefed.io/v1alpha1 Work: one rendered object for one cluster. */
export interface Work extends KubeObject {
  spec: {
    cluster: string;
    source: WorkSource;
    manifest: KubeObject;
    /** Orphan: leave the member object (minus the managed label) when the Work goes. */
    deletePolicy?: 'Delete' | 'Orphan';
    /** kubefed's retainReplicas: keep the member's spec.replicas. */
    retainReplicas?: boolean;
  };
  status?: WorkStatus;
}

export interface WorkStatus {
  /** The Work generation the member side last acted on. */
  observedGeneration?: number;
  conditions?: Condition[];
  /** kubefed vocabulary for what went wrong, when something did. */
  clusterStatus?: ClusterPropagationStatus;
  message?: string;
  /** The member object's status. */
  remoteStatus?: unknown;
  /** For workloads: their pods in the member (count, ready, restarts, problems). */
  pods?: PodSummary;
}

/** scheduling.kubefed.io/v1alpha1 ReplicaSchedulingPreference. */
export interface ReplicaSchedulingPreference extends KubeObject {
  spec: {
    targetKind: string;
    totalReplicas: number;
    rebalance?: boolean;
    /** edgefed addition: seconds a cluster may be not Ready before its replicas move (failover). */
    failoverGracePeriodSeconds?: number;
    clusters?: Record<string, { minReplicas?: number; maxReplicas?: number; weight?: number }>;
  };
  status?: {
    clusters?: Record<string, { replicas: number }>;
    failedOver?: string[];
    conditions?: Condition[];
  };
}

export function isClusterReady(c: KubeFedCluster): boolean {
  return (c.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True');
}

/**
 * What placement and scheduling depend on in a cluster: its labels, whether it is Ready, whether it
 * is going away. Heartbeat and probe times are not in it, so routine status writes re-queue nothing
 * (at 1,000 clusters they otherwise made every object re-render for every cluster, N² work).
 */
export function placementFingerprint(c: KubeFedCluster): string {
  const ready = (c.status?.conditions ?? []).find((x) => x.type === 'Ready');
  return JSON.stringify([
    c.metadata.labels ?? {},
    ready?.status ?? '',
    ready?.lastTransitionTime ?? '',
    Boolean(c.metadata.deletionTimestamp),
  ]);
}
