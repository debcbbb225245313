/**
 * Every FederatedService → the DNSEndpoint `clusterset-<name>` in its namespace, holding the
 * multi-cluster-services name `<svc>.<ns>.svc.clusterset.local` with the addresses of every Ready
 * cluster it is placed in. Needs no record and no Domain: the zone is built in.
 */
import { splitKey } from '../sync/paths.js';
import type { RuntimeLogger } from '../../client/log.js';
import { WorkQueue, runWorkers, type ReconcileResult } from '../../client/workqueue.js';
import { FEDERATED_GROUP, FEDERATED_VERSION } from '../../api/federation.js';
import { desiredDnsEndpoint } from './dnsendpoint.js';
import { buildClustersetEndpoints } from './endpoints.js';
import { FEDERATED_SERVICES, type DnsInputs } from './inputs.js';
import { dnsStatusFor } from './status.js';
import { dnsEndpointName } from './types.js';
import type { DnsWriter } from './writer.js';

export class ClustersetController {
  readonly queue = new WorkQueue();
  private running?: Promise<void>;

  constructor(
    private readonly inputs: DnsInputs,
    private readonly writer: DnsWriter,
    private readonly log: RuntimeLogger,
  ) {}

  enqueue(namespace: string, name: string): void {
    this.queue.add(`${namespace}/${name}`);
  }

  start(): void {
    this.running = runWorkers(this.queue, 2, (k) => this.reconcile(k), this.log);
  }

  async stop(): Promise<void> {
    this.queue.shutdown();
    await this.running;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    // Before the caches are whole a pass could delete what it cannot see yet; the controller
    // queues every key once they are (DnsController.enqueueAllWhenSynced).
    if (!this.inputs.synced() || !this.inputs.federatedServices.hasSynced()) return;
    const { namespace = '', name } = splitKey(key);
    const fs = this.inputs.federatedServices.get(key);
    if (!fs || fs.metadata.deletionTimestamp) {
      await this.writer.deleteEndpoint(namespace, dnsEndpointName('clusterset', name), 'clusterset');
      return;
    }
    const dns = dnsStatusFor(
      this.inputs.worksOf(FEDERATED_SERVICES, namespace, name),
      this.inputs.clusterList(),
    );
    const owner = { ...fs, apiVersion: `${FEDERATED_GROUP}/${FEDERATED_VERSION}`, kind: 'FederatedService' };
    const outcome = await this.writer.ensureEndpoint(
      desiredDnsEndpoint(owner, 'clusterset', buildClustersetEndpoints({ name, namespace, dns })),
      'clusterset',
    );
    if (outcome === 'notOwned')
      this.log.warn(
        { dnsEndpoint: `${namespace}/${dnsEndpointName('clusterset', name)}` },
        'a DNSEndpoint not written by edgefed holds the clusterset name; leaving it alone',
      );
  }
}
