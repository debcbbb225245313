/**
 * IngressDNSRecord → its status (kubefed's dns, plus Ready) and the DNSEndpoint `ingress-<name>`
 * beside it: each of spec.hosts gets the addresses of every Ready cluster's Ingress.
 */
import { splitKey } from '../sync/paths.js';
import type { KubeClient } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import type { RuntimeLogger } from '../../client/log.js';
import { WorkQueue, runWorkers, type ReconcileResult } from '../../client/workqueue.js';
import { desiredDnsEndpoint } from './dnsendpoint.js';
import { buildIngressEndpoints } from './endpoints.js';
import { FEDERATED_INGRESSES, type DnsInputs } from './inputs.js';
import { REASONS, newUserError, recordStatus, type Readiness } from './record-status.js';
import { dnsStatusFor } from './status.js';
import { DNS_API_VERSION, PATHS, dnsEndpointName, type IngressDNSRecord } from './types.js';
import type { DnsWriter } from './writer.js';

export class IngressRecordController {
  readonly records: Informer<IngressDNSRecord>;
  readonly queue = new WorkQueue();
  private running?: Promise<void>;

  constructor(
    client: KubeClient,
    private readonly inputs: DnsInputs,
    private readonly writer: DnsWriter,
    private readonly log: RuntimeLogger,
    private readonly now: () => string,
  ) {
    this.records = new Informer<IngressDNSRecord>({
      kc: client.kc,
      listPath: PATHS.ingressRecords,
      logger: log,
    });
    const enqueue = (r: IngressDNSRecord) =>
      this.enqueue(String(r.metadata.namespace), String(r.metadata.name));
    this.records.on('add', enqueue);
    this.records.on('update', enqueue);
    this.records.on('delete', enqueue);
  }

  enqueue(namespace: string, name: string): void {
    this.queue.add(`${namespace}/${name}`);
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
    const endpointName = dnsEndpointName('ingress', name);
    const rec = this.records.get(key);
    if (!rec || rec.metadata.deletionTimestamp) {
      await this.writer.deleteEndpoint(namespace, endpointName, 'ingress');
      return;
    }
    // kubefed's ClusterIngressDNS has no region or zones.
    const dns = dnsStatusFor(
      this.inputs.worksOf(FEDERATED_INGRESSES, namespace, name),
      this.inputs.clusterList(),
    ).map((d) => ({ cluster: d.cluster, loadBalancer: d.loadBalancer }));
    const endpoints = buildIngressEndpoints({
      hosts: rec.spec?.hosts ?? [],
      dns,
      recordTTL: rec.spec?.recordTTL,
    });
    const owner = { ...rec, apiVersion: DNS_API_VERSION, kind: 'IngressDNSRecord' };
    const outcome = await this.writer.ensureEndpoint(
      desiredDnsEndpoint(owner, 'ingress', endpoints),
      'ingress',
    );
    const names = new Set(endpoints.map((e) => e.dnsName)).size;
    const ready: Readiness =
      outcome === 'notOwned'
        ? {
            status: 'False',
            reason: REASONS.nameTaken,
            message: `DNSEndpoint ${namespace}/${endpointName} exists and was not written by edgefed; delete or rename it`,
          }
        : names === 0
          ? {
              status: 'False',
              reason: REASONS.noAddresses,
              message: (rec.spec?.hosts ?? []).length
                ? `no Ready cluster reports a load-balancer address for Ingress ${namespace}/${name}`
                : 'spec.hosts is empty',
            }
          : {
              status: 'True',
              reason: REASONS.published,
              message: `${names} names published in DNSEndpoint ${endpointName}`,
            };
    const now = this.now();
    const status = recordStatus(rec.status, { dns, ready }, now);
    if (await this.writer.writeStatus('ingressdnsrecords', rec, status)) {
      const problem = newUserError(rec.status, status);
      if (problem) await this.writer.warn(owner, problem, now);
    }
  }
}
