/**
 * pods/portforward as kubectl 1.31+ asks for it: a WebSocket whose subprotocol is
 * `SPDY/3.1+portforward.k8s.io`, carrying SPDY in its binary messages (client-go's tunneling
 * dialer; kube-apiserver's "tunneling" handler serves the same). Per forwarded connection kubectl
 * opens two SPDY streams with headers streamType=error|data, port, requestID; we dial the port
 * once both are there, relay the data stream, and on failure write the reason on the error stream.
 */
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { errors } from '../../errors.js';
import type { ConnectRequest, HijackResult } from '../connect.js';
import { SpdyServer, type SpdyHeaders, type SpdyStream } from './spdy.js';

export const PORTFORWARD_V1 = 'portforward.k8s.io';
export const TUNNELING_PROTOCOL = `SPDY/3.1+${PORTFORWARD_V1}`;
/** Bytes sent toward the client and not yet written to its socket before SPDY writes wait. */
const SEND_HIGH_WATER = 1024 * 1024;

/** Opens a connection to the pod's port (throws with the reason the client should see). */
export type PortDialer = (port: number) => Promise<Duplex>;

/** `ports` from the query (kubectl sends them; the streams name the port again). */
export function parsePorts(q: URLSearchParams): number[] {
  const ports = q
    .getAll('ports')
    .flatMap((p) => p.split(','))
    .filter(Boolean);
  return ports.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw errors.badRequest(`invalid port "${p}"`);
    return n;
  });
}

export function requirePortForwardUpgrade(req: ConnectRequest): void {
  const up = req.upgrade;
  if (!up || String(up.req.headers.upgrade ?? '').toLowerCase() !== 'websocket')
    throw errors.badRequest('Upgrade request required');
  const offered = String(up.req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((s) => s.trim());
  if (!offered.includes(TUNNELING_PROTOCOL))
    throw errors.badRequest(
      `unable to upgrade: port-forward is served as WebSocket subprotocol ${TUNNELING_PROTOCOL} (kubectl 1.31+), offered "${offered.join(', ')}"`,
    );
}

/**
 * `SPDY/3.1+portforward.k8s.io` is not an RFC 7230 token (the `/`), which `ws` refuses as a
 * subprotocol: the header is taken off the request before the handshake and the chosen protocol
 * put back into the 101 (kube-apiserver's gorilla-based server accepts it as is).
 */
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });
const tunnelled = new WeakSet<object>();
wss.on('headers', (headers, req) => {
  if (tunnelled.has(req)) headers.push(`Sec-WebSocket-Protocol: ${TUNNELING_PROTOCOL}`);
});

export function portForwardUpgrade(dial: PortDialer): HijackResult {
  return {
    hijack(conn) {
      delete conn.req.headers['sec-websocket-protocol'];
      tunnelled.add(conn.req);
      wss.handleUpgrade(conn.req, conn.socket, conn.head, (ws) => servePortForward(ws, dial));
    },
  };
}

interface Pair {
  port: number;
  data?: SpdyStream;
  error?: SpdyStream;
}

function header(h: SpdyHeaders, name: string): string {
  return h[name.toLowerCase()]?.[0] ?? '';
}

export function servePortForward(ws: WebSocket, dial: PortDialer): void {
  let queued = 0;
  const waiting: (() => void)[] = [];
  const spdy = new SpdyServer({
    send(bytes, done) {
      if (ws.readyState !== ws.OPEN) return done(new Error('connection closed'));
      queued += bytes.length;
      ws.send(bytes, (err) => {
        queued -= bytes.length;
        if (queued <= SEND_HIGH_WATER) waiting.splice(0).forEach((w) => w());
        // Writers are released only when the backlog is low again: a client that does not read
        // stops the pod-side socket instead of growing this process.
        if (err || queued <= SEND_HIGH_WATER) done(err);
        else waiting.push(() => done());
      });
    },
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    close: () => ws.close(1000),
  });
  ws.on('message', (data: RawData) =>
    spdy.feed(Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[])),
  );
  ws.once('close', () => spdy.shutdown('client closed the connection'));

  const pairs = new Map<string, Pair>();
  spdy.on('stream', (stream, headers) => {
    const type = header(headers, 'streamType');
    const port = Number(header(headers, 'port'));
    const requestId = header(headers, 'requestID');
    if ((type !== 'data' && type !== 'error') || !Number.isInteger(port) || port < 1 || port > 65535) {
      stream.destroy();
      return;
    }
    const pair = pairs.get(requestId) ?? { port };
    pairs.set(requestId, pair);
    pair[type] = stream;
    // The client never writes on the error stream: read its FIN and nothing else.
    if (type === 'error') stream.resume();
    if (pair.data && pair.error) {
      pairs.delete(requestId);
      void forward(pair.port, pair.data, pair.error, dial);
    }
  });
}

async function forward(port: number, data: SpdyStream, error: SpdyStream, dial: PortDialer): Promise<void> {
  let target: Duplex;
  try {
    target = await dial(port);
  } catch (e) {
    error.end(`error forwarding port ${port}: ${(e as Error).message}`);
    data.end();
    return;
  }
  const done = (): void => {
    target.destroy();
    if (!error.writableEnded) error.end();
  };
  target.once('error', (e: Error) => {
    if (!error.writableEnded) error.end(`error forwarding port ${port}: ${e.message}`);
    data.destroy();
  });
  target.once('close', () => {
    if (!data.writableEnded && !data.destroyed) data.end();
    done();
  });
  data.once('close', done);
  data.pipe(target);
  target.pipe(data);
}
