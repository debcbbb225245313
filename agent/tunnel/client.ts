/**
 * The agent's end of the tunnel: dials OUT to the hub (the member may sit behind NAT), keeps the
 * WebSocket alive, and serves each stream the hub opens by performing that HTTP request against
 * the member's API server with the agent's own member credentials, streaming the response back as
 * it arrives (watches and `logs?follow=true` included).
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { WebSocket } from 'ws';
import { Backoff, sleep } from '../../client/backoff.js';
import type { RuntimeLogger } from '../../client/log.js';
import { TUNNEL_PATH } from '../../api/protocol.js';
import {
  MAX_MESSAGE_BYTES,
  MuxSession,
  forwardableHeaders,
  type MuxStream,
  type StreamHead,
} from '../../tunnel/mux.js';

export interface TunnelTls {
  /** The hub CA (PEM): the only authority trusted for the hub's serving certificate. */
  ca: string;
  /** The agent's client certificate and key (PEM), CN=edgefed:cluster:<name>, O=edgefed:clusters. */
  cert: string;
  key: string;
}

export interface TunnelOptions {
  /** The hub's base URL, https://host:port (wss:// is accepted too). */
  hubUrl: string;
  /**
   * The credentials, or a function called at every dial so a renewed certificate is picked up,
   * e.g. `() => tunnelTlsFrom(agent.hubKubeConfig())`.
   */
  tls: TunnelTls | (() => TunnelTls | Promise<TunnelTls>);
  /** Member API: server, TLS and credentials (client-node KubeConfig, current context). */
  member: KubeConfig;
  log: RuntimeLogger;
  /** Reconnect backoff (exponential, full jitter): default 1 s doubling up to 60 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** Keepalive: PING every intervalMs, drop after timeoutMs of silence (default 10 s / 30 s). */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** Per-stream flow-control window in bytes (default 256 KiB). */
  window?: number;
}

export interface Tunnel {
  stop(): Promise<void>;
  connected(): boolean;
}

/** A session that lasted this long counts as healthy: the next failure starts the backoff over. */
const HEALTHY_SESSION_MS = 10_000;
const HANDSHAKE_TIMEOUT_MS = 15_000;

export function startTunnel(opts: TunnelOptions): Tunnel {
  const log = opts.log;
  const url = tunnelUrl(opts.hubUrl);
  const backoff = new Backoff(opts.backoff?.initialMs ?? 1000, opts.backoff?.maxMs ?? 60_000);
  const stopping = new AbortController();
  const member = new MemberClient(opts.member);
  let session: MuxSession | undefined;
  let ws: WebSocket | undefined;

  const runOnce = async (): Promise<number> => {
    const tls = typeof opts.tls === 'function' ? await opts.tls() : opts.tls;
    if (stopping.signal.aborted) return 0;
    const started = Date.now();
    const socket = new WebSocket(url, {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      perMessageDeflate: false,
      maxPayload: MAX_MESSAGE_BYTES,
    });
    ws = socket;
    let opened = false;
    await new Promise<void>((resolve) => {
      socket.once('unexpected-response', (_req, res) => {
        log.warn({ hub: url, status: res.statusCode }, 'hub refused the tunnel');
        res.resume();
        socket.terminate();
      });
      socket.on('error', (e) => {
        if (!opened) log.warn({ hub: url, err: e.message }, 'tunnel connection failed');
      });
      socket.once('open', () => {
        opened = true;
        const s = new MuxSession(socket, {
          side: 'agent',
          window: opts.window,
          pingIntervalMs: opts.pingIntervalMs,
          pingTimeoutMs: opts.pingTimeoutMs,
        });
        session = s;
        log.info({ hub: url }, 'tunnel connected');
        s.on('stream', (stream, head) => member.serve(stream, head, log));
        s.once('close', (reason) => {
          session = undefined;
          if (!stopping.signal.aborted) log.warn({ hub: url, reason }, 'tunnel disconnected');
          resolve();
        });
      });
      socket.once('close', () => {
        if (!opened) resolve();
      });
    });
    ws = undefined;
    return opened ? Date.now() - started : 0;
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      let lasted = 0;
      try {
        lasted = await runOnce();
      } catch (e) {
        log.warn({ hub: url, err: (e as Error).message }, 'tunnel attempt failed');
      }
      if (stopping.signal.aborted) break;
      if (lasted >= HEALTHY_SESSION_MS) backoff.reset();
      const delay = backoff.next();
      log.debug({ hub: url, delayMs: delay }, 'reconnecting');
      await sleep(delay, stopping.signal);
    }
  })();

  return {
    connected: () => session !== undefined && !session.closed,
    async stop() {
      stopping.abort();
      session?.close('agent stopping');
      ws?.terminate();
      await loop;
      member.close();
    },
  };
}

