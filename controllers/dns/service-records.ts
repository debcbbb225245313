/**
 * ServiceDNSRecord → its status (kubefed's domain and dns, plus Ready) and the DNSEndpoint
 * `service-<name>` beside it. Level-triggered: every pass recomputes both from the caches and
 * writes only what differs.
 */
import { splitKey } from '../sync/paths.js';
import type { KubeClient } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import type { RuntimeLogger } from '../../client/log.js';
import { WorkQueue, runWorkers, type ReconcileResult } from '../../client/workqueue.js';
import { HUB_NAMESPACE } from '../../api/federation.js';
import { desiredDnsEndpoint } from './dnsendpoint.js';
import { buildServiceEndpoints } from './endpoints.js';
import { FEDERATED_SERVICES, type DnsInputs } from './inputs.js';
import { REASONS, newUserError, recordStatus, type Readiness } from './record-status.js';
import { dnsStatusFor } from './status.js';
import { normalizeHostname } from './targets.js';
import { DNS_API_VERSION, PATHS, dnsEndpointName, type ServiceDNSRecord } from './types.js';
import type { DnsWriter } from './writer.js';

const DOMAIN_INDEX = 'domainRef';

export class ServiceRecordController {
  readonly records: Informer<ServiceDNSRecord>;
  readonly queue = new WorkQueue();
  private running?: Promise<void>;

  constructor(
    private readonly client: KubeClient,
    private readonly inputs: DnsInputs,
    private readonly writer: DnsWriter,
    private readonly log: RuntimeLogger,
    private readonly now: () => string,
  ) {
    this.records = new Informer<ServiceDNSRecord>({
      kc: client.kc,
      listPath: PATHS.serviceRecords,
      logger: log,
    });
    this.records.addIndex(DOMAIN_INDEX, (r) => (r.spec?.domainRef ? [r.spec.domainRef] : []));
    const enqueue = (r: ServiceDNSRecord) =>
      this.enqueue(String(r.metadata.namespace), String(r.metadata.name));
    this.records.on('add', enqueue);
    this.records.on('update', enqueue);
    this.records.on('delete', enqueue);
  }

  enqueue(namespace: string, name: string): void {
    this.queue.add(`${namespace}/${name}`);
  }

  /** The records naming Domain `name` (in the hub namespace). */
  enqueueDomain(name: string): void {
    for (const r of this.records.byIndex(DOMAIN_INDEX, name))
      this.enqueue(String(r.metadata.namespace), String(r.metadata.name));
  }

  start(): void {
    this.records.start();
    this.running = runWorkers(this.queue, 2, (k) => this.reconcile(k), this.log);
  }

  async stop(): Promise<void> {
    this.queue.shutdown();
    await this.records.stop();
    await this.running;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    if (!this.records.hasSynced() || !this.inputs.synced()) return;
    const { namespace = '', name } = splitKey(key);
    const endpointName = dnsEndpointName('service', name);
    const rec = this.records.get(key);
    if (!rec || rec.metadata.deletionTimestamp) {
      await this.writer.deleteEndpoint(namespace, endpointName, 'service');
      return;
    }
    const dns = dnsStatusFor(
      this.inputs.worksOf(FEDERATED_SERVICES, namespace, name),
      this.inputs.clusterList(),
      { requireEndpoints: rec.spec?.allowServiceWithoutEndpoints !== true },
    );
    const ref = rec.spec?.domainRef ?? '';
    const domainObj = this.inputs.domains.get(`${HUB_NAMESPACE}/${ref}`);
    const domain = normalizeHostname(domainObj?.domain);

    let ready: Readiness;
    if (!domainObj || !domain) {
      ready = domainObj
        ? {
            status: 'False',
            reason: REASONS.invalidDomain,
            message: `Domain ${HUB_NAMESPACE}/${ref} has no valid domain (got ${JSON.stringify(domainObj.domain ?? '')})`,
          }
        : {
            status: 'False',
            reason: REASONS.domainNotFound,
            message: `Domain ${JSON.stringify(ref)} not found in namespace ${HUB_NAMESPACE}: create it, or fix spec.domainRef`,
          };
      // No domain, no names: whatever was published under the old one goes.
      await this.writer.deleteEndpoint(namespace, endpointName, 'service');
    } else {
      const endpoints = buildServiceEndpoints({
        name,
        namespace,
        federation: ref,
        domain,
        dns,
        recordTTL: rec.spec.recordTTL,
        dnsPrefix: rec.spec.dnsPrefix,
        externalName: rec.spec.externalName,
      });
      const owner = { ...rec, apiVersion: DNS_API_VERSION, kind: 'ServiceDNSRecord' };
      const outcome = await this.writer.ensureEndpoint(
        desiredDnsEndpoint(owner, 'service', endpoints),
        'service',
      );
      const names = new Set(endpoints.map((e) => e.dnsName)).size;
      if (outcome === 'notOwned')
        ready = {
          status: 'False',
          reason: REASONS.nameTaken,
          message: `DNSEndpoint ${namespace}/${endpointName} exists and was not written by edgefed; delete or rename it`,
        };
      // Unknown while the FederatedService type is not served (disabled with --delete): say nothing.
      else if (this.inputs.federatedServices.hasSynced() && !this.inputs.federatedServices.get(key))
        ready = {
          status: 'False',
          reason: REASONS.serviceNotFederated,
          message: `no FederatedService ${namespace}/${name}: a ServiceDNSRecord publishes the federated Service of the same name`,
        };
      else if (names === 0)
        ready = {
          status: 'False',
          reason: REASONS.noAddresses,
          message: `no Ready cluster reports a load-balancer address and ready endpoints for Service ${namespace}/${name}`,
        };
      else
        ready = {
          status: 'True',
          reason: REASONS.published,
          message: `${names} names published in DNSEndpoint ${endpointName}`,
        };
    }
    const now = this.now();
    const status = recordStatus(rec.status, { domain, dns, ready }, now);
    if (await this.writer.writeStatus('servicednsrecords', rec, status)) {
      const problem = newUserError(rec.status, status);
      if (problem)
        await this.writer.warn(
          { ...rec, apiVersion: DNS_API_VERSION, kind: 'ServiceDNSRecord' },
          problem,
          now,
        );
    }
  }
}
