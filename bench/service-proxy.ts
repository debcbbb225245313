/**
 * bench:service-proxy — the site's ClusterIP path for pods (issue 13), real podman containers:
 * an in-process edge site (site API, controllers, node runtime, cluster DNS, ClusterIP proxy)
 * runs a 2-replica busybox httpd Deployment behind a ClusterIP Service and a headless one.
 *
 * 1. Requests/s and p99 latency, one new TCP connection per request (what a pod's HTTP client
 *    without keep-alive does), through the proxy's listener on the bridge gateway (where a pod's
 *    `<clusterIP>:80` is DNATed: the DNAT itself is in-kernel) against straight to a pod IP, same
 *    run, same concurrency. Traffic stays on this machine: the bridge gateway and pod addresses.
 * 2. Time from a pod's readiness change (its exec probe starts failing, then passing again) to the
 *    proxy's backends and the cluster DNS's headless answer reflecting it.
 */
import { createSocket } from 'node:dgram';
import { request as httpRequest } from 'node:http';
import { execFile, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as dnsPacket from 'dns-packet';
import { pino } from 'pino';
import { DockerEngine } from '../agent/edge/engine/docker.js';
import { startEdgeSite, type EdgeSite } from '../agent/edge/site.js';
import {
  ensureBusyboxImage,
  removeContainersWithLabel,
  startPodman,
  TEST_IMAGE,
} from '../test/helpers/podman.js';
import {
  guardBench,
  loadLine,
  machine,
  percentile,
  removeDir,
  runBounded,
  sleep,
  tempDir,
  verdictLines,
  type Goal,
} from './lib.js';

const SITE = 'bench-proxy-site';
const NS = 'bench';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1500);
const CONCURRENCY = 8;
const log = (m: string): void => void process.stderr.write(`bench: ${m}\n`);

function get(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

function dnsA(host: string, port: number, name: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => (s.close(), reject(new Error('dns timeout'))), 2000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      const r = dnsPacket.decode(m);
      resolve((r.answers ?? []).map((a) => String((a as { data: unknown }).data)).sort());
    });
    s.send(dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', name }] }), port, host);
  });
}

/** kubectl, asynchronously: the site API runs in this process, so a blocking spawn would starve it. */
async function kubectl(kc: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kc, '--request-timeout=60s', ...args],
      (err, stdout, stderr) =>
        err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
    child.stdin?.end(input ?? '');
  });
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  ms: number,
  every = 20,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(every);
  }
}

const cleanups: (() => Promise<void>)[] = [];
async function cleanup(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  done: number;
}

/** `--load host port n c`: the load generator, as a child process. */
async function load(host: string, port: number, n: number, c: number): Promise<void> {
  let errors = 0;
  const r = await runBounded(n, c, 120_000, async () => {
    await get(host, port).catch(() => void errors++);
  });
  const out: Load = {
    rps: (r.done / r.ms) * 1000,
    p50: percentile(r.latencies, 50),
    p99: percentile(r.latencies, 99),
    errors,
    done: r.done,
  };
  process.stdout.write(JSON.stringify(out));
}

