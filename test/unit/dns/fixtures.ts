import type { DNSEndpoint, DnsEndpointSpecEntry, Domain } from '../../../dns/types.js';

export function domain(name: string, dom: string, nameServer?: string): Domain {
  return {
    apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
    kind: 'Domain',
    metadata: { name, namespace: 'kube-federation-system', resourceVersion: '1' },
    domain: dom,
    ...(nameServer ? { nameServer } : {}),
  };
}

export function endpoint(ns: string, name: string, endpoints: DnsEndpointSpecEntry[]): DNSEndpoint {
  return {
    apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
    kind: 'DNSEndpoint',
    metadata: { name, namespace: ns, resourceVersion: '1' },
    spec: { endpoints },
  };
}

export function rec(
  dnsName: string,
  recordType: string,
  targets: string[],
  recordTTL?: number,
): DnsEndpointSpecEntry {
  return { dnsName, recordType, targets, ...(recordTTL ? { recordTTL } : {}) };
}
