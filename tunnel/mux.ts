/**
 * Many HTTP exchanges multiplexed over one WebSocket: the hub→member tunnel, shared by both ends.
 *
 * Every WebSocket message is one binary frame: [type u8][stream id u32 BE] + payload.
 *
 *   OPEN      JSON StreamHead {method, path, query, headers}: the opener starts a request
 *   RESPONSE  JSON ResponseHead {status, headers}: the answering side's response head
 *   DATA      bytes (at most MAX_DATA_FRAME per frame)
 *   END       half-close: this side sends no more DATA
 *   RESET     UTF-8 error text: abort the stream both ways
 *   WINDOW    u32: grants the peer that many more bytes of DATA on the stream
 *   PING/PONG session keepalive (stream id 0), payload echoed
 *
 * Flow control is per stream and per direction, like HTTP/2: each side may send only as many DATA
 * bytes as the receiver granted (INITIAL_WINDOW to start with). The receiver grants credit back as
 * its consumer reads, so a slow reader (a `kubectl logs -f` on a slow link) makes the sender stop,
 * which makes its Writable report backpressure, which pauses the member response — nothing buffers
 * more than one window per stream.
 *
 * Liveness: each side sends PING every pingIntervalMs; any frame counts as a sign of life and the
 * session is dropped after pingTimeoutMs of silence (a NAT box that forgot the connection).
 */
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import {
  FrameType,
  INITIAL_WINDOW,
  MAX_DATA_FRAME,
  MAX_PING_PAYLOAD,
  MAX_SEND_BUFFER,
  PING_INTERVAL_MS,
  PING_TIMEOUT_MS,
  decodeFrame,
  encodeFrame,
  toBuffer,
  u32,
  type Frame,
  type ResponseHead,
  type StreamHead,
} from './frames.js';

export * from './frames.js';

export interface MuxOptions {
  /** Which half of the stream-id space this side opens: the hub uses odd ids, the agent even. */
  side: 'hub' | 'agent';
  /** Credit each stream starts with, per direction (default 256 KiB). */
  window?: number;
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** Drop the peer once this many bytes wait for it to read (default MAX_SEND_BUFFER). */
  maxSendBuffer?: number;
}

/**
 * One multiplexed session over an open WebSocket. Emits 'stream' (stream, head) for streams the
 * peer opens, and 'close' (reason) once, when the WebSocket closes or the session is dropped.
 */
