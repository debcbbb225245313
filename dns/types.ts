/**
 * The multiclusterdns.kubefed.io/v1alpha1 shapes the DNS server reads: Domain (kubefed v0.6: no
 * spec, `domain` and `nameServer` at the top level) and DNSEndpoint (external-dns's CRD source
 * shape). Structural, so objects straight from the API (or from D1's controllers) fit.
 */
import type { KubeObject } from '../api/kubernetes.js';

export const DNS_GROUP = 'multiclusterdns.kubefed.io';
export const DNS_VERSION = 'v1alpha1';
/** The federation's own namespace, where Domains live. */
export const DOMAIN_NAMESPACE = 'kube-federation-system';
/** Served by every hub, whatever Domains exist (the MCS API's name space). */
export const CLUSTERSET_ZONE = 'clusterset.local';
/** kubefed's default record TTL. */
export const DEFAULT_RECORD_TTL = 180;

export interface Domain extends KubeObject {
  domain?: string;
  nameServer?: string;
}

export interface DnsEndpointSpecEntry {
  dnsName?: string;
  targets?: string[];
  recordType?: string;
  setIdentifier?: string;
  recordTTL?: number;
  labels?: Record<string, string>;
  providerSpecific?: { name: string; value: string }[];
}

export interface DNSEndpoint extends KubeObject {
  spec?: { endpoints?: DnsEndpointSpecEntry[] };
}
