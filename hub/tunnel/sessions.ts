/**
 * The hub's end of the tunnel: accepts agents' WebSocket upgrades on TUNNEL_PATH, authenticated by
 * their TLS client certificate, and keeps one live session per cluster (a newer one replaces the
 * older: the agent reconnected before the hub noticed the old connection die).
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RuntimeLogger } from '../../client/log.js';
import { AGENT_CN_PREFIX, AGENT_GROUP, TUNNEL_PATH } from '../../api/protocol.js';
import { MAX_MESSAGE_BYTES, MuxSession } from '../../tunnel/mux.js';

export interface SessionDeps {
  /** The hub CA (PEM): agent certificates must chain to it. */
  caCert: string;
  log: RuntimeLogger;
  /** When given, agents of clusters it does not know are refused (and dropped once unknown). */
  isClusterKnown?: (name: string) => boolean;
  /**
   * When given and it returns a key hash for the cluster (the join's AGENT_KEY_ANNOTATION: sha256
   * of the SPKI DER, hex), the agent's certificate must carry that key.
   */
  agentKey?: (name: string) => string | undefined;
  /** A cluster's current session started (true) or ended (false; not when a newer one replaced it). */
  onSessionChange?: (cluster: string, connected: boolean) => void;
  /** Keepalive tuning (tests): default PING every 10 s, dropped after 30 s of silence. */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  window?: number;
}

export interface TunnelSession {
  cluster: string;
  mux: MuxSession;
  since: Date;
  remoteAddress: string | undefined;
}

/** Cluster names as KubeFedCluster names: DNS-1123 subdomains. */
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class SessionTable {
  private readonly sessions = new Map<string, TunnelSession>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_MESSAGE_BYTES,
  });
  private readonly ca: X509Certificate;
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly deps: SessionDeps) {
    this.ca = new X509Certificate(deps.caCert);
    // A cluster removed from the hub loses its tunnel even if its certificate is still valid.
    this.sweep = setInterval(() => {
      for (const name of [...this.sessions.keys()]) if (!this.known(name)) this.drop(name, 'cluster removed');
    }, 10_000);
    this.sweep.unref();
  }

  get(cluster: string): TunnelSession | undefined {
    const s = this.sessions.get(cluster);
    if (s && !this.known(cluster)) {
      this.drop(cluster, 'cluster removed');
      return undefined;
    }
    return s && !s.mux.closed ? s : undefined;
  }

  names(): string[] {
    return [...this.sessions.keys()].sort();
  }

  /** The 'upgrade' listener. Returns false for paths that are not the tunnel's. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '').split('?')[0];
    if (path !== TUNNEL_PATH) return false;
    const who = this.authenticate(req.socket as TLSSocket);
    if ('error' in who) {
      this.deps.log.warn({ remote: req.socket.remoteAddress, reason: who.error }, 'tunnel refused');
      refuse(socket, who.status, who.error);
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(who.cluster, ws, req, who.expires));
    return true;
  }

  /** Closes every session (the hub is shutting down). */
  close(): void {
    clearInterval(this.sweep);
    for (const name of [...this.sessions.keys()]) this.drop(name, 'hub shutting down', 1001);
    this.wss.close();
  }

  private known(name: string): boolean {
    return this.deps.isClusterKnown ? this.deps.isClusterKnown(name) : true;
  }

  private drop(name: string, reason: string, code = 4000): void {
    const s = this.sessions.get(name);
    if (!s) return;
    this.sessions.delete(name);
    this.deps.onSessionChange?.(name, false);
    s.mux.close(reason, code);
  }

  private authenticate(
    socket: TLSSocket,
  ): { cluster: string; expires: number } | { error: string; status: 401 | 403 } {
    if (typeof socket.getPeerCertificate !== 'function') return { error: 'TLS required', status: 401 };
    const peer = socket.getPeerCertificate();
    if (!peer || Object.keys(peer).length === 0) return { error: 'no client certificate', status: 401 };
    if (!socket.authorized)
      return { error: `client certificate rejected: ${String(socket.authorizationError)}`, status: 401 };
    // Defence in depth: the TLS layer checked the server's client-CA bundle; the agent must chain to the hub CA.
    const cert = new X509Certificate(peer.raw);
    if (!cert.checkIssued(this.ca) || !cert.verify(this.ca.publicKey))
      return { error: 'client certificate not issued by the hub CA', status: 401 };
    const subject = peer.subject as unknown as Record<string, string | string[] | undefined>;
    const cn = Array.isArray(subject.CN) ? subject.CN[0] : subject.CN;
    const orgs = Array.isArray(subject.O) ? subject.O : subject.O ? [subject.O] : [];
    if (!cn?.startsWith(AGENT_CN_PREFIX) || !orgs.includes(AGENT_GROUP))
      return { error: `certificate of "${cn ?? ''}" is not an agent certificate`, status: 401 };
    const cluster = cn.slice(AGENT_CN_PREFIX.length);
    if (!CLUSTER_NAME.test(cluster) || cluster.length > 253)
      return { error: `invalid cluster name "${cluster}"`, status: 401 };
    if (!this.known(cluster)) return { error: `cluster ${cluster} is not joined to this hub`, status: 403 };
    const want = this.deps.agentKey?.(cluster);
    if (want) {
      const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
      const got = createHash('sha256').update(spki).digest('hex');
      if (got !== want.toLowerCase())
        return { error: `certificate key does not match the agent that joined as ${cluster}`, status: 403 };
    }
    return { cluster, expires: new Date(cert.validTo).getTime() };
  }

  private accept(cluster: string, ws: WebSocket, req: IncomingMessage, expires: number): void {
    const log = this.deps.log;
    const mux = new MuxSession(ws, {
      side: 'hub',
      window: this.deps.window,
      pingIntervalMs: this.deps.pingIntervalMs,
      pingTimeoutMs: this.deps.pingTimeoutMs,
    });
    const session: TunnelSession = {
      cluster,
      mux,
      since: new Date(),
      remoteAddress: req.socket.remoteAddress,
    };
    const old = this.sessions.get(cluster);
    this.sessions.set(cluster, session);
    this.deps.onSessionChange?.(cluster, true);
    if (old) old.mux.close('replaced by a newer session', 4001);
    // The session must not outlive the certificate that authenticated it (the agent renews and redials).
    const expiry = setTimeout(
      () => {
        if (this.sessions.get(cluster) === session) this.drop(cluster, 'client certificate expired');
        else mux.close('client certificate expired', 4000);
      },
      Math.max(0, Math.min(MAX_TIMER_MS, expires - Date.now())),
    );
    expiry.unref();
    log.info({ cluster, remote: session.remoteAddress, replaced: !!old }, 'tunnel session established');
    mux.once('close', (reason) => {
      clearTimeout(expiry);
      if (this.sessions.get(cluster) === session) {
        this.sessions.delete(cluster);
        this.deps.onSessionChange?.(cluster, false);
      }
      log.info({ cluster, reason }, 'tunnel session closed');
    });
  }
}

function refuse(socket: Duplex, status: 401 | 403, message: string): void {
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: status === 401 ? 'Unauthorized' : 'Forbidden',
    code: status,
  });
  const text = status === 401 ? 'Unauthorized' : 'Forbidden';
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}
