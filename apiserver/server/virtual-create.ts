/**
 * "Virtual create" resources and subresources: POSTs answered by a handler instead of being stored
 * (SelfSubjectAccessReview, TokenReview, serviceaccounts/token...), as kube's create-only REST
 * storages do. The API server authorizes the request (verb create) and decodes the body; the handler
 * computes the answer.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { forbiddenMessage, type Authorizer } from '../auth/authz.js';
import { errors } from '../errors.js';
import type { ResourceInfo, ResourceVersion } from '../registry/resource-info.js';
import type { RequestContext } from '../rest/context.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { decodeBody } from './decode.js';

export interface CreateRequest {
  ctx: RequestContext;
  namespace: string | undefined;
  /** The parent object's name for a subresource (serviceaccounts/<name>/token). */
  name: string | undefined;
  body: KubeObject;
  query: URLSearchParams;
  /** The server's whole authorizer chain (SubjectAccessReview asks it about another user). */
  authorizer: Authorizer;
}

/** Returns the response object (sent with 201 Created, as kube does for these). */
export type CreateHandler = (req: CreateRequest) => Promise<KubeObject> | KubeObject;

/** `<group>/<resource>/<subresource>`; the subresource is empty for a whole virtual resource. */
export function createKey(group: string, resource: string, subresource = ''): string {
  return `${group}/${resource}/${subresource}`;
}

export async function serveVirtualCreate(
  handler: CreateHandler,
  authorizer: Authorizer,
  req: FastifyRequest,
  reply: FastifyReply,
  at: {
    info: ResourceInfo;
    version: ResourceVersion;
    namespace?: string;
    name?: string;
    subresource?: string;
  },
  ctx: RequestContext,
  q: URLSearchParams,
): Promise<FastifyReply> {
  if (req.method !== 'POST')
    throw errors.methodNotAllowed(
      at.subresource
        ? `${req.method} is not supported on ${at.subresource}`
        : `the server does not allow this method on the requested resource`,
    );
  const attrs = {
    verb: 'create',
    resourceRequest: true,
    group: at.info.group,
    version: at.version.name,
    resource: at.info.resource,
    subresource: at.subresource,
    namespace: at.namespace,
    name: at.name,
    path: req.url.split('?')[0],
  };
  const d = await authorizer.authorize(ctx.user, attrs);
  if (!d.allowed)
    throw errors.forbidden(forbiddenMessage(ctx.user, attrs), {
      name: at.name,
      group: at.info.group,
      kind: at.info.resource,
    });
  const body = decodeBody(req, 'Ignore', ctx.warnings);
  const out = await handler({ ctx, namespace: at.namespace, name: at.name, body, query: q, authorizer });
  return reply.code(201).type('application/json').send(JSON.stringify(out));
}
