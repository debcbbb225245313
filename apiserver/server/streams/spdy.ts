/**
 * The server side of SPDY/3.1 that kubectl's port-forward needs (the moby/spdystream client, used
 * by client-go directly over an HTTP upgrade or tunnelled in WebSocket binary messages):
 * SYN_STREAM in (zlib-compressed name/value headers, SPDY dictionary), SYN_REPLY out, DATA both
 * ways with FIN half-closes, RST_STREAM, PING echo, GOAWAY. SETTINGS and WINDOW_UPDATE are read and
 * ignored: spdystream does not enforce SPDY windows, so backpressure is the transport's (the source
 * is paused while a stream's reader is full; writes complete once the transport took the bytes).
 */
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { SPDY_DICTIONARY } from './spdy-dictionary.js';

export const SPDY_VERSION = 3;
export const ControlType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;
export const FLAG_FIN = 0x01;
export const RST_CANCEL = 5;
/** The largest frame we accept (spdystream sends DATA in chunks far below this). */
export const MAX_FRAME = 1024 * 1024;
const DATA_CHUNK = 32 * 1024;

export type SpdyHeaders = Record<string, string[]>;

export type ParsedFrame =
  | { control: true; type: number; flags: number; body: Buffer }
  | { control: false; stream: number; flags: number; body: Buffer };

/** Splits complete frames off the front of `buf`; returns them and the unconsumed rest. */
export function parseFrames(buf: Buffer): { frames: ParsedFrame[]; rest: Buffer } {
  const frames: ParsedFrame[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const len = buf.readUIntBE(off + 5, 3);
    if (len > MAX_FRAME) throw new Error(`SPDY frame of ${len} bytes`);
    if (buf.length - off < 8 + len) break;
    const flags = buf[off + 4];
    const body = buf.subarray(off + 8, off + 8 + len);
    if (buf[off] & 0x80) {
      const version = buf.readUInt16BE(off) & 0x7fff;
      if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
      frames.push({ control: true, type: buf.readUInt16BE(off + 2), flags, body });
    } else {
      frames.push({ control: false, stream: buf.readUInt32BE(off) & 0x7fffffff, flags, body });
    }
    off += 8 + len;
  }
  return { frames, rest: buf.subarray(off) };
}

export function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h[4] = flags;
  h.writeUIntBE(body.length, 5, 3);
  return Buffer.concat([h, body]);
}

export function dataFrame(stream: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(stream & 0x7fffffff, 0);
  h[4] = flags;
  h.writeUIntBE(body.length, 5, 3);
  return Buffer.concat([h, body]);
}

/** The uncompressed name/value block: u32 count, then u32-length-prefixed names and values (NUL-joined). */
export function decodeHeaderBlock(b: Buffer): SpdyHeaders {
  const out: SpdyHeaders = {};
  let off = 0;
  const take = (): Buffer => {
    if (off + 4 > b.length) throw new Error('truncated SPDY header block');
    const n = b.readUInt32BE(off);
    off += 4;
    if (off + n > b.length) throw new Error('truncated SPDY header block');
    const v = b.subarray(off, off + n);
    off += n;
    return v;
  };
  if (b.length < 4) throw new Error('truncated SPDY header block');
  const count = b.readUInt32BE(0);
  off = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toString('utf8').toLowerCase();
    out[name] = [...(out[name] ?? []), ...take().toString('utf8').split('\0')];
  }
  return out;
}

export function encodeHeaderBlock(h: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n, 0);
    return b;
  };
  const entries = Object.entries(h);
  parts.push(u32(entries.length));
  for (const [k, v] of entries) {
    const name = Buffer.from(k.toLowerCase());
    const value = Buffer.from(v.join('\0'));
    parts.push(u32(name.length), name, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

/** One zlib stream per direction for the whole connection, flushed (SYNC) after each header block. */
class HeaderCodec {
  private readonly inflate = zlib.createInflate({ dictionary: SPDY_DICTIONARY });
  private readonly deflate = zlib.createDeflate({ dictionary: SPDY_DICTIONARY });

  constructor() {
    this.inflate.on('error', () => undefined);
    this.deflate.on('error', () => undefined);
  }

  decode(block: Buffer): Promise<Buffer> {
    return run(this.inflate, block);
  }

  encode(block: Buffer): Promise<Buffer> {
    return run(this.deflate, block);
  }

  close(): void {
    this.inflate.close();
    this.deflate.close();
  }
}

function run(z: zlib.Inflate | zlib.Deflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const fail = (e: Error): void => reject(new Error(`SPDY header compression: ${e.message}`));
    z.once('error', fail);
    z.write(input);
    z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      z.removeListener('error', fail);
      const out: Buffer[] = [];
      for (let c = z.read() as Buffer | null; c !== null; c = z.read() as Buffer | null) out.push(c);
      resolve(Buffer.concat(out));
    });
  });
}

export interface SpdyTransport {
  /** Sends bytes; `done` once the transport took them (backpressure). */
  send(bytes: Buffer, done: (err?: Error) => void): void;
  pause(): void;
  resume(): void;
  close(): void;
}

/**
 * A SPDY server session: feed() it what the client sent; it emits 'stream' for each SYN_STREAM
 * (already answered with SYN_REPLY) and 'close' once.
 */
