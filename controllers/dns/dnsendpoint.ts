/**
 * The DNSEndpoint object a controller wants, and whether an existing one already is it. Pure.
 */
import { jsonEqual } from '../../apiserver/json-equal.js';
import type { KubeObject, OwnerReference } from '../../api/kubernetes.js';
import {
  DNS_API_VERSION,
  DNS_SOURCE_LABEL,
  dnsEndpointName,
  type DNSEndpoint,
  type DnsSource,
  type Endpoint,
} from './types.js';

export function ownerReferenceTo(owner: KubeObject): OwnerReference {
  return {
    apiVersion: String(owner.apiVersion),
    kind: String(owner.kind),
    name: String(owner.metadata.name),
    uid: String(owner.metadata.uid),
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** `<source>-<owner name>` in the owner's namespace, labelled with its source, owned by the owner. */
export function desiredDnsEndpoint(owner: KubeObject, source: DnsSource, endpoints: Endpoint[]): DNSEndpoint {
  return {
    apiVersion: DNS_API_VERSION,
    kind: 'DNSEndpoint',
    metadata: {
      name: dnsEndpointName(source, String(owner.metadata.name)),
      namespace: owner.metadata.namespace,
      labels: { [DNS_SOURCE_LABEL]: source },
      ownerReferences: [ownerReferenceTo(owner)],
    },
    spec: { endpoints },
  };
}

/** Ours: carries our source label (a DNSEndpoint someone else wrote under the name is left alone). */
export function isOurs(ep: KubeObject, source: DnsSource): boolean {
  return ep.metadata.labels?.[DNS_SOURCE_LABEL] === source;
}

/**
 * The update that turns `existing` into `desired` while keeping what others put there (labels,
 * annotations, other owners, status), or undefined when nothing differs.
 */
export function dnsEndpointUpdate(existing: DNSEndpoint, desired: DNSEndpoint): DNSEndpoint | undefined {
  const ownRef = desired.metadata.ownerReferences![0];
  const others = (existing.metadata.ownerReferences ?? []).filter(
    (r) => !(r.kind === ownRef.kind && r.apiVersion === ownRef.apiVersion && r.name === ownRef.name),
  );
  const next: DNSEndpoint = {
    ...existing,
    metadata: {
      ...existing.metadata,
      labels: { ...existing.metadata.labels, ...desired.metadata.labels },
      ownerReferences: [...others, ownRef],
    },
    spec: desired.spec,
  };
  const same =
    jsonEqual(existing.spec?.endpoints, desired.spec.endpoints) &&
    jsonEqual(existing.metadata.labels, next.metadata.labels) &&
    jsonEqual(existing.metadata.ownerReferences, next.metadata.ownerReferences);
  return same ? undefined : next;
}
