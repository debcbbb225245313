/**
 * The writes of the DNS controllers, each a no-op when the API already holds what is wanted:
 * DNSEndpoints (create, update, delete — only ours), record status, and Warning Events.
 */
import type { KubeObject } from '../../api/kubernetes.js';
import type { KubeClient } from '../../client/client.js';
import { isAlreadyExists, isNotFound } from '../../client/errors.js';
import type { Informer } from '../../client/informer.js';
import type { RuntimeLogger } from '../../client/log.js';
import type { Condition } from '../../api/federation.js';
import { dnsEndpointUpdate, isOurs } from './dnsendpoint.js';
import { recordStatusEqual } from './record-status.js';
import { PATHS, type DNSEndpoint, type DnsRecordStatus, type DnsSource } from './types.js';

export type EndpointOutcome = 'unchanged' | 'written' | 'notOwned';

export class DnsWriter {
  constructor(
    private readonly client: KubeClient,
    /** Our DNSEndpoints (label-selected), to decide without a read whether anything differs. */
    private readonly cache: Informer<DNSEndpoint>,
    private readonly log: RuntimeLogger,
  ) {}

  /** Makes the DNSEndpoint `desired` exist as given, unless someone else's object holds its name. */
  async ensureEndpoint(desired: DNSEndpoint, source: DnsSource): Promise<EndpointOutcome> {
    const ns = String(desired.metadata.namespace);
    const name = String(desired.metadata.name);
    let existing = this.cache.get(`${ns}/${name}`);
    if (!existing) {
      try {
        await this.client.create(PATHS.namespaced('dnsendpoints', ns), desired);
        this.log.info(
          { dnsEndpoint: `${ns}/${name}`, endpoints: desired.spec.endpoints.length },
          'DNSEndpoint created',
        );
        return 'written';
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
      existing = await this.client.get<DNSEndpoint>(PATHS.namespaced('dnsendpoints', ns, name));
      if (!isOurs(existing, source)) return 'notOwned';
    }
    const update = dnsEndpointUpdate(existing, desired);
    if (!update) return 'unchanged';
    // resourceVersion from the cache: a concurrent change fails with 409 and the retry re-reads.
    await this.client.update(PATHS.namespaced('dnsendpoints', ns, name), update);
    this.log.info(
      { dnsEndpoint: `${ns}/${name}`, endpoints: desired.spec.endpoints.length },
      'DNSEndpoint updated',
    );
    return 'written';
  }

  /** Deletes our DNSEndpoint namespace/name if it exists (the API has no owner garbage collector). */
  async deleteEndpoint(namespace: string, name: string, source: DnsSource): Promise<void> {
    const existing = this.cache.get(`${namespace}/${name}`);
    if (!existing || !isOurs(existing, source) || existing.metadata.deletionTimestamp) return;
    try {
      await this.client.delete(PATHS.namespaced('dnsendpoints', namespace, name), {
        preconditions: { uid: existing.metadata.uid },
      });
      this.log.info({ dnsEndpoint: `${namespace}/${name}` }, 'DNSEndpoint deleted');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Replaces a record's status when it differs; a record deleted meanwhile is not an error. */
  async writeStatus(
    resource: string,
    record: KubeObject & { status?: DnsRecordStatus },
    status: DnsRecordStatus,
  ): Promise<boolean> {
    if (recordStatusEqual(record.status, status)) return false;
    const path = `${PATHS.namespaced(resource, String(record.metadata.namespace), String(record.metadata.name))}/status`;
    try {
      await this.client.jsonPatch(path, [{ op: 'add', path: '/status', value: status }]);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** A Warning Event on the record, so `kubectl describe` and `kubectl get events` show the problem. */
  async warn(record: KubeObject, condition: Condition, now: string): Promise<void> {
    const ns = String(record.metadata.namespace);
    await this.client
      .create(`/api/v1/namespaces/${ns}/events`, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: {
          // client-go's recorder naming: <object>.<unique hex>.
          name: `${String(record.metadata.name)}.${Date.now().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`,
          namespace: ns,
        },
        involvedObject: {
          apiVersion: record.apiVersion,
          kind: record.kind,
          name: record.metadata.name,
          namespace: ns,
          uid: record.metadata.uid,
        },
        reason: condition.reason,
        message: condition.message,
        type: 'Warning',
        source: { component: 'edgefed-dns-controller' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      })
      .catch((e: unknown) => this.log.warn({ err: e }, 'could not record event'));
  }
}
