/**
 * The gateway's Kubernetes API front for agents: a request from an agent certificate (gateway CA)
 * is read as kube-apiserver reads it (verb, group, resource, namespace, name, subresource),
 * authorized with the hub's agentAuthorizer (own Works and their status, own heartbeat Lease, own
 * KubeFedCluster status; 403 with a Status otherwise), then sent to the host API with the
 * gateway's own host credentials. Status codes, headers and bodies come back as the host sent
 * them, the body streamed (watches stay live); a caller going away ends the host request.
 *
 * - What was authorized is what is forwarded: the host path is rebuilt from the parsed parts
 *   (each segment re-encoded), so `..`, `//` or encoded slashes cannot reach another object.
 * - The caller's Authorization, impersonation and every other header outside a short allowlist
 *   are dropped: the host sees only the gateway's credentials.
 * - A Lease create must name the heartbeat Lease in its body (the path of a create names no object).
 * - Admins (O=system:masters of the gateway CA) are not forwarded: their gateway credentials are
 *   for /clusters/<name>/proxy; the host API has its own.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  MASTERS_GROUP,
  forbiddenMessage,
  type Authorizer,
  type RequestAttributes,
} from '../../apiserver/auth/authz.js';
import { errors } from '../../apiserver/errors.js';
import { parseApiPath } from '../../apiserver/handlers/request-info.js';
import type { UserInfo } from '../../apiserver/rest/context.js';
import { HEARTBEAT_LEASE } from '../../api/protocol.js';
import { forwardableHeaders } from '../../tunnel/mux.js';
import type { RuntimeLogger } from '../../client/log.js';
import { openRequest } from '../../client/transport.js';
import { KubeClient } from '../../client/client.js';
import { admitForwarded } from '../join/agent-admission.js';
import { agentCluster } from '../join/agent-authorizer.js';

/** Request headers passed to the host; everything else (credentials, impersonation) stays here. */
const REQUEST_HEADERS = ['accept', 'accept-encoding', 'content-type', 'content-encoding', 'user-agent'];
/** Idle timeout of a non-watch request to the host. */
const UPSTREAM_IDLE_MS = 60_000;

