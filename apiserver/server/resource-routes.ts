import type { FastifyReply, FastifyRequest } from 'fastify';
import { forbiddenMessage } from '../auth/authz.js';
import { errors } from '../errors.js';
import { negotiate } from '../handlers/negotiate.js';
import { groupVersion } from '../registry/resource-info.js';
import type { RequestContext } from '../rest/context.js';
import { connectKey } from './connect.js';
import { handleConnect } from './connect-route.js';
import { createKey, serveVirtualCreate } from './virtual-create.js';
import type { ResourceDeps, ResourcePath, ResourceRequest } from './resource-request.js';
import { serveCreate } from './verb-create.js';
import { serveDelete, serveDeleteCollection } from './verb-delete.js';
import { serveGet, serveList } from './verb-get.js';
import { servePatch, serveUpdate } from './verb-update.js';
import { serveWatch } from './verb-watch.js';

export type { ResourceDeps } from './resource-request.js';

type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

const HANDLERS: Record<Verb, (r: ResourceRequest) => Promise<FastifyReply | void>> = {
  get: serveGet,
  list: serveList,
  watch: serveWatch,
  create: serveCreate,
  update: serveUpdate,
  patch: servePatch,
  delete: serveDelete,
  deletecollection: serveDeleteCollection,
};

function verbOf(method: string, p: ResourcePath, q: URLSearchParams): Verb {
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

/**
 * Routes a request on a resource: resolves the kind, checks the path against it, authorizes the
 * verb, then hands over to the verb's handler.
 */
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
  const base = { deps, req, reply, p, ctx, q, info, version, ns, name: p.name ?? '' };
  const connect = p.subresource
    ? deps.connect.get(connectKey(info.group, info.resource, p.subresource))
    : undefined;
  if (connect && p.name !== undefined) return handleConnect(base, connect);
  const create = deps.creates?.get(createKey(info.group, info.resource, p.subresource));
  if (create && (p.subresource === undefined) === (p.name === undefined)) {
    const at = { info, version, namespace: ns, name: p.name, subresource: p.subresource };
    return serveVirtualCreate(create, deps.authorizer, req, reply, at, ctx, q);
  }
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
  return HANDLERS[verb]({ ...base, neg, apiVersion });
}
