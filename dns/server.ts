/**
 * The DNS listener: UDP and TCP on one port (RFC 7766: TCP is not optional), answering from the
 * current zones through respond(). Nothing a client sends can throw out of here: respond() never
 * throws, and every socket has an error handler.
 *
 * Answers come from encoded packets cached per query (dns/answerer.ts). With `udpWorkers` > 0, that
 * many worker processes (dns/udp-worker.ts) read the same UDP sockets and answer from their own
 * copy of the zones, so UDP uses more than one core; TCP stays in this process. A zone change
 * reaches the workers one IPC message later (`zonesApplied()` waits for it).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Transport } from './answer.js';
import { Answerer, addCounters, literalLookup, newCounters, type DnsCounters } from './answerer.js';
import type { FromWorker, ToWorker } from './udp-worker.js';
import type { ZoneSet } from './zone.js';
import { silentLogger, type RuntimeLogger } from '../client/log.js';

export type { DnsCounters } from './answerer.js';

/**
 * UDP worker processes for a hub: EDGEFED_DNS_UDP_WORKERS, else one per core beyond the first
 * (at most 3): the main process keeps the API server and TCP.
 */
export function defaultUdpWorkers(
  env: NodeJS.ProcessEnv = process.env,
  cores = availableParallelism(),
): number {
  const v = env.EDGEFED_DNS_UDP_WORKERS;
  if (v !== undefined && /^\d+$/.test(v)) return Math.min(16, Number(v));
  return Math.max(0, Math.min(3, cores - 1));
}

export interface DnsServerOptions {
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
  bind: string;
  /** Also listen on the IPv6 loopback (or any) address when bind is the IPv4 one (default true). */
  dualStack?: boolean;
  /** Close TCP connections idle this long (default 10 s; RFC 7766 §6.2.3 wants seconds, not minutes). */
  tcpIdleMs?: number;
  maxTcpConnections?: number;
  /** Worker processes sharing the UDP sockets (default 0: this process answers alone). */
  udpWorkers?: number;
  log?: RuntimeLogger;
}

/** A TCP client that stops reading is cut off rather than buffered for. */
const TCP_MAX_PENDING = 1 << 20;

interface Worker {
  proc: ChildProcess;
  counters: DnsCounters;
  zonesVersion: number;
}

export class DnsServer {
  private readonly answerer: Answerer;
  private readonly workers: Worker[] = [];
  private zonesVersion = 0;
  private nextCountersId = 0;
  private readonly pendingCounters = new Map<number, () => void>();
  private readonly zoneWaiters: (() => void)[] = [];
  private udp: UdpSocket[] = [];
  private tcp: Server[] = [];
  private readonly conns = new Set<Socket>();
  private readonly log: RuntimeLogger;
  private boundPort = 0;

  constructor(private readonly opts: DnsServerOptions) {
    this.log = opts.log ?? silentLogger;
    this.answerer = new Answerer(this.log);
  }

  /** This process's counters plus each worker's last reported ones (see syncCounters). */
  get counters(): DnsCounters {
    if (this.workers.length === 0) return this.answerer.counters;
    const sum = addCounters(newCounters(), this.answerer.counters);
    for (const w of this.workers) addCounters(sum, w.counters);
    return sum;
  }

  /** Asks every worker for its counters (for /metrics); resolves when all answered or after 1 s. */
  async syncCounters(): Promise<void> {
    await Promise.all(
      this.workers
        .filter((w) => w.proc.connected)
        .map(
          (w) =>
            new Promise<void>((resolve) => {
              const id = this.nextCountersId++;
              const t = setTimeout(() => {
                this.pendingCounters.delete(id);
                resolve();
              }, 1_000);
              this.pendingCounters.set(id, () => {
                clearTimeout(t);
                resolve();
              });
              this.post(w, { type: 'counters', id });
            }),
        ),
    );
  }

  /** Resolves once every live worker answers from the zones last given to setZones. */
  zonesApplied(): Promise<void> {
    const done = (): boolean =>
      this.workers.every((w) => !w.proc.connected || w.zonesVersion === this.zonesVersion);
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (done()) resolve();
        else this.zoneWaiters.push(check);
      };
      this.zoneWaiters.push(check);
    });
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
    this.answerer.setZones(zones);
    this.zonesVersion++;
    for (const w of this.workers) this.post(w, { type: 'zones', version: this.zonesVersion, zones });
  }

  getZones(): ZoneSet {
    return this.answerer.getZones();
  }

  /** Answers one message (the hot path, shared by both transports). */
  handle(msg: Buffer, transport: Transport): Buffer | undefined {
    return this.answerer.handle(msg, transport);
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
    for (let i = 0; i < (this.opts.udpWorkers ?? 0); i++) await this.startWorker();
    this.log.info({ addresses: this.addresses(), udpWorkers: this.workers.length }, 'dns server listening');
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await Promise.all(this.workers.splice(0).map((w) => stopWorker(w.proc)));
    await this.closeSockets();
  }

  private post(w: Worker, m: ToWorker, handle?: UdpSocket): void {
    if (!w.proc.connected) return;
    w.proc.send(m, handle, (err) => {
      if (err) this.log.warn({ err }, 'dns: cannot reach a UDP worker');
    });
  }

  /** Forks one worker, hands it the UDP sockets and the current zones, waits until it is ready. */
  private async startWorker(): Promise<void> {
    const self = fileURLToPath(import.meta.url);
    const entry = self.replace(/server\.(ts|js)$/, 'udp-worker.$1');
    const proc = fork(entry, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const w: Worker = { proc, counters: newCounters(), zonesVersion: 0 };
    const ready = new Promise<void>((resolve, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`dns UDP worker exited (${code}) before it was ready`)));
      proc.on('message', (m: FromWorker) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'zones') {
          w.zonesVersion = m.version;
          for (const f of this.zoneWaiters.splice(0)) f();
        } else if (m.type === 'counters') {
          w.counters = m.counters;
          this.pendingCounters.get(m.id)?.();
          this.pendingCounters.delete(m.id);
        }
      });
    });
    try {
      await ready;
    } catch (e) {
      // The main process answers alone: slower, still correct.
      this.log.warn({ err: e }, 'dns: a UDP worker did not start; answering without it');
      proc.kill('SIGKILL');
      return;
    }
    proc.removeAllListeners('exit');
    proc.on('exit', (code, signal) => {
      if (this.workers.includes(w)) this.log.warn({ code, signal }, 'dns: a UDP worker exited');
      for (const f of this.zoneWaiters.splice(0)) f();
    });
    this.workers.push(w);
    for (const udp of this.udp) this.post(w, { type: 'socket' }, udp);
    this.post(w, { type: 'zones', version: this.zonesVersion, zones: this.answerer.getZones() });
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
    const udp = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6, lookup: literalLookup });
    udp.on('error', (e) => {
      this.answerer.counters.errors++;
      this.log.warn({ err: e }, 'dns udp socket error');
    });
    this.answerer.serveUdp(udp);
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
    this.answerer.counters.tcpConnections++;
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
    sock.on('error', () => this.answerer.counters.errors++);
    sock.on('close', () => this.conns.delete(sock));
  }
}

async function stopWorker(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  // Closing the IPC channel makes the worker exit by itself (udp-worker.ts); SIGKILL if it does not.
  if (proc.connected) proc.disconnect();
  const t = setTimeout(() => proc.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(t);
}
