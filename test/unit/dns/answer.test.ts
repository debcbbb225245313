import assert from 'node:assert/strict';
import * as dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { OUR_UDP_SIZE, parseQuestion, respond, type Transport } from '../../../dns/answer.js';
import { buildZones } from '../../../dns/zone.js';
import { domain, endpoint, rec } from './fixtures.js';

const BIG = Array.from({ length: 100 }, (_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`);

const { zones } = buildZones(
  [domain('fed', 'example.com', 'ns1.example.com')],
  [
    endpoint('ns', 'service-www', [
      rec('www.example.com', 'A', ['192.0.2.2', '192.0.2.1'], 60),
      rec('www.example.com', 'AAAA', ['2001:db8::1']),
      rec('www.example.com', 'TXT', ['v=hello']),
      rec('alias.example.com', 'CNAME', ['www.example.com']),
      rec('alias2.example.com', 'CNAME', ['alias.example.com']),
      rec('loop1.example.com', 'CNAME', ['loop2.example.com']),
      rec('loop2.example.com', 'CNAME', ['loop1.example.com']),
      rec('dangling.example.com', 'CNAME', ['missing.example.com']),
      rec('out.example.com', 'CNAME', ['www.example.org']),
      rec('_http._tcp.www.example.com', 'SRV', ['0 10 80 www.example.com', '1 10 8080 other.example.org']),
      rec('*.wild.example.com', 'A', ['192.0.2.9']),
      rec('ns1.example.com', 'A', ['192.0.2.53']),
      rec('deep.a.b.example.com', 'A', ['192.0.2.7']),
      rec('big.example.com', 'A', BIG),
      rec('mid.example.com', 'A', BIG.slice(0, 30)),
      rec('_mid._tcp.example.com', 'SRV', ['0 0 80 mid.example.com']),
    ]),
    endpoint('default', 'service-web', [rec('web.default.svc.clusterset.local', 'A', ['10.1.0.1'])]),
  ],
  2024,
);

interface Ask {
  name: string;
  type?: string;
  transport?: Transport;
  edns?: { size?: number; version?: number; do?: boolean };
  flags?: number;
}

function query(a: Ask, id = 4242): Buffer {
  const p: Packet = {
    type: 'query',
    id,
    flags: a.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ name: a.name, type: (a.type ?? 'A') as 'A', class: 'IN' }],
    additionals: a.edns
      ? [
          {
            name: '.',
            type: 'OPT',
            udpPayloadSize: a.edns.size ?? 1232,
            extendedRcode: 0,
            ednsVersion: a.edns.version ?? 0,
            flags: a.edns.do ? dnsPacket.DNSSEC_OK : 0,
            flag_do: a.edns.do ?? false,
            options: [],
          },
        ]
      : [],
  };
  return dnsPacket.encode(p);
}

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

function show(a: Answer): string {
  if (a.type === 'OPT') return `OPT ${a.udpPayloadSize}`;
  const d = a.data;
  let data: string;
  if (a.type === 'TXT') data = (d as Buffer[]).map((b) => b.toString()).join(',');
  else if (a.type === 'SOA') data = `${(d as { mname: string }).mname} ${(d as { serial: number }).serial}`;
  else if (a.type === 'SRV') {
    const s = d as { priority: number; weight: number; port: number; target: string };
    data = `${s.priority} ${s.weight} ${s.port} ${s.target}`;
  } else data = String(d);
  return `${a.name} ${a.ttl} ${a.type} ${data}`;
}

interface Shown {
  id: number;
  rcode: string;
  flags: string[];
  question: string[];
  answer: string[];
  authority: string[];
  additional: string[];
  size: number;
}

function decode(bytes: Buffer): Shown {
  const p = dnsPacket.decode(bytes);
  const opt = (p.additionals ?? []).find((a) => a.type === 'OPT');
  const ext = opt && opt.type === 'OPT' ? opt.extendedRcode : 0;
  const code = (ext << 4) | (bytes[3] & 0xf);
  const flags = [
    ['qr', p.flag_qr],
    ['aa', p.flag_aa],
    ['tc', p.flag_tc],
    ['rd', p.flag_rd],
    ['ra', p.flag_ra],
  ]
    .filter(([, on]) => on)
    .map(([f]) => f as string);
  return {
    id: p.id ?? -1,
    rcode: code === 16 ? 'BADVERS' : RCODE_NAMES[code],
    flags,
    question: (p.questions ?? []).map((q) => `${q.name} ${q.type}`),
    answer: (p.answers ?? []).map(show),
    authority: (p.authorities ?? []).map(show),
    additional: (p.additionals ?? []).map(show),
    size: bytes.length,
  };
}

function ask(a: Ask): Shown {
  const r = respond(query(a), zones, a.transport ?? 'udp');
  assert.ok(r, 'answered');
  const shown = decode(r.bytes);
  assert.equal(shown.rcode, r.rcode, 'reported rcode matches the wire');
  assert.equal(shown.flags.includes('tc'), r.truncated);
  return shown;
}

const SOA_NEG = 'example.com 30 SOA ns1.example.com 2024';

describe('dns/answer respond: answers', () => {
  interface Case {
    name: string;
    ask: Ask;
    rcode: string;
    flags?: string[];
    answer?: string[];
    authority?: string[];
    additional?: string[];
  }
  const cases: Case[] = [
    {
      name: 'A with two targets, AA, RD echoed, no RA',
      ask: { name: 'www.example.com' },
      rcode: 'NOERROR',
      flags: ['qr', 'aa', 'rd'],
      answer: ['www.example.com 60 A 192.0.2.1', 'www.example.com 60 A 192.0.2.2'],
    },
    {
      name: 'RD clear stays clear',
      ask: { name: 'www.example.com', flags: 0 },
      rcode: 'NOERROR',
      flags: ['qr', 'aa'],
      answer: ['www.example.com 60 A 192.0.2.1', 'www.example.com 60 A 192.0.2.2'],
    },
    {
      name: 'AAAA',
      ask: { name: 'www.example.com', type: 'AAAA' },
      rcode: 'NOERROR',
      answer: ['www.example.com 180 AAAA 2001:db8::1'],
    },
    {
      name: 'TXT',
      ask: { name: 'www.example.com', type: 'TXT' },
      rcode: 'NOERROR',
      answer: ['www.example.com 180 TXT v=hello'],
    },
    {
      name: 'case-insensitive; the owner keeps the question case',
      ask: { name: 'WwW.ExAmPlE.cOm' },
      rcode: 'NOERROR',
      answer: ['WwW.ExAmPlE.cOm 60 A 192.0.2.1', 'WwW.ExAmPlE.cOm 60 A 192.0.2.2'],
    },
    {
      name: 'CNAME chased within the zone, the chain in the answer',
      ask: { name: 'alias2.example.com' },
      rcode: 'NOERROR',
      answer: [
        'alias2.example.com 180 CNAME alias.example.com',
        'alias.example.com 180 CNAME www.example.com',
        'www.example.com 60 A 192.0.2.1',
        'www.example.com 60 A 192.0.2.2',
      ],
    },
    {
      name: 'CNAME asked for is not chased',
      ask: { name: 'alias2.example.com', type: 'CNAME' },
      rcode: 'NOERROR',
      answer: ['alias2.example.com 180 CNAME alias.example.com'],
    },
    {
      name: 'CNAME chain to a type the target lacks: NODATA after the chain',
      ask: { name: 'alias.example.com', type: 'SRV' },
      rcode: 'NOERROR',
      answer: ['alias.example.com 180 CNAME www.example.com'],
      authority: [SOA_NEG],
    },
    {
      name: 'CNAME loop: each link once, then stop',
      ask: { name: 'loop1.example.com' },
      rcode: 'NOERROR',
      answer: [
        'loop1.example.com 180 CNAME loop2.example.com',
        'loop2.example.com 180 CNAME loop1.example.com',
      ],
    },
    {
      name: 'CNAME to a missing in-zone name: NXDOMAIN for the last name (RFC 6604)',
      ask: { name: 'dangling.example.com' },
      rcode: 'NXDOMAIN',
      answer: ['dangling.example.com 180 CNAME missing.example.com'],
      authority: [SOA_NEG],
    },
    {
      name: 'CNAME leaving the zone: the chain only',
      ask: { name: 'out.example.com' },
      rcode: 'NOERROR',
      answer: ['out.example.com 180 CNAME www.example.org'],
    },
    {
      name: 'SRV with in-zone target addresses in the additional section',
      ask: { name: '_http._tcp.www.example.com', type: 'SRV' },
      rcode: 'NOERROR',
      answer: [
        '_http._tcp.www.example.com 180 SRV 0 10 80 www.example.com',
        '_http._tcp.www.example.com 180 SRV 1 10 8080 other.example.org',
      ],
      additional: [
        'www.example.com 60 A 192.0.2.1',
        'www.example.com 60 A 192.0.2.2',
        'www.example.com 180 AAAA 2001:db8::1',
      ],
    },
    {
      name: 'SOA at the apex',
      ask: { name: 'example.com', type: 'SOA' },
      rcode: 'NOERROR',
      flags: ['qr', 'aa', 'rd'],
      answer: ['example.com 30 SOA ns1.example.com 2024'],
    },
    {
      name: 'NS at the apex with the server address',
      ask: { name: 'example.com', type: 'NS' },
      rcode: 'NOERROR',
      answer: ['example.com 300 NS ns1.example.com'],
      additional: ['ns1.example.com 180 A 192.0.2.53'],
    },
    {
      name: 'NXDOMAIN with the SOA in authority at the negative TTL',
      ask: { name: 'nope.example.com' },
      rcode: 'NXDOMAIN',
      flags: ['qr', 'aa', 'rd'],
      authority: [SOA_NEG],
    },
    {
      name: 'NODATA for a type the name lacks',
      ask: { name: 'ns1.example.com', type: 'AAAA' },
      rcode: 'NOERROR',
      authority: [SOA_NEG],
    },
    {
      name: 'NODATA for an empty non-terminal',
      ask: { name: 'b.example.com' },
      rcode: 'NOERROR',
      authority: [SOA_NEG],
    },
    {
      name: 'NODATA for an unknown type',
      ask: { name: 'www.example.com', type: 'HINFO' },
      rcode: 'NOERROR',
      authority: [SOA_NEG],
    },
    {
      name: 'NXDOMAIN below an existing name',
      ask: { name: 'x.www.example.com' },
      rcode: 'NXDOMAIN',
      authority: [SOA_NEG],
    },
    {
      name: 'wildcard synthesis, owner = the question',
      ask: { name: 'Anything.wild.example.com' },
      rcode: 'NOERROR',
      answer: ['Anything.wild.example.com 180 A 192.0.2.9'],
    },
    {
      name: 'wildcard does not cover names below an existing node',
      ask: { name: 'x.b.example.com' },
      rcode: 'NXDOMAIN',
      authority: [SOA_NEG],
    },
    {
      name: 'the built-in clusterset.local zone',
      ask: { name: 'web.default.svc.clusterset.local' },
      rcode: 'NOERROR',
      answer: ['web.default.svc.clusterset.local 180 A 10.1.0.1'],
    },
    {
      name: 'clusterset.local negative answers carry its own SOA',
      ask: { name: 'nope.default.svc.clusterset.local' },
      rcode: 'NXDOMAIN',
      authority: ['clusterset.local 30 SOA ns.dns.clusterset.local 2024'],
    },
    {
      name: 'ANY over UDP: one RRset (RFC 8482)',
      ask: { name: 'www.example.com', type: 'ANY' },
      rcode: 'NOERROR',
      answer: ['www.example.com 60 A 192.0.2.1', 'www.example.com 60 A 192.0.2.2'],
    },
    {
      name: 'ANY over TCP: every RRset',
      ask: { name: 'www.example.com', type: 'ANY', transport: 'tcp' },
      rcode: 'NOERROR',
      answer: [
        'www.example.com 60 A 192.0.2.1',
        'www.example.com 60 A 192.0.2.2',
        'www.example.com 180 AAAA 2001:db8::1',
        'www.example.com 180 TXT v=hello',
      ],
    },
    {
      name: 'outside every zone: REFUSED, not authoritative',
      ask: { name: 'www.example.org' },
      rcode: 'REFUSED',
      flags: ['qr', 'rd'],
    },
    {
      name: 'a parent of a zone is outside it',
      ask: { name: 'com' },
      rcode: 'REFUSED',
    },
    {
      name: 'zone transfers are refused',
      ask: { name: 'example.com', type: 'AXFR', transport: 'tcp' },
      rcode: 'REFUSED',
    },
    {
      name: 'EDNS: OPT echoed with our size',
      ask: { name: 'www.example.com', edns: { size: 4096 } },
      rcode: 'NOERROR',
      answer: ['www.example.com 60 A 192.0.2.1', 'www.example.com 60 A 192.0.2.2'],
      additional: [`OPT ${OUR_UDP_SIZE}`],
    },
    {
      name: 'EDNS version 1: BADVERS with OPT',
      ask: { name: 'www.example.com', edns: { version: 1 } },
      rcode: 'BADVERS',
      flags: ['qr', 'rd'],
      additional: [`OPT ${OUR_UDP_SIZE}`],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = ask(c.ask);
      assert.equal(r.rcode, c.rcode);
      assert.equal(r.id, 4242);
      assert.deepEqual(r.question, [`${c.ask.name} ${c.ask.type ?? 'A'}`], 'question echoed as asked');
      if (c.flags) assert.deepEqual(r.flags, c.flags);
      assert.deepEqual(r.answer, c.answer ?? []);
      assert.deepEqual(r.authority, c.authority ?? []);
      assert.deepEqual(r.additional, c.additional ?? []);
    });
  }
});

describe('dns/answer respond: sizes and truncation', () => {
  const cases: {
    name: string;
    ask: Ask;
    tc: boolean;
    answers: number;
    maxSize?: number;
    additional?: number;
  }[] = [
    {
      name: 'no EDNS: 512 bytes, 100 A records truncated',
      ask: { name: 'big.example.com' },
      tc: true,
      answers: 0,
      maxSize: 512,
    },
    {
      name: 'EDNS 4096 is capped at our 1232: still truncated',
      ask: { name: 'big.example.com', edns: { size: 4096 } },
      tc: true,
      answers: 0,
      maxSize: OUR_UDP_SIZE,
    },
    {
      name: 'over TCP the whole answer',
      ask: { name: 'big.example.com', transport: 'tcp' },
      tc: false,
      answers: 100,
    },
    {
      name: '30 records: truncated without EDNS',
      ask: { name: 'mid.example.com' },
      tc: true,
      answers: 0,
      maxSize: 512,
    },
    {
      name: '30 records fit EDNS 1232',
      ask: { name: 'mid.example.com', edns: { size: 1232 } },
      tc: false,
      answers: 30,
      maxSize: 1232,
    },
    {
      name: 'a client size below 512 counts as 512',
      ask: { name: 'www.example.com', edns: { size: 100 } },
      tc: false,
      answers: 2,
    },
    {
      name: 'a client advertising 600 gets at most 600',
      ask: { name: 'mid.example.com', edns: { size: 600 } },
      tc: true,
      answers: 0,
      maxSize: 600,
    },
    {
      name: 'additional records are dropped before truncating',
      ask: { name: '_mid._tcp.example.com', type: 'SRV', edns: { size: 512 } },
      tc: false,
      answers: 1,
      additional: 1, // only the OPT
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = ask(c.ask);
      assert.equal(r.flags.includes('tc'), c.tc);
      assert.equal(r.answer.length, c.answers);
      if (c.maxSize) assert.ok(r.size <= c.maxSize, `${r.size} <= ${c.maxSize}`);
      if (c.additional !== undefined) assert.equal(r.additional.length, c.additional);
      if (c.tc) assert.equal(r.rcode, 'NOERROR');
    });
  }

  it('the same SRV answer carries the addresses when they fit', () => {
    const r = ask({ name: '_mid._tcp.example.com', type: 'SRV', edns: { size: 1232 } });
    assert.equal(r.additional.length, 31);
    assert.ok(r.size > 512);
  });
});

describe('dns/answer respond: malformed and unusual queries', () => {
  const good = query({ name: 'www.example.com' });
  const withFlags = (buf: Buffer, set: number, clear = 0): Buffer => {
    const b = Buffer.from(buf);
    b.writeUInt16BE((b.readUInt16BE(2) | set) & ~clear, 2);
    return b;
  };
  const withCount = (buf: Buffer, at: number, n: number): Buffer => {
    const b = Buffer.from(buf);
    b.writeUInt16BE(n, at);
    return b;
  };
  const cases: { name: string; bytes: Buffer; want: string | undefined; echoesQuestion?: boolean }[] = [
    { name: 'empty', bytes: Buffer.alloc(0), want: undefined },
    { name: 'shorter than a header', bytes: good.subarray(0, 11), want: undefined },
    { name: 'a header only, no question', bytes: withCount(good.subarray(0, 12), 4, 0), want: 'FORMERR' },
    { name: 'qdcount 1 but no question bytes', bytes: good.subarray(0, 12), want: 'FORMERR' },
    { name: 'question cut inside the name', bytes: good.subarray(0, 20), want: 'FORMERR' },
    { name: 'question cut before type/class', bytes: good.subarray(0, good.length - 2), want: 'FORMERR' },
    { name: 'two questions', bytes: withCount(good, 4, 2), want: 'FORMERR' },
    { name: 'QR set (a response sent to us)', bytes: withFlags(good, 0x8000), want: 'FORMERR' },
    {
      name: 'QR set with an error rcode: dropped (no ping-pong)',
      bytes: withFlags(good, 0x8001),
      want: undefined,
    },
    { name: 'opcode STATUS', bytes: withFlags(good, 2 << 11), want: 'NOTIMP', echoesQuestion: true },
    { name: 'opcode NOTIFY', bytes: withFlags(good, 4 << 11), want: 'NOTIMP', echoesQuestion: true },
    { name: 'opcode UPDATE', bytes: withFlags(good, 5 << 11), want: 'NOTIMP', echoesQuestion: true },
    {
      name: 'arcount 1 with nothing there',
      bytes: withCount(good, 10, 1),
      want: 'FORMERR',
      echoesQuestion: true,
    },
    {
      name: 'compression pointer in the question',
      bytes: Buffer.concat([good.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]),
      want: 'FORMERR',
    },
    {
      name: 'two OPT records',
      bytes: (() => {
        const q = query({ name: 'www.example.com', edns: {} });
        const opt = q.subarray(q.length - 11);
        return withCount(Buffer.concat([q, opt]), 10, 2);
      })(),
      want: 'FORMERR',
      echoesQuestion: true,
    },
    {
      name: 'OPT as the question type',
      bytes: query({ name: 'www.example.com', type: 'OPT' }),
      want: 'FORMERR',
      echoesQuestion: true,
    },
    {
      name: 'class CH (version.bind)',
      bytes: (() => {
        const b = Buffer.from(query({ name: 'version.bind', type: 'TXT' }));
        b.writeUInt16BE(3, b.length - 2);
        return b;
      })(),
      want: 'REFUSED',
      echoesQuestion: true,
    },
    {
      name: 'a label with a dot byte inside the zone: NXDOMAIN, question echoed byte for byte',
      bytes: Buffer.concat([
        good.subarray(0, 12),
        Buffer.from([3, 0x77, 0x2e, 0x77, 7]),
        Buffer.from('example'),
        Buffer.from([3]),
        Buffer.from('com'),
        Buffer.from([0, 0, 1, 0, 1]),
      ]),
      want: 'NXDOMAIN',
      echoesQuestion: true,
    },
    {
      name: 'a binary label outside our zones: REFUSED',
      bytes: Buffer.concat([good.subarray(0, 12), Buffer.from([2, 0x00, 0xff, 0, 0, 1, 0, 1])]),
      want: 'REFUSED',
      echoesQuestion: true,
    },
    { name: 'the root', bytes: query({ name: '.', type: 'NS' }), want: 'REFUSED', echoesQuestion: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = respond(c.bytes, zones, 'udp');
      if (c.want === undefined) {
        assert.equal(r, undefined);
        return;
      }
      assert.ok(r);
      assert.equal(r.rcode, c.want);
      assert.equal(r.bytes.readUInt16BE(0), c.bytes.readUInt16BE(0), 'ID echoed');
      assert.equal(r.bytes[2] & 0x80, 0x80, 'QR set');
      assert.equal(r.bytes[3] & 0xf, { FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 }[c.want]);
      assert.equal((r.bytes[2] >> 3) & 0xf, (c.bytes[2] >> 3) & 0xf, 'opcode echoed');
      if (c.echoesQuestion) {
        assert.equal(r.bytes.readUInt16BE(4), 1);
        const end = parseQuestion(c.bytes)!.end;
        assert.deepEqual(r.bytes.subarray(12, end), c.bytes.subarray(12, end));
      }
    });
  }

  it('never throws on random and truncated packets', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const base = query({ name: 'www.example.com', edns: { size: 1232 } });
    for (let i = 0; i < 5000; i++) {
      let b: Buffer;
      if (i % 3 === 0) b = Buffer.from(Array.from({ length: rand() % 80 }, () => rand() & 0xff));
      else if (i % 3 === 1) b = base.subarray(0, rand() % base.length);
      else {
        b = Buffer.from(base);
        for (let k = 0; k < 3; k++) b[rand() % b.length] = rand() & 0xff;
      }
      const r = respond(b, zones, i % 2 ? 'tcp' : 'udp');
      if (r) assert.ok(r.bytes.length >= 12);
    }
  });
});