export class MuxSession extends EventEmitter<{
  stream: [MuxStream, StreamHead];
  close: [string];
}> {
  readonly window: number;
  private readonly streams = new Map<number, MuxStream>();
  private nextId: number;
  private lastSeen = Date.now();
  private readonly pingTimer: NodeJS.Timeout;
  private closedReason: string | undefined;
  private readonly maxSendBuffer: number;
  /** Round-trip time of the last PING, for diagnostics. */
  rttMs: number | undefined;

  constructor(
    private readonly ws: WebSocket,
    opts: MuxOptions,
  ) {
    super();
    this.window = opts.window ?? INITIAL_WINDOW;
    this.nextId = opts.side === 'hub' ? 1 : 2;
    this.maxSendBuffer = opts.maxSendBuffer ?? MAX_SEND_BUFFER;
    const interval = opts.pingIntervalMs ?? PING_INTERVAL_MS;
    const timeout = opts.pingTimeoutMs ?? PING_TIMEOUT_MS;
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: RawData, isBinary: boolean) => {
      this.lastSeen = Date.now();
      if (!isBinary) return this.drop('protocol error: text frame');
      let f: Frame;
      try {
        f = decodeFrame(toBuffer(data));
      } catch (e) {
        return this.drop(`protocol error: ${(e as Error).message}`);
      }
      this.onFrame(f);
    });
    // ws-level control frames (and our own) both count as life.
    ws.on('pong', () => (this.lastSeen = Date.now()));
    ws.on('ping', () => (this.lastSeen = Date.now()));
    ws.once('close', (code: number, reason: Buffer) =>
      this.shutdown(`tunnel closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`),
    );
    ws.on('error', (e: Error) => this.drop(`tunnel error: ${e.message}`));
    this.pingTimer = setInterval(
      () => {
        if (Date.now() - this.lastSeen > timeout) {
          this.drop(`no frames from the peer for ${timeout} ms`);
          return;
        }
        const t = Buffer.allocUnsafe(8);
        t.writeDoubleBE(Date.now(), 0);
        this.send(FrameType.PING, 0, t);
      },
      Math.max(1, Math.min(interval, timeout / 3)),
    );
    this.pingTimer.unref();
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Number of live streams. */
  get size(): number {
    return this.streams.size;
  }

  /** Opens a stream: the peer gets 'stream' with this head. Write the request body, then end(). */
  open(head: StreamHead): MuxStream {
    if (this.closed) throw new Error(`tunnel is closed: ${this.closedReason}`);
    const id = this.nextId;
    this.nextId += 2;
    if (this.nextId > 0xffffffff) this.nextId = this.nextId % 2 === 1 ? 1 : 2;
    const s = new MuxStream(this, id);
    this.streams.set(id, s);
    this.send(FrameType.OPEN, id, JSON.stringify(head));
    return s;
  }

  /** Closes the WebSocket gracefully; every open stream is reset. */
  close(reason = 'closing', code = 1000): void {
    if (this.closed) return;
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
    }
    // Do not wait for the close handshake with a peer that may be gone.
    setTimeout(() => this.ws.terminate(), 2000).unref();
    this.shutdown(reason);
  }

  /** Drops the connection at once (protocol error, dead peer). */
  drop(reason: string): void {
    if (this.closed) return;
    this.ws.terminate();
    this.shutdown(reason);
  }

  /** Bytes queued for the peer and not yet handed to the kernel. */
  get sendBuffered(): number {
    return this.ws.bufferedAmount;
  }

  /**
   * Every frame goes through here, control frames included: a peer that stops reading while it
   * makes us answer (PINGs, OPENs we RESET) is dropped once the backlog passes the bound.
   * @internal
   */
  send(type: FrameType, id: number, payload?: Buffer | string): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(encodeFrame(type, id, payload), { binary: true });
    if (this.ws.bufferedAmount > this.maxSendBuffer)
      this.drop(`peer is not reading: ${this.ws.bufferedAmount} bytes queued for it`);
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closedReason = reason;
    clearInterval(this.pingTimer);
    for (const s of [...this.streams.values()]) s.destroyFromPeer(new Error(reason));
    this.streams.clear();
    this.emit('close', reason);
  }

  private onFrame(f: Frame): void {
    switch (f.type) {
      case FrameType.PING:
        if (f.payload.length > MAX_PING_PAYLOAD)
          return this.drop(`protocol error: PING of ${f.payload.length} bytes`);
        this.send(FrameType.PONG, 0, f.payload);
        return;
      case FrameType.PONG:
        if (f.payload.length === 8) this.rttMs = Date.now() - f.payload.readDoubleBE(0);
        return;
      case FrameType.OPEN: {
        if (f.stream === 0 || this.streams.has(f.stream) || f.stream % 2 === this.nextId % 2) {
          this.send(FrameType.RESET, f.stream, 'invalid stream id');
          return;
        }
        let head: StreamHead;
        try {
          head = parseHead(f.payload);
        } catch (e) {
          this.send(FrameType.RESET, f.stream, `invalid OPEN: ${(e as Error).message}`);
          return;
        }
        if (this.listenerCount('stream') === 0) {
          this.send(FrameType.RESET, f.stream, 'this side accepts no streams');
          return;
        }
        const s = new MuxStream(this, f.stream);
        this.streams.set(f.stream, s);
        this.emit('stream', s, head);
        return;
      }
    }
    const s = this.streams.get(f.stream);
    // Frames for a stream we already reset or finished: the peer had them in flight.
    if (!s) return;
    switch (f.type) {
      case FrameType.RESPONSE: {
        let head: ResponseHead;
        try {
          const v = JSON.parse(f.payload.toString('utf8')) as Partial<ResponseHead>;
          if (typeof v.status !== 'number' || typeof v.headers !== 'object' || v.headers === null)
            throw new Error('bad RESPONSE');
          head = { status: v.status, headers: v.headers };
        } catch (e) {
          s.destroy(new Error(`invalid RESPONSE: ${(e as Error).message}`));
          return;
        }
        s.onResponse(head);
        return;
      }
      case FrameType.DATA:
        s.onData(f.payload);
        return;
      case FrameType.END:
        s.onEnd();
        return;
      case FrameType.RESET:
        s.destroyFromPeer(new StreamResetError(f.payload.toString('utf8') || 'stream reset by peer'));
        return;
      case FrameType.WINDOW:
        if (f.payload.length === 4) s.onWindow(f.payload.readUInt32BE(0));
        return;
      default:
        s.destroy(new Error(`unknown frame type ${f.type}`));
    }
  }
}

function parseHead(payload: Buffer): StreamHead {
  const v = JSON.parse(payload.toString('utf8')) as Partial<StreamHead>;
  if (typeof v.method !== 'string' || typeof v.path !== 'string') throw new Error('method and path required');
  return {
    method: v.method,
    path: v.path,
    query: typeof v.query === 'string' ? v.query : '',
    headers: typeof v.headers === 'object' && v.headers !== null ? v.headers : {},
    ...(typeof v.upgrade === 'string' && v.upgrade ? { upgrade: v.upgrade } : {}),
  };
}

/** The peer reset the stream (its message is the error's). */
export class StreamResetError extends Error {
  override name = 'StreamResetError';
}

interface Pending {
  chunk: Buffer;
  cb: (err?: Error | null) => void;
}

