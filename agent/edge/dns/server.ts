/**
 * The site's cluster DNS server (what EdgeMesh/CoreDNS give a site): UDP and TCP on one address
 * and port, answering from the site controllers' Service and Endpoints caches (records.ts). The
 * address may not exist yet when the agent starts (podman creates its bridge with the first bridge
 * container), so binding is retried until it works or the server stops.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { cacheKey, type Informer } from '../../../client/informer.js';
import type { RuntimeLogger } from '../../../client/log.js';
import type { Endpoints } from '../controllers/endpoints/types.js';
import type { Service } from '../controllers/types.js';
import { lookup, type ServiceView } from './records.js';

const RETRY_MS = 500;

export interface ClusterDnsOptions {
  services: Informer<Service>;
  endpoints: Informer<Endpoints>;
  host: string;
  /** 0: any free port (the same one for UDP and TCP). */
  port: number;
  log: RuntimeLogger;
}

/** A reply to one wire-format query (undefined when it is not a parseable query). */
export function answerQuery(view: ServiceView, msg: Buffer): Buffer | undefined {
  let q: dnsPacket.Packet;
  try {
    q = dnsPacket.decode(msg);
  } catch {
    return undefined;
  }
  if (q.type !== 'query') return undefined;
  const question = q.questions?.[0];
  const base = { type: 'response' as const, id: q.id, questions: q.questions ?? [] };
  if (!question || (q.questions ?? []).length !== 1)
    return dnsPacket.encode({ ...base, flags: rcodeFlags('FORMERR') });
  const res = lookup(view, question.name, question.type);
  return dnsPacket.encode({
    ...base,
    flags: rcodeFlags(res.rcode) | (res.rcode === 'REFUSED' ? 0 : dnsPacket.AUTHORITATIVE_ANSWER),
    answers: res.answers.map((a) => ({ ...a, class: 'IN' as const })) as dnsPacket.Answer[],
  });
}

const RCODES = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, REFUSED: 5 } as const;
function rcodeFlags(r: keyof typeof RCODES): number {
  // Recursion desired is echoed off: clients see at once this server does not recurse.
  return RCODES[r];
}

export class ClusterDnsServer {
  private udp?: UdpSocket;
  private tcp?: Server;
  private readonly conns = new Set<Socket>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private boundPort = 0;
  private readonly view: ServiceView;
  private warned = '';

  constructor(private readonly opts: ClusterDnsOptions) {
    this.view = {
      service: (ns, name) => opts.services.get(cacheKey(ns, name)),
      endpoints: (ns, name) => opts.endpoints.get(cacheKey(ns, name)),
    };
  }

  /** The port UDP and TCP listen on (0 until bound). */
  get port(): number {
    return this.boundPort;
  }

  /** Resolves once bound (retrying while the address is missing); rejects only when stopped first. */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        if (this.stopped) return reject(new Error('cluster DNS stopped before it could bind'));
        this.bind().then(
          (p) => resolve(p),
          (e: NodeJS.ErrnoException) => {
            if (this.warned !== e.code)
              this.opts.log.warn(
                { host: this.opts.host, err: e.message },
                'cluster DNS cannot bind yet; retrying',
              );
            this.warned = String(e.code);
            this.timer = setTimeout(attempt, RETRY_MS);
          },
        );
      };
      attempt();
    });
  }

  private async bind(): Promise<number> {
    const tcp = createServer((c) => this.onTcp(c));
    await new Promise<void>((res, rej) => {
      tcp.once('error', rej);
      tcp.listen(this.opts.port, this.opts.host, () => res());
    });
    const port = (tcp.address() as { port: number }).port;
    const udp = createSocket('udp4');
    try {
      await new Promise<void>((res, rej) => {
        udp.once('error', rej);
        udp.bind(port, this.opts.host, () => res());
      });
    } catch (e) {
      udp.close();
      await new Promise<void>((r) => tcp.close(() => r()));
      throw e;
    }
    udp.on('message', (msg, rinfo) => {
      const out = answerQuery(this.view, msg);
      if (out) udp.send(out, rinfo.port, rinfo.address);
    });
    udp.on('error', (e) => this.opts.log.warn({ err: e.message }, 'cluster DNS UDP error'));
    this.udp = udp;
    this.tcp = tcp;
    this.boundPort = port;
    this.opts.log.info({ host: this.opts.host, port }, 'cluster DNS listening');
    return port;
  }

  private onTcp(c: Socket): void {
    this.conns.add(c);
    let buf = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const out = answerQuery(this.view, buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        if (!out) return void c.destroy();
        const head = Buffer.alloc(2);
        head.writeUInt16BE(out.length);
        c.write(Buffer.concat([head, out]));
      }
    });
    c.on('error', () => c.destroy());
    c.on('close', () => this.conns.delete(c));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const c of this.conns) c.destroy();
    this.udp?.close();
    if (this.tcp) await new Promise<void>((r) => this.tcp?.close(() => r()));
  }
}
