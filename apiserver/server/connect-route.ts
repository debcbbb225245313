import type { FastifyReply } from 'fastify';
import { forbiddenMessage } from '../auth/authz.js';
import { errors } from '../errors.js';
import { serveConnect, type ConnectHandler } from './connect.js';
import type { ResourceRequest } from './resource-request.js';

/** A connect subresource (pods/log): authorized as `get` on the subresource, then streamed. */
export async function handleConnect(
  r: Omit<ResourceRequest, 'neg' | 'apiVersion'>,
  handler: ConnectHandler,
): Promise<FastifyReply> {
  const { deps, req, reply, p, info, version, ns, ctx, q, name } = r;
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
