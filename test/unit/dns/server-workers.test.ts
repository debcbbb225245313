/**
 * DnsServer with UDP worker processes (dns/udp-worker.ts) sharing its sockets: every query is
 * answered once with the asker's ID, counters add up across processes, a zone change reaches the
 * workers (zonesApplied), and stop() ends them.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { DnsServer, defaultUdpWorkers } from '../../../dns/server.js';
import { buildZones } from '../../../dns/zone.js';
import { domain, endpoint, rec } from './fixtures.js';

const zonesWith = (ip: string) =>
  buildZones([domain('fed', 'example.com')], [endpoint('ns', 'x', [rec('www.example.com', 'A', [ip])])], 1)
    .zones;

/** Sends `n` queries with IDs from `first`, all at once (a burst small enough for socket buffers). */
function burst(port: number, first: number, n: number): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const got = new Map<number, string>();
    const t = setTimeout(() => {
      s.close();
      reject(new Error(`only ${got.size} of ${n} answers`));
    }, 10_000);
    s.on('message', (m) => {
      const a = dnsPacket.decode(m).answers?.[0];
      got.set(m.readUInt16BE(0), a && a.type === 'A' ? a.data : '');
      if (got.size === n) {
        clearTimeout(t);
        s.close();
        resolve(got);
      }
    });
    s.bind(0, '127.0.0.1', () => {
      for (let id = first; id < first + n; id++)
        s.send(
          dnsPacket.encode({ type: 'query', id, questions: [{ name: 'www.example.com', type: 'A' }] }),
          port,
          '127.0.0.1',
        );
    });
  });
}

/** `n` queries in bursts of 20 (each burst's answers awaited): answers by ID. */
async function askMany(port: number, n: number): Promise<Map<number, string>> {
  const all = new Map<number, string>();
  for (let first = 1; first <= n; first += 20)
    for (const [id, ip] of await burst(port, first, Math.min(20, n - first + 1))) all.set(id, ip);
  return all;
}

describe('dns/server with UDP worker processes', function () {
  this.timeout(30_000);
  let server: DnsServer;
  before(async () => {
    server = new DnsServer({ port: 0, bind: '127.0.0.1', dualStack: false, udpWorkers: 2 });
    await server.start();
    server.setZones(zonesWith('192.0.2.1'));
    await server.zonesApplied();
  });
  after(() => server.stop());

  it('answers every query once, with its ID; counters add up across the processes', async () => {
    await server.syncCounters();
    const before = server.counters.udpQueries;
    const got = await askMany(server.port, 300);
    assert.equal(got.size, 300);
    for (const [id, ip] of got) assert.equal(ip, '192.0.2.1', `answer to ${id}`);
    await server.syncCounters();
    assert.equal(server.counters.udpQueries - before, 300);
  });

  it('a zone change reaches every worker once zonesApplied() resolves', async () => {
    server.setZones(zonesWith('192.0.2.7'));
    await server.zonesApplied();
    const got = await askMany(server.port, 200);
    assert.deepEqual(new Set(got.values()), new Set(['192.0.2.7']));
  });

  it('defaultUdpWorkers: the env wins, else one per core beyond the first, at most 3', () => {
    const cases: [NodeJS.ProcessEnv, number, number][] = [
      [{}, 1, 0],
      [{}, 2, 1],
      [{}, 16, 3],
      [{ EDGEFED_DNS_UDP_WORKERS: '0' }, 8, 0],
      [{ EDGEFED_DNS_UDP_WORKERS: '5' }, 2, 5],
      [{ EDGEFED_DNS_UDP_WORKERS: 'x' }, 2, 1],
    ];
    for (const [env, cores, want] of cases)
      assert.equal(defaultUdpWorkers(env, cores), want, JSON.stringify(env));
  });
});
