/**
 * `/clusters/<name>/proxy/<kubernetes path>`: a member cluster's API through its agent's tunnel.
 *
 * A normal route of the hub's API server, so its authentication applies (and its onRequest hook
 * already refuses non-admins on non-/api paths); admins only, like Karmada's cluster proxy. The
 * caller's Authorization is dropped: the agent talks to its member with its own credentials
 * (Karmada's pull mode). Request and response bodies are streamed both ways and each response
 * chunk is written as it arrives, so watches and `logs -f` are live.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MASTERS_GROUP } from '../../apiserver/auth/authz.js';
import { ApiError, errors } from '../../apiserver/errors.js';
import type { UserInfo } from '../../apiserver/rest/context.js';
import type { RuntimeLogger } from '../../client/log.js';
import { PROXY_PREFIX } from '../../api/protocol.js';
import { forwardableHeaders, type MuxStream, type ResponseHead } from '../../tunnel/mux.js';
import type { SessionTable } from './sessions.js';
import { spliceUpgrade } from './upgrade.js';
import { upgradeOf } from '../../apiserver/server/connect.js';

/** No response head from the member within this: 504 (a watch sends its head at once). */
export const RESPONSE_HEAD_TIMEOUT_MS = 60_000;

/** Splits a raw request URL into cluster, member path and raw query. */
export function parseProxyUrl(rawUrl: string): { cluster: string; path: string; query: string } | undefined {
  const q = rawUrl.indexOf('?');
  const pathPart = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  if (!pathPart.startsWith(PROXY_PREFIX)) return undefined;
  const rest = pathPart.slice(PROXY_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  let cluster: string;
  try {
    cluster = decodeURIComponent(rest.slice(0, slash));
  } catch {
    return undefined;
  }
  const after = rest.slice(slash);
  if (after !== '/proxy' && !after.startsWith('/proxy/')) return undefined;
  const path = after.slice('/proxy'.length) || '/';
  return { cluster, path, query };
}

/** Dot segments would let a path climb out of a member server's path prefix. */
function hasDotSegment(path: string): boolean {
  return path.split('/').some((s) => s === '..' || s === '.' || /^(%2e|\.){1,2}$/i.test(s));
}

/**
 * Called when this process has no session for the cluster (another hub replica may have it):
 * true when it took over the reply, false to answer 503 `cluster <name> is not connected`.
 */
export type ProxyFallback = (req: FastifyRequest, reply: FastifyReply, cluster: string) => Promise<boolean>;

/**
 * Who may reach a member cluster through the hub: every proxied request, exec/attach/port-forward
 * upgrades included, passes here (the replica forward trusts the replica that checked). Today hub
 * admins (system:masters); an RBAC check of `clusters/proxy` on the cluster belongs here.
 */
export function authorizeProxy(user: UserInfo | undefined, cluster: string): void {
  if (!user?.groups.includes(MASTERS_GROUP))
    throw errors.forbidden(
      `forbidden: User "${user?.name ?? 'system:anonymous'}" cannot proxy to cluster "${cluster}"`,
    );
}

export function proxyHandler(sessions: SessionTable, log: RuntimeLogger, fallback?: ProxyFallback) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const user = req.edgefedUser;
    const target = parseProxyUrl(req.raw.url ?? req.url);
    if (!target) throw errors.notFoundPath();
    authorizeProxy(user, target.cluster);
    if (hasDotSegment(target.path)) throw errors.badRequest(`invalid path ${target.path}`);
    const session = sessions.get(target.cluster);
    if (!session && fallback && (await fallback(req, reply, target.cluster))) return;
    if (!session) throw errors.unavailable(`cluster ${target.cluster} is not connected`);

    const upgrading = upgradeOf(req.raw) !== undefined;
    let stream: MuxStream;
    try {
      stream = session.mux.open({
        method: req.method,
        path: target.path,
        query: target.query,
        headers: forwardableHeaders(req.headers, ['authorization']),
        ...(upgrading ? { upgrade: String(req.headers.upgrade ?? '') } : {}),
      });
    } catch {
      // The session closed between the lookup and the open.
      throw errors.unavailable(`cluster ${target.cluster} is not connected`);
    }
    reply.hijack();
    const res = reply.raw;
    const started = Date.now();
    let head: ResponseHead | undefined;

    const fail = (e: ApiError): void => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = JSON.stringify(e.toStatus());
      res.writeHead(e.code, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };

    const headTimer = setTimeout(() => {
      stream.destroy(new Error('timed out waiting for the member response'));
      fail(
        errors.timeout(
          `cluster ${target.cluster} did not answer within ${RESPONSE_HEAD_TIMEOUT_MS / 1000} s`,
        ),
      );
    }, RESPONSE_HEAD_TIMEOUT_MS);
    headTimer.unref();

    stream.once('response', (h: ResponseHead) => {
      clearTimeout(headTimer);
      head = h;
      if (upgrading && h.status === 101 && spliceUpgrade(req.raw, res, stream, h)) return;
      const headers = forwardableHeaders(h.headers);
      res.writeHead(h.status, headers);
      // Send the head now: a watch may not have a first event for minutes.
      res.flushHeaders();
      stream.pipe(res);
    });
    stream.once('error', (e: Error) => {
      clearTimeout(headTimer);
      log.debug({ cluster: target.cluster, path: target.path, err: e.message }, 'tunnel stream failed');
      if (!head) fail(errors.unavailable(`cluster ${target.cluster}: ${e.message}`));
      else res.destroy();
    });
    stream.once('close', () => clearTimeout(headTimer));
    // The caller went away (Ctrl-C on a watch): RESET, so the agent closes the member request.
    res.once('close', () => {
      if (!res.writableFinished) stream.destroy(new Error('client disconnected'));
      log.debug(
        {
          cluster: target.cluster,
          method: req.method,
          path: target.path,
          status: head?.status,
          ms: Date.now() - started,
        },
        'proxied',
      );
    });
    // The request body streams through under the tunnel's flow control (an upgrade has none: its
    // bytes flow once the member switched protocols).
    if (!upgrading) pipeBody(req, stream);
  };
}

function pipeBody(req: FastifyRequest, stream: MuxStream): void {
  const raw = req.raw;
  if (!raw.readableEnded) {
    raw.once('error', (e) => stream.destroy(e));
    raw.pipe(stream);
    return;
  }
  // Already consumed by a body parser: forward what it kept.
  const b = req.body;
  if (typeof b === 'string' || Buffer.isBuffer(b)) stream.end(b);
  else stream.end();
}
