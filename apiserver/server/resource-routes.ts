import type { FastifyReply, FastifyRequest } from 'fastify';
import yaml from 'js-yaml';
import { forbiddenMessage, type Authorizer } from '../auth/authz.js';
import { errors } from '../errors.js';
import { negotiate } from '../handlers/negotiate.js';
import type { ApiPath } from '../handlers/request-info.js';
import type { ResourceRegistry } from '../registry/registry.js';
import { groupVersion, type ResourceInfo, type ResourceVersion } from '../registry/resource-info.js';
import type { RequestContext } from '../rest/context.js';
import { parseListQuery } from '../rest/list-query.js';
import { decodeContinue, type ObjectStorage, type PatchType, type WriteOptions } from '../rest/storage.js';
import { startWatch, type WatchEventType } from '../rest/watch.js';
import type { KubeObject } from '../types.js';
import type { FieldValidation } from '../rest/validate-object.js';
import { send, shapeList, shapeObject } from './encode.js';
import type { ApiMetrics } from './metrics.js';
import { scaleOf, applyScale } from './scale.js';
import { decodeKubeProtobuf } from '../protobuf/index.js';
import { connectKey, serveConnect, type ConnectHandler } from './connect.js';

type ResourcePath = Extract<ApiPath, { kind: 'resource' }>;

