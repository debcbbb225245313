/**
 * The DNS names and records of ServiceDNSRecords, IngressDNSRecords and clusterset services, from
 * their status.dns. Pure and deterministic: equal inputs give equal endpoint lists, in one order.
 */
import { cname, isEmpty, normalizeHostname, recordsFor, sortEndpoints, targetsOf } from './targets.js';
import {
  CLUSTERSET_TTL_SECONDS,
  CLUSTERSET_ZONE,
  DEFAULT_TTL_SECONDS,
  type ClusterDNS,
  type Endpoint,
} from './types.js';

export interface ServiceEndpointsInput {
  /** The Service's (and record's) name and namespace. */
  name: string;
  namespace: string;
  /** The Domain object's name (the record's domainRef): kubefed's "federation" label. */
  federation: string;
  /** Domain.domain, e.g. example.com. */
  domain: string;
  dns: ClusterDNS[];
  recordTTL?: number;
  dnsPrefix?: string;
  externalName?: string;
}

export function ttlOf(recordTTL: number | undefined): number {
  return typeof recordTTL === 'number' && Number.isInteger(recordTTL) && recordTTL > 0
    ? recordTTL
    : DEFAULT_TTL_SECONDS;
}

/** kubefed's names for a Service: global, per region and per zone. */
export function serviceNames(
  i: Pick<ServiceEndpointsInput, 'name' | 'namespace' | 'federation' | 'domain'>,
): {
  global: string;
  region: (region: string) => string;
  zone: (zone: string, region: string) => string;
} {
  const base = `${i.name}.${i.namespace}.${i.federation}.svc`;
  const domain = domainOf(i.domain);
  return {
    global: `${base}.${domain}`,
    region: (r) => `${base}.${r}.${domain}`,
    zone: (z, r) => `${base}.${z}.${r}.${domain}`,
  };
}

/**
 * kubefed's service records, with its fallbacks made exact:
 * - global name: every cluster's addresses; with none, a CNAME to externalName when set, else no
 *   record at all;
 * - region name: the addresses of the clusters in that region; with none, a CNAME to the global
 *   name (when that has a record);
 * - zone name: the addresses of the clusters in that zone; with none, a CNAME to its region name;
 * - dnsPrefix: `<dnsPrefix>.<domain>` CNAME to the global name.
 * A name whose fallback chain ends at nothing gets no record (kubefed wrote CNAMEs to "" and then
 * dropped them); A and AAAA never mix with a CNAME at one name (kubefed could merge them).
 * Order, for people reading the DNSEndpoint: global, then each region (sorted) followed by its
 * zones (sorted), then the dnsPrefix name.
 */
export function buildServiceEndpoints(i: ServiceEndpointsInput): Endpoint[] {
  const ttl = ttlOf(i.recordTTL);
  const names = serviceNames(i);
  // One group of records per name, in the order names are decided.
  const groups: Endpoint[][] = [];

  let global = recordsFor(names.global, targetsOf(i.dns.map((d) => d.loadBalancer)), ttl);
  const external = normalizeHostname(i.externalName);
  if (global.length === 0 && external) global = [cname(names.global, external, ttl)];
  groups.push(global);
  const hasGlobal = global.length > 0;

  const regions = [...new Set(i.dns.map((d) => d.region).filter((r): r is string => !!r))].sort();
  for (const region of regions) {
    const inRegion = i.dns.filter((d) => d.region === region);
    const regionName = names.region(region);
    const own = recordsFor(regionName, targetsOf(inRegion.map((d) => d.loadBalancer)), ttl);
    const regionRecords = own.length ? own : hasGlobal ? [cname(regionName, names.global, ttl)] : [];
    groups.push(regionRecords);
    if (regionRecords.length === 0) continue;

    const zones = [...new Set(inRegion.flatMap((d) => d.zones ?? []))].sort();
    for (const zone of zones) {
      const zoneName = names.zone(zone, region);
      const t = targetsOf(inRegion.filter((d) => (d.zones ?? []).includes(zone)).map((d) => d.loadBalancer));
      groups.push(isEmpty(t) ? [cname(zoneName, regionName, ttl)] : recordsFor(zoneName, t, ttl));
    }
  }

  const prefix = normalizeHostname(i.dnsPrefix);
  if (prefix && hasGlobal) groups.push([cname(`${prefix}.${domainOf(i.domain)}`, names.global, ttl)]);
  return firstGroupPerName(groups);
}

/**
 * kubefed's ingress records: each host gets every cluster's addresses; a host with none gets no
 * record.
 */
export function buildIngressEndpoints(i: {
  hosts: string[];
  dns: ClusterDNS[];
  recordTTL?: number;
}): Endpoint[] {
  const ttl = ttlOf(i.recordTTL);
  const t = targetsOf(i.dns.map((d) => d.loadBalancer));
  const hosts = [...new Set(i.hosts.map(normalizeHostname).filter((h): h is string => h !== undefined))];
  return sortEndpoints(hosts.flatMap((h) => recordsFor(h, t, ttl)));
}

/** The multi-cluster-services name of a Service: `<svc>.<ns>.svc.clusterset.local`. */
export function clustersetName(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.${CLUSTERSET_ZONE}`;
}

/** Every Ready cluster's addresses under the clusterset name (no fallback: there is no level above). */
export function buildClustersetEndpoints(i: {
  name: string;
  namespace: string;
  dns: ClusterDNS[];
}): Endpoint[] {
  return sortEndpoints(
    recordsFor(
      clustersetName(i.name, i.namespace),
      targetsOf(i.dns.map((d) => d.loadBalancer)),
      CLUSTERSET_TTL_SECONDS,
    ),
  );
}

/**
 * A name produced twice (a dnsPrefix spelling out another name) keeps the records decided first:
 * one name, one answer, never a CNAME beside other records.
 */
function firstGroupPerName(groups: Endpoint[][]): Endpoint[] {
  const seen = new Set<string>();
  const out: Endpoint[] = [];
  for (const g of groups) {
    if (g.length === 0 || seen.has(g[0].dnsName)) continue;
    seen.add(g[0].dnsName);
    out.push(...g);
  }
  return out;
}

function domainOf(domain: string): string {
  return domain.toLowerCase().replace(/\.$/, '');
}
