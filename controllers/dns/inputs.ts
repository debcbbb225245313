/**
 * What the DNS controllers read, cached: the Works of federated Services and Ingresses (indexed by
 * their source object and by cluster), the clusters, the Domains, the FederatedServices and the
 * DNSEndpoints they wrote.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../apiserver/types.js';
import { Informer } from '../runtime/informer.js';
import type { RuntimeLogger } from '../runtime/log.js';
import {
  FEDERATED_GROUP,
  FEDERATED_VERSION,
  HUB_NAMESPACE,
  type FederatedObject,
  type KubeFedCluster,
  type Work,
} from '../types.js';
import { DNS_SOURCE_LABEL, PATHS, type DNSEndpoint, type Domain } from './types.js';

export const FEDERATED_SERVICES = 'federatedservices';
export const FEDERATED_INGRESSES = 'federatedingresses';
const DNS_SOURCES = new Set([FEDERATED_SERVICES, FEDERATED_INGRESSES]);

const WORK_SOURCE_INDEX = 'dns-source';
const WORK_CLUSTER_INDEX = 'dns-cluster';

/** The federated Service or Ingress a Work carries, or undefined for any other Work. */
export function dnsSourceOf(w: Work): { resource: string; namespace: string; name: string } | undefined {
  const s = w.spec?.source;
  if (!s || s.group !== FEDERATED_GROUP || !DNS_SOURCES.has(s.resource) || !s.namespace) return undefined;
  return { resource: s.resource, namespace: s.namespace, name: s.name };
}

export interface DnsInputsOptions {
  kc: KubeConfig;
  log: RuntimeLogger;
  /** A KubeFedCluster informer another controller already runs (started and stopped by it). */
  clusters?: Informer<KubeFedCluster>;
}

export class DnsInputs {
  readonly works: Informer<Work>;
  readonly clusters: Informer<KubeFedCluster>;
  readonly domains: Informer<Domain>;
  readonly federatedServices: Informer<FederatedObject>;
  readonly dnsEndpoints: Informer<DNSEndpoint>;
  private readonly owned: Informer<KubeObject>[];

  constructor(opts: DnsInputsOptions) {
    const { kc, log: logger } = opts;
    this.works = new Informer<Work>({ kc, listPath: '/apis/edgefed.io/v1alpha1/works', logger });
    this.works.addIndex(WORK_SOURCE_INDEX, (w) => {
      const s = dnsSourceOf(w);
      return s ? [`${s.resource}/${s.namespace}/${s.name}`] : [];
    });
    this.works.addIndex(WORK_CLUSTER_INDEX, (w) => (dnsSourceOf(w) && w.spec.cluster ? [w.spec.cluster] : []));
    this.clusters =
      opts.clusters ??
      new Informer<KubeFedCluster>({
        kc,
        listPath: `/apis/core.kubefed.io/v1beta1/namespaces/${HUB_NAMESPACE}/kubefedclusters`,
        logger,
      });
    this.domains = new Informer<Domain>({ kc, listPath: PATHS.domains(HUB_NAMESPACE), logger });
    this.federatedServices = new Informer<FederatedObject>({
      kc,
      listPath: `/apis/${FEDERATED_GROUP}/${FEDERATED_VERSION}/${FEDERATED_SERVICES}`,
      logger,
    });
    this.dnsEndpoints = new Informer<DNSEndpoint>({
      kc,
      listPath: PATHS.dnsEndpoints,
      labelSelector: DNS_SOURCE_LABEL,
      logger,
    });
    this.owned = [this.works, this.domains, this.federatedServices, this.dnsEndpoints] as Informer<KubeObject>[];
    if (!opts.clusters) this.owned.push(this.clusters as Informer<KubeObject>);
  }

  start(): void {
    for (const i of this.owned) i.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.owned.map((i) => i.stop()));
  }

  synced(): boolean {
    return [...this.owned, this.clusters as Informer<KubeObject>].every((i) => i.hasSynced());
  }

  /** The Works carrying federated `resource` namespace/name to its clusters. */
  worksOf(resource: string, namespace: string, name: string): Work[] {
    return this.works.byIndex(WORK_SOURCE_INDEX, `${resource}/${namespace}/${name}`);
  }

  /** The Works of federated Services and Ingresses placed in a cluster. */
  worksInCluster(cluster: string): Work[] {
    return this.works.byIndex(WORK_CLUSTER_INDEX, cluster);
  }

  clusterList(): KubeFedCluster[] {
    return this.clusters.list().filter((c) => (c.metadata.namespace ?? HUB_NAMESPACE) === HUB_NAMESPACE);
  }
}
