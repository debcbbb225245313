/**
 * Issue 17 (a): a peer that makes the session answer (PINGs) and never reads must not grow this
 * side's memory. The session's queued bytes (WebSocket bufferedAmount, what would otherwise grow
 * without bound) must stay under the stated bound and the peer must be dropped.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { FrameType, MuxSession, encodeFrame } from '../../../tunnel/mux.js';

interface Rig {
  hub: MuxSession;
  /** The raw peer: sends frames itself, and its socket can stop reading. */
  peer: WebSocket;
  close(): Promise<void>;
}

async function rig(maxSendBuffer: number): Promise<Rig> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const port = (wss.address() as AddressInfo).port;
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const peer = new WebSocket(`ws://127.0.0.1:${port}`);
  await once(peer, 'open');
  const [server] = await accepted;
  // Long keepalive: only the flood decides the outcome.
  const hub = new MuxSession(server, {
    side: 'hub',
    maxSendBuffer,
    pingIntervalMs: 60_000,
    pingTimeoutMs: 180_000,
  });
  return {
    hub,
    peer,
    async close() {
      hub.close();
      peer.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

function rawSocket(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

describe('tunnel session bounds what waits for a peer that does not read', () => {
  it('drops a peer that floods PINGs and never reads the PONGs, with the backlog under the bound', async function () {
    this.timeout(60_000);
    const bound = 1024 * 1024;
    const r = await rig(bound);
    try {
      // The peer stops reading: the hub's PONGs pile up in the kernel buffers, then in the hub.
      rawSocket(r.peer).pause();
      const closed = once(r.hub, 'close') as Promise<[string]>;
      let maxQueued = 0;
      const ping = encodeFrame(FrameType.PING, 0, Buffer.alloc(64, 1));
      // Far more PONG bytes than the bound plus any kernel buffering (64 MiB of answers).
      for (let i = 0; i < 1_000_000 && !r.hub.closed; i++) {
        r.peer.send(ping);
        if (i % 1000 === 0) await new Promise((res) => setImmediate(res));
        maxQueued = Math.max(maxQueued, r.hub.sendBuffered);
      }
      const [reason] = await closed;
      assert.match(reason, /peer is not reading/);
      // At most the bound plus the one frame that crossed it.
      assert.ok(maxQueued <= bound + 128, `queued ${maxQueued} bytes, bound ${bound}`);
    } finally {
      await r.close();
    }
  });

  it('drops a peer that sends an oversized PING instead of echoing it', async () => {
    const r = await rig(1024 * 1024);
    try {
      const closed = once(r.hub, 'close') as Promise<[string]>;
      r.peer.send(encodeFrame(FrameType.PING, 0, Buffer.alloc(512 * 1024)));
      const [reason] = await closed;
      assert.match(reason, /PING of 524288 bytes/);
    } finally {
      await r.close();
    }
  });
});
