/**
 * Helpers for the DNS integration tests (test/integration/dns-*.test.ts): a hub process with DNS
 * whose printed DNS address is parsed, the real `dig` with its output parsed, free ports, and the
 * DNS CRDs when crds/ does not ship them yet. Not a test file itself (no .test.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT, kubectl, kubectlOk, tempDir, toYaml, waitFor } from './hub.js';

export interface DnsHub {
  url: string;
  dataDir: string;
  kubeconfig: string;
  dnsPort: number;
  tls: { ca: string; cert: string; key: string };
  proc: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

/** `edgefed hub --port 0 --dns-port 0 ...`, resolved once both the API and DNS lines are printed. */
export async function startDnsHub(
  extraArgs: string[] = [],
  dataDir = tempDir('edgefed-dns-'),
): Promise<DnsHub> {
  const proc = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'edgefed'),
      'hub',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--dns-port',
      '0',
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const { url, dnsPort } = await new Promise<{ url: string; dnsPort: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`hub did not start in 30 s:\n${stderr}`)), 30_000);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const api = /serving at (https:\/\/\S+)/.exec(out);
      const dns = /DNS is serving at \S+:(\d+)/.exec(out);
      if (api && dns) {
        clearTimeout(timer);
        resolve({ url: api[1], dnsPort: Number(dns[1]) });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code} before serving:\n${stderr}`));
    });
  });
  const pki = join(dataDir, 'pki');
  return {
    url,
    dataDir,
    kubeconfig: join(dataDir, 'admin.kubeconfig'),
    dnsPort,
    tls: {
      ca: readFileSync(join(pki, 'ca.crt'), 'utf8'),
      cert: readFileSync(join(pki, 'admin.crt'), 'utf8'),
      key: readFileSync(join(pki, 'admin.key'), 'utf8'),
    },
    proc,
    logs: () => stderr,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface Dig {
  status: string;
  flags: string[];
  answer: string[];
  authority: string[];
  additional: string[];
  /** `version flags udp-size` of the OPT pseudo-section, if any. */
  edns?: { version: number; udp: number };
  transport: string;
  truncatedRetry: boolean;
  raw: string;
}

function section(out: string, name: string): string[] {
  const i = out.indexOf(`;; ${name} SECTION:\n`);
  if (i < 0) return [];
  const lines: string[] = [];
  for (const line of out.slice(i).split('\n').slice(1)) {
    if (line.trim() === '') break;
    lines.push(line.trim().replace(/\s+/g, ' '));
  }
  return lines;
}

/** Runs the real dig against a server and parses what it printed. */
export function dig(port: number, args: string[], server = '127.0.0.1'): Dig {
  const r = spawnSync('dig', [`@${server}`, '-p', String(port), '+tries=1', '+timeout=3', ...args], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  const raw = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const status = /status: ([A-Z]+)/.exec(raw)?.[1] ?? `no answer (dig exit ${r.status}):\n${raw}`;
  const edns = /; EDNS: version: (\d+), flags:[^;]*; udp: (\d+)/.exec(raw);
  return {
    status,
    flags: (/;; flags:([a-z ]*);/.exec(raw)?.[1] ?? '').trim().split(/\s+/).filter(Boolean),
    answer: section(raw, 'ANSWER'),
    authority: section(raw, 'AUTHORITY'),
    additional: section(raw, 'ADDITIONAL'),
    edns: edns ? { version: Number(edns[1]), udp: Number(edns[2]) } : undefined,
    transport: /;; SERVER: .*\((UDP|TCP)\)/.exec(raw)?.[1] ?? '',
    truncatedRetry: raw.includes('Truncated, retrying in TCP mode'),
    raw,
  };
}

/** A port free for both TCP and UDP on 127.0.0.1 (as far as one can tell before using it). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port');
}

/** Minimal DNS CRDs, for a tree whose crds/ does not ship them (yet). */
export function ensureDnsCrds(kubeconfig: string): boolean {
  if (kubectl(kubeconfig, ['get', 'crd', 'dnsendpoints.multiclusterdns.kubefed.io']).code === 0) return false;
  const crd = (kind: string, plural: string) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.multiclusterdns.kubefed.io` },
    spec: {
      group: 'multiclusterdns.kubefed.io',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  kubectlOk(
    kubeconfig,
    ['apply', '-f', '-'],
    toYaml(crd('Domain', 'domains'), crd('DNSEndpoint', 'dnsendpoints')),
  );
  return true;
}

export const domainYaml = (name: string, domain: string, nameServer?: string): object => ({
  apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
  kind: 'Domain',
  metadata: { name, namespace: 'kube-federation-system' },
  domain,
  ...(nameServer ? { nameServer } : {}),
});

export const endpointYaml = (
  namespace: string,
  name: string,
  endpoints: { dnsName: string; recordType: string; targets: string[]; recordTTL?: number }[],
): object => ({
  apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
  kind: 'DNSEndpoint',
  metadata: { name, namespace },
  spec: { endpoints },
});

