import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import * as dnsPacket from 'dns-packet';
import { signRequest, verifyResponse, type TsigKey } from '../../../dns/export/tsig.js';
import {
  changeMessage,
  claimMessage,
  desiredRRsets,
  planUpdates,
  rdataFromAnswers,
  type RemoteRRset,
} from '../../../dns/export/update.js';
import { ownerOf, planSkydns, skydnsDesired, skydnsPath } from '../../../dns/export/skydns.js';
import { canonicalName, recordSpans } from '../../../dns/export/wire.js';
import { buildZones } from '../../../dns/zone.js';
import { dnsConfigFromCli } from '../../../dns/options.js';
import { domain, endpoint, rec } from './fixtures.js';

const { zones } = buildZones(
  [domain('fed', 'example.com')],
  [
    endpoint('ns', 'service-web', [
      rec('web.example.com', 'A', ['192.0.2.2', '192.0.2.1']),
      rec('alias.example.com', 'CNAME', ['web.example.com']),
      rec('_http._tcp.web.example.com', 'SRV', ['0 10 80 web.example.com']),
      rec('web.example.com', 'TXT', ['hello']),
      rec('web.ns.svc.clusterset.local', 'A', ['10.0.0.1']),
    ]),
  ],
  1,
);

describe('dns/export skydns layout', () => {
  it('paths reverse the labels under the prefix', () => {
    assert.equal(skydnsPath('/skydns', 'a.b.example.com'), '/skydns/com/example/b/a');
    assert.equal(skydnsPath('skydns/', 'example.com'), '/skydns/com/example');
    assert.equal(skydnsPath('/coredns/zones', 'x.org'), '/coredns/zones/org/x');
  });

  it('one key per record, msg.Service values marked with the owner; no SOA/NS', () => {
    const want = skydnsDesired(zones, '/skydns', 'edgefed');
    const view = [...want].map(([k, v]) => `${k.replace(/-[0-9a-f]{16}$/, '-ID')} ${v}`).sort();
    assert.deepEqual(view, [
      '/skydns/com/example/alias/edgefed-ID {"host":"web.example.com","ttl":180,"edgefed_owner":"edgefed"}',
      '/skydns/com/example/web/_tcp/_http/edgefed-ID {"host":"web.example.com","port":80,"priority":0,"weight":10,"ttl":180,"edgefed_owner":"edgefed"}',
      '/skydns/com/example/web/edgefed-ID {"host":"192.0.2.1","ttl":180,"edgefed_owner":"edgefed"}',
      '/skydns/com/example/web/edgefed-ID {"host":"192.0.2.2","ttl":180,"edgefed_owner":"edgefed"}',
      '/skydns/com/example/web/edgefed-ID {"text":"hello","ttl":180,"edgefed_owner":"edgefed"}',
      '/skydns/local/clusterset/svc/ns/web/edgefed-ID {"host":"10.0.0.1","ttl":180,"edgefed_owner":"edgefed"}',
    ]);
    assert.equal(new Set(want.keys()).size, 6, 'distinct ids');
  });

  it('the plan creates, updates and removes only our keys', () => {
    const desired = new Map([
      ['/skydns/com/example/a/edgefed-1', '{"host":"1.1.1.1","ttl":180,"edgefed_owner":"edgefed"}'],
      ['/skydns/com/example/b/edgefed-2', '{"host":"2.2.2.2","ttl":180,"edgefed_owner":"edgefed"}'],
      ['/skydns/com/example/c/edgefed-3', '{"host":"3.3.3.3","ttl":180,"edgefed_owner":"edgefed"}'],
    ]);
    const current = {
      '/skydns/com/example/b/edgefed-2': '{"host":"2.2.2.2","ttl":60,"edgefed_owner":"edgefed"}',
      '/skydns/com/example/c/edgefed-3': '{"host":"9.9.9.9"}',
      '/skydns/com/example/old/edgefed-4': '{"host":"4.4.4.4","ttl":180,"edgefed_owner":"edgefed"}',
      '/skydns/com/example/other/x1': '{"host":"5.5.5.5"}',
      '/skydns/com/example/other/x2': 'not json',
      '/skydns/com/example/other/x3': '{"host":"6.6.6.6","edgefed_owner":"another-hub"}',
    };
    const plan = planSkydns(desired, current, 'edgefed');
    assert.deepEqual(
      plan.create.map(([k]) => k),
      ['/skydns/com/example/a/edgefed-1'],
    );
    assert.deepEqual(
      plan.update.map(([k]) => k),
      ['/skydns/com/example/b/edgefed-2'],
    );
    assert.deepEqual(
      plan.remove.map(([k]) => k),
      ['/skydns/com/example/old/edgefed-4'],
    );
    assert.deepEqual(plan.foreign, ['/skydns/com/example/c/edgefed-3']);
    assert.equal(ownerOf('{"edgefed_owner":"edgefed"}'), 'edgefed');
    assert.equal(ownerOf('[1]'), undefined);
  });
});

