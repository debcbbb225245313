/**
 * The DNS listener: UDP and TCP on one port (RFC 7766: TCP is not optional), answering from the
 * current zones through respond(). Nothing a client sends can throw out of here: respond() never
 * throws, and every socket has an error handler.
 *
 * Answers are cached by the query's bytes after the ID (everything the answer depends on, with
 * the transport) until the zones change: a repeated query costs a map lookup and a copy instead
 * of a decode and an encode.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { respond, type Rcode, type Transport } from './answer.js';
import type { ZoneSet } from './zone.js';
import { silentLogger, type RuntimeLogger } from '../client/log.js';

export interface DnsServerOptions {
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
  bind: string;
  /** Also listen on the IPv6 loopback (or any) address when bind is the IPv4 one (default true). */
  dualStack?: boolean;
  /** Close TCP connections idle this long (default 10 s; RFC 7766 §6.2.3 wants seconds, not minutes). */
  tcpIdleMs?: number;
  maxTcpConnections?: number;
  log?: RuntimeLogger;
}

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

const CACHE_MAX = 10_000;
const CACHE_MAX_QUERY = 512;
/** A TCP client that stops reading is cut off rather than buffered for. */
const TCP_MAX_PENDING = 1 << 20;

interface Cached {
  bytes: Buffer;
  rcode: Rcode;
  truncated: boolean;
}

function newCounters(): DnsCounters {
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

export class DnsServer {
  readonly counters: DnsCounters = newCounters();
  private zones: ZoneSet = new Map();
  private cache = new Map<string, Cached>();
  private udp: UdpSocket[] = [];
  private tcp: Server[] = [];
  private readonly conns = new Set<Socket>();
  private readonly log: RuntimeLogger;
  private boundPort = 0;

  constructor(private readonly opts: DnsServerOptions) {
    this.log = opts.log ?? silentLogger;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Addresses listened on, as `host:port` (IPv6 in brackets). */
  addresses(): string[] {
    return [...this.udp].map((s) => {
      const a = s.address();
      return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    });
  }

  /** Swaps in new zones; later queries see them (an answer is computed against one snapshot). */
  setZones(zones: ZoneSet): void {
    this.zones = zones;
    this.cache = new Map();
  }

  getZones(): ZoneSet {
    return this.zones;
  }

  /** Answers one message (the hot path, shared by both transports). */
  handle(msg: Buffer, transport: Transport): Buffer | undefined {
    if (transport === 'udp') this.counters.udpQueries++;
    else this.counters.tcpQueries++;
    const cacheable = msg.length >= 12 && msg.length <= CACHE_MAX_QUERY;
    const key = cacheable ? transport[0] + msg.toString('latin1', 2) : '';
    let r: Cached | undefined = cacheable ? this.cache.get(key) : undefined;
    let bytes: Buffer;
    if (r) {
      this.counters.cacheHits++;
      bytes = Buffer.from(r.bytes);
      bytes.writeUInt16BE(msg.readUInt16BE(0), 0);
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

  async start(): Promise<void> {
    const hosts = [this.opts.bind];
    if (this.opts.dualStack !== false) {
      if (this.opts.bind === '127.0.0.1') hosts.push('::1');
      else if (this.opts.bind === '0.0.0.0') hosts.push('::');
    }
    // Port 0: the UDP port the kernel picks may be taken for TCP; try a few.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.listenAll(hosts[0], this.opts.port, true);
        break;
      } catch (e) {
        await this.closeSockets();
        if (this.opts.port !== 0 || attempt >= 10) throw e;
      }
    }
    for (const host of hosts.slice(1)) {
      try {
        await this.listenAll(host, this.boundPort, false);
      } catch (e) {
        this.log.debug({ err: e, host }, 'dns: second address family not available');
      }
    }
    this.log.info({ addresses: this.addresses() }, 'dns server listening');
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await this.closeSockets();
  }

  private async closeSockets(): Promise<void> {
    const udp = this.udp.splice(0);
    const tcp = this.tcp.splice(0);
    await Promise.all([
      ...udp.map((s) => new Promise<void>((r) => s.close(() => r()))),
      ...tcp.map((s) => new Promise<void>((r) => s.close(() => r()))),
    ]);
  }

  private async listenAll(host: string, port: number, primary: boolean): Promise<void> {
    const v6 = host.includes(':');
    const udp = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 });
    udp.on('error', (e) => {
      this.counters.errors++;
      this.log.warn({ err: e }, 'dns udp socket error');
    });
    udp.on('message', (msg, rinfo) => {
      if (rinfo.port === 0) return;
      const out = this.handle(msg, 'udp');
      if (out)
        udp.send(out, rinfo.port, rinfo.address, (err) => {
          if (err) this.counters.errors++;
        });
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ port, address: host, exclusive: true }, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    this.udp.push(udp);
    const bound = udp.address().port;
    const tcp = createServer((sock) => this.onConnection(sock));
    tcp.maxConnections = this.opts.maxTcpConnections ?? 1000;
    tcp.on('error', (e) => this.log.warn({ err: e }, 'dns tcp server error'));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ port: bound, host, ipv6Only: v6, exclusive: true }, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    this.tcp.push(tcp);
    if (primary) this.boundPort = bound;
  }

  /** RFC 1035 §4.2.2 framing: a 2-byte length before each message; many queries per connection. */
  private onConnection(sock: Socket): void {
    this.counters.tcpConnections++;
    this.conns.add(sock);
    sock.setNoDelay(true);
    sock.setTimeout(this.opts.tcpIdleMs ?? 10_000, () => sock.destroy());
    let buf: Buffer = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        const out = this.handle(msg, 'tcp');
        if (!out) continue;
        const framed = Buffer.allocUnsafe(out.length + 2);
        framed.writeUInt16BE(out.length, 0);
        out.copy(framed, 2);
        sock.write(framed);
        if (sock.writableLength > TCP_MAX_PENDING) {
          sock.destroy();
          return;
        }
      }
    });
    sock.on('error', () => this.counters.errors++);
    sock.on('close', () => this.conns.delete(sock));
  }
}
