/**
 * Multi-cluster DNS records (multiclusterdns.kubefed.io/v1alpha1). What this writes, for the DNS
 * server and the exporters that read it:
 *
 * - DNSEndpoint `service-<record>` in the ServiceDNSRecord's namespace, for each ServiceDNSRecord
 *   whose Domain (`kube-federation-system/<spec.domainRef>`) exists: kubefed's names under
 *   Domain.domain — `<svc>.<ns>.<domainRef>.svc.<domain>` (global), `<svc>.<ns>.<domainRef>.svc.<region>.<domain>`,
 *   `<svc>.<ns>.<domainRef>.svc.<zone>.<region>.<domain>`, and `<dnsPrefix>.<domain>`.
 * - DNSEndpoint `ingress-<record>` in the IngressDNSRecord's namespace: each of spec.hosts.
 * - DNSEndpoint `clusterset-<service>` in the namespace of every FederatedService:
 *   `<svc>.<ns>.svc.clusterset.local` (the multi-cluster-services name; zone `clusterset.local`
 *   is built in, TTL 5 s).
 *
 * Every one is labelled `edgefed.io/dns-source: service|ingress|clusterset` (select on that
 * label), owned by its record (or FederatedService), and deleted by us when the owner goes (the
 * hub API has no owner garbage collector). Endpoints: `dnsName` lower case without the root
 * dot; `recordType` A, AAAA or CNAME; `targets` sorted and de-duplicated (IPs, or exactly one
 * name for a CNAME); `recordTTL` seconds (record's recordTTL, default 180). A name has either
 * A/AAAA records or one CNAME, never both. An endpoint list may be empty (nothing to answer yet).
 * We never write DNSEndpoint status; a server may set status.observedGeneration when it has
 * loaded a generation. Zones a server is authoritative for: every Domain's `domain`, and
 * clusterset.local.
 *
 * Event routing re-queues only what a change can affect: a Work → the records of its source; a
 * cluster's readiness or region/zone change (not its heartbeat) → the records with Works in it;
 * a Domain → the records naming it; one of our DNSEndpoints changed or deleted by hand → its
 * owner, which puts it back.
 */
