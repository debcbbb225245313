/** Reading the engine's response bodies: multiplexed stdout/stderr frames, JSON lines, plain text. */
import type { IncomingMessage } from 'node:http';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';

/** Strips the 8-byte frame headers ([stream, 0, 0, 0, size32be]) of a non-TTY stdout/stderr stream. */
export class Demultiplexer extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  /** Not framed after all (a TTY we did not know of): pass bytes through. */
  private raw = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.raw) {
      done(null, chunk);
      return;
    }
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      if (buf[0] > 3 || buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0) {
        this.raw = true;
        this.push(buf);
        buf = Buffer.alloc(0);
        break;
      }
      const end = 8 + buf.readUInt32BE(4);
      if (buf.length < end) break;
      // 0 would be stdin (never attached); 3 is the daemon's own error text, worth showing.
      if (buf[0] !== 0 && end > 8) this.push(buf.subarray(8, end));
      buf = buf.subarray(end);
    }
    this.pending = buf;
    done();
  }

  override _flush(done: TransformCallback): void {
    // A stream cut mid-frame (follow aborted) ends without the partial frame.
    if (this.raw && this.pending.length) this.push(this.pending);
    done();
  }
}

export function ended(): Readable {
  const s = new PassThrough();
  s.end();
  return s;
}

export async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function readCapped(stream: Readable, cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    if (size < cap) chunks.push(b.subarray(0, cap - size));
    size += b.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Newline-delimited JSON (pull progress, events); lines that do not parse are skipped. */
export async function forEachJsonLine<T>(res: IncomingMessage, each: (value: T) => void): Promise<void> {
  let pending = '';
  const emit = (line: string): void => {
    if (!line.trim()) return;
    try {
      each(JSON.parse(line) as T);
    } catch {
      // A partial or foreign line; the stream goes on.
    }
  };
  res.setEncoding('utf8');
  for await (const chunk of res) {
    pending += chunk as string;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(emit);
  }
  emit(pending);
}
