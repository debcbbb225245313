/**
 * The hub→member tunnel: agents dial in on TUNNEL_PATH (WebSocket, mTLS), admins reach a member's
 * API at PROXY_PREFIX<name>/proxy/<kubernetes path>. Register on the API server's app before listen.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiApp } from '../../apiserver/server/api-server.js';
import { PROXY_PREFIX } from '../../api/protocol.js';
import { proxyHandler, type ProxyFallback } from './proxy.js';
import { SessionTable, type SessionDeps } from './sessions.js';

export type TunnelDeps = SessionDeps & {
  /** Proxy requests for clusters with no session here (forwarding to another hub replica). */
  forward?: ProxyFallback;
};

export interface TunnelRegistry {
  /** Whether the cluster's agent has a live tunnel session. */
  connected(cluster: string): boolean;
  /** Clusters with a live session, sorted. */
  clusters(): string[];
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export function registerTunnel(app: ApiApp, deps: TunnelDeps): TunnelRegistry {
  const sessions = new SessionTable(deps);
  const log = deps.log;

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (sessions.handleUpgrade(req, socket, head)) return;
    // Not ours. If nobody else handles upgrades, answer rather than leave the socket hanging.
    if (app.server.listenerCount('upgrade') === 1) {
      const proxied = (req.url ?? '').startsWith(PROXY_PREFIX);
      const message = proxied
        ? 'exec, attach and port-forward (connection upgrades) are not supported through the tunnel yet'
        : 'not found';
      const code = proxied ? 501 : 404;
      const body = JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason: proxied ? 'BadRequest' : 'NotFound',
        code,
      });
      socket.end(
        `HTTP/1.1 ${code} ${proxied ? 'Not Implemented' : 'Not Found'}\r\nConnection: close\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      setTimeout(() => socket.destroy(), 1000).unref();
    }
  });
  // Sessions are upgraded sockets the HTTP server no longer tracks: close them or close() hangs.
  app.addHook('preClose', (done) => {
    sessions.close();
    done();
  });

  // In its own plugin context so the body is not parsed but streamed through untouched.
  void app.register(async (proxy) => {
    proxy.removeAllContentTypeParsers();
    proxy.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    const handler = proxyHandler(sessions, log, deps.forward);
    for (const url of [`${PROXY_PREFIX}:cluster/proxy`, `${PROXY_PREFIX}:cluster/proxy/*`])
      proxy.route({ method: [...METHODS], url, handler });
  });

  return {
    connected: (cluster) => sessions.get(cluster) !== undefined,
    clusters: () => sessions.names(),
  };
}