import type { KubeObject } from '../../api/kubernetes.js';
import type { KubeClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import type { RuntimeLogger } from '../../client/log.js';
import type { FederatedObject, KubeFedCluster, Work } from '../../api/federation.js';
import { ClustersetController } from './clusterset.js';
import { IngressRecordController } from './ingress-records.js';
import { DnsInputs, FEDERATED_INGRESSES, FEDERATED_SERVICES, dnsSourceOf } from './inputs.js';
import { ServiceRecordController } from './service-records.js';
import { hasReadyEndpoints, loadBalancerOf } from './status.js';
import { dnsFingerprint } from './topology.js';
import { normalizeIngress } from './targets.js';
import { DNS_SOURCE_LABEL, type DNSEndpoint, type Domain } from './types.js';
import { DnsWriter } from './writer.js';

export interface DnsControllerOptions {
  client: KubeClient;
  log: RuntimeLogger;
  /** Share the sync controller's KubeFedCluster informer instead of running another. */
  clusters?: Informer<KubeFedCluster>;
  now?: () => Date;
}

/** What in a Work the records depend on. */
function workFingerprint(w: Work): string {
  return JSON.stringify([
    w.spec?.cluster,
    Boolean(w.metadata.deletionTimestamp),
    normalizeIngress(loadBalancerOf(w)),
    hasReadyEndpoints(w),
  ]);
}

export class DnsController {
  readonly inputs: DnsInputs;
  readonly services: ServiceRecordController;
  readonly ingresses: IngressRecordController;
  readonly clusterset: ClustersetController;

  constructor(opts: DnsControllerOptions) {
    const log = opts.log;
    const clock = opts.now ?? (() => new Date());
    const now = () =>
      clock()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
    this.inputs = new DnsInputs({ kc: opts.client.kc, log, clusters: opts.clusters });
    const writer = new DnsWriter(opts.client, this.inputs.dnsEndpoints, log);
    this.services = new ServiceRecordController(opts.client, this.inputs, writer, log, now);
    this.ingresses = new IngressRecordController(opts.client, this.inputs, writer, log, now);
    this.clusterset = new ClustersetController(this.inputs, writer, log);
    this.route();
  }

  start(): void {
    this.inputs.start();
    this.services.start();
    this.ingresses.start();
    this.clusterset.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.services.stop(), this.ingresses.stop(), this.clusterset.stop()]);
    await this.inputs.stop();
  }

  /**
   * Passes before every cache is whole are dropped (deciding on half a picture could delete live
   * records); this queues every key the moment the last cache completes, and again whenever one
   * completes later (the FederatedService type installed after the start).
   */
  private enqueueAllWhenSynced(): void {
    if (!this.inputs.synced() || !this.services.records.hasSynced() || !this.ingresses.records.hasSynced())
      return;
    const key = (o: KubeObject) => [String(o.metadata.namespace), String(o.metadata.name)] as const;
    for (const r of this.services.records.list()) this.services.enqueue(...key(r));
    for (const r of this.ingresses.records.list()) this.ingresses.enqueue(...key(r));
    for (const f of this.inputs.federatedServices.list()) this.clusterset.enqueue(...key(f));
    for (const ep of this.inputs.dnsEndpoints.list()) this.toOwner(ep);
  }

  /** One of our DNSEndpoints → its owner's pass, which rewrites it or deletes it. */
  private toOwner(ep: DNSEndpoint): void {
    const source = ep.metadata.labels?.[DNS_SOURCE_LABEL];
    const ns = String(ep.metadata.namespace);
    const owner = String(ep.metadata.name).slice(`${source}-`.length);
    if (source === 'service') this.services.enqueue(ns, owner);
    else if (source === 'ingress') this.ingresses.enqueue(ns, owner);
    else if (source === 'clusterset') this.clusterset.enqueue(ns, owner);
  }

  private route(): void {
    const { works, clusters, domains, federatedServices, dnsEndpoints } = this.inputs;
    for (const i of [
      ...this.inputs.all(),
      this.services.records,
      this.ingresses.records,
    ] as Informer<KubeObject>[])
      i.on('synced', () => this.enqueueAllWhenSynced());

    const work = (w: Work) => {
      const s = dnsSourceOf(w);
      if (s?.resource === FEDERATED_SERVICES) {
        this.services.enqueue(s.namespace, s.name);
        this.clusterset.enqueue(s.namespace, s.name);
      } else if (s?.resource === FEDERATED_INGRESSES) this.ingresses.enqueue(s.namespace, s.name);
    };
    works.on('add', work);
    works.on('delete', work);
    works.on('update', (w, old) => {
      if (w !== old && workFingerprint(w) !== workFingerprint(old)) work(w);
    });

    const cluster = (c: KubeFedCluster) => this.inputs.worksInCluster(String(c.metadata.name)).forEach(work);
    clusters.on('add', cluster);
    clusters.on('delete', cluster);
    clusters.on('update', (c, old) => {
      if (dnsFingerprint(c) !== dnsFingerprint(old)) cluster(c);
    });

    const domain = (d: Domain) => this.services.enqueueDomain(String(d.metadata.name));
    domains.on('add', domain);
    domains.on('delete', domain);
    domains.on('update', (d, old) => {
      if (d !== old && d.domain !== old.domain) domain(d);
    });

    // Only existence matters (the record's Ready reason, and the clusterset name's life).
    const service = (f: FederatedObject) => {
      const [ns, name] = [String(f.metadata.namespace), String(f.metadata.name)];
      this.clusterset.enqueue(ns, name);
      this.services.enqueue(ns, name);
    };
    const alive = (f: FederatedObject) => `${f.metadata.uid}/${Boolean(f.metadata.deletionTimestamp)}`;
    federatedServices.on('add', service);
    federatedServices.on('delete', service);
    federatedServices.on('update', (f, old) => {
      // f === old is the periodic resync: it repairs clusterset names that drifted.
      if (f === old || alive(f) !== alive(old)) service(f);
    });

    // Ours changed or removed behind our back (or left over from a record deleted while no hub
    // led): the owner's pass rewrites or deletes it.
    const ours = (ep: DNSEndpoint) => this.toOwner(ep);
    dnsEndpoints.on('add', ours);
    dnsEndpoints.on('delete', ours);
    dnsEndpoints.on('update', (ep, old) => {
      if (ep !== old && !sameContent(ep, old)) ours(ep);
    });
  }
}

function sameContent(a: KubeObject, b: KubeObject): boolean {
  return (
    JSON.stringify([a.spec, a.metadata.labels, a.metadata.ownerReferences]) ===
    JSON.stringify([b.spec, b.metadata.labels, b.metadata.ownerReferences])
  );
}
