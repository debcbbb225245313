/** What every view gets: the signed-in identity and the fleet's clusters (watched once, shared). */
import type { KubeFedCluster } from '../api/federation.js';
import type { KubeObject } from '../api/kubernetes.js';
import { HEARTBEAT_LEASE } from '../api/protocol.js';
import type { Collection } from './api.js';
import { clusterView, type ClusterView } from './model.js';

export interface AppContext {
  clusters: Collection<KubeFedCluster>;
  /** The agents' heartbeat Leases (one per cluster namespace), when the user may read them. */
  heartbeats: Collection<KubeObject & { spec?: { renewTime?: string } }>;
  /** Called when the clusters change (views subscribe while mounted). */
  onClusters(fn: () => void): () => void;
  /** The namespace of the signed-in ServiceAccount: where to look when cluster-wide lists are refused. */
  namespace?: string;
  user?: string;
}

export const KFC_PATH = '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters';

export const HEARTBEATS_PATH = `/apis/coordination.k8s.io/v1/leases?fieldSelector=${encodeURIComponent(
  `metadata.name=${HEARTBEAT_LEASE}`,
)}`;

export function clusterViews(ctx: AppContext): Map<string, ClusterView> {
  return new Map(
    ctx.clusters.list().map((c) => {
      const name = c.metadata.name ?? '';
      const lease = ctx.heartbeats.items.get(`edgefed-cluster-${name}/${HEARTBEAT_LEASE}`);
      return [name, clusterView(c, lease?.spec?.renewTime)];
    }),
  );
}

/** A view draws into root and answers its cleanup (stop watches, unsubscribe). */
export type View = (root: HTMLElement, ctx: AppContext, params: string[]) => () => void;
