/**
 * exec and attach over WebSocket, as kube-apiserver serves them to kubectl 1.30+
 * (`v5.channel.k8s.io`, and `v4.channel.k8s.io` for older clients): each binary message is one
 * channel byte and data. stdin=0 stdout=1 stderr=2 error=3 resize=4; v5 adds 255 = "close channel
 * <next byte>" (kubectl sends [255, 0] when its stdin ends). The error channel carries one
 * metav1.Status when the command finished (NonZeroExitCode with the code as the ExitCode cause),
 * then the server closes the WebSocket with a normal closure: kubectl reads the error channel to its
 * end, which only the close gives it.
 *
 * Flow control: stdout/stderr are paused while more than OUTPUT_HIGH_WATER bytes wait to reach the
 * client; the WebSocket is paused while the process's stdin does not take more.
 */
import type { Readable } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { errors } from '../../errors.js';
import type { ConnectRequest, HijackResult } from '../connect.js';

export const V5 = 'v5.channel.k8s.io';
export const V4 = 'v4.channel.k8s.io';
const PROTOCOLS = [V5, V4];
export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;
/** Bytes sent and not yet written to the client's socket before the process output pauses. */
export const OUTPUT_HIGH_WATER = 1024 * 1024;

/** What kubectl asked for, from the query (`command` repeats). */
export interface StreamOptions {
  command: string[];
  container: string | undefined;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The process the provider started: its streams and how it ends. */
export interface RemoteProcess {
  stdin?: NodeJS.WritableStream & { end(): unknown };
  stdout?: Readable;
  stderr?: Readable;
  resize(width: number, height: number): void;
  /** The exit code once the output ended; undefined for an attach (no code to report). */
  wait(): Promise<number | undefined>;
  close(): void;
}

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

export function parseStreamOptions(q: URLSearchParams, exec: boolean): StreamOptions {
  const o: StreamOptions = {
    command: q.getAll('command'),
    container: q.get('container') || undefined,
    stdin: flag(q, 'stdin'),
    stdout: flag(q, 'stdout'),
    stderr: flag(q, 'stderr'),
    tty: flag(q, 'tty'),
  };
  // kube's validation messages.
  if (exec && o.command.length === 0) throw errors.badRequest('you must specify at least 1 command');
  if (!o.stdin && !o.stdout && !o.stderr)
    throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  // With a TTY there is one stream: stderr goes to stdout.
  if (o.tty) o.stderr = false;
  return o;
}

/** The subprotocol we speak from the client's offer, in our order of preference. */
export function pickProtocol(offered: string | undefined): string | undefined {
  const set = new Set(
    String(offered ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  return PROTOCOLS.find((p) => set.has(p));
}

/** The Status kube sends on the error channel when the command finished. */
export function exitStatus(code: number | undefined, command: string[]): Record<string, unknown> {
  if (!code) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

export function failureStatus(message: string): Record<string, unknown> {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

/** Refuses, as a Status before upgrading, what cannot become a channel WebSocket. */
export function requireChannelUpgrade(req: ConnectRequest): void {
  const up = req.upgrade;
  if (!up || String(up.req.headers.upgrade ?? '').toLowerCase() !== 'websocket')
    throw errors.badRequest('Upgrade request required');
  if (!pickProtocol(up.req.headers['sec-websocket-protocol'] as string | undefined))
    throw errors.badRequest(
      `unable to upgrade: no supported subprotocol in "${String(up.req.headers['sec-websocket-protocol'] ?? '')}" (this server speaks ${PROTOCOLS.join(', ')}; SPDY is not served)`,
    );
}

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  maxPayload: 4 * 1024 * 1024,
  handleProtocols: (offered) => pickProtocol([...offered].join(',')) ?? false,
});

/**
 * Accepts the upgrade and runs `start` once the WebSocket is open; a start failure is reported on
 * the error channel (the HTTP exchange is already over by then).
 */
export function channelUpgrade(
  opts: StreamOptions,
  start: () => Promise<RemoteProcess>,
  /** Called when the handshake fails (what was prepared for the session must be released). */
  abandon?: () => void,
): HijackResult {
  return {
    hijack(conn) {
      let opened = false;
      conn.socket.once('close', () => {
        if (!opened) abandon?.();
      });
      wss.handleUpgrade(conn.req, conn.socket, conn.head, (ws) => {
        opened = true;
        void start().then(
          (p) => pump(ws, opts, p),
          (e: unknown) => finish(ws, failureStatus((e as Error).message)),
        );
      });
    },
  };
}

function finish(ws: WebSocket, status: Record<string, unknown>): void {
  if (ws.readyState !== ws.OPEN) return;
  ws.send(Buffer.concat([Buffer.from([Channel.error]), Buffer.from(JSON.stringify(status))]));
  ws.close(1000);
}

function pump(ws: WebSocket, opts: StreamOptions, p: RemoteProcess): void {
  let queued = 0;
  const outputs = [p.stdout, p.stderr].filter((s): s is Readable => s !== undefined);
  const forward = (src: Readable, channel: number): void => {
    src.on('data', (chunk: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      const msg = Buffer.allocUnsafe(chunk.length + 1);
      msg[0] = channel;
      chunk.copy(msg, 1);
      queued += msg.length;
      if (queued > OUTPUT_HIGH_WATER) outputs.forEach((o) => o.pause());
      ws.send(msg, () => {
        queued -= msg.length;
        if (queued <= OUTPUT_HIGH_WATER / 2) outputs.forEach((o) => o.resume());
      });
    });
  };
  if (p.stdout) forward(p.stdout, Channel.stdout);
  if (p.stderr) forward(p.stderr, Channel.stderr);

  const stdin = p.stdin;
  let stdinEnded = false;
  const endStdin = (): void => {
    if (stdinEnded || !stdin) return;
    stdinEnded = true;
    stdin.end();
  };
  ws.on('message', (data: RawData) => {
    const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
    if (buf.length === 0) return;
    const body = buf.subarray(1);
    switch (buf[0]) {
      case Channel.stdin:
        if (stdin && !stdinEnded && body.length && !stdin.write(body)) {
          ws.pause();
          stdin.once('drain', () => ws.resume());
        }
        return;
      case Channel.resize:
        try {
          const size = JSON.parse(body.toString('utf8')) as { Width?: number; Height?: number };
          if (size.Width && size.Height) p.resize(size.Width, size.Height);
        } catch {
          // A malformed resize is ignored, as kube does.
        }
        return;
      case Channel.close:
        if (body[0] === Channel.stdin) endStdin();
        return;
    }
  });
  ws.once('close', () => {
    endStdin();
    p.close();
  });

  // The command is over once its output ended; then report how it ended.
  void Promise.all(
    outputs.map((o) => new Promise<void>((r) => (o.readableEnded ? r() : o.once('end', r).once('close', r)))),
  )
    .then(() => p.wait())
    .then(
      (code) => finish(ws, exitStatus(code, opts.command)),
      (e: unknown) => finish(ws, failureStatus((e as Error).message)),
    );
}
