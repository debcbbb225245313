/**
 * bench:streams — what exec, port-forward and `logs -f` cost at an edge site's own API versus
 * through the hub's tunnel, in one run on one machine (real kubectl 1.32, real podman containers,
 * an `edgefed agent` process and a hub process):
 *
 *   - exec: wall time of `kubectl exec pod -- echo` (process start included), and the round trip
 *     of one line through an open `kubectl exec -i -- cat` (the stream itself)
 *   - port-forward: MB/s of one TCP connection through `kubectl port-forward` to a pod sending
 *     zeros, with the pod's own address read directly as the ceiling
 *   - `kubectl logs -f`: time to the first byte through the hub and at the site
 */
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { TEST_IMAGE } from '../test/helpers/podman.js';
import { kubectlRun, runPod, startStreamsRig, type StreamsRig } from '../test/helpers/streams.js';
import { guardBench, machine, percentile } from './lib.js';

const EXEC_RUNS = Number(process.env.BENCH_EXEC_RUNS ?? 20);
const ECHO_LINES = Number(process.env.BENCH_ECHO_LINES ?? 200);
const FORWARD_BYTES = Number(process.env.BENCH_FORWARD_MB ?? 100) * 1024 * 1024;
const LOGS_RUNS = Number(process.env.BENCH_LOGS_RUNS ?? 10);
const FORWARD_ROUNDS = Number(process.env.BENCH_FORWARD_ROUNDS ?? 3);

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const ms = (n: number): string => `${n.toFixed(1)} ms`;

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

/**
 * Wall time of `kubectl exec -- echo` on both paths, interleaved run by run so a busy moment on
 * this shared machine weighs on both alike; one warm-up run each (discovery cache).
 */
async function execWall(paths: Record<string, string>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (let i = -1; i < EXEC_RUNS; i++) {
    for (const [name, kc] of Object.entries(paths)) {
      const t = performance.now();
      const r = await kubectlRun(kc, ['exec', 'shell', '--', 'echo', 'x']);
      if (r.code !== 0 || r.stdout !== 'x\n') throw new Error(`exec failed: ${r.stderr}`);
      if (i >= 0) (out[name] ??= []).push(performance.now() - t);
    }
  }
  return out;
}

/** Round trips of single lines through one open `exec -i cat`. */
function echoRtt(kc: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const p = spawn('kubectl', ['--kubeconfig', kc, 'exec', '-i', 'shell', '--', 'cat'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const rtts: number[] = [];
    let buf = '';
    let sent = 0;
    let t = 0;
    const next = (): void => {
      if (sent === ECHO_LINES) {
        p.stdin.end();
        return;
      }
      sent++;
      t = performance.now();
      p.stdin.write(`line-${sent}\n`);
    };
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes(`line-${sent}\n`)) {
        rtts.push(performance.now() - t);
        buf = '';
        next();
      }
    });
    p.once('close', (code) =>
      rtts.length === ECHO_LINES
        ? resolve(rtts.slice(1))
        : reject(new Error(`echo ended (${code}) after ${rtts.length}`)),
    );
    // The first line also waits for the exec to start: excluded from the sample above.
    setTimeout(next, 200);
  });
}

/** MB/s of one connection reading `bytes` from host:port. */
function readRate(host: string, port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let got = 0;
    let t0 = 0;
    s.on('data', (d: Buffer) => {
      if (t0 === 0) t0 = performance.now();
      got += d.length;
      if (got >= bytes) {
        const rate = got / 1048576 / ((performance.now() - t0) / 1000);
        s.destroy();
        resolve(rate);
      }
    });
    s.once('error', reject);
    s.once('close', () =>
      got < bytes ? reject(new Error(`connection closed after ${got} bytes`)) : undefined,
    );
  });
}

async function forwardRate(kc: string): Promise<number> {
  const port = await freePort();
  const p = spawn('kubectl', ['--kubeconfig', kc, 'port-forward', 'pod/flood', `${port}:9000`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    for (let i = 0; i < 300 && !out.includes('Forwarding from'); i++)
      await new Promise((r) => setTimeout(r, 100));
    return await readRate('127.0.0.1', port, FORWARD_BYTES);
  } finally {
    p.kill('SIGKILL');
  }
}

/** Time from starting `kubectl logs -f` to its first byte of output. */
async function logsTtfb(kc: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < LOGS_RUNS; i++) {
    const t = performance.now();
    const p = spawn('kubectl', ['--kubeconfig', kc, 'logs', '-f', 'shell'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      p.stdout.once('data', () => resolve());
      p.once('close', (code) => reject(new Error(`logs -f ended (${code}) before any output`)));
    });
    out.push(performance.now() - t);
    p.kill('SIGKILL');
  }
  return out;
}

