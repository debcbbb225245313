/**
 * `/clusters/<name>/proxy/...` on a replica that does not hold the cluster's tunnel: forwarded
 * over HTTPS to the replica that does (found through the tunnel and replica Leases, see
 * registry.ts), streaming both ways so watches and `logs -f` stay live.
 *
 * - The caller was authenticated and authorized (admins only) by the replica it reached, before
 *   this runs; the forward itself is authenticated with the hub's own admin client certificate
 *   (from the shared PKI), which the owner authorizes like any admin. The caller's Authorization
 *   is not passed on; the caller's name goes along in FORWARDED_USER_HEADER, for the owner's logs
 *   only (it is not trusted for anything).
 * - The owner is verified against the hub CA. Replicas of one hub present the same serving
 *   certificate (one shared PKI directory), so a peer presenting exactly that certificate is
 *   accepted whatever name its URL uses (an IP the certificate may not list); any other
 *   certificate must match the URL's host name as usual.
 * - FORWARDED_HEADER marks a forwarded request: the replica receiving one serves it from its own
 *   session or answers 503, never forwards again, so stale Leases cannot make a loop.
 */
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors, type ApiError } from '../../apiserver/errors.js';
import type { RuntimeLogger } from '../../client/log.js';
import { forwardableHeaders } from '../../tunnel/mux.js';
import { takeUpgrade, upgradeOf } from '../../apiserver/server/connect.js';
import { RESPONSE_HEAD_TIMEOUT_MS, type ProxyFallback } from '../tunnel/proxy.js';
import { switchingProtocolsHead } from '../tunnel/upgrade.js';
import type { ReplicaOwner, ReplicaRegistry } from './registry.js';

/** Set on a forwarded request to the id of the replica that forwarded it. */
export const FORWARDED_HEADER = 'x-edgefed-forwarded-by';
/** The original caller's user name, informational. */
export const FORWARDED_USER_HEADER = 'x-edgefed-forwarded-user';

export interface ForwardDeps {
  /** Undefined until the replica has started publishing: nothing is forwarded before. */
  registry: () => ReplicaRegistry | undefined;
  /** The hub CA, the serving certificate every replica presents, and the admin client credentials. */
  tls: { ca: string; servingCert: string; cert: string; key: string };
  log: RuntimeLogger;
}

export interface Forwarder {
  handle: ProxyFallback;
  /** Ends forwarded streams still open (the hub is shutting down). */
  close(): void;
}

