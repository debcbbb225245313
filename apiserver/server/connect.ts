/**
 * "Connect" subresources (pods/log, pods/exec, pods/attach, pods/portforward): answers that are not
 * stored objects but come from whatever runs the workload. The API server owns the HTTP side
 * (authentication, authorization, errors, ending the stream when the client goes away); the
 * provider (the edge node runtime) owns the bytes.
 *
 * Upgrades (WebSocket exec/attach/port-forward) go through the same routes as any request: the
 * server's 'upgrade' listener hands the request to the normal request handler with a response bound
 * to the socket, so authentication, authorization and error Statuses are the ordinary ones; a
 * connect handler that accepts the upgrade takes the socket over (`hijack`).
 */
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserInfo } from '../rest/context.js';

/** The socket of an upgrade request, for the handler that takes it over. */
export interface UpgradedConnection {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
}

export interface ConnectRequest {
  namespace: string | undefined;
  name: string;
  query: URLSearchParams;
  user: UserInfo;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
  /** Set when the client asked for a connection upgrade (WebSocket). */
  upgrade?: UpgradedConnection;
}

export interface StreamResult {
  stream: Readable;
  contentType: string;
}

/** The handler accepted the upgrade: it gets the socket once the HTTP layer let go of it. */
export interface HijackResult {
  hijack(conn: UpgradedConnection): void;
}

export type ConnectResult = StreamResult | HijackResult;

/** Throws an ApiError for a request it cannot serve (the API server sends it as a Status). */
export type ConnectHandler = (req: ConnectRequest) => Promise<ConnectResult>;

/** `<group>/<resource>/<subresource>`, the core group spelled as the empty string: `/pods/log`. */
export function connectKey(group: string, resource: string, subresource: string): string {
  return `${group}/${resource}/${subresource}`;
}

const pendingUpgrades = new WeakMap<
  IncomingMessage,
  { socket: Duplex; head: Buffer; taken: boolean; server: Server }
>();
const routed = new WeakSet<Server>();
/** Sockets handed over to exec/attach/port-forward sessions, per server: the HTTP server no longer tracks them. */
const upgraded = new WeakMap<Server, Set<Duplex>>();

/**
 * Ends every upgraded connection of the server (call before close(): a server waits for all its
 * sockets, and an idle `kubectl exec -it` would hold a shutdown forever).
 */
export function destroyUpgraded(server: Server): void {
  for (const s of upgraded.get(server) ?? []) s.destroy();
}

/**
 * Installs the server's single 'upgrade' listener: `claim` may take a request first (the hub's
 * agent tunnel); every other upgrade request is handled like a normal request, on its socket.
 */
export function routeUpgrades(
  server: Server,
  claim?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean,
): void {
  if (routed.has(server)) throw new Error('upgrades are already routed on this server');
  routed.add(server);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (claim?.(req, socket, head)) return;
    const entry = { socket, head, taken: false, server };
    pendingUpgrades.set(req, entry);
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    // An error answer (401, 403, 404...) ends the exchange: nobody else will close this socket.
    res.once('finish', () => {
      if (!entry.taken) socket.end();
    });
    socket.once('error', () => socket.destroy());
    server.emit('request', req, res);
  });
}

/** The socket of an upgrade request routed by routeUpgrades, if this is one. */
export function upgradeOf(req: IncomingMessage): UpgradedConnection | undefined {
  const e = pendingUpgrades.get(req);
  return e ? { req, socket: e.socket, head: e.head } : undefined;
}

/** Takes an upgrade request's socket away from the HTTP response (the caller hijacked the reply). */
export function takeUpgrade(req: IncomingMessage, res: ServerResponse): UpgradedConnection | undefined {
  const e = pendingUpgrades.get(req);
  if (!e) return undefined;
  e.taken = true;
  res.detachSocket(e.socket as Socket);
  let set = upgraded.get(e.server);
  if (!set) upgraded.set(e.server, (set = new Set()));
  const live = set;
  live.add(e.socket);
  e.socket.once('close', () => live.delete(e.socket));
  return { req, socket: e.socket, head: e.head };
}

export async function serveConnect(
  handler: ConnectHandler,
  req: FastifyRequest,
  reply: FastifyReply,
  target: Omit<ConnectRequest, 'signal' | 'upgrade'>,
): Promise<FastifyReply> {
  const abort = new AbortController();
  // 'close' on the response fires when the client hangs up mid-stream (kubectl logs -f, Ctrl-C).
  reply.raw.once('close', () => abort.abort());
  const result = await handler({ ...target, signal: abort.signal, upgrade: upgradeOf(req.raw) });
  if ('hijack' in result) {
    const conn = takeUpgrade(req.raw, reply.raw);
    if (!conn) throw new Error('connect handler hijacked a request that is not an upgrade');
    reply.hijack();
    result.hijack(conn);
    return reply;
  }
  const { stream, contentType } = result;
  abort.signal.addEventListener('abort', () => stream.destroy(), { once: true });
  // Flush each chunk as it comes: `logs -f` readers expect lines promptly, not at buffer size.
  reply.raw.setHeader('X-Content-Type-Options', 'nosniff');
  return reply.code(200).type(contentType).send(stream);
}
