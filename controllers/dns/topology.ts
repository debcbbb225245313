/**
 * Where a cluster is, for DNS: its region and zones. Labels first, because they are what users and
 * `edgefed agent join --labels` set; status.region/zones (kubefed's fields) when no label says.
 */
import { isClusterReady, type KubeFedCluster } from '../../api/federation.js';

export const REGION_LABELS = ['region', 'topology.kubernetes.io/region'];
export const ZONE_LABELS = ['zone', 'topology.kubernetes.io/zone'];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface ClusterTopology {
  region?: string;
  zones: string[];
}

/**
 * A region or zone becomes one label of a DNS name, so it must be a DNS label: lower-cased, and
 * dropped when it still is not one (label values may hold dots and underscores; a dot would
 * silently add a level to every name).
 */
export function dnsLabel(value: string | undefined): string | undefined {
  const v = value?.trim().toLowerCase();
  return v && DNS_LABEL.test(v) ? v : undefined;
}

function firstLabel(c: KubeFedCluster, keys: string[]): string | undefined {
  for (const k of keys) {
    const v = c.metadata.labels?.[k];
    if (v) return v;
  }
  return undefined;
}

export function clusterTopology(c: KubeFedCluster): ClusterTopology {
  const region = dnsLabel(firstLabel(c, REGION_LABELS) ?? c.status?.region);
  // Zones only mean something inside a region: the zone name is <zone>.<region>.<domain>.
  if (!region) return { zones: [] };
  const zoneLabel = firstLabel(c, ZONE_LABELS);
  const raw = zoneLabel !== undefined ? [zoneLabel] : (c.status?.zones ?? []);
  const zones = [...new Set(raw.map(dnsLabel).filter((z): z is string => z !== undefined))].sort();
  return { region, zones };
}

/**
 * What the DNS records depend on in a cluster: readiness, place, existence. Heartbeat and probe
 * times are not in it, so routine health writes re-queue no record.
 */
export function dnsFingerprint(c: KubeFedCluster): string {
  const t = clusterTopology(c);
  return JSON.stringify([isClusterReady(c), t.region ?? '', t.zones, Boolean(c.metadata.deletionTimestamp)]);
}
