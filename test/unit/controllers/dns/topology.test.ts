import assert from 'node:assert/strict';
import { clusterTopology, dnsFingerprint } from '../../../../controllers/dns/topology.js';
import type { KubeFedCluster } from '../../../../api/federation.js';
import { cluster } from '../sync/fixtures.js';

function withStatus(c: KubeFedCluster, region?: string, zones?: string[]): KubeFedCluster {
  return { ...c, status: { ...c.status, region, zones } };
}

describe('clusterTopology (region and zones of a cluster)', () => {
  const cases: { name: string; c: KubeFedCluster; want: ReturnType<typeof clusterTopology> }[] = [
    {
      name: 'labels region/zone',
      c: cluster('a', { labels: { region: 'eu', zone: 'eu-1' } }),
      want: { region: 'eu', zones: ['eu-1'] },
    },
    {
      name: 'topology.kubernetes.io labels',
      c: cluster('a', {
        labels: { 'topology.kubernetes.io/region': 'us', 'topology.kubernetes.io/zone': 'us-1b' },
      }),
      want: { region: 'us', zones: ['us-1b'] },
    },
    {
      name: 'the short labels win over topology.kubernetes.io',
      c: cluster('a', { labels: { region: 'eu', 'topology.kubernetes.io/region': 'us' } }),
      want: { region: 'eu', zones: [] },
    },
    {
      name: 'status.region/zones when no label says',
      c: withStatus(cluster('a'), 'us-east1', ['us-east1-c', 'us-east1-b', 'us-east1-b']),
      want: { region: 'us-east1', zones: ['us-east1-b', 'us-east1-c'] },
    },
    {
      name: 'a zone label replaces status.zones',
      c: withStatus(cluster('a', { labels: { zone: 'z9' } }), 'r', ['z1']),
      want: { region: 'r', zones: ['z9'] },
    },
    { name: 'nothing → no region, no zones', c: cluster('a'), want: { zones: [] } },
    {
      name: 'zones without a region mean nothing',
      c: cluster('a', { labels: { zone: 'z' } }),
      want: { zones: [] },
    },
    {
      name: 'lower-cased; values that are not DNS labels are ignored',
      c: cluster('a', { labels: { region: 'EU', zone: 'eu_1' } }),
      want: { region: 'eu', zones: [] },
    },
    {
      name: 'a dotted region is ignored',
      c: cluster('a', { labels: { region: 'eu.west', zone: 'z' } }),
      want: { zones: [] },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(clusterTopology(c.c), c.want));
});

describe('dnsFingerprint', () => {
  it('changes with readiness, place and deletion; not with heartbeat times', () => {
    const base = cluster('a', { labels: { region: 'eu' } });
    const beat = {
      ...base,
      status: { ...base.status, lastHeartbeatTime: '2025-01-01T00:00:00Z' },
    } as KubeFedCluster;
    beat.status!.conditions = [{ ...base.status!.conditions![0], lastProbeTime: '2025-01-01T00:00:00Z' }];
    assert.equal(dnsFingerprint(beat), dnsFingerprint(base));
    assert.notEqual(
      dnsFingerprint(cluster('a', { labels: { region: 'eu' }, ready: 'False' })),
      dnsFingerprint(base),
    );
    assert.notEqual(dnsFingerprint(cluster('a', { labels: { region: 'us' } })), dnsFingerprint(base));
    assert.notEqual(
      dnsFingerprint(cluster('a', { labels: { region: 'eu' }, deleting: true })),
      dnsFingerprint(base),
    );
    assert.equal(
      dnsFingerprint(cluster('a', { labels: { region: 'eu', team: 'x' } })),
      dnsFingerprint(base),
      'labels that are not topology do not matter',
    );
  });
});
