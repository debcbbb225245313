import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { cleanup, kubectlOk, request, toYaml } from '../helpers/hub.js';
import {
  dig,
  digUntil,
  domainYaml,
  endpointYaml,
  ensureDnsCrds,
  startDnsHub,
  type DnsHub,
} from '../helpers/dns.js';

const BIG = Array.from({ length: 120 }, (_, i) => `10.20.${Math.floor(i / 200)}.${(i % 200) + 1}`);

/** Deterministic pseudo-random bytes (a failure must be reproducible). */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s >> 8;
  };
}

describe('DNS server (real hub, real dig)', function () {
  this.timeout(120_000);
  let hub: DnsHub;
  let P: number;

  before(async () => {
    // No controllers: the DNSEndpoints below are written by hand, and nothing may rewrite them.
    hub = await startDnsHub(['--no-controllers']);
    P = hub.dnsPort;
    if (ensureDnsCrds(hub.kubeconfig)) console.log('      (crds/ has no DNS CRDs: applied minimal ones)');
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        domainYaml('fed', 'example.com', 'ns1.example.com'),
        endpointYaml('default', 'service-www', [
          { dnsName: 'www.example.com', recordType: 'A', targets: ['192.0.2.1', '192.0.2.2'], recordTTL: 60 },
          { dnsName: 'www.example.com', recordType: 'AAAA', targets: ['2001:db8::1'] },
          { dnsName: 'www.example.com', recordType: 'TXT', targets: ['v=edgefed hello'] },
          { dnsName: 'alias.example.com', recordType: 'CNAME', targets: ['www.example.com'] },
          { dnsName: 'alias2.example.com', recordType: 'CNAME', targets: ['alias.example.com'] },
          { dnsName: '_http._tcp.www.example.com', recordType: 'SRV', targets: ['0 10 80 www.example.com'] },
          { dnsName: 'ns1.example.com', recordType: 'A', targets: ['127.0.0.1'] },
          { dnsName: 'big.example.com', recordType: 'A', targets: BIG },
        ]),
        endpointYaml('default', 'service-web', [
          { dnsName: 'web.demo.fed.svc.example.com', recordType: 'A', targets: ['198.51.100.7'] },
          { dnsName: 'web.demo.svc.clusterset.local', recordType: 'A', targets: ['198.51.100.7'] },
        ]),
      ),
    );
    await digUntil(
      P,
      ['web.demo.svc.clusterset.local'],
      (d) => d.status === 'NOERROR' && d.answer.length === 1,
      'zones published',
    );
  });

  after(async () => {
    await hub?.stop();
    if (hub) cleanup(hub.dataDir);
  });

  it('A with two targets, authoritative, no recursion offered', () => {
    const d = dig(P, ['www.example.com', 'A']);
    assert.equal(d.status, 'NOERROR');
    assert.ok(d.flags.includes('aa') && !d.flags.includes('ra'), d.raw);
    assert.deepEqual(d.answer, ['www.example.com. 60 IN A 192.0.2.1', 'www.example.com. 60 IN A 192.0.2.2']);
  });

  it('AAAA and TXT', () => {
    assert.deepEqual(dig(P, ['www.example.com', 'AAAA']).answer, [
      'www.example.com. 180 IN AAAA 2001:db8::1',
    ]);
    assert.deepEqual(dig(P, ['www.example.com', 'TXT']).answer, [
      'www.example.com. 180 IN TXT "v=edgefed hello"',
    ]);
  });

  it('CNAME chain chased inside the zone', () => {
    const d = dig(P, ['alias2.example.com']);
    assert.equal(d.status, 'NOERROR');
    assert.deepEqual(d.answer, [
      'alias2.example.com. 180 IN CNAME alias.example.com.',
      'alias.example.com. 180 IN CNAME www.example.com.',
      'www.example.com. 60 IN A 192.0.2.1',
      'www.example.com. 60 IN A 192.0.2.2',
    ]);
  });

  it('SRV with the target addresses as additional data', () => {
    const d = dig(P, ['_http._tcp.www.example.com', 'SRV']);
    assert.deepEqual(d.answer, ['_http._tcp.www.example.com. 180 IN SRV 0 10 80 www.example.com.']);
    assert.ok(d.additional.includes('www.example.com. 60 IN A 192.0.2.1'), d.raw);
    assert.ok(d.additional.includes('www.example.com. 180 IN AAAA 2001:db8::1'), d.raw);
  });

  it('SOA and NS at the apex', () => {
    const soa = dig(P, ['example.com', 'SOA']);
    assert.equal(soa.answer.length, 1);
    assert.match(
      soa.answer[0],
      /^example\.com\. 30 IN SOA ns1\.example\.com\. hostmaster\.example\.com\. \d+ 3600 600 86400 30$/,
    );
    const ns = dig(P, ['example.com', 'NS']);
    assert.deepEqual(ns.answer, ['example.com. 300 IN NS ns1.example.com.']);
    assert.deepEqual(
      ns.additional.filter((l) => !l.startsWith(';')),
      ['ns1.example.com. 180 IN A 127.0.0.1'],
    );
  });

  it('NXDOMAIN with the SOA in authority (negative TTL = SOA minimum)', () => {
    const d = dig(P, ['nope.example.com']);
    assert.equal(d.status, 'NXDOMAIN');
    assert.ok(d.flags.includes('aa'));
    assert.equal(d.answer.length, 0);
    assert.match(d.authority[0], /^example\.com\. 30 IN SOA ns1\.example\.com\./);
  });

  it('NODATA: NOERROR, no answer, SOA in authority (also for empty non-terminals)', () => {
    for (const args of [
      ['ns1.example.com', 'AAAA'],
      ['demo.fed.svc.example.com', 'A'],
    ]) {
      const d = dig(P, args);
      assert.equal(d.status, 'NOERROR', args.join(' '));
      assert.equal(d.answer.length, 0);
      assert.match(d.authority[0] ?? '', /IN SOA/);
    }
  });

  it('REFUSED outside the served zones', () => {
    const d = dig(P, ['www.example.org']);
    assert.equal(d.status, 'REFUSED');
    assert.ok(!d.flags.includes('aa'));
  });

  it('TCP (+tcp), and over ::1 when the machine has it', () => {
    const d = dig(P, ['+tcp', 'www.example.com']);
    assert.equal(d.transport, 'TCP');
    assert.equal(d.answer.length, 2);
    const six = dig(P, ['www.example.com'], '::1');
    if (six.status !== 'NOERROR') console.log(`      (no ::1 answer: ${six.status.split('\n')[0]})`);
    else assert.equal(six.answer.length, 2);
  });

  it('a large answer is truncated over UDP and dig retries over TCP', () => {
    const udpOnly = dig(P, ['big.example.com', '+ignore']);
    assert.ok(udpOnly.flags.includes('tc'), udpOnly.raw);
    assert.equal(udpOnly.answer.length, 0);
    const d = dig(P, ['big.example.com']);
    assert.ok(d.truncatedRetry, d.raw);
    assert.equal(d.transport, 'TCP');
    assert.equal(d.answer.length, BIG.length);
  });

  it('names are case-insensitive; the question case is echoed', () => {
    const d = dig(P, ['WwW.ExAmPlE.CoM']);
    assert.equal(d.status, 'NOERROR');
    assert.ok(d.raw.includes(';WwW.ExAmPlE.CoM.\t\tIN\tA'), d.raw);
    assert.deepEqual(d.answer, ['WwW.ExAmPlE.CoM. 60 IN A 192.0.2.1', 'WwW.ExAmPlE.CoM. 60 IN A 192.0.2.2']);
  });

  it('EDNS: OPT with our 1232; no OPT without EDNS; BADVERS for version 1', () => {
    assert.deepEqual(dig(P, ['+bufsize=4096', 'www.example.com']).edns, { version: 0, udp: 1232 });
    assert.equal(dig(P, ['+noedns', 'www.example.com']).edns, undefined);
    const v1 = dig(P, ['+edns=1', '+noednsnegotiation', 'www.example.com']);
    assert.equal(v1.status, 'BADVERS', v1.raw);
  });

  it('the clusterset.local zone', () => {
    assert.deepEqual(dig(P, ['web.demo.svc.clusterset.local']).answer, [
      'web.demo.svc.clusterset.local. 180 IN A 198.51.100.7',
    ]);
  });

  it('a deleted DNSEndpoint answers NXDOMAIN within two seconds', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        endpointYaml('default', 'temp', [
          { dnsName: 'temp.example.com', recordType: 'A', targets: ['192.0.2.50'] },
        ]),
      ),
    );
    await digUntil(P, ['temp.example.com'], (d) => d.answer.length === 1, 'temp record served');
    const t0 = Date.now();
    kubectlOk(hub.kubeconfig, ['delete', 'dnsendpoint', 'temp', '-n', 'default']);
    await digUntil(P, ['temp.example.com'], (d) => d.status === 'NXDOMAIN', 'temp record gone', 5_000);
    const ms = Date.now() - t0;
    console.log(`      (NXDOMAIN ${ms} ms after kubectl delete started, its own run time included)`);
    assert.ok(ms < 2_000, `${ms} ms`);
  });

  it('survives thousands of random and truncated packets over UDP and TCP, FORMERR where due', async () => {
    const rand = rng(42);
    const valid = dnsPacket.encode({
      type: 'query',
      id: 1,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name: 'www.example.com', type: 'A' }],
      additionals: [
        {
          name: '.',
          type: 'OPT',
          udpPayloadSize: 1232,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [],
        },
      ],
    });
    const packets: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      if (i % 3 === 0) packets.push(Buffer.from(Array.from({ length: rand() % 600 }, () => rand() & 0xff)));
      else if (i % 3 === 1) packets.push(valid.subarray(0, rand() % valid.length));
      else {
        const b = Buffer.from(valid);
        for (let k = 0; k < 1 + (rand() % 4); k++) b[rand() % b.length] = rand() & 0xff;
        packets.push(b);
      }
    }
    // UDP: fire everything, count what comes back.
    const sock = createSocket('udp4');
    const replies: Buffer[] = [];
    sock.on('message', (m) => replies.push(m));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    for (let i = 0; i < packets.length; i++) {
      await new Promise<void>((r) => sock.send(packets[i], P, '127.0.0.1', () => r()));
      // Paced so the kernel's socket buffers (not the server) are not what drops packets.
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 10));
    }
    // Let the flood's replies drain.
    for (let last = -1, i = 0; i < 50 && last !== replies.length; i++) {
      last = replies.length;
      await new Promise((r) => setTimeout(r, 100));
    }
    // A query with two questions, with a known ID: FORMERR.
    const two = Buffer.from(valid);
    two.writeUInt16BE(0xbeef, 0);
    two.writeUInt16BE(2, 4);
    let formerr: Buffer | undefined;
    for (let attempt = 0; attempt < 3 && !formerr; attempt++) {
      await new Promise<void>((r) => sock.send(two, P, '127.0.0.1', () => r()));
      formerr = await new Promise<Buffer | undefined>((resolve) => {
        const t = setTimeout(() => resolve(replies.find((m) => m.readUInt16BE(0) === 0xbeef)), 1_000);
        sock.on('message', (m) => {
          if (m.readUInt16BE(0) === 0xbeef) {
            clearTimeout(t);
            resolve(m);
          }
        });
      });
    }
    sock.close();
    assert.ok(formerr, 'FORMERR reply to a two-question query');
    assert.equal(formerr[3] & 0xf, 1, 'rcode FORMERR');
    assert.ok(formerr[2] & 0x80, 'QR');
    const rcodes = new Map<number, number>();
    for (const m of replies) if (m.length >= 4) rcodes.set(m[3] & 0xf, (rcodes.get(m[3] & 0xf) ?? 0) + 1);
    console.log(
      `      (UDP: ${packets.length} sent, ${replies.length} answered, rcodes ${JSON.stringify([...rcodes])})`,
    );
    assert.ok((rcodes.get(1) ?? 0) > 100, 'many FORMERRs');

    // TCP: 60 connections of garbage, bad framing and abrupt closes.
    await Promise.all(
      Array.from(
        { length: 60 },
        (_, c) =>
          new Promise<void>((resolve) => {
            const s = connect(P, '127.0.0.1');
            s.on('error', () => resolve());
            s.on('close', () => resolve());
            s.on('data', () => undefined);
            s.on('connect', () => {
              for (let k = 0; k < 25; k++) {
                const p = packets[(c * 25 + k) % packets.length];
                const len = Buffer.alloc(2);
                len.writeUInt16BE(k % 5 === 4 ? p.length + 100 : p.length);
                s.write(Buffer.concat([len, p]));
              }
              if (c % 2) s.destroy();
              else setTimeout(() => s.end(), 50);
            });
          }),
      ),
    );
    // Still answering, on both transports.
    assert.equal(dig(P, ['www.example.com']).answer.length, 2);
    assert.equal(dig(P, ['+tcp', 'www.example.com']).answer.length, 2);
    assert.equal(hub.proc.exitCode, null, 'hub still running');
  });

  it('publishes DNS counters on /metrics', async () => {
    const res = await request(hub, 'GET', '/metrics');
    assert.equal(res.status, 200);
    const formerr = /edgefed_dns_responses_total\{rcode="FORMERR"\} (\d+)/.exec(res.body);
    assert.ok(formerr && Number(formerr[1]) > 0, res.body.slice(0, 300));
    assert.match(res.body, /edgefed_dns_queries_total\{transport="tcp"\} [1-9]/);
    assert.match(res.body, /edgefed_dns_truncated_total [1-9]/);
  });
});