/** Go's strconv.ParseBool, which kube-apiserver uses for ?watch=. */
function goBool(v: string | null): boolean | undefined {
  if (v === null) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

export interface ForwardTarget {
  attrs: RequestAttributes;
  /** The canonical host path (no query) rebuilt from attrs. */
  path: string;
}

const DISCOVERY = /^\/(?:version|api|apis|api\/v1|apis\/[a-z0-9.-]+(?:\/[a-z0-9]+)?)$/;

/**
 * Reads a request as kube-apiserver's RequestInfoFactory would. Throws a 400/404 ApiError for a
 * path no Kubernetes API would serve. Exported for tests.
 */
export function forwardTarget(method: string, pathname: string, query: URLSearchParams): ForwardTarget {
  let p: ReturnType<typeof parseApiPath>;
  try {
    p = parseApiPath(pathname);
  } catch {
    throw errors.badRequest(`malformed path ${pathname}`);
  }
  const verbFor = (watchPath: boolean, named: boolean): string => {
    switch (method) {
      case 'GET':
      case 'HEAD':
        if (watchPath) return 'watch';
        if (named) return 'get';
        return goBool(query.get('watch')) ? 'watch' : 'list';
      case 'POST':
        return 'create';
      case 'PUT':
        return 'update';
      case 'PATCH':
        return 'patch';
      case 'DELETE':
        return named ? 'delete' : 'deletecollection';
      default:
        throw errors.methodNotAllowed(`method ${method} is not allowed`);
    }
  };
  if (!p || p.kind !== 'resource') {
    // Discovery and /version: non-resource requests, forwarded only in their canonical shapes.
    const verb = method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase();
    if (!DISCOVERY.test(pathname)) {
      return { attrs: { verb, resourceRequest: false, path: pathname }, path: '' };
    }
    return { attrs: { verb, resourceRequest: false, path: pathname }, path: pathname };
  }
  const segments = [p.namespace, p.resource, p.name, p.subresource];
  for (const s of segments)
    if (s !== undefined && (s === '' || s === '.' || s === '..' || s.includes('/')))
      throw errors.badRequest(`invalid path segment ${JSON.stringify(s)}`);
  const enc = encodeURIComponent;
  const base = p.group === '' ? `/api/${enc(p.version)}` : `/apis/${enc(p.group)}/${enc(p.version)}`;
  const path =
    base +
    (p.watchPath ? '/watch' : '') +
    (p.namespace !== undefined ? `/namespaces/${enc(p.namespace)}` : '') +
    `/${enc(p.resource)}` +
    (p.name !== undefined ? `/${enc(p.name)}` : '') +
    (p.subresource !== undefined ? `/${enc(p.subresource)}` : '');
  return {
    attrs: {
      verb: verbFor(p.watchPath, p.name !== undefined),
      resourceRequest: true,
      group: p.group,
      version: p.version,
      resource: p.resource,
      subresource: p.subresource,
      namespace: p.namespace,
      name: p.name,
      path: pathname,
    },
    path,
  };
}

/** Body checks the path cannot express: a Lease create must name the heartbeat Lease. */
function checkBody(attrs: RequestAttributes, body: string | undefined, user: UserInfo): void {
  if (!(attrs.resourceRequest && attrs.resource === 'leases' && attrs.verb === 'create')) return;
  let obj: { metadata?: { name?: unknown; namespace?: unknown } } | undefined;
  try {
    obj = body ? (JSON.parse(body) as typeof obj) : undefined;
  } catch {
    obj = undefined;
  }
  const name = obj?.metadata?.name;
  const ns = obj?.metadata?.namespace;
  if (name !== HEARTBEAT_LEASE || (ns !== undefined && ns !== attrs.namespace))
    throw errors.forbidden(
      `${forbiddenMessage(user, { ...attrs, name: typeof name === 'string' ? name : undefined })}: ` +
        `an agent may create only the Lease "${HEARTBEAT_LEASE}" in its namespace`,
      { group: 'coordination.k8s.io', kind: 'leases' },
    );
}

export interface ForwardDeps {
  /** The host API and the gateway's credentials for it. */
  hostKc: KubeConfig;
  authorizer: Authorizer;
  log: RuntimeLogger;
}

export function kubeForwarder(deps: ForwardDeps) {
  const { log } = deps;
  const host = new KubeClient(deps.hostKc, { fieldManager: 'edgefed-gateway' });
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const user = req.edgefedUser;
    if (!user) throw errors.unauthorized();
    const rawUrl = req.raw.url ?? req.url;
    const qi = rawUrl.indexOf('?');
    const pathname = qi < 0 ? rawUrl : rawUrl.slice(0, qi);
    const rawQuery = qi < 0 ? '' : rawUrl.slice(qi + 1);
    const target = forwardTarget(req.method, pathname, new URLSearchParams(rawQuery));
    const attrs = target.attrs;
    const cluster = agentCluster(user);
    if (!cluster) {
      const hint = user.groups.includes(MASTERS_GROUP)
        ? ': the gateway serves agents and /clusters/<name>/proxy; use the host cluster API directly'
        : '';
      throw errors.forbidden(forbiddenMessage(user, attrs) + hint);
    }
    if (!attrs.resourceRequest) {
      // Discovery, as the hub lets any authenticated user read it; nothing else outside the API.
      if (attrs.verb !== 'get' || !target.path) throw errors.forbidden(forbiddenMessage(user, attrs));
    } else {
      const d = await deps.authorizer.authorize(user, attrs);
      if (!d.allowed)
        throw errors.forbidden(forbiddenMessage(user, attrs) + (d.reason ? `: ${d.reason}` : ''), {
          name: attrs.name,
          group: attrs.group,
          kind: attrs.resource,
        });
    }
    const ct = String(req.headers['content-type'] ?? '');
    if (/protobuf/i.test(ct))
      throw errors.unsupportedMediaType('the gateway forwards JSON and YAML bodies only');
    const b = req.body;
    const body =
      Buffer.isBuffer(b) && b.length > 0 ? b.toString('utf8') : typeof b === 'string' && b ? b : undefined;
    checkBody(attrs, body, user);
    // What the attributes cannot say (a Work written only to change the agent's finalizer).
    const refusal = await admitForwarded(host, cluster, attrs, body, ct, target.path);
    if (refusal)
      throw errors.forbidden(`${forbiddenMessage(user, attrs)}: ${refusal}`, {
        group: attrs.group,
        kind: attrs.resource,
      });

    const headers: Record<string, string> = {};
    for (const h of REQUEST_HEADERS) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const abort = new AbortController();
    const watch = attrs.verb === 'watch';
    let opened: Awaited<ReturnType<typeof openRequest>>;
    try {
      opened = await openRequest(deps.hostKc, {
        method: req.method,
        path: target.path + (rawQuery ? `?${rawQuery}` : ''),
        body,
        headers,
        timeoutMs: watch ? 0 : UPSTREAM_IDLE_MS,
        signal: abort.signal,
      });
    } catch (e) {
      log.warn({ cluster, path: target.path, err: (e as Error).message }, 'host API request failed');
      throw errors.unavailable(`the host API is unavailable: ${(e as Error).message}`);
    }
    const up = opened.res;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(up.statusCode ?? 502, forwardableHeaders(up.headers));
    // A watch may have no event for minutes: the agent must see the head now.
    res.flushHeaders();
    up.pipe(res);
    up.once('aborted', () => res.destroy());
    up.once('error', () => res.destroy());
    res.once('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client disconnected'));
      log.debug(
        { cluster, verb: attrs.verb, resource: attrs.resource, ns: attrs.namespace, status: up.statusCode },
        'forwarded',
      );
    });
  };
}
