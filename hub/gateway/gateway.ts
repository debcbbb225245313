/**
 * The agent gateway of in-cluster mode (`edgefed controllers --gateway-port`): the hub's
 * agent-facing front door when the federation API lives in a host Kubernetes cluster that trusts
 * neither our CA nor our authorizer (OCM's cluster-proxy and Karmada's agent gateway play this
 * part). One HTTPS port, its own PKI (hub/gateway/pki.ts):
 *
 * - `/edgefed/v1/{ca.crt,register,renew}`: the hub's registration (hub/join), writing KubeFedClusters,
 *   namespaces and reading bootstrap-token Secrets on the host with the gateway's host credentials;
 * - `/edgefed/v1/tunnel`: the agents' websocket tunnel (hub/tunnel);
 * - `/clusters/<name>/proxy/...`: members' APIs through their tunnels, for admins (client
 *   certificates of the gateway CA with O=system:masters, as in `<data-dir>/admin.kubeconfig`);
 * - anything else from an agent certificate: a Kubernetes API request, authorized with the hub's
 *   agentAuthorizer and forwarded to the host (hub/gateway/forward.ts);
 * - `/healthz`, `/livez`, `/readyz` unauthenticated; every other anonymous request 401.
 */
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ApiError, errors } from '../../apiserver/errors.js';
import type { ApiApp } from '../../apiserver/server/api-server.js';
import { KubeClient } from '../../client/client.js';
import { agentAuthorizer } from '../join/agent-authorizer.js';
import { KnownClusters } from '../join/known-clusters.js';
import { registerJoinRoutes } from '../join/registration.js';
import { writeKubeconfig } from '../../pki/kubeconfig.js';
import { registerTunnel } from '../tunnel/index.js';
import { GatewayAuthenticator } from './authn.js';
import { kubeForwarder } from './forward.js';
import { publishGatewayInfo } from './info.js';
import { ensureGatewayPki } from './pki.js';

export interface GatewayOptions {
  /** The host API and the gateway's credentials for it (the controllers' kubeconfig). */
  hostKc: KubeConfig;
  /** `<dataDir>/pki` and `<dataDir>/admin.kubeconfig`. */
  dataDir: string;
  port: number;
  bind: string;
  /** Extra names and IPs for the serving certificate; the first is the host of the published URL. */
  advertise?: string[];
  logger: Logger;
  requireAcceptance?: boolean;
  agentCertDays?: number;
}

export interface RunningGateway {
  /** The URL agents join (https://<first --advertise, else the bind address or 127.0.0.1>:<port>). */
  url: string;
  port: number;
  /** sha256:<hex> of the gateway CA, for `edgefed agent join --discovery-token-ca-cert-hash`. */
  caHash: string;
  /** Admin kubeconfig for the gateway (`edgefed kubeconfig <cluster>` / `/clusters/<name>/proxy`). */
  kubeconfigPath: string;
  close(): Promise<void>;
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz']);
const WILDCARD = new Set(['0.0.0.0', '::', '']);

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const log = opts.logger.child({ component: 'gateway' });
  const advertise = (opts.advertise ?? []).filter(Boolean);
  const dns = ['localhost', hostname(), ...advertise.filter((a) => !isIP(a))];
  const ips = ['127.0.0.1', '::1', ...advertise.filter((a) => isIP(a))];
  if (!WILDCARD.has(opts.bind) && isIP(opts.bind)) ips.push(opts.bind);
  const hostClient = new KubeClient(opts.hostKc, { fieldManager: 'edgefed-gateway' });
  const pki = await ensureGatewayPki(
    hostClient,
    join(opts.dataDir, 'pki'),
    { dns: [...new Set(dns)], ips: [...new Set(ips)] },
    log,
  );

  // Joined clusters (and the key each is bound to), for the authorizer and the tunnel.
  const known = new KnownClusters();
  known.start(opts.hostKc, log.child({ component: 'known-clusters' }));

