/**
 * exec and port-forward through hub replica B for an edge site whose tunnel is on replica A: B
 * forwards the upgrade to A (hub/replicas/forward.ts), A sends it down the tunnel. Real processes
 * throughout: etcd, two hubs sharing one PKI, the agent with its podman-backed site, kubectl.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { waitFor } from '../helpers/hub.js';
import { TEST_IMAGE } from '../helpers/podman.js';
import { kubectlRun, runPod, startStreamsRig, type StreamsRig } from '../helpers/streams.js';

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

function httpGet(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

describe('exec and port-forward through hub replica B to a site connected to replica A', function () {
  this.timeout(300_000);
  let rig: StreamsRig;
  let viaB: string;

  before(async () => {
    rig = await startStreamsRig('repl', { replicas: true });
    viaB = rig.viaReplicaB as string;
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
                'mkdir -p /www && echo via-replica > /www/index.html && exec httpd -f -p 8080 -h /www',
              ],
            },
          ],
        },
      },
      'web',
    );
    // B learns which replica holds the tunnel from the Leases: wait until a plain GET goes through.
    await waitFor(
      'the site reachable through replica B',
      async () => ((await kubectlRun(viaB, ['get', 'pod', 'web'])).code === 0 ? true : undefined),
      30_000,
      500,
    );
  });

  after(async () => {
    await rig?.stop();
  });

  it('exec: output, stdin and the exit code', async () => {
    const r = await kubectlRun(viaB, ['exec', 'web', '--', 'sh', '-c', 'echo from-b; echo err >&2; exit 5']);
    assert.equal(r.stdout, 'from-b\n');
    assert.match(r.stderr, /command terminated with exit code 5/);
    assert.equal(r.code, 5);
    const i = await kubectlRun(viaB, ['exec', '-i', 'web', '--', 'cat'], { input: 'piped-through-b\n' });
    assert.deepEqual([i.code, i.stdout], [0, 'piped-through-b\n']);
  });

  it('port-forward: HTTP GET', async () => {
    const port = await freePort();
    const p = spawn('kubectl', ['--kubeconfig', viaB, 'port-forward', 'pod/web', `${port}:8080`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(
        `port-forward listening (${out})`,
        () => (out.includes('Forwarding from') ? true : undefined),
        30_000,
      );
      assert.equal(await httpGet(port), 'via-replica\n', out);
      assert.equal(await httpGet(port), 'via-replica\n', out);
    } finally {
      p.kill('SIGKILL');
    }
  });
});