/**
 * One stream: a Duplex whose writable side sends DATA (and END on end()) under the peer's credit,
 * and whose readable side yields the peer's DATA, granting credit back as the consumer pulls it.
 * destroy(err) sends RESET. The side that answers calls respond() before writing the body; the
 * opener gets 'response' with the head.
 *
 * Received DATA waits in an inbox (never more than the credit we granted) and moves into the
 * Readable's own buffer only when the consumer asks (_read); credit is granted back for what moved.
 * So at most one window plus the Readable's high-water mark is buffered per stream.
 */
export class MuxStream extends Duplex {
  /** Bytes we may still send. */
  private sendCredit: number;
  /** Bytes the peer may still send us. */
  private peerCredit: number;
  private pending: Pending | undefined;
  private readonly inbox: Buffer[] = [];
  private inboxBytes = 0;
  /** Bytes handed to the consumer and not yet granted back. */
  private released = 0;
  private wantRead = false;
  private eofPushed = false;
  private resetByPeer = false;
  private endSent = false;
  private endReceived = false;
  responseHead: ResponseHead | undefined;

  constructor(
    private readonly session: MuxSession,
    readonly id: number,
  ) {
    super({
      readableHighWaterMark: MAX_DATA_FRAME,
      // A little queueing before write() reports backpressure to whoever pipes into the stream.
      writableHighWaterMark: MAX_DATA_FRAME * 2,
      allowHalfOpen: true,
    });
    this.sendCredit = session.window;
    this.peerCredit = session.window;
    // Errors also surface as 'close'; a stream nobody listens to must not crash the process.
    this.on('error', () => undefined);
  }

  /** Sends the response head (the answering side, before any body). */
  respond(head: ResponseHead): void {
    this.session.send(FrameType.RESPONSE, this.id, JSON.stringify(head));
  }

  /** Bytes received and not yet read by the consumer: at most a window plus the high-water mark. */
  get buffered(): number {
    return this.inboxBytes + this.readableLength;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.pending = { chunk, cb };
    this.flush();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.endSent = true;
    this.session.send(FrameType.END, this.id);
    cb();
    this.maybeForget();
  }

  override _read(): void {
    this.wantRead = true;
    this.drainInbox();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const done = this.endSent && this.endReceived;
    if (!this.resetByPeer && !done) this.session.send(FrameType.RESET, this.id, err?.message ?? 'cancelled');
    this.session.forget(this.id);
    this.inbox.length = 0;
    this.inboxBytes = 0;
    if (this.pending) {
      const p = this.pending;
      this.pending = undefined;
      p.cb(err ?? new Error('stream destroyed'));
    }
    cb(err);
  }

  /** @internal */
  destroyFromPeer(err: Error): void {
    this.resetByPeer = true;
    this.destroy(err);
  }

  /** @internal */
  onResponse(head: ResponseHead): void {
    this.responseHead = head;
    this.emit('response', head);
  }

  /** @internal */
  onData(payload: Buffer): void {
    if (this.endReceived || this.destroyed) return;
    this.peerCredit -= payload.length;
    if (this.peerCredit < 0) {
      this.destroy(new Error('flow control violation: peer sent more than its window'));
      return;
    }
    this.inbox.push(payload);
    this.inboxBytes += payload.length;
    this.drainInbox();
  }

  /** @internal */
  onEnd(): void {
    if (this.endReceived) return;
    this.endReceived = true;
    this.drainInbox();
    this.maybeForget();
  }

  /** @internal */
  onWindow(n: number): void {
    this.sendCredit += n;
    this.flush();
  }

  private drainInbox(): void {
    while (this.wantRead && this.inbox.length > 0) {
      const c = this.inbox.shift() as Buffer;
      this.inboxBytes -= c.length;
      this.released += c.length;
      this.wantRead = this.push(c);
    }
    if (this.inbox.length === 0 && this.endReceived && !this.eofPushed) {
      this.eofPushed = true;
      this.push(null);
    }
    // Grant back in batches (a quarter window): the peer still holds ≥ 3/4 of a window meanwhile.
    if (!this.endReceived && this.released >= this.session.window / 4) {
      const grant = this.released;
      this.released = 0;
      this.peerCredit += grant;
      this.session.send(FrameType.WINDOW, this.id, u32(grant));
    }
  }

  private flush(): void {
    while (this.pending && this.sendCredit > 0 && !this.destroyed) {
      const p = this.pending;
      const n = Math.min(p.chunk.length, this.sendCredit, MAX_DATA_FRAME);
      this.session.send(FrameType.DATA, this.id, p.chunk.subarray(0, n));
      this.sendCredit -= n;
      if (n === p.chunk.length) {
        this.pending = undefined;
        p.cb();
      } else p.chunk = p.chunk.subarray(n);
    }
  }

  private maybeForget(): void {
    if (this.endSent && this.endReceived) this.session.forget(this.id);
  }
}