export class SpdyServer extends EventEmitter<{ stream: [SpdyStream, SpdyHeaders]; close: [string] }> {
  private pending: Buffer = Buffer.alloc(0);
  private chain: Promise<void> = Promise.resolve();
  private readonly codec = new HeaderCodec();
  private readonly streams = new Map<number, SpdyStream>();
  private closed = false;
  private pausedBy = new Set<SpdyStream>();

  constructor(private readonly transport: SpdyTransport) {
    super();
  }

  feed(bytes: Buffer): void {
    if (this.closed) return;
    let parsed: { frames: ParsedFrame[]; rest: Buffer };
    try {
      parsed = parseFrames(this.pending.length ? Buffer.concat([this.pending, bytes]) : bytes);
    } catch (e) {
      this.shutdown(`protocol error: ${(e as Error).message}`);
      return;
    }
    this.pending = Buffer.from(parsed.rest);
    for (const f of parsed.frames) {
      // Header blocks decode asynchronously (zlib): keep frames in order behind them.
      this.chain = this.chain
        .then(() => this.onFrame(f))
        .catch((e: unknown) => this.shutdown(`protocol error: ${(e as Error).message}`));
    }
  }

  shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.destroy(new Error(reason));
    this.streams.clear();
    this.codec.close();
    this.transport.close();
    this.emit('close', reason);
  }

  /** @internal */
  write(bytes: Buffer, done: (err?: Error) => void): void {
    if (this.closed) return done(new Error('SPDY connection closed'));
    this.transport.send(bytes, done);
  }

  /** @internal */
  forget(id: number): void {
    const s = this.streams.get(id);
    this.streams.delete(id);
    this.unblock(s);
  }

  /** @internal A stream's reader is full: stop reading the transport until it drains. */
  block(s: SpdyStream): void {
    if (this.pausedBy.size === 0) this.transport.pause();
    this.pausedBy.add(s);
  }

  /** @internal */
  unblock(s: SpdyStream | undefined): void {
    if (!s || !this.pausedBy.delete(s)) return;
    if (this.pausedBy.size === 0) this.transport.resume();
  }

  private async onFrame(f: ParsedFrame): Promise<void> {
    if (this.closed) return;
    if (!f.control) {
      const s = this.streams.get(f.stream);
      if (s) s.onData(f.body, (f.flags & FLAG_FIN) !== 0);
      return;
    }
    switch (f.type) {
      case ControlType.SYN_STREAM: {
        const id = f.body.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.codec.decode(f.body.subarray(10)));
        const reply = await this.codec.encode(encodeHeaderBlock({}));
        const idb = Buffer.alloc(4);
        idb.writeUInt32BE(id, 0);
        this.transport.send(
          controlFrame(ControlType.SYN_REPLY, 0, Buffer.concat([idb, reply])),
          () => undefined,
        );
        const s = new SpdyStream(this, id);
        this.streams.set(id, s);
        if (f.flags & FLAG_FIN) s.onData(Buffer.alloc(0), true);
        this.emit('stream', s, headers);
        return;
      }
      case ControlType.HEADERS:
        // Header blocks share the zlib context: decode to keep it in step, then drop.
        await this.codec.decode(f.body.subarray(4));
        return;
      case ControlType.RST_STREAM: {
        const s = this.streams.get(f.body.readUInt32BE(0) & 0x7fffffff);
        s?.resetByPeer();
        return;
      }
      case ControlType.PING:
        this.transport.send(controlFrame(ControlType.PING, 0, f.body), () => undefined);
        return;
      case ControlType.GOAWAY:
        this.shutdown('client sent GOAWAY');
        return;
      default:
      // SETTINGS, WINDOW_UPDATE: nothing to do (see the module comment).
    }
  }
}

/** One SPDY stream as a Duplex: writes become DATA, end() a FIN, destroy() a RST_STREAM. */
export class SpdyStream extends Duplex {
  private finReceived = false;
  private finSent = false;
  private reset = false;

  constructor(
    private readonly session: SpdyServer,
    readonly id: number,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: 256 * 1024 });
    this.on('error', () => undefined);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const frames: Buffer[] = [];
    for (let off = 0; off < chunk.length; off += DATA_CHUNK)
      frames.push(dataFrame(this.id, 0, chunk.subarray(off, off + DATA_CHUNK)));
    this.session.write(Buffer.concat(frames), (err) => cb(err));
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.finSent = true;
    this.session.write(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)), () => cb());
    if (this.finReceived) this.session.forget(this.id);
  }

  override _read(): void {
    this.session.unblock(this);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.reset && !(this.finSent && this.finReceived)) {
      const body = Buffer.alloc(8);
      body.writeUInt32BE(this.id, 0);
      body.writeUInt32BE(RST_CANCEL, 4);
      this.session.write(controlFrame(ControlType.RST_STREAM, 0, body), () => undefined);
    }
    this.session.forget(this.id);
    cb(err);
  }

  /** @internal */
  onData(body: Buffer, fin: boolean): void {
    if (this.finReceived || this.destroyed) return;
    if (body.length && !this.push(body)) this.session.block(this);
    if (fin) {
      this.finReceived = true;
      this.push(null);
      if (this.finSent) this.session.forget(this.id);
    }
  }

  /** @internal */
  resetByPeer(): void {
    this.reset = true;
    this.destroy();
  }
}
