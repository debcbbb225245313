import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { DnsServer } from '../../../dns/server.js';
import { buildZones } from '../../../dns/zone.js';
import { domain, endpoint, rec } from './fixtures.js';

const zonesWith = (ip: string) =>
  buildZones([domain('fed', 'example.com')], [endpoint('ns', 'x', [rec('www.example.com', 'A', [ip])])], 1)
    .zones;

const q = (id: number, name = 'www.example.com'): Buffer =>
  dnsPacket.encode({ type: 'query', id, questions: [{ name, type: 'A' }] });

function udpAsk(port: number, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error('no UDP answer'));
    }, 2_000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.send(msg, port, '127.0.0.1');
  });
}

const firstA = (m: Buffer): string => {
  const a = dnsPacket.decode(m).answers?.[0];
  return a && a.type === 'A' ? a.data : '';
};

describe('dns/server (loopback sockets)', () => {
  let server: DnsServer;
  before(async () => {
    server = new DnsServer({ port: 0, bind: '127.0.0.1', tcpIdleMs: 500 });
    await server.start();
    server.setZones(zonesWith('192.0.2.1'));
  });
  after(() => server.stop());

  it('answers over UDP, from the cache the second time, with the asker’s ID', async () => {
    const a = await udpAsk(server.port, q(11));
    const hits = server.counters.cacheHits;
    const b = await udpAsk(server.port, q(22));
    assert.equal(a.readUInt16BE(0), 11);
    assert.equal(b.readUInt16BE(0), 22);
    assert.equal(server.counters.cacheHits, hits + 1);
    assert.deepEqual(a.subarray(2), b.subarray(2));
  });

  it('new zones are answered at once (the cache is dropped)', async () => {
    assert.equal(firstA(await udpAsk(server.port, q(1))), '192.0.2.1');
    server.setZones(zonesWith('192.0.2.9'));
    assert.equal(firstA(await udpAsk(server.port, q(2))), '192.0.2.9');
  });

  it('TCP: several queries in one write and one query split across writes, answered in order', async () => {
    const frame = (m: Buffer): Buffer => Buffer.concat([Buffer.from([m.length >> 8, m.length & 255]), m]);
    const answers = await new Promise<number[]>((resolve, reject) => {
      const s = connect(server.port, '127.0.0.1');
      let buf = Buffer.alloc(0);
      const ids: number[] = [];
      s.on('error', reject);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          ids.push(buf.readUInt16BE(2));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (ids.length === 4) {
          s.destroy();
          resolve(ids);
        }
      });
      s.on('connect', () => {
        s.write(Buffer.concat([frame(q(1)), frame(q(2)), frame(q(3))]));
        const last = frame(q(4));
        s.write(last.subarray(0, 5));
        setTimeout(() => s.write(last.subarray(5)), 30);
      });
    });
    assert.deepEqual(answers, [1, 2, 3, 4]);
  });

  it('closes idle TCP connections', async () => {
    const closedAfter = await new Promise<number>((resolve) => {
      const t0 = Date.now();
      const s = connect(server.port, '127.0.0.1');
      s.on('close', () => resolve(Date.now() - t0));
      s.on('error', () => undefined);
    });
    assert.ok(closedAfter >= 400 && closedAfter < 3_000, `${closedAfter} ms`);
  });

  it('drops what has no header, counts it, and keeps serving', async () => {
    const dropped = server.counters.dropped;
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.send(Buffer.from([1, 2, 3]), server.port, '127.0.0.1', () => r()));
    s.close();
    assert.equal(firstA(await udpAsk(server.port, q(5))), '192.0.2.9');
    assert.equal(server.counters.dropped, dropped + 1);
  });
});
