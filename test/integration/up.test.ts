import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { ROOT, cleanup, tempDir } from '../helpers/hub.js';

/** Runs one printed shell line (with the printed `export KUBECONFIG=...`) the way a user pastes it. */
function sh(exportLine: string, line: string): { code: number; out: string } {
  const r = spawnSync('bash', ['-c', `${exportLine}\n${line}`], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, KUBECACHEDIR: tempDir('edgefed-kubecache-') },
  });
  return { code: r.status ?? -1, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

/**
 * `npm start` is the README's first command: a hub and two demo edge sites (simulated engine), then
 * three commands to try. This runs `npm start` for real and pastes the printed commands.
 */
describe('npm start: the demo comes up and the printed commands work', function () {
  this.timeout(180_000);
  let proc: ChildProcess;
  let out = '';
  const dir = tempDir('edgefed-up-');

  before(async () => {
    proc = spawn('npm', ['start', '--silent', '--', '--data-dir', dir, '--port', '0', '--dns-port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let err = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`npm start did not come up in 90 s:\n${out}\n${err}`)),
        90_000,
      );
      const check = setInterval(() => {
        if (out.includes('Press Ctrl-C to stop')) {
          clearTimeout(timer);
          clearInterval(check);
          resolve();
        }
      }, 100);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        clearInterval(check);
        reject(new Error(`npm start exited with ${code}:\n${out}\n${err}`));
      });
    });
  });

  after(async () => {
    const alive = () => proc.exitCode === null && proc.signalCode === null;
    if (proc?.pid && alive()) {
      const exited = new Promise((r) => proc.once('exit', r));
      process.kill(-proc.pid, 'SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      // The group (npm and edgefed) may be gone already.
      if (alive()) process.kill(-proc.pid, 'SIGKILL');
    }
    cleanup(dir);
  });

  it('reports progress while it starts: the hub, each site, then Ready', () => {
    assert.match(out, /\[1\/4\] hub serving at https:\/\/127\.0\.0\.1:\d+/);
    assert.match(
      out,
      /\[2\/4\] edge site cluster1 \(region eu, zone eu-1, simulated engine\) joined and running/,
    );
    assert.match(
      out,
      /\[3\/4\] edge site cluster2 \(region us, zone us-1, simulated engine\) joined and running/,
    );
    assert.match(out, /\[4\/4\] all 2 clusters Ready/);
  });

  it('the printed commands apply kubefed’s example, show it federated, and show the pods at a site', async () => {
    const exportLine = /^\s*(export KUBECONFIG=\S+)/m.exec(out)?.[1];
    assert.ok(exportLine, out);
    const commands = [...out.matchAll(/^\s{2}(kubectl .*?)(?:\s{2,}#.*)?$/gm)].map((m) => m[1].trim());
    assert.equal(commands.length, 3, `three commands to try:\n${out}`);
    const [apply, getFed, getPods] = commands;

    const a = sh(exportLine, apply);
    assert.equal(a.code, 0, a.out);
    assert.match(a.out, /federateddeployment\.types\.kubefed\.io\/test-deployment created/);

    // kubefed's example: 3 replicas at cluster1, 5 (override) at cluster2 → READY 8/8 from the sites.
    const deadline = Date.now() + 60_000;
    let last = '';
    while (Date.now() < deadline) {
      last = sh(exportLine, getFed).out;
      if (/test-deployment\s+2\/2\s+8\/8/.test(last)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.match(last, /test-deployment\s+2\/2\s+8\/8/, last);

    const pods = sh(exportLine, getPods);
    assert.equal(pods.code, 0, pods.out);
    const running = pods.out.split('\n').filter((l) => /^test-deployment-\S+\s+1\/1\s+Running/.test(l));
    assert.equal(running.length, 3, pods.out);
  });
});
