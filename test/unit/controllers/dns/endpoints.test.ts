import assert from 'node:assert/strict';
import {
  buildClustersetEndpoints,
  buildIngressEndpoints,
  buildServiceEndpoints,
  type ServiceEndpointsInput,
} from '../../../../controllers/dns/endpoints.js';
import type { ClusterDNS, Endpoint } from '../../../../controllers/dns/types.js';
import { deepFreeze } from '../sync/fixtures.js';

const G = 'web.shop.fed.svc.example.com';
const R = (r: string) => `web.shop.fed.svc.${r}.example.com`;
const Z = (z: string, r: string) => `web.shop.fed.svc.${z}.${r}.example.com`;

function entry(cluster: string, region: string | undefined, zones: string[], ...addrs: string[]): ClusterDNS {
  const ingress = addrs.map((a) => (/^[\d.]+$|:/.test(a) ? { ip: a } : { hostname: a }));
  return {
    cluster,
    loadBalancer: ingress.length ? { ingress } : {},
    ...(zones.length ? { zones } : {}),
    ...(region ? { region } : {}),
  };
}

const a = (dnsName: string, ...targets: string[]): Endpoint => ({
  dnsName,
  recordType: 'A',
  targets,
  recordTTL: 180,
});
const aaaa = (dnsName: string, ...targets: string[]): Endpoint => ({
  dnsName,
  recordType: 'AAAA',
  targets,
  recordTTL: 180,
});
const cname = (dnsName: string, target: string): Endpoint => ({
  dnsName,
  recordType: 'CNAME',
  targets: [target],
  recordTTL: 180,
});

const base = { name: 'web', namespace: 'shop', federation: 'fed', domain: 'example.com' };

