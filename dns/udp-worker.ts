/**
 * A DNS UDP worker process (forked by DnsServer when udpWorkers > 0): it receives the server's
 * bound UDP sockets over IPC (the same file descriptors: the kernel hands each datagram to one of
 * the processes reading the socket) and answers from its own copy of the zones, so UDP answering
 * uses more than one core. Node 20's dgram has no SO_REUSEPORT; sharing the socket needs none.
 *
 * Messages from the server: `zones` (a new ZoneSet, structured-cloned), `counters` (reply with a
 * snapshot, for /metrics). The worker exits when the server process goes away (IPC disconnect).
 */
import type { Socket as UdpSocket } from 'node:dgram';
import { Answerer, type DnsCounters } from './answerer.js';
import type { ZoneSet } from './zone.js';

export type ToWorker =
  { type: 'socket' } | { type: 'zones'; version: number; zones: ZoneSet } | { type: 'counters'; id: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'zones'; version: number }
  | { type: 'counters'; id: number; counters: DnsCounters };

function main(): void {
  const answerer = new Answerer();
  const send = (m: FromWorker): void => {
    if (process.connected) process.send?.(m);
  };
  process.on('message', (m: ToWorker, handle: unknown) => {
    if (m.type === 'socket') {
      const udp = handle as UdpSocket;
      udp.on('error', () => answerer.counters.errors++);
      answerer.serveUdp(udp);
    } else if (m.type === 'zones') {
      answerer.setZones(m.zones);
      send({ type: 'zones', version: m.version });
    } else if (m.type === 'counters') {
      send({ type: 'counters', id: m.id, counters: answerer.counters });
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

if (process.send !== undefined) main();
