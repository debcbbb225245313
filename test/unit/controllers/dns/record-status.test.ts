import assert from 'node:assert/strict';
import { dnsEndpointUpdate, desiredDnsEndpoint } from '../../../../controllers/dns/dnsendpoint.js';
import { newUserError, recordStatus, recordStatusEqual } from '../../../../controllers/dns/record-status.js';
import type { DNSEndpoint, DnsRecordStatus } from '../../../../controllers/dns/types.js';

const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-01T00:01:00Z';

describe('record status', () => {
  const ok = { status: 'True' as const, reason: 'RecordsPublished', message: '5 names' };
  const noDomain = { status: 'False' as const, reason: 'DomainNotFound', message: 'Domain "x" not found' };

  it('an unchanged pass produces the stored status exactly (nothing to write)', () => {
    const first = recordStatus(undefined, { domain: 'example.com', dns: [], ready: ok }, T0);
    const again = recordStatus(first, { domain: 'example.com', dns: [], ready: ok }, T1);
    assert.ok(recordStatusEqual(first, again));
    assert.equal(again.conditions?.[0].lastTransitionTime, T0);
  });

  it('lastTransitionTime moves only when Ready flips', () => {
    const first = recordStatus(undefined, { dns: [], ready: noDomain }, T0);
    const otherReason = recordStatus(first, { dns: [], ready: { ...noDomain, reason: 'InvalidDomain' } }, T1);
    assert.equal(otherReason.conditions?.[0].lastTransitionTime, T0);
    const flipped = recordStatus(first, { dns: [], ready: ok }, T1);
    assert.equal(flipped.conditions?.[0].lastTransitionTime, T1);
  });

  it('newUserError: a Warning once per new user error, none for transient states', () => {
    const bad = recordStatus(undefined, { dns: [], ready: noDomain }, T0);
    assert.equal(newUserError(undefined, bad)?.reason, 'DomainNotFound');
    assert.equal(newUserError(bad, recordStatus(bad, { dns: [], ready: noDomain }, T1)), undefined);
    const none: DnsRecordStatus = recordStatus(
      undefined,
      {
        dns: [],
        ready: { status: 'False', reason: 'NoAddresses', message: 'm' },
      },
      T0,
    );
    assert.equal(newUserError(undefined, none), undefined);
  });
});

describe('DNSEndpoint writes', () => {
  const owner = {
    apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
    kind: 'ServiceDNSRecord',
    metadata: { name: 'web', namespace: 'shop', uid: 'u1' },
  };
  const eps = [{ dnsName: 'a.example.com', recordType: 'A' as const, targets: ['10.0.0.1'], recordTTL: 180 }];

  it('desired: service-<name>, labelled, owned', () => {
    const d = desiredDnsEndpoint(owner, 'service', eps);
    assert.equal(d.metadata.name, 'service-web');
    assert.equal(d.metadata.namespace, 'shop');
    assert.deepEqual(d.metadata.labels, { 'edgefed.io/dns-source': 'service' });
    assert.equal(d.metadata.ownerReferences?.[0].uid, 'u1');
    assert.equal(d.metadata.ownerReferences?.[0].controller, true);
  });

  it('update: none when equal; keeps foreign labels, owners and status; replaces a stale owner uid', () => {
    const d = desiredDnsEndpoint(owner, 'service', eps);
    const stored: DNSEndpoint = {
      ...structuredClone(d),
      metadata: {
        ...structuredClone(d.metadata),
        resourceVersion: '7',
        labels: { ...d.metadata.labels, team: 'x' },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'c1' },
          ...d.metadata.ownerReferences!,
        ],
      },
      status: { observedGeneration: 3 },
    };
    assert.equal(dnsEndpointUpdate(stored, d), undefined);
    const recreated = desiredDnsEndpoint(
      { ...owner, metadata: { ...owner.metadata, uid: 'u2' } },
      'service',
      eps,
    );
    const up = dnsEndpointUpdate(stored, recreated);
    assert.ok(up);
    assert.deepEqual(
      up.metadata.ownerReferences?.map((r) => r.uid),
      ['c1', 'u2'],
    );
    assert.equal(up.metadata.labels?.team, 'x');
    assert.equal(up.metadata.resourceVersion, '7');
    assert.deepEqual(up.status, { observedGeneration: 3 });
    const moved = dnsEndpointUpdate(stored, desiredDnsEndpoint(owner, 'service', []));
    assert.deepEqual(moved?.spec.endpoints, []);
  });
});
