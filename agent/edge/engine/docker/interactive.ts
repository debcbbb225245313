/**
 * Interactive exec and attach on the Docker Engine API: the hijacked connection carries stdin one
 * way and the output the other, stdout and stderr framed ([stream, 0, 0, 0, size32be]) unless a
 * TTY makes them one stream. Backpressure goes all the way: a client that stops reading stops the
 * socket, so the engine (and the process) block instead of this process buffering.
 */
import type { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import type { InteractiveSession } from '../engine.js';

/** Splits the engine's framed output into stdout and stderr, waiting on whichever is full. */
export class FrameSplitter extends Writable {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly stdout: PassThrough,
    private readonly stderr: PassThrough,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const full: PassThrough[] = [];
    while (buf.length >= 8) {
      const end = 8 + buf.readUInt32BE(4);
      if (buf.length < end) break;
      // 1 stdout, 2 stderr, 3 the engine's own error text (shown as stderr).
      const target = buf[0] === 1 ? this.stdout : this.stderr;
      if (end > 8 && !target.write(buf.subarray(8, end)) && !full.includes(target)) full.push(target);
      buf = buf.subarray(end);
    }
    this.pending = Buffer.from(buf);
    if (full.length === 0) return done();
    let waiting = full.length;
    for (const t of full) t.once('drain', () => --waiting === 0 && done());
  }

  override _final(done: (err?: Error | null) => void): void {
    this.stdout.end();
    this.stderr.end();
    done();
  }
}

export interface HijackedParts {
  socket: Socket;
  head: Buffer;
  tty: boolean;
  stdin: boolean;
  resize(width: number, height: number): Promise<void>;
  /** Called once the output ended. */
  exitCode(): Promise<number | undefined>;
}

export function interactiveSession(p: HijackedParts): InteractiveSession {
  const { socket } = p;
  const stdout = new PassThrough();
  const stderr = p.tty ? undefined : new PassThrough();
  const sink = stderr ? new FrameSplitter(stdout, stderr) : stdout;
  if (p.head.length) sink.write(p.head);
  socket.pipe(sink);
  const outputDone = new Promise<void>((resolve) => {
    socket.once('close', () => {
      // A socket closed mid-stream still ends the outputs, so readers finish.
      if (!sink.writableEnded) sink.end();
      resolve();
    });
  });
  return {
    stdin: p.stdin ? socket : undefined,
    stdout,
    stderr,
    resize: p.resize,
    async wait() {
      await outputDone;
      return p.exitCode();
    },
    close() {
      socket.destroy();
    },
  };
}
