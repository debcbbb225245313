/**
 * Upgrades through the proxy (kubectl exec/attach/cp/port-forward to a member): the request head
 * goes down the tunnel with its Upgrade header; the agent performs the upgrade against its member
 * API. A 101 is written to the client's socket as is and from then on both sides relay raw bytes
 * (WebSocket frames, tunnelled SPDY) as DATA, under the stream's flow control: a client that stops
 * reading stops the member's socket, not this process's memory. Any other answer (403, 404 Status)
 * goes back as an ordinary response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { takeUpgrade } from '../../apiserver/server/connect.js';
import type { Headers, MuxStream, ResponseHead } from '../../tunnel/mux.js';

/** The raw 101 head for the client: the member's headers plus the hop-by-hop pair we re-create. */
export function switchingProtocolsHead(head: ResponseHead, upgrade: string): string {
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', `Upgrade: ${upgrade}`];
  for (const [k, v] of Object.entries(head.headers)) {
    if (k === 'upgrade' || k === 'connection') continue;
    for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${one}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The value of the upgrade the agent performed (it reports it back in the 101's headers). */
function upgradeValue(h: Headers, fallback: string): string {
  const v = h.upgrade;
  return (Array.isArray(v) ? v[0] : v) || fallback;
}

/** Splices the client's socket and the tunnel stream once the member switched protocols. */
export function spliceUpgrade(
  req: IncomingMessage,
  res: ServerResponse,
  stream: MuxStream,
  head: ResponseHead,
): boolean {
  const conn = takeUpgrade(req, res);
  if (!conn) return false;
  const socket: Duplex = conn.socket;
  socket.write(switchingProtocolsHead(head, upgradeValue(head.headers, String(req.headers.upgrade ?? ''))));
  if (conn.head.length) stream.write(conn.head);
  socket.once('error', () => stream.destroy(new Error('client connection failed')));
  socket.once('close', () => {
    if (!stream.destroyed) stream.destroy(new Error('client disconnected'));
  });
  stream.once('close', () => socket.destroy());
  socket.pipe(stream);
  stream.pipe(socket);
  return true;
}
