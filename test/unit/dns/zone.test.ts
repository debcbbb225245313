import assert from 'node:assert/strict';
import {
  buildZones,
  endpointOrigins,
  nextSerial,
  parseTarget,
  txtStrings,
  zoneDefs,
  zoneOf,
  zoneRecords,
  type Zone,
} from '../../../dns/zone.js';
import { normalizeName } from '../../../dns/names.js';
import { toZoneFile } from '../../../dns/zonefile.js';
import { domain, endpoint, rec } from './fixtures.js';

/** `name TYPE data...` lines of a zone (apex first), for compact expectations. */
function lines(zone: Zone): string[] {
  return zoneRecords(zone).map(({ name, ttl, rrset }) => {
    const data = rrset.data.map((d) => (typeof d === 'string' ? d : JSON.stringify(d)));
    return `${name} ${ttl} ${rrset.type} ${data.join(' | ')}`;
  });
}

describe('dns/names normalizeName', () => {
  const cases: [string, string | undefined][] = [
    ['Example.COM.', 'example.com'],
    ['a.b.example.com', 'a.b.example.com'],
    ['_http._tcp.svc.example.com', '_http._tcp.svc.example.com'],
    ['*.example.com', '*.example.com'],
    ['a.*.example.com', undefined],
    ['', undefined],
    ['.', undefined],
    ['a..b', undefined],
    ['-a.example.com', undefined],
    ['a b.example.com', undefined],
    [`${'x'.repeat(64)}.com`, undefined],
    [`${'x'.repeat(63)}.com`, `${'x'.repeat(63)}.com`],
    [Array.from({ length: 130 }, () => 'a').join('.'), undefined],
  ];
  for (const [input, want] of cases)
    it(JSON.stringify(input.slice(0, 40)), () => assert.equal(normalizeName(input), want));
});

describe('dns/zone parseTarget', () => {
  const cases: [string, string, unknown][] = [
    ['A', '10.0.0.1', { type: 'A', data: '10.0.0.1' }],
    ['A', '::1', undefined],
    ['A', 'example.com', undefined],
    ['AAAA', '2001:DB8:0:0::1', { type: 'AAAA', data: '2001:db8::1' }],
    ['AAAA', '10.0.0.1', undefined],
    ['CNAME', 'Other.Example.com.', { type: 'CNAME', data: 'other.example.com' }],
    ['CNAME', '*.example.com', undefined],
    [
      'SRV',
      '0 50 8080 web.example.com',
      { type: 'SRV', data: { priority: 0, weight: 50, port: 8080, target: 'web.example.com' } },
    ],
    ['SRV', '0 50 70000 web.example.com', undefined],
    ['SRV', '0 50 web.example.com', undefined],
    ['MX', '10 mail.example.com', { type: 'MX', data: { preference: 10, exchange: 'mail.example.com' } }],
    ['TXT', ' spaced ', { type: 'TXT', data: [' spaced '] }],
    ['NS', 'ns.example.com', undefined],
  ];
  for (const [type, target, want] of cases)
    it(`${type} ${target}`, () => assert.deepEqual(parseTarget(type, target), want));

  it('splits long TXT into 255-byte strings without cutting a character', () => {
    const parts = txtStrings('é'.repeat(200));
    assert.deepEqual(
      parts.map((p) => Buffer.byteLength(p)),
      [254, 146],
    );
    assert.equal(parts.join(''), 'é'.repeat(200));
  });
});

describe('dns/zone zoneDefs and zoneOf', () => {
  it('one zone per distinct domain, first Domain by namespace/name names the server, plus clusterset.local', () => {
    const { defs, problems } = zoneDefs([
      domain('zfed', 'Example.com', 'ns9.example.com'),
      domain('afed', 'example.com.'),
      domain('eu', 'eu.example.com', 'dns.eu.example.com'),
      domain('bad', 'not a domain'),
    ]);
    assert.deepEqual(defs, [
      {
        origin: 'clusterset.local',
        nameServer: 'ns.dns.clusterset.local',
        domains: [],
      },
      {
        origin: 'eu.example.com',
        nameServer: 'dns.eu.example.com',
        domains: ['kube-federation-system/eu'],
      },
      {
        origin: 'example.com',
        nameServer: 'ns1.example.com',
        domains: ['kube-federation-system/afed', 'kube-federation-system/zfed'],
      },
    ]);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /bad: invalid domain/);
  });

  const origins = new Set(['example.com', 'eu.example.com', 'clusterset.local']);
  const cases: [string, string | undefined][] = [
    ['example.com', 'example.com'],
    ['a.example.com', 'example.com'],
    ['a.eu.example.com', 'eu.example.com'],
    ['eu.example.com', 'eu.example.com'],
    ['xeu.example.com', 'example.com'],
    ['web.default.svc.clusterset.local', 'clusterset.local'],
    ['example.org', undefined],
    ['com', undefined],
  ];
  for (const [name, want] of cases)
    it(`zoneOf ${name} → ${want}`, () => assert.equal(zoneOf(name, origins), want));

  it('endpointOrigins lists the zones a DNSEndpoint touches', () => {
    const ep = endpoint('ns', 'service-web', [
      rec('web.ns.fed.svc.example.com', 'A', ['1.1.1.1']),
      rec('web.ns.fed.svc.eu.example.com', 'A', ['1.1.1.1']),
      rec('web.ns.svc.clusterset.local', 'A', ['1.1.1.1']),
      rec('web.example.org', 'A', ['1.1.1.1']),
    ]);
    assert.deepEqual([...endpointOrigins(ep, origins)].sort(), [
      'clusterset.local',
      'eu.example.com',
      'example.com',
    ]);
  });
});

