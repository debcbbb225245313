import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authn.js';
import {
  UnionAuthorizer,
  discoveryAuthorizer,
  forbiddenMessage,
  mastersAuthorizer,
  type Authorizer,
} from '../auth/authz.js';
import { ApiError, errors } from '../errors.js';
import {
  AGGREGATED_DISCOVERY_V2,
  AGGREGATED_DISCOVERY_V2BETA1,
  VERSION_INFO,
  aggregatedDiscovery,
  apiGroupFor,
  apiGroupList,
  apiResourceList,
  apiVersions,
  wantsAggregated,
} from '../handlers/discovery.js';
import { parseApiPath } from '../handlers/request-info.js';
import { ResourceRegistry } from '../registry/registry.js';
import { newContext, type RequestContext, type UserInfo } from '../rest/context.js';
import { ObjectStorage } from '../rest/storage.js';
import { KindEnvironment, type ServiceAllocationOptions } from '../kinds/index.js';
import { StoreError, type Store, type StoreErrorCode } from '../storage/store.js';
import { addToDiscovery, serveAggregated, type AggregatedApi } from './aggregated.js';
import { connectKey, type ConnectHandler } from './connect.js';
import { createKey, type CreateHandler } from './virtual-create.js';
import { CrdRegistrar } from './crd-registrar.js';
import { LifecycleWorker } from './lifecycle.js';
import { ApiMetrics } from './metrics.js';
import { DEFAULT_EVENT_TTL_MS, EventTtl } from '../events/ttl.js';
import { OpenApiCache } from './openapi.js';
import { handleClientError } from './client-error.js';
import { normalizeQuery } from './query-params.js';
import { handleResource, type ResourceDeps } from './resource-routes.js';
import { warningHeader } from './warning-header.js';

export interface ApiServerOptions {
  store: Store;
  tls: { key: string; cert: string; clientCA: string };
  authenticator: Authenticator;
  /** Tried after the built-in rules (admins may do everything; authenticated users may discover). */
  authorizer?: Authorizer;
  logger: Logger;
  /** Request body limit in bytes (kube uses 3 MiB). */
  bodyLimit?: number;
  /** Paths served before authentication, e.g. the hub's join endpoints. */
  extraRoutes?: (app: ApiApp) => void;
  /** Extra readiness checks. */
  readyChecks?: (() => boolean)[];
  /** How often superseded history is compacted, and how many revisions are kept. */
  compaction?: { intervalMs: number; keepRevisions: number };
  /** Service cluster IP range (default 10.96.0.0/12) and node port range (default 30000-32767). */
  services?: ServiceAllocationOptions;
  /** Events are deleted this long after their last write (kube's --event-ttl, default 1 h; 0: never). */
  eventTtlMs?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    edgefedUser?: UserInfo;
  }
}

export type ApiApp = FastifyInstance<HttpsServer, IncomingMessage, ServerResponse, Logger>;

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz']);

/**
 * A Kubernetes-compatible API server over a Store: discovery, OpenAPI v3, every verb on built-in
 * and custom resources, watches, authentication and authorization. A library: the hub serves it,
 * edge agents embed it as their site's local API.
 */
export class ApiServer {
  readonly registry = new ResourceRegistry();
  readonly storage: ObjectStorage;
  readonly metrics = new ApiMetrics();
  readonly app: ApiApp;
  private readonly openapi: OpenApiCache;
  private readonly crds: CrdRegistrar;
  private readonly lifecycle: LifecycleWorker;
  private readonly watchClosers = new Set<() => void>();
  private readonly connectHandlers = new Map<string, ConnectHandler>();
  private readonly createHandlers = new Map<string, CreateHandler>();
  private readonly aggregated = new Map<string, AggregatedApi>();
  private readonly authorizer: Authorizer;
  private compactTimer: NodeJS.Timeout | undefined;
  private eventTtl?: EventTtl;
  private ready = false;

