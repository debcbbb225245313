/**
 * Read-only API groups served by a handler instead of the store, as kube-aggregator hands
 * `metrics.k8s.io` to metrics-server: the group's resources appear in discovery like any other
 * (so `kubectl top` finds them), the API server authenticates and authorizes each request, and the
 * handler computes the answer (NodeMetrics, PodMetrics from live samples). Only get and list are
 * served: these objects have no history to watch and nothing to write.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { forbiddenMessage, type Authorizer } from '../auth/authz.js';
import { errors } from '../errors.js';
import type { ResourceRegistry } from '../registry/registry.js';
import type { ResourceInfo } from '../registry/resource-info.js';
import type { RequestContext } from '../rest/context.js';
import type { KubeObject } from '../../api/kubernetes.js';
import type { ResourcePath } from './resource-request.js';

export interface AggregatedRequest {
  verb: 'get' | 'list';
  version: string;
  resource: string;
  /** Undefined for a cluster-scoped resource, or a namespaced list across all namespaces. */
  namespace: string | undefined;
  name: string | undefined;
  /** labelSelector, fieldSelector... as the client sent them. */
  query: URLSearchParams;
}

export interface AggregatedApi {
  group: string;
  /** Served in discovery with the verbs they list (get, list). */
  resources: ResourceInfo[];
  /** The object or list to send; throws an ApiError (404...) to answer with a Status. */
  serve(req: AggregatedRequest): Promise<KubeObject> | KubeObject;
}

/** Puts the group's resources in the registry, so discovery lists them like any other. */
export function addToDiscovery(registry: ResourceRegistry, api: AggregatedApi): void {
  for (const r of api.resources) registry.upsert(r);
}

export async function serveAggregated(
  api: AggregatedApi,
  authorizer: Authorizer,
  req: FastifyRequest,
  reply: FastifyReply,
  p: ResourcePath,
  ctx: RequestContext,
  query: URLSearchParams,
): Promise<FastifyReply> {
  const info = api.resources.find(
    (r) => r.resource === p.resource && r.versions.some((v) => v.name === p.version),
  );
  if (!info || p.subresource !== undefined) throw errors.notFoundPath();
  if (!info.namespaced && p.namespace !== undefined) throw errors.notFoundPath();
  if (req.method !== 'GET')
    throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
  if (p.watchPath || query.get('watch') === 'true' || query.get('watch') === '1')
    throw errors.methodNotAllowed(`watch is not supported on ${info.resource}.${info.group}`);
  const verb = p.name === undefined ? 'list' : 'get';
  if (info.namespaced && verb === 'get' && p.namespace === undefined) throw errors.notFoundPath();
  const attrs = {
    verb,
    resourceRequest: true,
    group: info.group,
    version: p.version,
    resource: info.resource,
    namespace: p.namespace,
    name: p.name,
    path: req.url.split('?')[0],
  };
  const d = await authorizer.authorize(ctx.user, attrs);
  if (!d.allowed)
    throw errors.forbidden(forbiddenMessage(ctx.user, attrs), {
      name: p.name,
      group: info.group,
      kind: info.resource,
    });
  const out = await api.serve({
    verb,
    version: p.version,
    resource: info.resource,
    namespace: p.namespace,
    name: p.name,
    query,
  });
  return reply.type('application/json').send(JSON.stringify(out));
}