const summary = (xs: number[]): string => `p50 ${ms(percentile(xs, 50))}, p99 ${ms(percentile(xs, 99))}`;

async function main(): Promise<void> {
  const m = machine();
  log(
    `bench:streams on ${m.cpu}, ${m.ram}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  log('starting podman, a hub and an edge site agent...');
  const held: { rig?: StreamsRig } = {};
  const guard = guardBench(15 * 60_000, async () => {
    await held.rig?.stop();
  });
  const rig = await startStreamsRig('bench');
  held.rig = rig;
  try {
    const pod = (name: string, command: string[]): object => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { containers: [{ name: 'main', image: TEST_IMAGE, command }] },
    });
    await runPod(rig.atSite, pod('shell', ['sh', '-c', 'echo ready; exec sleep 3600']), 'shell');
    await runPod(
      rig.atSite,
      pod('flood', ['sh', '-c', 'while true; do cat /dev/zero | nc -l -p 9000; done']),
      'flood',
    );
    const ip = (await kubectlRun(rig.atSite, ['get', 'pod', 'flood', '-o', 'jsonpath={.status.podIP}']))
      .stdout;

    const paths = { site: rig.atSite, hub: rig.viaHub } as const;
    const results: Record<string, Record<string, number[] | number>> = { site: {}, hub: {} };
    log(`exec wall time (${EXEC_RUNS} runs each, interleaved)...`);
    const walls = await execWall(paths);
    for (const name of Object.keys(paths)) results[name].exec = walls[name];
    for (const [name, kc] of Object.entries(paths)) {
      log(`${name}: line round trip through exec -i cat (${ECHO_LINES} lines)...`);
      results[name].echo = await echoRtt(kc);
      log(`${name}: logs -f time to first byte (${LOGS_RUNS} runs)...`);
      results[name].logs = await logsTtfb(kc);
    }
    // Throughput swings with the machine's load: three rounds, each site → hub → pod directly, medians.
    log(`port-forward throughput (${FORWARD_ROUNDS} rounds of ${FORWARD_BYTES / 1048576} MB each way)...`);
    const rates: Record<'site' | 'hub' | 'direct', number[]> = { site: [], hub: [], direct: [] };
    for (let i = 0; i < FORWARD_ROUNDS; i++) {
      rates.site.push(await forwardRate(paths.site));
      rates.hub.push(await forwardRate(paths.hub));
      // The pod's `nc` takes one connection at a time and restarts in between: retry a refusal.
      for (let attempt = 0; ip && attempt < 20; attempt++) {
        const r = await readRate(ip, 9000, FORWARD_BYTES).catch(() => 0);
        if (r > 0) {
          rates.direct.push(r);
          break;
        }
        await new Promise((res) => setTimeout(res, 250));
      }
    }
    results.site.forward = percentile(rates.site, 50);
    results.hub.forward = percentile(rates.hub, 50);
    const direct = rates.direct.length ? percentile(rates.direct, 50) : 0;

    const site = results.site;
    const hub = results.hub;
    const ratio = (hub.forward as number) / (site.forward as number);
    const lines = [
      '',
      `bench:streams — ${m.cpu}, ${m.ram}, load average now ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
      `(every party a process on this machine: kubectl, hub, agent, podman; the machine is shared)`,
      '',
      `                              ${'at the site'.padEnd(34)}through the hub`,
      `kubectl exec -- echo (wall)   ${summary(site.exec as number[]).padEnd(34)}${summary(hub.exec as number[])}`,
      `exec -i line round trip       ${summary(site.echo as number[]).padEnd(34)}${summary(hub.echo as number[])}`,
      `port-forward throughput       ${`${(site.forward as number).toFixed(1)} MB/s`.padEnd(34)}${(hub.forward as number).toFixed(1)} MB/s (hub/site ${ratio.toFixed(2)}; medians of ${FORWARD_ROUNDS})`,
      `logs -f time to first byte    ${summary(site.logs as number[]).padEnd(34)}${summary(hub.logs as number[])}`,
      `pod address read directly     ${direct ? `${direct.toFixed(1)} MB/s (the source's own ceiling)` : 'not reachable from here'}`,
      '',
      `verdict: ${
        ratio >= 0.9
          ? `port-forward through the hub's tunnel runs as fast as at the site here (hub/site ${ratio.toFixed(2)})`
          : ratio >= 0.5
            ? `the tunnel keeps ${Math.round(ratio * 100)}% of the site's port-forward throughput`
            : `the tunnel costs more than half of the site's port-forward throughput (${Math.round(ratio * 100)}%)`
      }; an exec line round trip through the hub adds ${ms(percentile(hub.echo as number[], 50) - percentile(site.echo as number[], 50))} at p50.`,
      `(load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs: single runs vary by 2x; compare within one run)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    guard.done();
    await rig.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:streams failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