export interface ResourceDeps {
  registry: ResourceRegistry;
  storage: ObjectStorage;
  authorizer: Authorizer;
  metrics: ApiMetrics;
  /** Closes open watches on shutdown. */
  watchClosers: Set<() => void>;
  /** Connect subresources (pods/log) by connectKey(). */
  connect: ReadonlyMap<string, ConnectHandler>;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

function verbOf(method: string, p: ResourcePath, q: URLSearchParams): string {
  const watch = p.watchPath || q.get('watch') === 'true' || q.get('watch') === '1';
  switch (method) {
    case 'GET':
      return watch ? 'watch' : p.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return p.name ? 'delete' : 'deletecollection';
    default:
      throw errors.methodNotAllowed(`method ${method} is not allowed`);
  }
}

function writeOptions(q: URLSearchParams, req: FastifyRequest, subresource?: 'status'): WriteOptions {
  const dryRun = q.getAll('dryRun');
  for (const d of dryRun)
    if (d !== 'All') throw errors.badRequest(`Invalid dry run value: ${d}; valid values are: All`);
  const fv = q.get('fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(fv)) {
    throw errors.badRequest(`fieldValidation must be one of Ignore, Warn, Strict, got ${fv}`);
  }
  const fm = q.get('fieldManager') ?? managerFromUserAgent(req.headers['user-agent']);
  if (fm.length > 128) throw errors.badRequest('fieldManager: Too long: may not be longer than 128');
  return { dryRun: dryRun.length > 0, fieldManager: fm, fieldValidation: fv as FieldValidation, subresource };
}

function managerFromUserAgent(ua: string | undefined): string {
  const first = (ua ?? 'unknown').split('/')[0].trim();
  return first.slice(0, 128) || 'unknown';
}

function decodeBody(req: FastifyRequest): KubeObject {
  if (Buffer.isBuffer(req.body)) return decodeKubeProtobuf(req.body).object as KubeObject;
  const raw = typeof req.body === 'string' ? req.body : '';
  if (raw.trim() === '') throw errors.badRequest('the request body is empty');
  const ct = String(req.headers['content-type'] ?? 'application/json')
    .split(';')[0]
    .trim();
  let parsed: unknown;
  try {
    if (ct === 'application/yaml' || ct === 'application/x-yaml')
      parsed = yaml.load(raw, { schema: yaml.JSON_SCHEMA });
    else if (ct === 'application/json' || ct === '*/*' || ct === '') parsed = JSON.parse(raw);
    else
      throw errors.unsupportedMediaType(
        `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
      );
  } catch (e) {
    if (e instanceof Error && e.name === 'ApiError') throw e;
    throw errors.badRequest(`the request body could not be decoded: ${(e as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw errors.badRequest('the request body must be a JSON object');
  }
  return parsed as KubeObject;
}

export async function handleResource(
  deps: ResourceDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  p: ResourcePath,
  ctx: RequestContext,
  q: URLSearchParams,
): Promise<FastifyReply | void> {
  const resolved = deps.registry.resolve(p.group, p.version, p.resource);
  if (!resolved) throw errors.notFoundPath();
  const { info, version } = resolved;
  if (!info.namespaced && p.namespace !== undefined && p.resource !== 'namespaces')
    throw errors.notFoundPath();
  const verb = verbOf(req.method, p, q);
  const ns = info.namespaced ? p.namespace : undefined;
  if (info.namespaced && ns === undefined && !['list', 'watch', 'deletecollection'].includes(verb))
    throw errors.notFoundPath();
  const connect = p.subresource
    ? deps.connect.get(connectKey(info.group, info.resource, p.subresource))
    : undefined;
  if (connect && p.name !== undefined)
    return handleConnect(deps, connect, req, reply, { ...p, name: p.name }, info, version, ns, ctx, q);
  if (p.subresource && !['status', 'scale'].includes(p.subresource)) throw errors.notFoundPath();
  if (p.subresource === 'status' && !version.subresources.status) throw errors.notFoundPath();
  if (p.subresource === 'scale' && !version.subresources.scale) throw errors.notFoundPath();
  if (p.subresource && !['get', 'update', 'patch'].includes(verb))
    throw errors.methodNotAllowed(`${verb} is not supported on ${p.subresource}`);

  const attrs = {
    verb,
    resourceRequest: true,
    group: info.group,
    version: version.name,
    resource: info.resource,
    subresource: p.subresource,
    namespace: ns,
    name: p.name,
    path: req.url.split('?')[0],
  };
  const decision = await deps.authorizer.authorize(ctx.user, attrs);
  if (!decision.allowed) {
    throw errors.forbidden(
      forbiddenMessage(ctx.user, attrs) + (decision.reason ? `: ${decision.reason}` : ''),
      {
        name: p.name,
        group: info.group,
        kind: info.resource,
      },
    );
  }
  const neg = negotiate(req.headers.accept);
  const apiVersion = groupVersion(info.group, version.name);
  const storage = deps.storage;
  const name = p.name as string;

  switch (verb) {
    case 'get': {
      const obj = await storage.get(info, version, ns, name);
      if (p.subresource === 'scale') return send(reply, 200, scaleOf(info, version, obj), neg.yaml);
      return send(reply, 200, shapeObject(neg, info, version, obj, q), neg.yaml);
    }
    case 'list': {
      const lq = parseListQuery(info, version, q, decodeContinue);
      const res = await storage.list(info, version, ns, lq);
      const meta = {
        resourceVersion: res.resourceVersion,
        ...(res.continue ? { continue: res.continue } : {}),
      };
      return send(reply, 200, shapeList(neg, info, version, res.items, meta, apiVersion, q), neg.yaml);
    }
    case 'watch':
      return serveWatch(deps, req, reply, info, version, ns, q, neg);
    case 'create': {
      const body = decodeBody(req);
      const obj = await storage.create(ctx, info, version, ns, body, writeOptions(q, req));
      return send(reply, 201, shapeObject(neg, info, version, obj, q), neg.yaml);
    }
    case 'update': {
      const body = decodeBody(req);
      if (p.subresource === 'scale') {
        const cur = await storage.get(info, version, ns, name);
        const next = applyScale(info, version, cur, body);
        const obj = await storage.update(ctx, info, version, ns, name, next, writeOptions(q, req));
        return send(reply, 200, scaleOf(info, version, obj), neg.yaml);
      }
      const sub = p.subresource === 'status' ? 'status' : undefined;
      const obj = await storage.update(ctx, info, version, ns, name, body, writeOptions(q, req, sub));
      return send(reply, 200, shapeObject(neg, info, version, obj, q), neg.yaml);
    }
    case 'patch': {
      const ct = String(req.headers['content-type'] ?? '')
        .split(';')[0]
        .trim();
      const type = PATCH_TYPES[ct];
      if (!type) {
        throw errors.unsupportedMediaType(
          `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`,
        );
      }
      if (Buffer.isBuffer(req.body)) throw errors.unsupportedMediaType('patches must be JSON or YAML');
      const raw = typeof req.body === 'string' ? req.body : '';
      const force = q.get('force') === 'true';
      if (q.has('force') && type !== 'apply')
        throw errors.badRequest('force may not be specified for non-apply patch');
      if (type === 'apply' && !q.get('fieldManager'))
        throw errors.badRequest(
          'PATCH with apply requires a fieldManager (fieldManager is required for apply requests)',
        );
      if (p.subresource === 'scale') {
        const cur = await storage.get(info, version, ns, name);
        const patchedScale = (await import('../patch/index.js')).applyMergePatch(
          scaleOf(info, version, cur),
          JSON.parse(raw || '{}'),
        );
        const obj = await storage.update(
          ctx,
          info,
          version,
          ns,
          name,
          applyScale(info, version, cur, patchedScale as KubeObject),
          writeOptions(q, req),
        );
        return send(reply, 200, scaleOf(info, version, obj), neg.yaml);
      }
      const sub = p.subresource === 'status' ? 'status' : undefined;
      const res = await storage.patch(ctx, info, version, ns, name, type, raw, {
        ...writeOptions(q, req, sub),
        force,
      });
      return send(reply, res.created ? 201 : 200, shapeObject(neg, info, version, res.object, q), neg.yaml);
    }
    case 'delete': {
      const opts = deleteOptions(req, q);
      const res = await storage.delete(ctx, info, version, ns, name, opts);
      if (res.deleted) {
        return send(
          reply,
          200,
          {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: { name, group: info.group, kind: info.resource, uid: res.object.metadata.uid },
          },
          neg.yaml,
        );
      }
      return send(reply, 202, shapeObject(neg, info, version, res.object, q), neg.yaml);
    }
    case 'deletecollection': {
      const lq = parseListQuery(info, version, q, decodeContinue);
      const opts = deleteOptions(req, q);
      const res = await storage.list(info, version, ns, { ...lq, limit: undefined });
      const deleted: KubeObject[] = [];
      for (const item of res.items) {
        const r = await storage
          .delete(ctx, info, version, item.metadata.namespace, String(item.metadata.name), {
            dryRun: opts.dryRun,
          })
          .catch((e: unknown) => {
            if (e instanceof Error && 'code' in e && (e as { code: number }).code === 404) return undefined;
            throw e;
          });
        if (r) deleted.push(r.object);
      }
      return send(
        reply,
        200,
        {
          kind: info.listKind,
          apiVersion,
          metadata: { resourceVersion: res.resourceVersion },
          items: deleted,
        },
        neg.yaml,
      );
    }
  }
  throw errors.methodNotAllowed(`${verb} is not supported`);
}

function deleteOptions(
  req: FastifyRequest,
  q: URLSearchParams,
): { dryRun: boolean; preconditions?: { uid?: string; resourceVersion?: string } } {
  let dryRun = q.getAll('dryRun').includes('All');
  let preconditions: { uid?: string; resourceVersion?: string } | undefined;
  const raw = typeof req.body === 'string' ? req.body.trim() : '';
  if (raw) {
    let body: {
      dryRun?: string[];
      preconditions?: { uid?: string; resourceVersion?: string };
      propagationPolicy?: string;
    };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch (e) {
      throw errors.badRequest(`the DeleteOptions body could not be decoded: ${(e as Error).message}`);
    }
    if (body.propagationPolicy && !['Background', 'Foreground', 'Orphan'].includes(body.propagationPolicy)) {
      throw errors.badRequest(`propagationPolicy: Unsupported value: "${body.propagationPolicy}"`);
    }
    if (Array.isArray(body.dryRun) && body.dryRun.includes('All')) dryRun = true;
    preconditions = body.preconditions;
  }
  return { dryRun, preconditions };
}

async function serveWatch(
  deps: ResourceDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  info: ResourceInfo,
  version: ResourceVersion,
  ns: string | undefined,
  q: URLSearchParams,
  neg: ReturnType<typeof negotiate>,
): Promise<void> {
  const lq = parseListQuery(info, version, q, decodeContinue);
  const timeoutParam = q.get('timeoutSeconds');
  const timeoutSec = timeoutParam ? Number(timeoutParam) : 1800 + Math.floor(Math.random() * 1800);
  if (!Number.isFinite(timeoutSec) || timeoutSec < 0)
    throw errors.badRequest(`invalid timeoutSeconds: ${timeoutParam}`);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  });
  res.flushHeaders();
  let first = true;
  let closed = false;
  const gauge = deps.metrics.watchers.labels(info.group, info.resource);
  gauge.inc();
  let stopWatch: (() => void) | undefined;
  const close = (): void => {
    if (closed) return;
    closed = true;
    gauge.dec();
    stopWatch?.();
    clearTimeout(timer);
    deps.watchClosers.delete(close);
    res.end();
  };
  deps.watchClosers.add(close);
  const timer = setTimeout(close, timeoutSec * 1000);
  // The response's 'close' fires when the client goes away (the request's fires once its body is read).
  res.on('close', close);
  const sink = {
    send(type: WatchEventType, object: KubeObject, json?: string) {
      if (closed) return;
      let line: string;
      if (neg.shape === 'table' && type !== 'ERROR' && type !== 'BOOKMARK') {
        line = JSON.stringify({ type, object: shapeObject(neg, info, version, object, q, !first) });
        first = false;
      } else if (neg.shape === 'partial' && type !== 'ERROR' && type !== 'BOOKMARK') {
        line = JSON.stringify({ type, object: shapeObject(neg, info, version, object, q) });
      } else {
        line = `{"type":"${type}","object":${json ?? JSON.stringify(object)}}`;
      }
      res.write(line + '\n');
      // A watcher that cannot keep up is dropped (it relists), rather than buffering without bound.
      if (res.writableLength > 64 * 1024 * 1024) close();
    },
    end: close,
  };
  try {
    const w = await startWatch(
      deps.storage,
      info,
      version,
      ns,
      lq,
      {
        allowBookmarks: q.get('allowWatchBookmarks') === 'true',
        sendInitialEvents: q.get('sendInitialEvents') === 'true',
      },
      sink,
    );
    if (closed) w.stop();
    else stopWatch = () => w.stop();
  } catch (e) {
    const status =
      e instanceof Error && e.name === 'ApiError'
        ? (e as ReturnType<typeof errors.internal>).toStatus()
        : errors.internal(String(e)).toStatus();
    sink.send('ERROR', status as unknown as KubeObject);
    close();
  }
}

async function handleConnect(
  deps: ResourceDeps,
  handler: ConnectHandler,
  req: FastifyRequest,
  reply: FastifyReply,
  p: ResourcePath & { name: string },
  info: ResourceInfo,
  version: ResourceVersion,
  ns: string | undefined,
  ctx: RequestContext,
  q: URLSearchParams,
): Promise<FastifyReply> {
  // kube-apiserver serves pods/log on GET only; exec/attach need an upgrade we do not speak here.
  if (req.method !== 'GET')
    throw errors.methodNotAllowed(`${req.method} is not supported on ${p.subresource}`);
  const attrs = {
    verb: 'get',
    resourceRequest: true,
    group: info.group,
    version: version.name,
    resource: info.resource,
    subresource: p.subresource,
    namespace: ns,
    name: p.name,
    path: req.url.split('?')[0],
  };
  const decision = await deps.authorizer.authorize(ctx.user, attrs);
  if (!decision.allowed)
    throw errors.forbidden(forbiddenMessage(ctx.user, attrs), {
      name: p.name,
      group: info.group,
      kind: info.resource,
    });
  return serveConnect(handler, req, reply, { namespace: ns, name: p.name, query: q, user: ctx.user });
}
