import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import {
  FrameType,
  INITIAL_WINDOW,
  MuxSession,
  StreamResetError,
  decodeFrame,
  encodeFrame,
  forwardableHeaders,
  type MuxOptions,
  type MuxStream,
  type ResponseHead,
} from '../../../tunnel/mux.js';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function within<T>(what: string, p: Promise<T>, ms = 5000): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))),
    ]);
  } finally {
    clearTimeout(t);
  }
}

interface Pair {
  hub: MuxSession;
  agent: MuxSession;
  close(): Promise<void>;
}

/** Two sessions over a real loopback WebSocket. */
async function pair(opts: Partial<MuxOptions> = {}): Promise<Pair> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const port = (wss.address() as AddressInfo).port;
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  await once(client, 'open');
  const [server] = await accepted;
  const hub = new MuxSession(server, { ...opts, side: 'hub' });
  const agent = new MuxSession(client, { ...opts, side: 'agent' });
  return {
    hub,
    agent,
    async close() {
      hub.close();
      agent.close();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

/** Reads to the end without destroying the stream (an async iterator would, half-closing nothing). */
function readAll(s: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => resolve(Buffer.concat(chunks)));
    s.once('error', reject);
  });
}

function responseOf(s: MuxStream): Promise<ResponseHead> {
  return new Promise((resolve, reject) => {
    s.once('response', resolve);
    s.once('error', reject);
  });
}