/** Waits until dig's answer satisfies `ok` (the hub publishes zones asynchronously). */
export function digUntil(
  port: number,
  args: string[],
  ok: (d: Dig) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<Dig> {
  return waitFor(
    what,
    () => {
      const d = dig(port, args);
      return ok(d) ? d : undefined;
    },
    timeoutMs,
    100,
  );
}

export interface Daemon {
  port: number;
  logs(): string;
  stop(): Promise<void>;
}

function daemon(
  cmd: string,
  args: string[],
): { proc: ChildProcess; logs: () => string; stop: () => Promise<void> } {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const add = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  proc.stdout?.on('data', add);
  proc.stderr?.on('data', add);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.once('error', (e) => (out += `\nspawn ${cmd}: ${e.message}`));
  return {
    proc,
    logs: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** One etcd member on free loopback ports with its data in `dir`. */
export async function startEtcd(dir: string): Promise<Daemon & { endpoint: string }> {
  const client = await freePort();
  let peer = await freePort();
  while (peer === client) peer = await freePort();
  const d = daemon('etcd', [
    '--name',
    'dnstest',
    '--data-dir',
    join(dir, 'etcd'),
    '--listen-client-urls',
    `http://127.0.0.1:${client}`,
    '--advertise-client-urls',
    `http://127.0.0.1:${client}`,
    '--listen-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--initial-cluster',
    `dnstest=http://127.0.0.1:${peer}`,
    '--logger',
    'zap',
    '--log-level',
    'error',
  ]);
  const endpoint = `http://127.0.0.1:${client}`;
  await waitFor(
    `etcd on ${endpoint}`,
    () => etcdctl(endpoint, ['endpoint', 'health']).code === 0 || undefined,
    20_000,
    200,
  ).catch((e: Error) => {
    void d.stop();
    throw new Error(`${e.message}\n${d.logs()}`);
  });
  return { port: client, endpoint, logs: d.logs, stop: d.stop };
}

export function etcdctl(endpoint: string, args: string[]): { code: number; stdout: string } {
  const r = spawnSync('etcdctl', ['--endpoints', endpoint, ...args], {
    encoding: 'utf8',
    timeout: 10_000,
    env: { ...process.env, ETCDCTL_API: '3' },
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '' };
}

/** `etcdctl get --prefix`: key → value. */
export function etcdGetPrefix(endpoint: string, prefix: string): Map<string, string> {
  const r = etcdctl(endpoint, ['get', '--prefix', prefix]);
  if (r.code !== 0) throw new Error(`etcdctl get failed (${r.code})`);
  const lines = r.stdout.split('\n');
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i += 2) if (lines[i]) out.set(lines[i], lines[i + 1]);
  return out;
}

/**
 * knotd authoritative for `zone` (zone file from `records`, master-file lines relative to the
 * origin), accepting UPDATE signed with the hmac-sha256 key `keyName`/`secret`, running as the
 * current user with everything under `dir`.
 */
export async function startKnot(
  dir: string,
  zone: string,
  records: string[],
  keyName: string,
  secret: string,
): Promise<Daemon> {
  const port = await freePort();
  const run = join(dir, 'knot-run');
  const zones = join(dir, 'knot-zones');
  mkdirSync(run, { recursive: true });
  mkdirSync(zones, { recursive: true });
  // The journal (where dynamic updates go) needs its directory to exist.
  mkdirSync(join(dir, 'knot-db'), { recursive: true });
  writeFileSync(
    join(zones, `${zone}.zone`),
    [
      `$ORIGIN ${zone}.`,
      '$TTL 300',
      `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 30`,
      `@ IN NS ns1.${zone}.`,
      'ns1 IN A 127.0.0.1',
      ...records,
      '',
    ].join('\n'),
  );
  const conf = join(dir, 'knot.conf');
  writeFileSync(
    conf,
    [
      'server:',
      `    rundir: "${run}"`,
      `    listen: 127.0.0.1@${port}`,
      `    pidfile: "${join(run, 'knot.pid')}"`,
      'log:',
      '  - target: stderr',
      '    any: info',
      'database:',
      `    storage: "${join(dir, 'knot-db')}"`,
      'key:',
      `  - id: ${keyName}`,
      '    algorithm: hmac-sha256',
      `    secret: ${secret}`,
      'acl:',
      '  - id: update_acl',
      `    key: ${keyName}`,
      '    action: update',
      'control:',
      `    listen: "${join(run, 'knot.sock')}"`,
      'zone:',
      `  - domain: ${zone}`,
      `    storage: "${zones}"`,
      `    file: "${zone}.zone"`,
      '    acl: update_acl',
      '    zonefile-sync: -1',
      '',
    ].join('\n'),
  );
  const d = daemon('knotd', ['-c', conf]);
  await waitFor(
    `knotd on ${port}`,
    () => dig(port, [zone, 'SOA']).status === 'NOERROR' || undefined,
    15_000,
    200,
  ).catch((e: Error) => {
    void d.stop();
    throw new Error(`${e.message}\n${d.logs()}`);
  });
  return { port, logs: d.logs, stop: d.stop };
}