export function replicaForwarder(deps: ForwardDeps): Forwarder {
  const log = deps.log;
  const pinned = new X509Certificate(deps.tls.servingCert).fingerprint256;
  const agent = new https.Agent({ keepAlive: true, maxCachedSessions: 100 });
  const open = new Set<{ destroy(): void }>();
  const verifyPeer = (host: string, cert: PeerCertificate): Error | undefined =>
    cert.fingerprint256 === pinned ? undefined : checkServerIdentity(host, cert);

  const handle: ProxyFallback = async (req: FastifyRequest, reply: FastifyReply, cluster: string) => {
    // Forwarded once already: only this replica's own session counts.
    if (req.headers[FORWARDED_HEADER] !== undefined) return false;
    const registry = deps.registry();
    if (!registry) return false;
    let found: ReplicaOwner | undefined;
    try {
      found = await registry.owner(cluster);
    } catch (e) {
      log.warn({ err: e, cluster }, 'looking up the replica holding the tunnel failed');
      return false;
    }
    if (!found || found.self) return false;
    const owner = found;
    const base = new URL(owner.url);
    const rawUrl = req.raw.url ?? req.url;
    // exec/attach/port-forward: the upgrade is forwarded too, and the sockets spliced on its 101.
    const upgrading = upgradeOf(req.raw) !== undefined;
    const headers = {
      ...forwardableHeaders(req.headers, ['authorization', FORWARDED_HEADER, FORWARDED_USER_HEADER]),
      [FORWARDED_HEADER]: registry.id,
      [FORWARDED_USER_HEADER]: req.edgefedUser?.name ?? '',
      ...(upgrading ? { connection: 'Upgrade', upgrade: String(req.headers.upgrade ?? '') } : {}),
    };
    reply.hijack();
    const res = reply.raw;
    const started = Date.now();
    let status: number | undefined;

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

    const up = https.request({
      method: req.method,
      protocol: 'https:',
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port || 443,
      path: base.pathname.replace(/\/+$/, '') + rawUrl,
      headers,
      // An upgraded socket is ours for the session: not from the keep-alive pool.
      agent: upgrading ? false : agent,
      ca: deps.tls.ca,
      cert: deps.tls.cert,
      key: deps.tls.key,
      checkServerIdentity: verifyPeer,
    });
    const handleOpen = { destroy: () => up.destroy(new Error('hub shutting down')) };
    open.add(handleOpen);

    const headTimer = setTimeout(() => {
      up.destroy(new Error('timed out waiting for the replica holding the tunnel'));
      fail(errors.timeout(`cluster ${cluster} did not answer within ${RESPONSE_HEAD_TIMEOUT_MS / 1000} s`));
    }, RESPONSE_HEAD_TIMEOUT_MS);
    headTimer.unref();

    up.once('response', (ur) => {
      clearTimeout(headTimer);
      status = ur.statusCode ?? 502;
      res.writeHead(status, forwardableHeaders(ur.headers));
      // The head now: a watch may not have a first event for minutes.
      res.flushHeaders();
      ur.once('aborted', () => res.destroy());
      ur.once('error', () => res.destroy());
      ur.pipe(res);
    });
    up.once('upgrade', (ur, upSocket, upHead) => {
      clearTimeout(headTimer);
      status = 101;
      const conn = takeUpgrade(req.raw, res);
      if (!conn) {
        upSocket.destroy();
        return;
      }
      const headersIn = forwardableHeaders(ur.headers);
      conn.socket.write(
        switchingProtocolsHead(
          { status: 101, headers: headersIn },
          String(ur.headers.upgrade ?? req.headers.upgrade),
        ),
      );
      if (upHead.length) conn.socket.write(upHead);
      if (conn.head.length) upSocket.write(conn.head);
      const both = (): void => {
        conn.socket.destroy();
        upSocket.destroy();
      };
      conn.socket.once('error', both).once('close', both);
      upSocket.once('error', both).once('close', both);
      upSocket.pipe(conn.socket);
      conn.socket.pipe(upSocket);
    });
    up.once('error', (e: Error) => {
      clearTimeout(headTimer);
      log.debug({ cluster, replica: owner.id, url: owner.url, err: e.message }, 'forward failed');
      // The replica holding the tunnel went away: the cluster is not reachable right now.
      if (status === undefined) fail(errors.unavailable(`cluster ${cluster} is not connected`));
      else res.destroy();
    });
    up.once('close', () => {
      clearTimeout(headTimer);
      open.delete(handleOpen);
    });
    // The caller went away (Ctrl-C on a watch): close the forward, so the owner resets the stream.
    res.once('close', () => {
      if (!res.writableFinished) up.destroy();
      log.debug(
        { cluster, replica: owner.id, method: req.method, status, ms: Date.now() - started },
        'proxied through another replica',
      );
    });
    // The request body streams through untouched (the proxy routes do not parse it).
    const raw = req.raw;
    if (upgrading) up.end();
    else if (!raw.readableEnded) {
      raw.once('error', (e) => up.destroy(e));
      raw.pipe(up);
    } else {
      const b: unknown = req.body;
      if (typeof b === 'string' || Buffer.isBuffer(b)) up.end(b);
      else up.end();
    }
    return true;
  };

  return {
    handle,
    close() {
      for (const o of [...open]) o.destroy();
      agent.destroy();
    },
  };
}