  const app: ApiApp = Fastify({
    https: {
      key: pki.server.key,
      cert: pki.server.cert,
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 3 * 1024 * 1024,
    requestTimeout: 60_000,
    connectionTimeout: 0,
    keepAliveTimeout: 75_000,
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: unknown, req, reply) => sendError(err, req, reply));
  app.setNotFoundHandler((req, reply) => sendError(errors.notFoundPath(), req, reply));

  const authenticator = new GatewayAuthenticator();
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0];
    if (PUBLIC_PATHS.has(path) || req.routeOptions.config?.public === true) return;
    const r = authenticator.authenticate(req.raw);
    if (r === undefined) throw errors.unauthorized();
    if ('rejected' in r) throw errors.unauthorized(`Unauthorized: ${r.rejected}`);
    req.edgefedUser = r;
  });

  let serving = false;
  for (const p of ['/healthz', '/livez'])
    app.get(p, { config: { public: true } }, async (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/readyz', { config: { public: true } }, async (_req, reply) =>
    reply
      .code(serving ? 200 : 503)
      .type('text/plain')
      .send(serving ? 'ok' : 'not ready'),
  );

  registerJoinRoutes(app, {
    client: hostClient,
    ca: pki.ca,
    caHash: pki.caHash,
    requireAcceptance: opts.requireAcceptance ?? false,
    certDays: opts.agentCertDays,
    log: log.child({ component: 'join' }),
  });
  registerTunnel(app, {
    caCert: pki.ca.cert,
    log: log.child({ component: 'tunnel' }),
    isClusterKnown: (name) => known.has(name),
    agentKey: (name) => known.agentKey(name),
  });
  const forward = kubeForwarder({
    hostKc: opts.hostKc,
    authorizer: agentAuthorizer(
      (name) => known.has(name),
      (name) => known.agentKey(name),
    ),
    log: log.child({ component: 'forward' }),
  });
  for (const url of ['/', '/*'])
    app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url, handler: forward });

  // Agents are refused until the joined clusters are known: give the first list a moment.
  await Promise.race([known.waitForSync(), new Promise((r) => setTimeout(r, 10_000).unref())]);
  await app.listen({ port: opts.port, host: opts.bind });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = advertise[0] ?? (WILDCARD.has(opts.bind) ? '127.0.0.1' : opts.bind);
  const url = `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const kubeconfigPath = join(opts.dataDir, 'admin.kubeconfig');
  writeKubeconfig(kubeconfigPath, {
    server: url,
    caCert: pki.ca.cert,
    clusterName: 'edgefed-gateway',
    userName: 'edgefed-gateway-admin',
    clientCert: pki.admin.cert,
    clientKey: pki.admin.key,
  });
  await publishGatewayInfo(hostClient, { server: url, ca: pki.ca.cert }).catch((e: unknown) =>
    log.warn(
      { err: (e as Error).message },
      'could not publish the gateway URL and CA (ConfigMap edgefed-gateway)',
    ),
  );
  serving = true;
  log.info({ url, caHash: pki.caHash, kubeconfig: kubeconfigPath }, 'gateway is serving');
  return {
    url,
    port,
    caHash: pki.caHash,
    kubeconfigPath,
    async close() {
      serving = false;
      await app.close();
      await known.stop();
    },
  };
}

function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  let api: ApiError;
  if (err instanceof ApiError) api = err;
  else {
    const code = (err as { code?: string }).code;
    const statusCode = (err as { statusCode?: number }).statusCode;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') api = errors.tooLarge();
    else if (statusCode && statusCode >= 400 && statusCode < 500)
      api = new ApiError(statusCode, 'BadRequest', (err as Error).message);
    else {
      req.log.error({ err, method: req.method, url: req.url.split('?')[0] }, 'gateway internal error');
      api = errors.internal(`an internal error occurred: ${(err as Error).message ?? String(err)}`);
    }
  }
  if (reply.sent || reply.raw.headersSent) return reply;
  return reply.code(api.code).type('application/json').send(JSON.stringify(api.toStatus()));
}