describe('dns/export TSIG (RFC 8945, HMAC-SHA256)', () => {
  // A query signed by `dig -y hmac-sha256:testkey.:<secret>`, captured on the wire.
  const DIG =
    '48d50120000100000000000103777777076578616d706c6503636f6d000001000107746573746b65790000fa00ff00000000003d0b686d61632d7368613235360000006b039fae012c0020e15d2af63c26c493bf4b2f1ff151c82033f46e1906c15a662817bbe4da2ae96848d500000000';
  const key: TsigKey = {
    name: 'testkey.',
    secret: Buffer.from('c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==', 'base64'),
  };

  it('signs exactly as dig does', () => {
    const wire = Buffer.from(DIG, 'hex');
    const spans = recordSpans(wire);
    const tsig = spans.additionals[0];
    const unsigned = Buffer.from(wire.subarray(0, tsig.start));
    unsigned.writeUInt16BE(0, 10);
    const { signed } = signRequest(unsigned, key, 0x6b039fae, 300);
    assert.equal(signed.toString('hex'), DIG);
  });

  /** A server's signed answer, computed independently from the RFC's description. */
  function serverAnswer(request: Buffer, requestMac: Buffer, k: TsigKey, rcode = 0, tamper = false): Buffer {
    const res = Buffer.from(request.subarray(0, 12));
    res.writeUInt16BE(0x8000 | (5 << 11) | rcode, 2);
    res.fill(0, 4, 12);
    const time = Math.floor(Date.now() / 1000);
    const t48 = Buffer.alloc(6);
    t48.writeUIntBE(time, 0, 6);
    const vars = Buffer.concat([
      canonicalName(k.name),
      Buffer.from([0, 255, 0, 0, 0, 0]),
      canonicalName('hmac-sha256'),
      t48,
      Buffer.from([1, 44, 0, 0, 0, 0]),
    ]);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(requestMac.length);
    const mac = createHmac('sha256', k.secret)
      .update(Buffer.concat([len, requestMac, res, vars]))
      .digest();
    if (tamper) mac[0] ^= 1;
    const rdata = Buffer.concat([
      canonicalName('hmac-sha256'),
      t48,
      Buffer.from([1, 44, 0, 32]),
      mac,
      request.subarray(0, 2),
      Buffer.from([0, 0, 0, 0]),
    ]);
    const rdlen = Buffer.alloc(2);
    rdlen.writeUInt16BE(rdata.length);
    const rr = Buffer.concat([
      canonicalName(k.name),
      Buffer.from([0, 250, 0, 255, 0, 0, 0, 0]),
      rdlen,
      rdata,
    ]);
    const out = Buffer.concat([res, rr]);
    out.writeUInt16BE(1, 10);
    return out;
  }

  it('verifies a correctly signed answer, rejects a tampered one and another key', () => {
    const msg = claimMessage(77, 'example.com', {
      name: 'a.example.com',
      type: 'A',
      ttl: 60,
      rdata: ['1.2.3.4'],
    });
    const { signed, mac } = signRequest(msg, key);
    assert.equal(signed.readUInt16BE(10), 1);
    assert.deepEqual(verifyResponse(serverAnswer(signed, mac, key), key, mac), {
      present: true,
      valid: true,
      error: 'NOERROR',
    });
    assert.equal(verifyResponse(serverAnswer(signed, mac, key, 0, true), key, mac).valid, false);
    const other = { name: 'testkey.', secret: Buffer.alloc(32, 1) };
    assert.equal(verifyResponse(serverAnswer(signed, mac, other), key, mac).valid, false);
  });

  it('reports a server-side BADSIG (NOTAUTH, unsigned TSIG)', () => {
    const { signed, mac } = signRequest(queryLike(), key);
    const res = Buffer.from(signed);
    res.writeUInt16BE(0x8000 | 9, 2);
    // Zero the MAC size and set error 16 (BADSIG), as servers do when they cannot verify.
    const tsig = recordSpans(res).additionals[0];
    const rdata = res.subarray(tsig.rdataStart);
    const macSizeAt = canonicalName('hmac-sha256').length + 8;
    const head = rdata.subarray(0, macSizeAt);
    const tail = Buffer.from([res[0], res[1], 0, 16, 0, 0]);
    const newRdata = Buffer.concat([head, Buffer.from([0, 0]), tail]);
    const rr = Buffer.concat([
      res.subarray(tsig.start, tsig.rdataStart - 2),
      Buffer.from([0, newRdata.length]),
      newRdata,
    ]);
    const answer = Buffer.concat([res.subarray(0, tsig.start), rr]);
    const check = verifyResponse(answer, key, mac);
    assert.equal(check.valid, false);
    assert.equal(check.error, 'BADSIG');
  });

  function queryLike(): Buffer {
    return dnsPacket.encode({ type: 'query', id: 9, questions: [{ name: 'example.com', type: 'SOA' }] });
  }
});

