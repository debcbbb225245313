import type { FastifyReply } from 'fastify';
import { forbiddenMessage } from '../auth/authz.js';
import { errors } from '../errors.js';
import { serveConnect, type ConnectHandler } from './connect.js';
import type { ResourceRequest } from './resource-request.js';

/** Subresources that act on the pod, not read it: kube authorizes them as `create`, WebSocket GETs too. */
const CREATE_VERB = new Set(['exec', 'attach', 'portforward']);

/**
 * A connect subresource: pods/log authorized as `get`, pods/exec|attach|portforward as `create`
 * (kube 1.31+ does so for WebSocket upgrades as well), then streamed or upgraded.
 */
export async function handleConnect(
  r: Omit<ResourceRequest, 'neg' | 'apiVersion'>,
  handler: ConnectHandler,
): Promise<FastifyReply> {
  const { deps, req, reply, p, info, version, ns, ctx, q, name } = r;
  // pods/log is GET only; exec/attach/portforward are WebSocket upgrades, which are GETs (the SPDY
  // upgrade kubectl falls back to is a POST, which we do not serve).
  if (req.method !== 'GET')
    throw errors.methodNotAllowed(`${req.method} is not supported on ${p.subresource}`);
  const attrs = {
    verb: CREATE_VERB.has(p.subresource ?? '') ? 'create' : 'get',
    resourceRequest: true,
    group: info.group,
    version: version.name,
    resource: info.resource,
    subresource: p.subresource,
    namespace: ns,
    name,
    path: req.url.split('?')[0],
  };
  const decision = await deps.authorizer.authorize(ctx.user, attrs);
  if (!decision.allowed)
    throw errors.forbidden(forbiddenMessage(ctx.user, attrs), {
      name,
      group: info.group,
      kind: info.resource,
    });
  return serveConnect(handler, req, reply, { namespace: ns, name, query: q, user: ctx.user });
}