describe('dns/zone nextSerial', () => {
  const cases: [number | undefined, number, number][] = [
    [undefined, 42, 42],
    [10, 42, 42],
    [42, 42, 43],
    [50, 42, 51],
    [2 ** 32 - 1, 5, 5], // wrapped forward (RFC 1982)
    [2 ** 32 - 1, 2 ** 32 - 1, 0],
    [5, 2 ** 32 - 10, 6], // far "behind" in serial arithmetic
  ];
  for (const [prev, cand, want] of cases)
    it(`${prev} then ${cand} → ${want}`, () => assert.equal(nextSerial(prev, cand), want));
});

describe('dns/zone buildZone', () => {
  const domains = [domain('fed', 'example.com'), domain('eu', 'eu.example.com', 'ns.eu.example.com')];

  interface Case {
    name: string;
    endpoints: ReturnType<typeof endpoint>[];
    zone: string;
    want: string[];
    conflicts?: RegExp[];
  }
  const cases: Case[] = [
    {
      name: 'apex SOA and NS only, for an empty zone',
      endpoints: [],
      zone: 'example.com',
      want: [
        'example.com 30 SOA {"mname":"ns1.example.com","rname":"hostmaster.example.com","serial":7,"refresh":3600,"retry":600,"expire":86400,"minimum":30}',
        'example.com 300 NS ns1.example.com',
      ],
    },
    {
      name: 'kubefed service records: A at levels with endpoints, CNAME up, empty non-terminals',
      endpoints: [
        endpoint('ns', 'service-web', [
          rec('web.ns.fed.svc.example.com', 'A', ['10.0.0.2', '10.0.0.1']),
          rec('web.ns.fed.svc.us.example.com', 'CNAME', ['web.ns.fed.svc.example.com'], 60),
        ]),
      ],
      zone: 'example.com',
      want: [
        'example.com 300 NS ns1.example.com',
        'web.ns.fed.svc.example.com 180 A 10.0.0.1 | 10.0.0.2',
        'web.ns.fed.svc.us.example.com 60 CNAME web.ns.fed.svc.example.com',
      ],
    },
    {
      name: 'names of a more specific zone go there',
      endpoints: [endpoint('ns', 'x', [rec('a.eu.example.com', 'A', ['1.2.3.4'])])],
      zone: 'eu.example.com',
      want: ['eu.example.com 300 NS ns.eu.example.com', 'a.eu.example.com 180 A 1.2.3.4'],
    },
    {
      name: 'same name and type from two objects merge, smallest TTL, duplicates once',
      endpoints: [
        endpoint('b', 'two', [rec('m.example.com', 'A', ['1.1.1.1', '2.2.2.2'], 300)]),
        endpoint('a', 'one', [rec('M.Example.com.', 'A', ['1.1.1.1'], 100)]),
      ],
      zone: 'example.com',
      want: ['example.com 300 NS ns1.example.com', 'm.example.com 100 A 1.1.1.1 | 2.2.2.2'],
    },
    {
      name: 'CNAME next to other data is dropped; the data wins',
      endpoints: [
        endpoint('a', 'x', [rec('c.example.com', 'CNAME', ['t.example.com'])]),
        endpoint('b', 'y', [rec('c.example.com', 'AAAA', ['2001:db8::1'])]),
      ],
      zone: 'example.com',
      want: ['example.com 300 NS ns1.example.com', 'c.example.com 180 AAAA 2001:db8::1'],
      conflicts: [/c\.example\.com: CNAME \(from a\/x\) dropped: the name also has AAAA/],
    },
    {
      name: 'several CNAME targets: the smallest is kept',
      endpoints: [
        endpoint('a', 'x', [rec('c.example.com', 'CNAME', ['z.example.com'])]),
        endpoint('b', 'y', [rec('c.example.com', 'CNAME', ['b.example.com'])]),
      ],
      zone: 'example.com',
      want: ['example.com 300 NS ns1.example.com', 'c.example.com 180 CNAME b.example.com'],
      conflicts: [/2 CNAME targets .* kept b\.example\.com/],
    },
    {
      name: 'apex CNAME, NS and SOA endpoints, bad targets and unsupported types are dropped',
      endpoints: [
        endpoint('a', 'x', [
          rec('example.com', 'CNAME', ['t.example.org']),
          rec('example.com', 'A', ['192.0.2.1', 'nope']),
          rec('sub.example.com', 'NS', ['ns.elsewhere.org']),
          rec('example.com', 'SOA', ['x']),
          rec('caa.example.com', 'CAA', ['0 issue "x"']),
        ]),
      ],
      zone: 'example.com',
      want: ['example.com 300 NS ns1.example.com', 'example.com 180 A 192.0.2.1'],
      conflicts: [
        /CNAME at the zone apex/,
        /target "nope" dropped/,
        /NS not served/,
        /SOA not served/,
        /CAA not served/,
      ],
    },
    {
      name: 'SRV, TXT, MX and the clusterset.local names stay in their zones',
      endpoints: [
        endpoint('ns', 'service-web', [
          rec('_http._tcp.web.ns.fed.svc.example.com', 'SRV', ['0 10 80 web.ns.fed.svc.example.com']),
          rec('web.ns.fed.svc.example.com', 'TXT', ['hello world']),
          rec('example.com', 'MX', ['10 mail.example.com']),
          rec('web.ns.svc.clusterset.local', 'A', ['10.1.0.1']),
        ]),
      ],
      zone: 'example.com',
      want: [
        'example.com 300 NS ns1.example.com',
        'example.com 180 MX {"preference":10,"exchange":"mail.example.com"}',
        '_http._tcp.web.ns.fed.svc.example.com 180 SRV {"priority":0,"weight":10,"port":80,"target":"web.ns.fed.svc.example.com"}',
        'web.ns.fed.svc.example.com 180 TXT ["hello world"]',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { zones } = buildZones(domains, c.endpoints, 7);
      const zone = zones.get(c.zone)!;
      // The SOA line is checked once; other cases list the rest.
      const got = lines(zone).filter((l) => c.name.startsWith('apex SOA') || !l.includes(' SOA '));
      assert.deepEqual(got, c.want);
      const conflicts = c.conflicts ?? [];
      assert.equal(zone.conflicts.length, conflicts.length, zone.conflicts.join('\n'));
      conflicts.forEach((re, i) => assert.match(zone.conflicts[i], re));
    });
  }

  it('records every ancestor as an empty non-terminal', () => {
    const { zones } = buildZones(
      domains,
      [endpoint('ns', 'x', [rec('a.b.c.example.com', 'A', ['1.1.1.1'])])],
      1,
    );
    const z = zones.get('example.com')!;
    for (const n of ['b.c.example.com', 'c.example.com']) assert.equal(z.nodes.get(n)?.size, 0, n);
    assert.equal(z.nodes.has('example.com'), true);
    assert.equal(z.nodes.has('com'), false);
  });

  it('does not depend on the order objects arrive in', () => {
    const eps = [
      endpoint('a', 'x', [
        rec('c.example.com', 'CNAME', ['z.example.com']),
        rec('d.example.com', 'A', ['2.2.2.2']),
      ]),
      endpoint('b', 'y', [
        rec('c.example.com', 'CNAME', ['b.example.com']),
        rec('d.example.com', 'A', ['1.1.1.1']),
      ]),
    ];
    const one = buildZones(domains, eps, 1).zones.get('example.com')!;
    const two = buildZones([...domains].reverse(), [...eps].reverse(), 1).zones.get('example.com')!;
    assert.deepEqual(lines(one), lines(two));
    assert.deepEqual(one.conflicts, two.conflicts);
  });
});

describe('dns/zonefile toZoneFile', () => {
  it('writes a master file NSD and Knot load', () => {
    const { zones } = buildZones(
      [domain('fed', 'example.com')],
      [
        endpoint('ns', 'x', [
          rec('www.example.com', 'A', ['192.0.2.1']),
          rec('alias.example.com', 'CNAME', ['www.example.com']),
          rec('www.example.com', 'TXT', ['say "hi"\\ there']),
          rec('_h._tcp.example.com', 'SRV', ['0 1 80 www.example.com']),
        ]),
      ],
      9,
    );
    assert.equal(
      toZoneFile(zones.get('example.com')!),
      [
        '$ORIGIN example.com.',
        'example.com. 30 IN SOA ns1.example.com. hostmaster.example.com. 9 3600 600 86400 30',
        'example.com. 300 IN NS ns1.example.com.',
        '_h._tcp.example.com. 180 IN SRV 0 1 80 www.example.com.',
        'alias.example.com. 180 IN CNAME www.example.com.',
        'www.example.com. 180 IN A 192.0.2.1',
        'www.example.com. 180 IN TXT "say \\"hi\\"\\\\ there"',
        '',
      ].join('\n'),
    );
  });
});
