import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authorizer } from '../auth/authz.js';
import type { Negotiated } from '../handlers/negotiate.js';
import type { ApiPath } from '../handlers/request-info.js';
import type { ResourceRegistry } from '../registry/registry.js';
import type { ResourceInfo, ResourceVersion } from '../registry/resource-info.js';
import type { RequestContext } from '../rest/context.js';
import type { ObjectStorage } from '../rest/storage.js';
import type { ConnectHandler } from './connect.js';
import type { CreateHandler } from './virtual-create.js';
import type { ApiMetrics } from './metrics.js';

export type ResourcePath = Extract<ApiPath, { kind: 'resource' }>;

export interface ResourceDeps {
  registry: ResourceRegistry;
  storage: ObjectStorage;
  authorizer: Authorizer;
  metrics: ApiMetrics;
  /** Closes open watches on shutdown. */
  watchClosers: Set<() => void>;
  /** Connect subresources (pods/log) by connectKey(). */
  connect: ReadonlyMap<string, ConnectHandler>;
  /** Create-only virtual resources and subresources (reviews, serviceaccounts/token) by createKey(). */
  creates?: ReadonlyMap<string, CreateHandler>;
}

/** One authorized request on a resource, resolved: what every verb handler works from. */
export interface ResourceRequest {
  deps: ResourceDeps;
  req: FastifyRequest;
  reply: FastifyReply;
  p: ResourcePath;
  ctx: RequestContext;
  q: URLSearchParams;
  info: ResourceInfo;
  version: ResourceVersion;
  /** The namespace when the resource is namespaced. */
  ns: string | undefined;
  /** The object's name (empty on collection requests). */
  name: string;
  neg: Negotiated;
  /** "<group>/<version>" or "v1". */
  apiVersion: string;
}