  constructor(private readonly opts: ApiServerOptions) {
    this.storage = new ObjectStorage(
      opts.store,
      this.registry,
      new KindEnvironment(opts.store, opts.services),
    );
    this.openapi = new OpenApiCache(this.registry);
    this.crds = new CrdRegistrar(opts.store, this.registry, opts.logger);
    this.lifecycle = new LifecycleWorker(this.storage, this.registry, opts.logger);
    this.authorizer = new UnionAuthorizer([
      mastersAuthorizer,
      discoveryAuthorizer,
      ...(opts.authorizer ? [opts.authorizer] : []),
    ]);
    this.app = Fastify({
      https: {
        key: opts.tls.key,
        cert: opts.tls.cert,
        ca: opts.tls.clientCA,
        requestCert: true,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
      },
      loggerInstance: opts.logger,
      // Requests are counted in /metrics; logging each one would dominate the hot path.
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: opts.bodyLimit ?? 3 * 1024 * 1024,
      // Time to receive a whole request (headers and body), not to answer it: watches stay open.
      requestTimeout: 60_000,
      connectionTimeout: 0,
      keepAliveTimeout: 75_000,
      return503OnClosing: true,
      forceCloseConnections: true,
      // kube-apiserver serves /healthz/, /version/, /api/ like /healthz, /version, /api.
      routerOptions: { ignoreTrailingSlash: true },
      // Unparsable HTTP and oversized headers: a Status on the raw socket, as every other error.
      clientErrorHandler: handleClientError,
      // A URL the router cannot decode is a 400 Status like any other error.
      frameworkErrors: (err, req, reply) => {
        this.sendError(err, req, reply);
      },
    });
    this.setup();
  }

  /**
   * Serve a connect subresource (e.g. core `pods` `log`) from a provider such as the edge node
   * runtime. Without one, the subresource is 404 as before.
   */
  registerConnect(group: string, resource: string, subresource: string, handler: ConnectHandler): void {
    this.connectHandlers.set(connectKey(group, resource, subresource), handler);
  }

  /** Serve POSTs on a create-only resource or subresource (reviews, serviceaccounts/token) with a handler. */
  registerCreate(group: string, resource: string, subresource: string, handler: CreateHandler): void {
    this.createHandlers.set(createKey(group, resource, subresource), handler);
  }

  /** Serve a read-only API group from a handler (metrics.k8s.io at an edge site), listed in discovery. */
  registerAggregated(api: AggregatedApi): void {
    this.aggregated.set(api.group, api);
    addToDiscovery(this.registry, api);
  }

  async start(): Promise<void> {
    await this.crds.start();
    await this.storage.trackNamespaces();
    await this.lifecycle.start();
    const ttlMs = this.opts.eventTtlMs ?? DEFAULT_EVENT_TTL_MS;
    if (ttlMs > 0) {
      this.eventTtl = new EventTtl({ store: this.opts.store, ttlMs, log: this.opts.logger });
      await this.eventTtl.start();
    }
    const c = this.opts.compaction ?? { intervalMs: 60_000, keepRevisions: 10_000 };
    this.compactTimer = setInterval(() => {
      const target = this.opts.store.currentRevision() - c.keepRevisions;
      if (target > 0)
        void this.opts.store
          .compact(target)
          .catch((e: unknown) => this.opts.logger.warn({ err: (e as Error).message }, 'compaction failed'));
    }, c.intervalMs);
    this.compactTimer.unref();
    this.ready = true;
  }

