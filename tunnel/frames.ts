/**
 * The tunnel's wire format: every WebSocket message is one binary frame, [type u8][stream id u32 BE]
 * + payload (see mux.ts for what each type means), plus the header rules for forwarding HTTP
 * exchanges through it. Pure encoding, no I/O.
 */
import type { RawData } from 'ws';

export const FrameType = {
  OPEN: 1,
  RESPONSE: 2,
  DATA: 3,
  END: 4,
  RESET: 5,
  WINDOW: 6,
  PING: 7,
  PONG: 8,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const HEADER_BYTES = 5;
export const INITIAL_WINDOW = 256 * 1024;
export const MAX_DATA_FRAME = 32 * 1024;
export const PING_INTERVAL_MS = 10_000;
export const PING_TIMEOUT_MS = 30_000;
/** Our PINGs carry an 8-byte timestamp; a longer one is a peer trying to make us echo bulk. */
export const MAX_PING_PAYLOAD = 64;
/**
 * Bytes a session may have queued for a peer that is not reading (WebSocket bufferedAmount). DATA
 * is bounded per stream by the window; this bounds everything else too (PONGs, WINDOWs, RESETs):
 * past it the peer is dropped rather than letting its backlog grow the process.
 */
export const MAX_SEND_BUFFER = 32 * 1024 * 1024;
/** The largest WebSocket message a session accepts (a DATA frame, or an OPEN with its headers). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export type HeaderValue = string | string[];
export type Headers = Record<string, HeaderValue>;

/** OPEN payload: the request to perform on the far side. `query` is the raw query string, no `?`. */
export interface StreamHead {
  method: string;
  path: string;
  query: string;
  headers: Headers;
  /**
   * An HTTP upgrade (exec, attach, port-forward): the Upgrade header's value. The answering side
   * performs the upgrade; on a 101 RESPONSE both sides then relay raw bytes as DATA.
   */
  upgrade?: string;
}

/** RESPONSE payload. */
export interface ResponseHead {
  status: number;
  headers: Headers;
}

export interface Frame {
  type: number;
  stream: number;
  payload: Buffer;
}

export function encodeFrame(type: FrameType, stream: number, payload?: Buffer | string): Buffer {
  const body =
    payload === undefined ? undefined : typeof payload === 'string' ? Buffer.from(payload) : payload;
  const buf = Buffer.allocUnsafe(HEADER_BYTES + (body?.length ?? 0));
  buf.writeUInt8(type, 0);
  buf.writeUInt32BE(stream >>> 0, 1);
  body?.copy(buf, HEADER_BYTES);
  return buf;
}

export function decodeFrame(buf: Buffer): Frame {
  if (buf.length < HEADER_BYTES) throw new Error(`short frame (${buf.length} bytes)`);
  return { type: buf.readUInt8(0), stream: buf.readUInt32BE(1), payload: buf.subarray(HEADER_BYTES) };
}

export function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus those named in Connection: never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'http2-settings',
]);

/** Copies headers for forwarding, without hop-by-hop ones and without `drop` (lower-case names). */
export function forwardableHeaders(
  h: Record<string, string | string[] | number | undefined>,
  drop: string[] = [],
): Headers {
  const connection = Object.entries(h).find(([k]) => k.toLowerCase() === 'connection')?.[1];
  const named = String(connection ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const skip = new Set([...HOP_BY_HOP, ...named, ...drop]);
  const out: Headers = {};
  for (const [k, v] of Object.entries(h)) {
    const name = k.toLowerCase();
    if (v === undefined || skip.has(name)) continue;
    out[name] = Array.isArray(v) ? v.map(String) : String(v);
  }
  return out;
}
