/** What every view gets: the signed-in identity and the fleet's clusters (watched once, shared). */
import type { KubeFedCluster } from '../api/federation.js';
import type { KubeObject } from '../api/kubernetes.js';
import { HEARTBEAT_LEASE } from '../api/protocol.js';
import type { Collection } from './api.js';
import { clusterView, type ClusterView } from './model.js';

export interface AppContext {
  clusters: Collection<KubeFedCluster>;
  /**
   * The renewTime of a cluster's heartbeat Lease, while some view watches them (watchHeartbeats)
   * and the user may read them.
   */
  heartbeat(cluster: string): string | undefined;
  /**
   * Watch the agents' heartbeat Leases while the caller needs ages to the second (overview, site).
   * Not always on: a browser holds at most six connections to the hub (HTTP/1.1) and every watch
   * keeps one.
   */
  watchHeartbeats(): () => void;
  /** Called when the clusters change (views subscribe while mounted). */
  onClusters(fn: () => void): () => void;
  /** The namespace of the signed-in ServiceAccount: where to look when cluster-wide lists are refused. */
  namespace?: string;
  user?: string;
}

export const KFC_PATH = '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters';

export type HeartbeatLease = KubeObject & { spec?: { renewTime?: string } };

export function heartbeatKey(cluster: string): string {
  return `edgefed-cluster-${cluster}/${HEARTBEAT_LEASE}`;
}

export const HEARTBEATS_PATH = `/apis/coordination.k8s.io/v1/leases?fieldSelector=${encodeURIComponent(
  `metadata.name=${HEARTBEAT_LEASE}`,
)}`;

export function clusterViews(ctx: AppContext): Map<string, ClusterView> {
  return new Map(
    ctx.clusters.list().map((c) => {
      const name = c.metadata.name ?? '';
      return [name, clusterView(c, ctx.heartbeat(name))];
    }),
  );
}

/** A view draws into root and answers its cleanup (stop watches, unsubscribe). */
export type View = (root: HTMLElement, ctx: AppContext, params: string[]) => () => void;
