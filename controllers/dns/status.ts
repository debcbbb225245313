/**
 * A record's status.dns from the Works of its federated object: one entry per cluster the object
 * is placed in. Pure.
 */
import { compareStrings } from '../sync/placement.js';
import { isClusterReady, type KubeFedCluster, type Work } from '../../api/federation.js';
import { normalizeIngress } from './targets.js';
import { clusterTopology } from './topology.js';
import type { ClusterDNS, LoadBalancerStatus } from './types.js';

/** The member object's `status.loadBalancer` as its agent reported it in the Work. */
export function loadBalancerOf(w: Work): LoadBalancerStatus {
  const rs = w.status?.remoteStatus;
  const lb = rs && typeof rs === 'object' ? (rs as { loadBalancer?: unknown }).loadBalancer : undefined;
  return lb && typeof lb === 'object' ? (lb as LoadBalancerStatus) : {};
}

/**
 * Whether the member Service has ready endpoints, as its agent reported them in the Work (the pod
 * summary of a Service counts its ready backends). Unknown (an agent that does not report them, a
 * Service without a selector) counts as yes, so such clusters are published as before.
 */
export function hasReadyEndpoints(w: Work): boolean {
  const ready = w.status?.pods?.ready;
  return typeof ready !== 'number' || ready > 0;
}

/**
 * kubefed's ServiceDNSRecord status, level-triggered: every registered cluster holding a Work
 * (that is not being withdrawn) gets an entry with its region and zones; only Ready clusters
 * carry their load-balancer addresses. A cluster that is not Ready keeps its entry without
 * addresses, as kubefed kept offline clusters, so its zone and region names turn into CNAMEs to a
 * level that still has addresses instead of vanishing for clients in that zone.
 */
export function dnsStatusFor(
  works: Work[],
  clusters: KubeFedCluster[],
  /** kubefed's default for Services: a cluster's addresses only while it has ready endpoints. */
  opts: { requireEndpoints?: boolean } = {},
): ClusterDNS[] {
  const byName = new Map(clusters.map((c) => [String(c.metadata.name), c]));
  const out = new Map<string, ClusterDNS>();
  for (const w of works) {
    const name = w.spec?.cluster;
    const c = name ? byName.get(name) : undefined;
    if (!name || !c || c.metadata.deletionTimestamp || w.metadata.deletionTimestamp) continue;
    const serving = isClusterReady(c) && (!opts.requireEndpoints || hasReadyEndpoints(w));
    const ingress = serving ? normalizeIngress(loadBalancerOf(w)) : [];
    const t = clusterTopology(c);
    const entry: ClusterDNS = {
      cluster: name,
      loadBalancer: ingress.length ? { ingress } : {},
      ...(t.zones.length ? { zones: t.zones } : {}),
      ...(t.region ? { region: t.region } : {}),
    };
    // Two Works for one cluster (a stale one not yet collected): the one with addresses wins.
    const prev = out.get(name);
    if (!prev || (prev.loadBalancer.ingress ?? []).length < ingress.length) out.set(name, entry);
  }
  return [...out.values()].sort((a, b) => compareStrings(a.cluster, b.cluster));
}
