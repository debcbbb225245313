/**
 * The hub→member tunnel: agents dial in on TUNNEL_PATH (WebSocket, mTLS), admins reach a member's
 * API at PROXY_PREFIX<name>/proxy/<kubernetes path>. Register on the API server's app before listen.
 */
import type { ApiApp } from '../../apiserver/server/api-server.js';
import { destroyUpgraded, routeUpgrades } from '../../apiserver/server/connect.js';
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

  // One 'upgrade' listener: the agents' tunnel first; every other upgrade (exec, attach,
  // port-forward through /clusters/<name>/proxy) takes the normal request path, authentication included.
  routeUpgrades(app.server, (req, socket, head) => sessions.handleUpgrade(req, socket, head));
  // Sessions are upgraded sockets the HTTP server no longer tracks: close them or close() hangs.
  app.addHook('preClose', (done) => {
    sessions.close();
    destroyUpgraded(app.server);
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