describe('dns/export RFC 2136 plan and messages', () => {
  it('desired RRsets are the names under the remote zone, without SOA and NS', () => {
    const d = desiredRRsets(zones, 'example.com');
    assert.deepEqual([...d.keys()].sort(), [
      '_http._tcp.web.example.com SRV',
      'alias.example.com CNAME',
      'web.example.com A',
      'web.example.com TXT',
    ]);
    assert.deepEqual(d.get('web.example.com A')?.rdata, ['192.0.2.1', '192.0.2.2']);
    assert.deepEqual(d.get('web.example.com TXT')?.rdata, ['["hello"]']);
  });

  it('plans claims, replacements and removals against what we own', () => {
    const r = (name: string, ttl: number, ...rdata: string[]): RemoteRRset => ({
      name,
      type: 'A',
      ttl,
      rdata,
    });
    const desired = new Map([
      ['a A', r('a', 60, '1.1.1.1')],
      ['b A', r('b', 60, '2.2.2.2')],
      ['c A', r('c', 60, '3.3.3.3')],
    ]);
    const owned = new Map([
      ['b A', r('b', 30, '2.2.2.2')],
      ['c A', r('c', 60, '3.3.3.3')],
      ['d A', r('d', 60, '4.4.4.4')],
    ]);
    const plan = planUpdates(desired, owned);
    assert.deepEqual(
      plan.claim.map((x) => x.name),
      ['a'],
    );
    assert.deepEqual(
      plan.replace.map((x) => `${x.from.ttl}->${x.to.ttl} ${x.to.name}`),
      ['30->60 b'],
    );
    assert.deepEqual(
      plan.remove.map((x) => x.name),
      ['d'],
    );
  });

  /** Each record of a message as `CLASS TYPE name ttl rdlen`. */
  function sections(msg: Buffer): string[] {
    const spans = recordSpans(msg);
    const show = (s: {
      start: number;
      type: number;
      klass: number;
      rdataStart: number;
      end: number;
    }): string => {
      const labels: string[] = [];
      for (let o = s.start; msg[o] !== 0; o += msg[o] + 1)
        labels.push(msg.toString('latin1', o + 1, o + 1 + msg[o]));
      const name = labels.join('.');
      const ttl = msg.readUInt32BE(s.rdataStart - 6);
      return `${s.klass} ${s.type} ${name} ${ttl} ${s.end - s.rdataStart}`;
    };
    return [...spans.answers.map((s) => `pre ${show(s)}`), ...spans.authorities.map((s) => `upd ${show(s)}`)];
  }

  it('a claim requires the RRset (and a CNAME) to be absent', () => {
    const msg = claimMessage(1, 'example.com', {
      name: 'a.example.com',
      type: 'A',
      ttl: 60,
      rdata: ['1.1.1.1', '2.2.2.2'],
    });
    assert.equal((msg.readUInt16BE(2) >> 11) & 0xf, 5, 'opcode UPDATE');
    assert.deepEqual(sections(msg), [
      'pre 254 1 a.example.com 0 0',
      'pre 254 5 a.example.com 0 0',
      'upd 1 1 a.example.com 60 4',
      'upd 1 1 a.example.com 60 4',
    ]);
    const cname = claimMessage(1, 'example.com', {
      name: 'c.example.com',
      type: 'CNAME',
      ttl: 60,
      rdata: ['a.example.com'],
    });
    assert.deepEqual(sections(cname).slice(0, 2), [
      'pre 254 5 c.example.com 0 0',
      'pre 254 255 c.example.com 0 0',
    ]);
  });

  it('a change deletes exactly our records (class NONE with RDATA, never the RRset) then adds the new ones', () => {
    const msg = changeMessage(
      2,
      'example.com',
      [
        {
          from: { name: 'b.example.com', type: 'A', ttl: 60, rdata: ['2.2.2.1', '2.2.2.2'] },
          to: { name: 'b.example.com', type: 'A', ttl: 30, rdata: ['2.2.2.2'] },
        },
      ],
      [{ name: 'd.example.com', type: 'TXT', ttl: 60, rdata: ['["x"]'] }],
    );
    assert.deepEqual(sections(msg), [
      'upd 254 16 d.example.com 0 2',
      'upd 254 1 b.example.com 0 4',
      'upd 254 1 b.example.com 0 4',
      'upd 1 1 b.example.com 30 4',
    ]);
  });

  it('reads a server answer back into the comparable form', () => {
    const got = rdataFromAnswers(
      [
        { name: 'A.example.com', type: 'A', ttl: 60, data: '2.2.2.2' },
        { name: 'a.example.com', type: 'A', ttl: 60, data: '1.1.1.1' },
        { name: 'other.example.com', type: 'A', ttl: 60, data: '3.3.3.3' },
      ],
      'a.example.com',
      'A',
    );
    assert.deepEqual(got, { ttl: 60, rdata: ['1.1.1.1', '2.2.2.2'] });
  });
});