/** The agent side echoes each request: status 200, the request head as a header, the body back. */
function echo(agent: MuxSession): void {
  agent.on('stream', (s, head) => {
    void readAll(s).then((body) => {
      s.respond({ status: 200, headers: { 'x-path': head.path, 'x-query': head.query } });
      s.end(body);
    });
  });
}

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe('tunnel/mux', () => {
  it('frames round-trip: type, stream id (u32 BE) and payload', () => {
    for (const [type, id, payload] of [
      [FrameType.OPEN, 1, Buffer.from('{"method":"GET"}')],
      [FrameType.DATA, 0xfffffffe, pattern(1000, 3)],
      [FrameType.END, 7, Buffer.alloc(0)],
      [FrameType.WINDOW, 3, Buffer.from([0, 4, 0, 0])],
    ] as const) {
      const wire = encodeFrame(type, id, payload);
      assert.equal(wire.length, 5 + payload.length);
      assert.equal(wire[0], type);
      assert.equal(wire.readUInt32BE(1), id);
      const f = decodeFrame(wire);
      assert.equal(f.type, type);
      assert.equal(f.stream, id);
      assert.deepEqual(f.payload, payload);
    }
    assert.throws(() => decodeFrame(Buffer.from([1, 0, 0])), /short frame/);
  });

  it('forwardableHeaders drops hop-by-hop headers, those named in Connection, and the ones asked', () => {
    const h = forwardableHeaders(
      {
        Connection: 'keep-alive, X-Secret',
        'x-secret': '1',
        'Transfer-Encoding': 'chunked',
        Upgrade: 'websocket',
        Host: 'hub',
        Authorization: 'Bearer t',
        Accept: 'application/json',
        'content-length': 12,
        'set-cookie': ['a', 'b'],
      },
      ['authorization'],
    );
    assert.deepEqual(h, { accept: 'application/json', 'content-length': '12', 'set-cookie': ['a', 'b'] });
  });

  it('carries a request and its response: OPEN head, body both ways, END', async () => {
    const p = await pair();
    try {
      echo(p.agent);
      const s = p.hub.open({ method: 'POST', path: '/api/v1/x', query: 'watch=1&a=%2F', headers: {} });
      s.end('hello tunnel');
      const head = await within('response', responseOf(s));
      assert.equal(head.status, 200);
      assert.equal(head.headers['x-path'], '/api/v1/x');
      assert.equal(head.headers['x-query'], 'watch=1&a=%2F');
      assert.equal((await within('body', readAll(s))).toString(), 'hello tunnel');
      await tick(20);
      assert.equal(p.hub.size, 0, 'finished streams are forgotten');
      assert.equal(p.agent.size, 0);
    } finally {
      await p.close();
    }
  });

  it('interleaves many streams larger than the window without mixing their bytes', async () => {
    const p = await pair();
    try {
      echo(p.agent);
      const n = 24;
      const bodies = Array.from({ length: n }, (_, i) => pattern(INITIAL_WINDOW + 1 + i * 37_000, i));
      const results = await within(
        'all streams',
        Promise.all(
          bodies.map(async (b, i) => {
            const s = p.hub.open({ method: 'PUT', path: `/s/${i}`, query: '', headers: {} });
            // Write in odd-sized pieces so frames of different streams interleave on the wire.
            const write = async () => {
              for (let off = 0; off < b.length; off += 10_007) {
                if (!s.write(b.subarray(off, off + 10_007))) await once(s, 'drain');
              }
              s.end();
            };
            const [, body, head] = await Promise.all([write(), readAll(s), responseOf(s)]);
            assert.equal(head.headers['x-path'], `/s/${i}`);
            return body;
          }),
        ),
        20_000,
      );
      results.forEach((r, i) => assert.ok(r.equals(bodies[i]), `stream ${i} body intact`));
    } finally {
      await p.close();
    }
  });

  it('a slow consumer bounds what the sender buffers (window + writable queue), then gets everything', async () => {
    const window = 64 * 1024;
    const p = await pair({ window });
    try {
      const total = 8 * 1024 * 1024;
      let produced = 0;
      p.agent.on('stream', (s) => {
        s.resume();
        s.respond({ status: 200, headers: {} });
        // A fast source (a chatty log): produces only when the pipe asks for more.
        const src = new Readable({
          read() {
            if (produced >= total) return void this.push(null);
            const c = pattern(16 * 1024, produced);
            produced += c.length;
            this.push(c);
          },
        });
        src.pipe(s);
      });
      const s = p.hub.open({ method: 'GET', path: '/logs', query: 'follow=true', headers: {} });
      s.end();
      await within('response', responseOf(s));
      // Nobody reads: the receiver holds at most one window, the sender stalls.
      await tick(300);
      const stalledAt = produced;
      assert.ok(s.buffered <= window + 32 * 1024, `receiver buffered ${s.buffered} > window ${window}`);
      // window in flight + the stream's writable queue + the source's own buffer + one chunk.
      assert.ok(
        stalledAt <= window + 64 * 1024 + 16 * 1024 + 16 * 1024,
        `sender produced ${stalledAt} bytes`,
      );
      await tick(200);
      assert.equal(produced, stalledAt, 'the sender stays stalled while nobody reads');
      // A slow reader drains it: everything arrives, never more than a window buffered.
      let got = 0;
      let maxBuffered = 0;
      s.on('data', (c: Buffer) => {
        got += c.length;
        maxBuffered = Math.max(maxBuffered, s.buffered);
      });
      await within('drain', once(s, 'end'), 20_000);
      assert.equal(got, total);
      assert.ok(maxBuffered <= window + 32 * 1024, `max buffered ${maxBuffered}`);
    } finally {
      await p.close();
    }
  });

  it('RESET from the opener aborts the far side; RESET from the answerer fails the opener', async () => {
    const p = await pair();
    try {
      const served: MuxStream[] = [];
      p.agent.on('stream', (s, head) => {
        served.push(s);
        s.on('error', () => undefined);
        if (head.path === '/fail') {
          s.destroy(new Error('member API unreachable'));
          return;
        }
        s.respond({ status: 200, headers: {} });
        s.write('first event\n');
      });
      // The hub side gives up (client disconnected): the agent's stream closes with the reason.
      const watch = p.hub.open({ method: 'GET', path: '/watch', query: '', headers: {} });
      watch.end();
      await within('response', responseOf(watch));
      const agentClosed = new Promise<void>((r) => served[0].once('close', () => r()));
      const agentErr = new Promise<Error>((r) => served[0].once('error', r));
      watch.destroy(new Error('client disconnected'));
      await within('agent stream closed', agentClosed);
      const e = await agentErr;
      assert.ok(e instanceof StreamResetError);
      assert.match(e.message, /client disconnected/);
      // The agent fails a request: the hub's stream errors with the agent's message.
      const failing = p.hub.open({ method: 'GET', path: '/fail', query: '', headers: {} });
      failing.end();
      const err = await within('reset', new Promise<Error>((r) => failing.once('error', r)));
      assert.match(err.message, /member API unreachable/);
      await tick(20);
      assert.equal(p.hub.size, 0);
      assert.equal(p.agent.size, 0);
    } finally {
      await p.close();
    }
  });

  it('the session closing resets every open stream', async () => {
    const p = await pair();
    try {
      p.agent.on('stream', (s) => s.respond({ status: 200, headers: {} }));
      const s = p.hub.open({ method: 'GET', path: '/w', query: '', headers: {} });
      s.end();
      await within('response', responseOf(s));
      const err = new Promise<Error>((r) => s.once('error', r));
      p.agent.close('agent stopping');
      assert.match((await within('stream error', err)).message, /tunnel closed|agent stopping/);
      assert.throws(() => p.agent.open({ method: 'GET', path: '/', query: '', headers: {} }), /closed/);
    } finally {
      await p.close();
    }
  });

  it('keeps a live session up with PINGs and drops a silent peer after the timeout', async () => {
    const p = await pair({ pingIntervalMs: 50, pingTimeoutMs: 300 });
    try {
      await tick(700);
      assert.equal(p.hub.closed, false, 'PING/PONG keeps the session alive');
      assert.equal(p.agent.closed, false);
      assert.ok(p.hub.rttMs !== undefined && p.hub.rttMs < 300);
    } finally {
      await p.close();
    }
    // A peer that never answers (a NAT that forgot the connection): dropped after ~300 ms.
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    try {
      const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
      const [server] = (await once(wss, 'connection')) as [WebSocket];
      await once(client, 'open');
      server.on('message', () => undefined); // reads, never answers
      const started = Date.now();
      const s = new MuxSession(client, { side: 'agent', pingIntervalMs: 50, pingTimeoutMs: 300 });
      const [reason] = (await within('drop', once(s, 'close'), 3000)) as [string];
      assert.match(reason, /no frames from the peer for 300 ms/);
      const took = Date.now() - started;
      assert.ok(took >= 290 && took < 1500, `dropped after ${took} ms`);
    } finally {
      await new Promise<void>((r) => wss.close(() => r()));
    }
  });

  it('a peer sending beyond its window is reset (flow-control violation)', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    try {
      const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
      const [server] = (await once(wss, 'connection')) as [WebSocket];
      await once(client, 'open');
      const hub = new MuxSession(server, { side: 'hub', window: 1024 });
      const s = hub.open({ method: 'GET', path: '/', query: '', headers: {} });
      const resets: string[] = [];
      client.on('message', (d: Buffer) => {
        const f = decodeFrame(d);
        if (f.type === FrameType.RESET) resets.push(f.payload.toString());
      });
      const err = new Promise<Error>((r) => s.once('error', r));
      client.send(encodeFrame(FrameType.RESPONSE, s.id, JSON.stringify({ status: 200, headers: {} })));
      client.send(encodeFrame(FrameType.DATA, s.id, Buffer.alloc(2048)));
      assert.match((await within('violation', err)).message, /flow control violation/);
      await tick(50);
      assert.equal(resets.length, 1);
      hub.close();
      client.terminate();
    } finally {
      await new Promise<void>((r) => wss.close(() => r()));
    }
  });
});