describe('buildServiceEndpoints (kubefed names and fallbacks)', () => {
  const cases: {
    name: string;
    input: Partial<ServiceEndpointsInput> & { dns: ClusterDNS[] };
    want: Endpoint[];
  }[] = [
    {
      name: 'two regions, one zone each: global has both, each region and zone its own',
      input: {
        dns: [
          entry('east', 'us-east', ['us-east-1a'], '10.0.1.1'),
          entry('west', 'us-west', ['us-west-1a'], '10.0.2.1'),
        ],
      },
      want: [
        a(G, '10.0.1.1', '10.0.2.1'),
        a(R('us-east'), '10.0.1.1'),
        a(Z('us-east-1a', 'us-east'), '10.0.1.1'),
        a(R('us-west'), '10.0.2.1'),
        a(Z('us-west-1a', 'us-west'), '10.0.2.1'),
      ],
    },
    {
      name: 'a zone without addresses → CNAME to its region',
      input: {
        dns: [entry('a', 'eu', ['eu-1'], '10.0.0.1'), entry('b', 'eu', ['eu-2'])],
      },
      want: [
        a(G, '10.0.0.1'),
        a(R('eu'), '10.0.0.1'),
        a(Z('eu-1', 'eu'), '10.0.0.1'),
        cname(Z('eu-2', 'eu'), R('eu')),
      ],
    },
    {
      name: 'a region without addresses (its cluster offline) → region CNAME global, zone CNAME region',
      input: {
        dns: [entry('east', 'us-east', ['us-east-1a'], '10.0.1.1'), entry('west', 'us-west', ['us-west-1a'])],
      },
      want: [
        a(G, '10.0.1.1'),
        a(R('us-east'), '10.0.1.1'),
        a(Z('us-east-1a', 'us-east'), '10.0.1.1'),
        cname(R('us-west'), G),
        cname(Z('us-west-1a', 'us-west'), R('us-west')),
      ],
    },
    {
      name: 'no addresses anywhere, no externalName → no records (no dangling CNAMEs)',
      input: {
        dns: [entry('east', 'us-east', ['us-east-1a']), entry('west', 'us-west', [])],
        dnsPrefix: 'www',
      },
      want: [],
    },
    {
      name: 'no addresses anywhere, externalName → global CNAME externalName, levels chain up to it',
      input: { dns: [entry('east', 'us-east', ['us-east-1a'])], externalName: 'Fallback.Example.NET.' },
      want: [
        cname(G, 'fallback.example.net'),
        cname(R('us-east'), G),
        cname(Z('us-east-1a', 'us-east'), R('us-east')),
      ],
    },
    {
      name: 'externalName is only a fallback: addresses win',
      input: { dns: [entry('east', undefined, [], '10.0.1.1')], externalName: 'fallback.example.net' },
      want: [a(G, '10.0.1.1')],
    },
    {
      name: 'IPv6 → AAAA beside A; targets normalized and sorted numerically',
      input: {
        dns: [
          entry('a', 'eu', ['eu-1'], '10.0.0.10', '2001:DB8:0::2'),
          entry('b', 'eu', ['eu-1'], '10.0.0.9', '2001:db8::1', '10.0.0.10'),
        ],
      },
      want: [
        a(G, '10.0.0.9', '10.0.0.10'),
        aaaa(G, '2001:db8::1', '2001:db8::2'),
        a(R('eu'), '10.0.0.9', '10.0.0.10'),
        aaaa(R('eu'), '2001:db8::1', '2001:db8::2'),
        a(Z('eu-1', 'eu'), '10.0.0.9', '10.0.0.10'),
        aaaa(Z('eu-1', 'eu'), '2001:db8::1', '2001:db8::2'),
      ],
    },
    {
      name: 'IPv6 only → AAAA only',
      input: { dns: [entry('a', undefined, [], '2001:db8::1')] },
      want: [aaaa(G, '2001:db8::1')],
    },
    {
      name: 'hostnames only → one CNAME to the first; hostnames next to IPs are left out',
      input: {
        dns: [
          entry('a', 'us', ['us-1'], 'lb-b.elb.amazonaws.com', 'lb-a.elb.amazonaws.com'),
          entry('b', 'eu', ['eu-1'], '10.0.0.1', 'ignored.example.org'),
        ],
      },
      want: [
        a(G, '10.0.0.1'),
        a(R('eu'), '10.0.0.1'),
        a(Z('eu-1', 'eu'), '10.0.0.1'),
        cname(R('us'), 'lb-a.elb.amazonaws.com'),
        cname(Z('us-1', 'us'), 'lb-a.elb.amazonaws.com'),
      ],
    },
    {
      name: 'dnsPrefix → <prefix>.<domain> CNAME global',
      input: { dns: [entry('a', undefined, [], '10.0.0.1')], dnsPrefix: 'shop' },
      want: [a(G, '10.0.0.1'), cname('shop.example.com', G)],
    },
    {
      name: 'a cluster without region → global only; region without zone → no zone names',
      input: { dns: [entry('a', undefined, ['ignored'], '10.0.0.1'), entry('b', 'eu', [], '10.0.0.2')] },
      want: [a(G, '10.0.0.1', '10.0.0.2'), a(R('eu'), '10.0.0.2')],
    },
    {
      name: 'a cluster in two zones is in both',
      input: {
        dns: [entry('a', 'eu', ['eu-1', 'eu-2'], '10.0.0.1'), entry('b', 'eu', ['eu-2'], '10.0.0.2')],
      },
      want: [
        a(G, '10.0.0.1', '10.0.0.2'),
        a(R('eu'), '10.0.0.1', '10.0.0.2'),
        a(Z('eu-1', 'eu'), '10.0.0.1'),
        a(Z('eu-2', 'eu'), '10.0.0.1', '10.0.0.2'),
      ],
    },
    {
      name: 'domain with a root dot and capitals',
      input: { domain: 'Example.COM.', dns: [entry('a', undefined, [], '10.0.0.1')] },
      want: [a(G, '10.0.0.1')],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const input = deepFreeze({ ...base, ...c.input });
      assert.deepEqual(buildServiceEndpoints(input), c.want);
    });
  }

  it('recordTTL sets every TTL; 0, negative and fractions fall back to 180', () => {
    const dns = [entry('a', 'eu', ['eu-1'], '10.0.0.1'), entry('b', 'eu', ['eu-2'])];
    const ttls = (recordTTL: number | undefined) =>
      new Set(buildServiceEndpoints({ ...base, dns, recordTTL, dnsPrefix: 'p' }).map((e) => e.recordTTL));
    assert.deepEqual(ttls(30), new Set([30]));
    for (const bad of [undefined, 0, -5, 1.5]) assert.deepEqual(ttls(bad), new Set([180]), String(bad));
  });

  it('is deterministic: the order of clusters, zones and addresses does not matter', () => {
    const dns = [
      entry('c', 'us', ['us-2', 'us-1'], '10.0.3.1', '2001:db8::3'),
      entry('a', 'eu', ['eu-1'], '10.0.1.2', '10.0.1.1'),
      entry('b', 'eu', ['eu-2'], '10.0.1.1'),
    ];
    const want = JSON.stringify(buildServiceEndpoints({ ...base, dns }));
    for (let i = 0; i < 20; i++) {
      const shuffled = [...dns]
        .map((d) => ({
          ...d,
          zones: [...(d.zones ?? [])].reverse(),
          loadBalancer: { ingress: [...(d.loadBalancer.ingress ?? [])].reverse() },
        }))
        .sort(() => Math.random() - 0.5);
      assert.equal(JSON.stringify(buildServiceEndpoints({ ...base, dns: shuffled })), want);
    }
  });

  it('never gives one name both a CNAME and other records', () => {
    const eps = buildServiceEndpoints({
      ...base,
      dns: [entry('a', 'eu', ['eu-1'], 'lb.example.org'), entry('b', 'eu', ['eu-1'], '10.0.0.1')],
      dnsPrefix: 'web.shop.fed.svc',
    });
    const byName = new Map<string, string[]>();
    for (const e of eps) byName.set(e.dnsName, [...(byName.get(e.dnsName) ?? []), e.recordType]);
    for (const [n, types] of byName)
      assert.ok(!types.includes('CNAME') || types.length === 1, `${n}: ${types.join(',')}`);
    assert.ok(eps.every((e) => e.recordType !== 'CNAME' || e.targets.length === 1));
  });
});

