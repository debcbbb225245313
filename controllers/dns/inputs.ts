/**
 * What the DNS controllers read, cached: the Works of federated Services and Ingresses (indexed by
 * their source object and by cluster), the clusters, the Domains, the FederatedServices and the
 * DNSEndpoints they wrote.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/kubernetes.js';
import { Informer } from '../../client/informer.js';
import type { RuntimeLogger } from '../../client/log.js';
import {
  FEDERATED_GROUP,
  FEDERATED_VERSION,
  HUB_NAMESPACE,
  type FederatedObject,
  type KubeFedCluster,
  type Work,
} from '../../api/federation.js';
import { DNS_SOURCE_LABEL, PATHS, type DNSEndpoint, type Domain } from './types.js';

export const FEDERATED_SERVICES = 'federatedservices';
export const FEDERATED_INGRESSES = 'federatedingresses';

const WORK_SOURCE_INDEX = 'dns-source';
const WORK_CLUSTER_INDEX = 'dns-cluster';

/**
 * The federated Service or Ingress a Work carries, or undefined for any other Work. A Work's
 * source names the target type (group '' services; networking.k8s.io or extensions ingresses)
 * and the federated object's namespace and name.
 */
export function dnsSourceOf(w: Work): { resource: string; namespace: string; name: string } | undefined {
  const s = w.spec?.source;
  if (!s?.namespace) return undefined;
  if (s.group === '' && s.resource === 'services')
    return { resource: FEDERATED_SERVICES, namespace: s.namespace, name: s.name };
  if ((s.group === 'networking.k8s.io' || s.group === 'extensions') && s.resource === 'ingresses')
    return { resource: FEDERATED_INGRESSES, namespace: s.namespace, name: s.name };
  return undefined;
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
    this.works.addIndex(WORK_CLUSTER_INDEX, (w) =>
      dnsSourceOf(w) && w.spec.cluster ? [w.spec.cluster] : [],
    );
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
    this.owned = [
      this.works,
      this.domains,
      this.federatedServices,
      this.dnsEndpoints,
    ] as Informer<KubeObject>[];
    if (!opts.clusters) this.owned.push(this.clusters as Informer<KubeObject>);
  }

  start(): void {
    for (const i of this.owned) i.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.owned.map((i) => i.stop()));
  }

  /**
   * Whether what every record needs is cached. FederatedServices are left out: a hub whose
   * FederatedService type was deleted must still publish Ingress records.
   */
  synced(): boolean {
    return [this.works, this.clusters, this.domains, this.dnsEndpoints].every((i) =>
      (i as Informer<KubeObject>).hasSynced(),
    );
  }

  /** Every informer the records depend on, for 'synced' hooks. */
  all(): Informer<KubeObject>[] {
    return [...this.owned, this.clusters as Informer<KubeObject>];
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
