/**
 * The answering core shared by the DNS server's main process and its UDP worker processes
 * (dns/udp-worker.ts): zones, the encoded-answer cache and the counters.
 *
 * Answers are cached as encoded packets, by the query's bytes after the ID (everything the answer
 * depends on: name, type, class, flags, EDNS options) with the transport, until the zones change:
 * a repeated query costs a map lookup, a copy and the ID patched in, instead of a decode and an
 * encode.
 */
import type { Socket as UdpSocket } from 'node:dgram';
import { respond, type Rcode, type Transport } from './answer.js';
import type { ZoneSet } from './zone.js';
import { silentLogger, type RuntimeLogger } from '../client/log.js';

/** Plain counters, for /metrics and tests. */
export interface DnsCounters {
  udpQueries: number;
  tcpQueries: number;
  /** Responses by rcode name. */
  responses: Record<Rcode, number>;
  /** Packets not answered (too short to carry an ID, or a response with an error rcode). */
  dropped: number;
  truncated: number;
  cacheHits: number;
  tcpConnections: number;
  /** Socket errors (send failures, resets). */
  errors: number;
}

export function newCounters(): DnsCounters {
  return {
    udpQueries: 0,
    tcpQueries: 0,
    responses: { NOERROR: 0, FORMERR: 0, SERVFAIL: 0, NXDOMAIN: 0, NOTIMP: 0, REFUSED: 0, BADVERS: 0 },
    dropped: 0,
    truncated: 0,
    cacheHits: 0,
    tcpConnections: 0,
    errors: 0,
  };
}

/** Adds `from` into `into` (the main process's counters plus each worker's). */
export function addCounters(into: DnsCounters, from: DnsCounters): DnsCounters {
  into.udpQueries += from.udpQueries;
  into.tcpQueries += from.tcpQueries;
  for (const k of Object.keys(into.responses) as Rcode[]) into.responses[k] += from.responses[k] ?? 0;
  into.dropped += from.dropped;
  into.truncated += from.truncated;
  into.cacheHits += from.cacheHits;
  into.tcpConnections += from.tcpConnections;
  into.errors += from.errors;
  return into;
}

const CACHE_MAX = 10_000;
const CACHE_MAX_QUERY = 512;

interface Cached {
  bytes: Buffer;
  rcode: Rcode;
  truncated: boolean;
}

export class Answerer {
  readonly counters: DnsCounters = newCounters();
  private zones: ZoneSet = new Map();
  private cache = new Map<string, Cached>();

  constructor(private readonly log: RuntimeLogger = silentLogger) {}

  setZones(zones: ZoneSet): void {
    this.zones = zones;
    this.cache = new Map();
  }

  getZones(): ZoneSet {
    return this.zones;
  }

  /** Answers one message (the hot path, shared by both transports); undefined: no answer. */
  handle(msg: Buffer, transport: Transport): Buffer | undefined {
    if (transport === 'udp') this.counters.udpQueries++;
    else this.counters.tcpQueries++;
    const cacheable = msg.length >= 12 && msg.length <= CACHE_MAX_QUERY;
    const key = cacheable ? transport[0] + msg.toString('latin1', 2) : '';
    let r: Cached | undefined = cacheable ? this.cache.get(key) : undefined;
    let bytes: Buffer;
    if (r) {
      this.counters.cacheHits++;
      bytes = Buffer.allocUnsafe(r.bytes.length);
      r.bytes.copy(bytes, 2, 2);
      bytes[0] = msg[0];
      bytes[1] = msg[1];
    } else {
      try {
        r = respond(msg, this.zones, transport);
      } catch (e) {
        // respond() is written not to throw; if it ever does, that packet goes unanswered.
        this.counters.errors++;
        this.log.error({ err: e }, 'dns: answering a query threw');
        r = undefined;
      }
      if (!r) {
        this.counters.dropped++;
        return undefined;
      }
      bytes = r.bytes;
      if (cacheable) {
        if (this.cache.size >= CACHE_MAX) this.cache = new Map();
        this.cache.set(key, { ...r, bytes: Buffer.from(r.bytes) });
      }
    }
    this.counters.responses[r.rcode]++;
    if (r.truncated) this.counters.truncated++;
    return bytes;
  }

  /**
   * Answers every datagram arriving on `udp` (in the main process and in each worker). No send
   * callback: a failed send is an 'error' event (counted by the socket's owner), and without a
   * callback node skips a nextTick per answer.
   */
  serveUdp(udp: UdpSocket): void {
    udp.on('message', (msg, rinfo) => {
      if (rinfo.port === 0) return;
      const out = this.handle(msg, 'udp');
      if (out) udp.send(out, rinfo.port, rinfo.address);
    });
  }
}

/**
 * dgram's `lookup` for sockets that only ever send to the IP literal a query came from: dgram
 * otherwise resolves every destination through dns.lookup (a nextTick per answer even for an IP),
 * measured at ~10 % of UDP throughput.
 */
export function literalLookup(
  address: string,
  _opts: unknown,
  cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  cb(null, address, address.includes(':') ? 6 : 4);
}