  async listen(port: number, host: string): Promise<number> {
    await this.app.listen({ port, host });
    const addr = this.app.server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  async close(): Promise<void> {
    this.ready = false;
    if (this.compactTimer) clearInterval(this.compactTimer);
    for (const close of [...this.watchClosers]) close();
    this.lifecycle.stop();
    await this.eventTtl?.stop();
    this.crds.stop();
    await this.app.close();
  }

  private setup(): void {
    const app = this.app;
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    // kubectl's typed clients (kubectl create namespace/configmap/...) send protobuf bodies.
    app.addContentTypeParser(
      'application/vnd.kubernetes.protobuf',
      { parseAs: 'buffer' },
      (_req, body, done) => done(null, body),
    );

    app.setErrorHandler((err: unknown, req, reply) => this.sendError(err, req, reply));
    app.setNotFoundHandler((req, reply) => this.sendError(errors.notFoundPath(), req, reply));

    app.get('/healthz', async (_req, reply) => reply.type('text/plain').send('ok'));
    app.get('/livez', async (_req, reply) => reply.type('text/plain').send('ok'));
    app.get('/readyz', async (_req, reply) => {
      const ok = this.ready && (this.opts.readyChecks ?? []).every((c) => c());
      return reply
        .code(ok ? 200 : 503)
        .type('text/plain')
        .send(ok ? 'ok' : 'not ready');
    });
    this.opts.extraRoutes?.(app);

    app.addHook('onRequest', async (req) => {
      const path = withoutTrailingSlash(req.url.split('?')[0]);
      if (PUBLIC_PATHS.has(path) || req.routeOptions.config?.public === true) return;
      const r = await this.opts.authenticator.authenticate(req.raw);
      if (r === undefined) throw errors.unauthorized();
      if ('rejected' in r) throw errors.unauthorized(`Unauthorized: ${r.rejected}`);
      req.edgefedUser = r;
      if (!path.startsWith('/api/') && !path.startsWith('/apis/') && path !== '/api' && path !== '/apis') {
        const attrs = {
          verb: req.method === 'GET' ? 'get' : req.method.toLowerCase(),
          resourceRequest: false,
          path,
        };
        const d = await this.authorizer.authorize(r, attrs);
        if (!d.allowed) throw errors.forbidden(forbiddenMessage(r, attrs));
      }
    });

    // Warnings gathered while handling (e.g. unknown fields under fieldValidation=Warn), as kube sends them.
    app.addHook('onSend', async (req, reply, payload) => {
      // The encoding cannot fail (see warningHeader), so a stored object is always answered.
      const w = req.edgefedWarnings;
      const header = w?.length ? warningHeader(w) : undefined;
      if (header) reply.header('Warning', header);
      return payload;
    });

    app.addHook('onResponse', async (req, reply) => {
      const route = req.edgefedRoute;
      if (!route) return;
      this.metrics.requests.labels(route.verb, route.group, route.resource, String(reply.statusCode)).inc();
      if (route.verb !== 'watch')
        this.metrics.latency.labels(route.verb, route.resource).observe(reply.elapsedTime / 1000);
    });

    app.get('/version', async (_req, reply) => reply.send(VERSION_INFO));
    app.get('/metrics', async (_req, reply) =>
      reply.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics()),
    );
    app.get('/openapi/v3', async (_req, reply) =>
      reply.type('application/json').send(JSON.stringify(this.openapi.root())),
    );
    app.get('/openapi/v3/*', async (req, reply) => {
      const path = (req.params as { '*': string })['*'];
      const d = this.openapi.document(path);
      if (!d) throw errors.notFoundPath();
      return reply.type('application/json').header('Etag', `"${d.hash}"`).send(JSON.stringify(d.doc));
    });
    app.get('/openapi/v2', async (_req, reply) => reply.type('application/json').send(this.openapi.v2()));

    const handler = (req: FastifyRequest, reply: FastifyReply) => this.handleApi(req, reply);
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
    for (const url of ['/api', '/api/*', '/apis', '/apis/*'])
      app.route({ method: [...methods], url, handler });
  }

  private async handleApi(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    const [pathname, search = ''] = splitUrl(req.url);
    const p = parseApiPath(pathname);
    if (!p) throw errors.notFoundPath();
    const query = new URLSearchParams(search);
    normalizeQuery(query);
    const user = req.edgefedUser as UserInfo;
    const ctx: RequestContext = newContext(user);
    if (p.kind !== 'resource') {
      if (req.method !== 'GET') throw errors.methodNotAllowed(`${req.method} is not allowed on ${pathname}`);
      return this.serveDiscovery(req, reply, p);
    }
    req.edgefedRoute = { verb: req.method, group: p.group, resource: p.resource };
    const aggregated = this.aggregated.get(p.group);
    if (aggregated) return serveAggregated(aggregated, this.authorizer, req, reply, p, ctx, query);
    const deps: ResourceDeps = {
      registry: this.registry,
      storage: this.storage,
      authorizer: this.authorizer,
      metrics: this.metrics,
      watchClosers: this.watchClosers,
      connect: this.connectHandlers,
      creates: this.createHandlers,
    };
    reply.header('Audit-Id', req.id);
    req.edgefedWarnings = ctx.warnings;
    return handleResource(deps, req, reply, p, ctx, query);
  }

