/**
 * kubectl exec, exec -i, exec -it (a real pty via util-linux `script`), attach and cp with the real
 * kubectl 1.32 against real podman containers: at an edge site's own API and through the hub's
 * tunnel (`edgefed kubeconfig <site>`), the same assertions both ways.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { issue } from '../../pki/pki.js';
import { waitFor } from '../helpers/hub.js';
import { TEST_IMAGE } from '../helpers/podman.js';
import { kubectlOkAsync, kubectlRun, runPod, startStreamsRig, type StreamsRig } from '../helpers/streams.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** kubectl under `script`, so it has a terminal (exec -it needs one); returns the terminal's output. */
function underPty(
  kubeconfig: string,
  args: string[],
  input: string,
): Promise<{ code: number; output: string }> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = `stty cols 123 rows 45; kubectl --kubeconfig ${quote(kubeconfig)} ${args.map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const p = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d: Buffer) => (output += d.toString()));
    p.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`kubectl under script timed out: ${output}`));
    }, 30_000);
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
    // Typed after the shell is up, as a person would.
    setTimeout(() => p.stdin.write(input), 1500);
  });
}

describe('kubectl exec, attach and cp at an edge site and through the hub (podman)', function () {
  this.timeout(300_000);
  let rig: StreamsRig;
  let work: string;

  before(async () => {
    rig = await startStreamsRig('exec');
    work = mkdtempSync(join(tmpdir(), 'edgefed-exec-'));
    await runPod(
      rig.atSite,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'shell', namespace: 'default' },
        spec: { containers: [{ name: 'main', image: TEST_IMAGE, command: ['sleep', '3600'] }] },
      },
      'shell',
    );
    await runPod(
      rig.atSite,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'reader', namespace: 'default' },
        spec: {
          containers: [
            {
              name: 'main',
              image: TEST_IMAGE,
              stdin: true,
              command: ['sh', '-c', 'echo started; while read l; do echo "got:$l"; done'],
            },
          ],
        },
      },
      'reader',
    );
    // The image may predate the helper's `tar` applet (podman storage is shared): make sure.
    await kubectlOkAsync(rig.atSite, [
      'exec',
      'shell',
      '--',
      '/bin/busybox',
      'ln',
      '-sf',
      'busybox',
      '/bin/tar',
    ]);
  });

  after(async () => {
    await rig?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const via of ['at the site', 'through the hub'] as const) {
    const kc = (): string => (via === 'at the site' ? rig.atSite : rig.viaHub);

    describe(via, () => {
      it('exec: stdout and stderr apart, and the exit code as kubectl reports it', async () => {
        const r = await kubectlRun(kc(), [
          'exec',
          'shell',
          '--',
          'sh',
          '-c',
          'echo to-out; echo to-err >&2; exit 3',
        ]);
        assert.equal(r.stdout, 'to-out\n');
        assert.match(r.stderr, /^to-err\n/);
        assert.match(r.stderr, /command terminated with exit code 3/);
        assert.equal(r.code, 3);
        const ok = await kubectlRun(kc(), ['exec', 'shell', '-c', 'main', '--', 'echo', 'fine']);
        assert.deepEqual([ok.code, ok.stdout], [0, 'fine\n']);
      });

      it('exec -i: stdin reaches the process and its end ends the process', async () => {
        const input = randomBytes(200_000).toString('base64');
        const r = await kubectlRun(kc(), ['exec', '-i', 'shell', '--', 'sh', '-c', 'cat | wc -c'], { input });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.trim(), String(input.length));
      });

      it('exec -it: a terminal in the container, its size from kubectl, the exit code', async () => {
        const r = await underPty(
          kc(),
          ['exec', '-it', 'shell', '--', 'sh'],
          'tty; busybox stty size; exit 4\n',
        );
        assert.match(r.output, /\/dev\/pts\/\d+/);
        assert.match(r.output, /45 123/);
        assert.match(r.output, /command terminated with exit code 4/);
        assert.equal(r.code, 4);
      });

      it('attach -i: talks to the running container process', async () => {
        const marker = `m${Date.now().toString(36)}`;
        const p = spawn('kubectl', ['--kubeconfig', kc(), 'attach', '-i', 'reader'], {
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        try {
          await waitFor(
            `attach echoes ${marker}`,
            () => {
              p.stdin.write(`${marker}\n`);
              return out.includes(`got:${marker}`) ? true : undefined;
            },
            20_000,
            500,
          );
        } finally {
          p.kill('SIGKILL');
        }
        // Exactly what was typed: nothing else reached the process's stdin.
        assert.doesNotMatch(out, /got:[^m]/);
      });

      it('cp: a file into the container and back, byte for byte', async () => {
        const blob = randomBytes(300_000);
        const local = join(work, `blob-${via.replace(/ /g, '-')}`);
        writeFileSync(local, blob);
        await kubectlOkAsync(kc(), ['cp', local, 'shell:/tmp/blob']);
        const size = await kubectlOkAsync(kc(), ['exec', 'shell', '--', 'sh', '-c', 'wc -c < /tmp/blob']);
        assert.equal(size.trim(), String(blob.length));
        const back = `${local}.back`;
        await kubectlOkAsync(kc(), ['cp', 'shell:/tmp/blob', back]);
        assert.equal(sha(readFileSync(back)), sha(blob));
      });
    });
  }

  it("kubectl debug node/<site> -it through the hub: a shell in the node's namespaces, its root at /host", async () => {
    const hostPid1 = readFileSync('/proc/1/comm', 'utf8').trim();
    const r = await underPty(
      rig.viaHub,
      ['debug', `node/${rig.site}`, '-it', '--profile=sysadmin', `--image=${TEST_IMAGE}`, '--', 'sh'],
      'echo "pid1=$(cat /proc/1/comm)"; echo "host=$(hostname)"; ls /host/proc/1/comm; exit 0\n',
    );
    assert.equal(r.code, 0, r.output);
    // hostPID: PID 1 is the node's; hostNetwork: the node's hostname; the node's root under /host.
    assert.match(r.output, new RegExp(`pid1=${hostPid1}\\b`), r.output);
    assert.match(r.output, new RegExp(`host=${hostname()}\\b`), r.output);
    assert.match(r.output, /\/host\/proc\/1\/comm/);
  });

  it('who may exec through the hub: admins only; others get the Status, not a WebSocket', async () => {
    const pki = join(rig.hub.dataDir, 'pki');
    const ca = {
      cert: readFileSync(join(pki, 'ca.crt'), 'utf8'),
      key: readFileSync(join(pki, 'ca.key'), 'utf8'),
    };
    const alice = await issue(ca, { commonName: 'alice', organizations: ['dev'], usage: 'client', days: 1 });
    const path = `/clusters/${rig.site}/proxy/api/v1/namespaces/default/pods/shell/exec?command=id&stdout=true&container=main`;
    const dial = (tls: { cert?: string; key?: string }): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(rig.hub.url.replace('https:', 'wss:') + path, 'v5.channel.k8s.io', {
          ca: rig.hub.tls.ca,
          ...tls,
        });
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.once('open', () => {
          ws.terminate();
          resolve({ status: 101, body: '' });
        });
        ws.once('error', reject);
      });
    const asAlice = await dial({ cert: alice.cert, key: alice.key });
    assert.equal(asAlice.status, 403);
    const status = JSON.parse(asAlice.body) as { kind: string; reason: string; message: string };
    assert.deepEqual([status.kind, status.reason], ['Status', 'Forbidden']);
    assert.match(status.message, /User "alice" cannot/);
    assert.equal((await dial({})).status, 401);
    assert.equal((await dial({ cert: rig.hub.tls.cert, key: rig.hub.tls.key })).status, 101);
  });

  it('an unknown pod: kubectl reports it not found at the site and through the hub', async () => {
    for (const kc of [rig.atSite, rig.viaHub]) {
      const r = await kubectlRun(kc, ['exec', 'nope', '--', 'true']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /pods "nope" not found/);
    }
  });
});