describe('buildIngressEndpoints (kubefed: each host gets every cluster’s addresses)', () => {
  it('each host, A and AAAA, deduplicated hosts, no record without addresses', () => {
    const dns = [entry('a', undefined, [], '10.0.0.2', '2001:db8::1'), entry('b', undefined, [], '10.0.0.1')];
    assert.deepEqual(
      buildIngressEndpoints({ hosts: ['b.example.com', 'A.example.com.', 'b.example.com'], dns }),
      [
        a('a.example.com', '10.0.0.1', '10.0.0.2'),
        aaaa('a.example.com', '2001:db8::1'),
        a('b.example.com', '10.0.0.1', '10.0.0.2'),
        aaaa('b.example.com', '2001:db8::1'),
      ],
    );
    assert.deepEqual(
      buildIngressEndpoints({ hosts: ['a.example.com'], dns: [entry('a', undefined, [])] }),
      [],
    );
    assert.deepEqual(buildIngressEndpoints({ hosts: ['not a host!'], dns }), []);
  });

  it('recordTTL and hostname-only load balancers', () => {
    assert.deepEqual(
      buildIngressEndpoints({
        hosts: ['x.example.com'],
        dns: [entry('a', undefined, [], 'lb.example.org')],
        recordTTL: 60,
      }),
      [{ dnsName: 'x.example.com', recordType: 'CNAME', targets: ['lb.example.org'], recordTTL: 60 }],
    );
  });
});

describe('buildClustersetEndpoints (<svc>.<ns>.svc.clusterset.local)', () => {
  it('every address, TTL 5, or nothing', () => {
    assert.deepEqual(
      buildClustersetEndpoints({
        name: 'web',
        namespace: 'shop',
        dns: [
          entry('a', 'eu', ['eu-1'], '10.0.0.2'),
          entry('b', 'us', [], '10.0.0.1', 'fd00::1'),
          entry('c', 'us', []),
        ],
      }),
      [
        {
          dnsName: 'web.shop.svc.clusterset.local',
          recordType: 'A',
          targets: ['10.0.0.1', '10.0.0.2'],
          recordTTL: 5,
        },
        { dnsName: 'web.shop.svc.clusterset.local', recordType: 'AAAA', targets: ['fd00::1'], recordTTL: 5 },
      ],
    );
    assert.deepEqual(
      buildClustersetEndpoints({ name: 'web', namespace: 'shop', dns: [entry('c', 'us', [])] }),
      [],
    );
  });
});
