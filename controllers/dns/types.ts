/**
 * multiclusterdns.kubefed.io/v1alpha1 as the DNS controllers read and write it (kubefed v0.6's
 * shapes; DNSEndpoint is external-dns's). Plain JSON, like the API.
 */
import type { KubeObject } from '../../api/kubernetes.js';
import type { Condition } from '../../api/federation.js';

export const DNS_GROUP = 'multiclusterdns.kubefed.io';
export const DNS_VERSION = 'v1alpha1';
export const DNS_API_VERSION = `${DNS_GROUP}/${DNS_VERSION}`;

/** kubefed's default when a record sets no recordTTL. */
export const DEFAULT_TTL_SECONDS = 180;
/**
 * The multi-cluster-services zone. Its TTL is CoreDNS's default for cluster.local, because a
 * clusterset name should follow a cluster going away as fast as in-cluster names do.
 */
export const CLUSTERSET_ZONE = 'clusterset.local';
export const CLUSTERSET_TTL_SECONDS = 5;

/** On every DNSEndpoint these controllers write: which record kind produced it (and that we own it). */
export const DNS_SOURCE_LABEL = 'edgefed.io/dns-source';
export type DnsSource = 'service' | 'ingress' | 'clusterset';

export type RecordType = 'A' | 'AAAA' | 'CNAME';

/** `Domain` has no spec: its fields sit at the top level (kubefed). */
export interface Domain extends KubeObject {
  domain?: string;
  nameServer?: string;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

export interface LoadBalancerStatus {
  ingress?: LoadBalancerIngress[];
}

/** One cluster's share of a record (kubefed's ClusterDNS). */
export interface ClusterDNS {
  cluster: string;
  loadBalancer: LoadBalancerStatus;
  zones?: string[];
  region?: string;
}

export interface ServiceDNSRecord extends KubeObject {
  spec: {
    domainRef: string;
    recordTTL?: number;
    dnsPrefix?: string;
    externalName?: string;
    allowServiceWithoutEndpoints?: boolean;
  };
  status?: DnsRecordStatus;
}

export interface IngressDNSRecord extends KubeObject {
  spec: { hosts?: string[]; recordTTL?: number };
  status?: DnsRecordStatus;
}

export interface DnsRecordStatus {
  domain?: string;
  dns?: ClusterDNS[];
  /** edgefed addition: Ready, with why not. */
  conditions?: Condition[];
}

/** external-dns's endpoint. */
export interface Endpoint {
  dnsName: string;
  targets: string[];
  recordType: RecordType;
  setIdentifier?: string;
  recordTTL?: number;
  labels?: Record<string, string>;
  providerSpecific?: { name: string; value: string }[];
}

export interface DNSEndpoint extends KubeObject {
  spec: { endpoints: Endpoint[] };
  status?: { observedGeneration?: number };
}

export const PATHS = {
  domains: (namespace: string) => `/apis/${DNS_API_VERSION}/namespaces/${namespace}/domains`,
  serviceRecords: `/apis/${DNS_API_VERSION}/servicednsrecords`,
  ingressRecords: `/apis/${DNS_API_VERSION}/ingressdnsrecords`,
  dnsEndpoints: `/apis/${DNS_API_VERSION}/dnsendpoints`,
  namespaced: (resource: string, namespace: string, name?: string) =>
    `/apis/${DNS_API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${resource}` +
    (name === undefined ? '' : `/${encodeURIComponent(name)}`),
};

/** The DNSEndpoint a record (or a FederatedService, for clusterset) writes: `<source>-<name>`. */
export function dnsEndpointName(source: DnsSource, name: string): string {
  return `${source}-${name}`;
}