async function main(): Promise<void> {
  const guard = guardBench(600_000, cleanup);
  const load0 = loadavg()[0];
  const podman = await startPodman();
  cleanups.push(() => podman.stop());
  await ensureBusyboxImage(podman.socket, TEST_IMAGE);
  const dir = tempDir('edgefed-bench-proxy-');
  cleanups.push(async () => removeDir(dir));
  cleanups.push(async () => void (await removeContainersWithLabel(podman.endpoint, 'edgefed.io/node', SITE)));
  const engine = new DockerEngine(podman.endpoint);
  const site: EdgeSite = await startEdgeSite({
    dataDir: dir,
    engine,
    nodeName: SITE,
    nodeIp: '127.0.0.94',
    logger: pino({ level: 'silent' }),
    syncIntervalMs: 500,
  });
  cleanups.push(() => site.stop());
  if (!site.routing) throw new Error('no service routing: needs root, iptables and a podman engine');
  const kc = site.kubeconfigPath;
  const container = {
    name: 'httpd',
    image: TEST_IMAGE,
    env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    ports: [{ name: 'http', containerPort: 8080 }],
    command: [
      'sh',
      '-c',
      'mkdir -p /www && echo $POD_NAME > /www/index.html && touch /tmp/ready && exec httpd -f -p 8080 -h /www',
    ],
    readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
  };
  const objs = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: NS },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web-headless', namespace: NS },
      spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] },
    },
  ];
  await kubectl(
    kc,
    ['apply', '--validate=false', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }),
  );
  const clusterIp = (
    await kubectl(kc, ['get', 'svc', 'web', '-n', NS, '-o', 'jsonpath={.spec.clusterIP}'])
  ).trim();
  const proxy = site.routing.proxy;
  const dns = site.routing.dns;
  log('waiting for 2 ready backends in the proxy...');
  const backends = await until(
    '2 backends',
    () => (proxy.backends(clusterIp, 80).length === 2 ? proxy.backends(clusterIp, 80) : undefined),
    180_000,
    200,
  );
  const target = await until('proxy listener', () => proxy.target(clusterIp, 80), 30_000);
  await until('DNS bound', () => (dns.port ? true : undefined), 30_000);
  const [podIp, podPort] = backends[0].split(':');

  // The load runs in a child process: in this one it would share the event loop with the proxy.
  const measure = async (host: string, port: number): Promise<Load> =>
    new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [fileURLToPath(import.meta.url), '--load', host, String(port), String(REQUESTS), String(CONCURRENCY)],
        { timeout: 180_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(stderr || err.message)) : resolve(JSON.parse(stdout) as Load),
      );
    });
  log(`load: ${REQUESTS} requests at concurrency ${CONCURRENCY}, direct then through the proxy...`);
  await measure(podIp, Number(podPort)); // warm-up both paths' caches and the pod
  const direct = await measure(podIp, Number(podPort));
  const proxied = await measure(target.host, target.port);

  // Readiness → proxy and DNS.
  const pods = JSON.parse(await kubectl(kc, ['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'json'])) as {
    items: { metadata: { name: string }; status: { podIP: string } }[];
  };
  const victim = pods.items.find((p) => p.status.podIP === podIp);
  if (!victim) throw new Error(`no pod with IP ${podIp}`);
  const [c] = await engine.listContainers({
    'edgefed.io/pod-name': victim.metadata.name,
    'edgefed.io/node': SITE,
  });
  const fqdn = `web-headless.${NS}.svc.cluster.local`;
  const has = async (): Promise<[boolean, boolean]> => [
    proxy.backends(clusterIp, 80).some((b) => b.startsWith(`${podIp}:`)),
    (await dnsA(target.host, dns.port, fqdn)).includes(podIp),
  ];
  const timeChange = async (cmd: string[], want: boolean): Promise<[number, number]> => {
    const t0 = performance.now();
    await engine.exec(c.id, cmd, 10_000);
    let tProxy = NaN;
    let tDns = NaN;
    await until(
      'proxy and DNS reflect the change',
      async () => {
        const [p, d] = await has();
        if (p === want && Number.isNaN(tProxy)) tProxy = performance.now() - t0;
        if (d === want && Number.isNaN(tDns)) tDns = performance.now() - t0;
        return !Number.isNaN(tProxy) && !Number.isNaN(tDns) ? true : undefined;
      },
      30_000,
    );
    return [tProxy, tDns];
  };
  log('readiness: failing the probe of one pod, then passing it again...');
  const [outProxy, outDns] = await timeChange(['busybox', 'rm', '/tmp/ready'], false);
  const [inProxy, inDns] = await timeChange(['touch', '/tmp/ready'], true);
  const load1 = loadavg()[0];

  const ratio = proxied.rps / direct.rps;
  const fmt = (n: number): string => `${Math.round(n).toLocaleString('en-US')}`;
  const out = [
    '',
    'bench:service-proxy — ClusterIP path for pods at an edge site (userspace proxy on the podman bridge gateway)',
    '',
    `  Conditions: ${machine().cpu}, ${machine().ram}; load ${loadLine(load0, load1)}`,
    `  podman ${spawnSync('podman', ['--version'], { encoding: 'utf8' }).stdout.trim()}; backends: busybox httpd (forks per connection), 2 replicas`,
    `  ${REQUESTS} GETs per path, concurrency ${CONCURRENCY}, a new TCP connection per request, from a child process; readiness probe period 1 s, failureThreshold 3 (kube default: ~3 s to turn unready)`,
    '',
    `  direct to pod ${podIp}:${podPort}: ${fmt(direct.rps)} req/s, p50 ${direct.p50.toFixed(1)} ms, p99 ${direct.p99.toFixed(1)} ms, ${direct.errors} errors`,
    `  through the proxy (${target.host}:${target.port} ← ${clusterIp}:80): ${fmt(proxied.rps)} req/s, p50 ${proxied.p50.toFixed(1)} ms, p99 ${proxied.p99.toFixed(1)} ms, ${proxied.errors} errors`,
    `  readiness lost → out of the proxy ${fmt(outProxy)} ms, out of DNS ${fmt(outDns)} ms; regained → proxy ${fmt(inProxy)} ms, DNS ${fmt(inDns)} ms`,
  ];
  const goals: Goal[] = [
    {
      what: 'requests/s through the proxy vs direct',
      measured: `${fmt(proxied.rps)} req/s`,
      goal: '>= 0.5x direct',
      reference: `direct ${fmt(direct.rps)} req/s, same run`,
      ratio,
      ok: ratio >= 0.5,
    },
    {
      what: 'p99 through the proxy',
      measured: `${proxied.p99.toFixed(1)} ms`,
      goal: '<= 3x direct + 5 ms',
      reference: `direct ${direct.p99.toFixed(1)} ms, same run`,
      ratio: proxied.p99 / direct.p99,
      ok: proxied.p99 <= 3 * direct.p99 + 5,
    },
    {
      what: 'readiness lost → proxy and DNS',
      measured: `${fmt(Math.max(outProxy, outDns))} ms`,
      goal: '< 5000 ms (3 failed probes 1 s apart, then status → Endpoints → caches)',
      ok: Math.max(outProxy, outDns) < 5000,
    },
    {
      what: 'readiness regained → proxy and DNS',
      measured: `${fmt(Math.max(inProxy, inDns))} ms`,
      goal: '< 5000 ms',
      ok: Math.max(inProxy, inDns) < 5000,
    },
  ];
  const checks: [string, boolean][] = [
    ['no request failed on either path', direct.errors + proxied.errors === 0],
  ];
  out.push(
    ...verdictLines(goals, checks, [
      'the DNAT hop from a pod (<clusterIP>:80 → the listener) is in-kernel; pods using it are covered by test/integration/site-service-routing.test.ts',
    ]),
  );
  process.stdout.write(out.join('\n'));
  guard.done();
  await cleanup();
}

const run =
  process.argv[2] === '--load'
    ? load(process.argv[3], Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6]))
    : main();
run.catch(async (e: Error) => {
  process.stderr.write(`bench failed: ${e.stack ?? e.message}\n`);
  await cleanup();
  process.exit(1);
});
