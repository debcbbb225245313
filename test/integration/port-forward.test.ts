/**
 * kubectl port-forward (1.32: SPDY tunnelled in a WebSocket) to real podman containers, at an edge
 * site's own API and through the hub's tunnel; and what a client that stops reading costs: the
 * pod keeps offering data, the hub and the agent must not buffer it (RSS of the real processes).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { waitFor } from '../helpers/hub.js';
import { TEST_IMAGE } from '../helpers/podman.js';
import { runPod, startStreamsRig, type StreamsRig } from '../helpers/streams.js';

/** What the hub and the agent may grow by while a client does not read (they buffer windows, not streams). */
const RSS_BOUND = 64 * 1024 * 1024;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(p));
    });
  });
}

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

interface Forward {
  port: number;
  proc: ChildProcess;
  output(): string;
}

async function portForward(kubeconfig: string, pod: string, remote: number): Promise<Forward> {
  const port = await freePort();
  const proc = spawn(
    'kubectl',
    ['--kubeconfig', kubeconfig, 'port-forward', `pod/${pod}`, `${port}:${remote}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(
    `port-forward listening (${out})`,
    () => (out.includes('Forwarding from') ? true : undefined),
    30_000,
  );
  return { port, proc, output: () => out };
}

describe('kubectl port-forward at an edge site and through the hub (podman)', function () {
  this.timeout(300_000);
  let rig: StreamsRig;
  const forwards: ChildProcess[] = [];

  before(async () => {
    rig = await startStreamsRig('pf');
    await runPod(
      rig.atSite,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          containers: [
            {
              name: 'httpd',
              image: TEST_IMAGE,
              command: [
                'sh',
                '-c',
                'mkdir -p /www && echo hello-forwarded > /www/index.html && exec httpd -f -p 8080 -h /www',
              ],
            },
          ],
        },
      },
      'web',
    );
    await runPod(
      rig.atSite,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'flood', namespace: 'default' },
        spec: {
          containers: [
            {
              name: 'main',
              image: TEST_IMAGE,
              command: ['sh', '-c', 'while true; do cat /dev/zero | nc -l -p 9000; done'],
            },
          ],
        },
      },
      'flood',
    );
  });

  after(async () => {
    for (const p of forwards) p.kill('SIGKILL');
    await rig?.stop();
  });

  for (const via of ['at the site', 'through the hub'] as const) {
    it(`HTTP GET through port-forward ${via}, several connections in one session`, async () => {
      const f = await portForward(via === 'at the site' ? rig.atSite : rig.viaHub, 'web', 8080);
      forwards.push(f.proc);
      for (let i = 0; i < 3; i++) assert.equal(await httpGet(f.port), 'hello-forwarded\n');
      assert.match(f.output(), /Handling connection for/);
      f.proc.kill('SIGTERM');
    });
  }

  it('a port-forward client that stops reading does not grow the hub or the agent', async () => {
    const f = await portForward(rig.viaHub, 'flood', 9000);
    forwards.push(f.proc);
    const hubPid = rig.hub.proc.pid as number;
    const agentPid = rig.agent.proc.pid as number;
    const sock = connect({ host: '127.0.0.1', port: f.port });
    // First read enough to know the stream flows and how fast.
    const warm = 32 * 1024 * 1024;
    let got = 0;
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      let warmed = false;
      sock.on('data', (d: Buffer) => {
        got += d.length;
        if (!warmed && got >= warm) {
          warmed = true;
          sock.pause();
          resolve();
        }
      });
      sock.once('error', reject);
    });
    const rate = got / ((Date.now() - started) / 1000);
    const base = { hub: rss(hubPid), agent: rss(agentPid) };
    const max = { ...base };
    // Long enough for the pod to offer three times the bound at the rate just seen (loaded machines).
    const pauseMs = Math.min(30_000, Math.max(8000, ((3 * RSS_BOUND) / rate) * 1000));
    for (const end = Date.now() + pauseMs; Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 250));
      max.hub = Math.max(max.hub, rss(hubPid));
      max.agent = Math.max(max.agent, rss(agentPid));
    }
    const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;
    const seen = `rate ${mb(rate)}/s; hub ${mb(base.hub)} → max ${mb(max.hub)}; agent ${mb(base.agent)} → max ${mb(max.agent)}`;
    // The test only means something if the pod could have pushed more than the bound meanwhile.
    assert.ok((rate * pauseMs) / 1000 > 2 * RSS_BOUND, `stream too slow to test the bound: ${seen}`);
    assert.ok(max.hub - base.hub < RSS_BOUND, `hub grew: ${seen}`);
    assert.ok(max.agent - base.agent < RSS_BOUND, `agent grew: ${seen}`);
    // And it still flows once the client reads again.
    const before = got;
    sock.resume();
    await waitFor(
      `data again (${f.output()})`,
      () => (got > before + 16 * 1024 * 1024 ? true : undefined),
      30_000,
    );
    sock.destroy();
    f.proc.kill('SIGTERM');
  });
});