describe('dns/options', () => {
  const base = { dns: true, dnsBind: '127.0.0.1', dnsOwnerId: 'edgefed', dnsEtcdPrefix: '/skydns' };
  it('defaults: port 5353, best effort', () => {
    assert.deepEqual(dnsConfigFromCli(base), {
      port: 5353,
      bind: '127.0.0.1',
      required: false,
      owner: 'edgefed',
    });
  });
  it('--no-dns', () => assert.equal(dnsConfigFromCli({ ...base, dns: false }), undefined));
  it('an explicit port is required', () =>
    assert.equal(dnsConfigFromCli({ ...base, dnsPort: 0 })?.required, true));
  it('etcd endpoints', () =>
    assert.deepEqual(
      dnsConfigFromCli({ ...base, dnsEtcdEndpoints: 'http://127.0.0.1:2379, http://h:2379' })?.etcd,
      {
        endpoints: ['http://127.0.0.1:2379', 'http://h:2379'],
        prefix: '/skydns',
      },
    ));
  const bad: [string, object, RegExp][] = [
    ['bind not an IP', { dnsBind: 'localhost' }, /--dns-bind/],
    ['etcd not a URL', { dnsEtcdEndpoints: '127.0.0.1:2379' }, /not an http/],
    ['rfc2136 partial', { dnsRfc2136Server: '127.0.0.1:53' }, /needs all of/],
    [
      'rfc2136 bad server',
      {
        dnsRfc2136Server: 'x',
        dnsRfc2136Zone: 'example.com',
        dnsRfc2136TsigName: 'k',
        dnsRfc2136TsigSecretFile: '/nonexistent',
      },
      /HOST:PORT/,
    ],
    [
      'rfc2136 missing secret file',
      {
        dnsRfc2136Server: '127.0.0.1:53',
        dnsRfc2136Zone: 'example.com',
        dnsRfc2136TsigName: 'k',
        dnsRfc2136TsigSecretFile: '/nonexistent/secret',
      },
      /cannot read \/nonexistent\/secret: ENOENT/,
    ],
  ];
  for (const [name, extra, re] of bad)
    it(name, () => assert.throws(() => dnsConfigFromCli({ ...base, ...extra }), re));
});