  private serveDiscovery(
    req: FastifyRequest,
    reply: FastifyReply,
    p: Exclude<ReturnType<typeof parseApiPath>, undefined>,
  ) {
    const send = (body: unknown, type = 'application/json') => reply.type(type).send(JSON.stringify(body));
    switch (p.kind) {
      case 'root': {
        const agg = wantsAggregated(req.headers.accept);
        if (agg) {
          return send(
            aggregatedDiscovery(this.registry, p.core, agg),
            agg === 'v2' ? AGGREGATED_DISCOVERY_V2 : AGGREGATED_DISCOVERY_V2BETA1,
          );
        }
        return send(p.core ? apiVersions(req.hostname) : apiGroupList(this.registry));
      }
      case 'group': {
        const g = apiGroupFor(this.registry, p.group);
        if (!g) throw errors.notFoundPath();
        return send(g);
      }
      case 'groupVersion': {
        const l = apiResourceList(this.registry, p.group, p.version);
        if (!l) throw errors.notFoundPath();
        return send(l);
      }
    }
    throw errors.notFoundPath();
  }

  private sendError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
    let api: ApiError;
    if (err instanceof ApiError) api = err;
    else if (err instanceof StoreError && STORE_ERRORS[err.code]) api = storeError(err);
    else {
      const code = (err as { code?: string }).code;
      const statusCode = (err as { statusCode?: number }).statusCode;
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        api = errors.tooLarge(
          `the request body is too large: limit is ${this.opts.bodyLimit ?? 3 * 1024 * 1024} bytes`,
        );
      else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
        api = errors.unsupportedMediaType((err as Error).message);
      else if (err instanceof URIError || code === 'FST_ERR_BAD_URL')
        api = errors.badRequest(`the request path is not valid: ${(err as Error).message}`);
      else if (statusCode && statusCode >= 400 && statusCode < 500)
        api = new ApiError(statusCode, 'BadRequest', (err as Error).message);
      else {
        req.log.error({ err, method: req.method, url: req.url.split('?')[0] }, 'internal error');
        api = errors.internal(`an internal error occurred: ${(err as Error).message ?? String(err)}`);
      }
    }
    if (api.code >= 500)
      req.log.error({ method: req.method, url: req.url.split('?')[0], status: api.code }, api.message);
    else req.log.debug({ method: req.method, url: req.url.split('?')[0], status: api.code }, api.message);
    if (reply.sent || reply.raw.headersSent) return reply;
    return reply.code(api.code).type('application/json').send(JSON.stringify(api.toStatus()));
  }
}

/** Store errors that escaped a handler without a resource name: still the client's 409/404. */
const STORE_ERRORS: Partial<Record<StoreErrorCode, (e: StoreError) => ApiError>> = {
  Conflict: () =>
    new ApiError(
      409,
      'Conflict',
      'Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again',
    ),
  NotFound: () => errors.notFoundPath(),
  Compacted: (e) => errors.expired(`too old resource version: ${e.message}`),
  Closed: () => errors.unavailable('the storage is shutting down'),
};

function storeError(e: StoreError): ApiError {
  return STORE_ERRORS[e.code]?.(e) ?? errors.internal(e.message);
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** The path (percent-decoding checked) and the query of a request URL. */
function splitUrl(url: string): [string, string] {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  // Throws URIError on a malformed escape: answered as 400 by sendError.
  decodeURIComponent(path);
  return [path, q < 0 ? '' : url.slice(q + 1)];
}

declare module 'fastify' {
  interface FastifyRequest {
    edgefedRoute?: { verb: string; group: string; resource: string };
    edgefedWarnings?: string[];
  }
  interface FastifyContextConfig {
    public?: boolean;
  }
}