/** The CA, client certificate and key of a (hub) KubeConfig's current context, files or inline data. */
export async function tunnelTlsFrom(kc: KubeConfig): Promise<TunnelTls> {
  const o: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(o);
  const text = (v: unknown): string =>
    Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : '';
  const tls = { ca: text(o.ca), cert: text(o.cert), key: text(o.key) };
  if (!tls.ca || !tls.cert || !tls.key)
    throw new Error('the hub kubeconfig needs a CA, a client certificate and a key for the tunnel');
  return tls;
}

/** https://hub:6443 (or wss://...) → wss://hub:6443/edgefed/v1/tunnel. */
export function tunnelUrl(hubUrl: string): string {
  const u = new URL(hubUrl);
  if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol === 'http:') u.protocol = 'ws:';
  u.pathname = u.pathname.replace(/\/+$/, '') + TUNNEL_PATH;
  u.search = '';
  return u.toString();
}

/** Performs tunnelled requests against the member API with the member KubeConfig's credentials. */
class MemberClient {
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  private readonly httpAgent = new http.Agent({ keepAlive: true });

  constructor(private readonly kc: KubeConfig) {}

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }

  serve(stream: MuxStream, head: StreamHead, log: RuntimeLogger): void {
    this.perform(stream, head).catch((e: unknown) => {
      log.debug({ path: head.path, err: (e as Error).message }, 'tunnelled request failed');
      stream.destroy(e as Error);
    });
  }

  private async perform(stream: MuxStream, head: StreamHead): Promise<void> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('member kubeconfig has no current cluster');
    if (!head.path.startsWith('/')) throw new Error(`invalid path ${head.path}`);
    const base = new URL(cluster.server);
    const prefix = base.pathname.replace(/\/+$/, '');
    const opts: https.RequestOptions = { headers: {} };
    // ca/cert/key/servername, Authorization (tokens, exec plugins), impersonation, proxy agent.
    await this.kc.applyToHTTPSOptions(opts);
    if (stream.destroyed) return;
    const secure = base.protocol === 'https:';
    if (!cluster.proxyUrl) opts.agent = secure ? this.httpsAgent : this.httpAgent;
    const headers: http.OutgoingHttpHeaders = {
      ...forwardableHeaders(head.headers, ['authorization']),
      ...(opts.headers as http.OutgoingHttpHeaders | undefined),
      ...(head.upgrade ? { connection: 'Upgrade', upgrade: head.upgrade } : {}),
    };
    const req = (secure ? https : http).request({
      ...opts,
      method: head.method,
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port || (secure ? 443 : 80),
      path: prefix + head.path + (head.query ? `?${head.query}` : ''),
      headers,
      // An upgraded socket leaves the pool anyway; a dedicated one keeps the pool's sockets clean.
      ...(head.upgrade ? { agent: false } : {}),
    });
    if (head.upgrade) return this.upgrade(stream, req, head.upgrade);
    let complete = false;
    const abort = (): void => {
      if (!complete && !req.destroyed) req.destroy();
    };
    // The hub side went away (RESET, session lost): close the member request (ends a watch).
    stream.once('close', abort);
    stream.once('error', abort);
    req.once('error', (e) => stream.destroy(e));
    req.once('response', (res) => {
      stream.respond({ status: res.statusCode ?? 502, headers: forwardableHeaders(res.headers) });
      res.once('aborted', () => stream.destroy(new Error('member API closed the response')));
      res.once('error', (e) => stream.destroy(e));
      res.once('end', () => (complete = true));
      res.pipe(stream);
    });
    // The request body, under the tunnel's flow control (pipe pauses the stream when req is full).
    stream.pipe(req);
  }

  /**
   * exec/attach/port-forward: the member switches protocols, then the member's socket and the
   * stream are spliced (flow control both ways: pipe waits for the stream's credit and for the
   * socket's drain). A refusal (403, 404...) comes back as an ordinary response.
   */
  private upgrade(stream: MuxStream, req: http.ClientRequest, upgrade: string): void {
    const abort = (): void => {
      if (!req.destroyed) req.destroy();
    };
    stream.once('close', abort);
    req.once('error', (e) => stream.destroy(e));
    req.once('upgrade', (res, socket, upgradeHead) => {
      stream.removeListener('close', abort);
      stream.respond({
        status: 101,
        headers: { ...forwardableHeaders(res.headers), upgrade: String(res.headers.upgrade ?? upgrade) },
      });
      if (upgradeHead.length) stream.write(upgradeHead);
      socket.once('error', (e) => stream.destroy(e));
      socket.once('close', () => {
        if (!stream.writableEnded) stream.end();
      });
      stream.once('close', () => socket.destroy());
      socket.pipe(stream);
      stream.pipe(socket);
    });
    req.once('response', (res) => {
      stream.respond({ status: res.statusCode ?? 502, headers: forwardableHeaders(res.headers) });
      res.once('error', (e) => stream.destroy(e));
      res.pipe(stream);
    });
    req.end();
  }
}
