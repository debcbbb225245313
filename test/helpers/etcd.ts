import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from '../../pki/pki.js';

export interface EtcdCluster {
  /** Client URLs (http(s)://127.0.0.1:port), one per member, in member order. */
  endpoints: string[];
  /** With `tls: true`: PEM file paths of the CA and of a client certificate etcd requires. */
  tls?: { ca: string; cert: string; key: string };
  /** SIGKILL one member (its data dir stays, so `restart` brings it back as the same member). */
  kill(index: number): Promise<void>;
  restart(index: number): Promise<void>;
  stop(): Promise<void>;
}

export const ETCD_MISSING = 'etcd is not installed: run .ci/run (it installs etcd-server)';

interface Member {
  name: string;
  client: number;
  peer: number;
  dataDir: string;
  proc?: ChildProcess;
  exited?: Promise<void>;
  log: string;
}

const alive = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Real etcd processes on free loopback ports with throwaway data dirs. A test that needs etcd fails
 * (rather than skips) when it is missing, so a machine without it cannot pass by accident.
 */
export async function startEtcd(opts: { members?: 1 | 3; tls?: boolean } = {}): Promise<EtcdCluster> {
  const probe = spawnSync('etcd', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error || probe.status !== 0) throw new Error(ETCD_MISSING);
  installExitHook();
  const n = opts.members ?? 1;
  const root = mkdtempSync(join(tmpdir(), 'edgefed-etcd-'));
  const ports = await freePorts(2 * n);
  const members: Member[] = Array.from({ length: n }, (_, i) => ({
    name: `m${i}`,
    client: ports[2 * i],
    peer: ports[2 * i + 1],
    dataDir: join(root, `m${i}`),
    log: '',
  }));
  const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  const token = `edgefed-${process.pid}-${Date.now()}`;
  let tls: EtcdCluster['tls'];
  let tlsArgs: string[] = [];
  if (opts.tls) {
    const dir = join(root, 'pki');
    await ensurePki(dir, { dns: ['localhost'], ips: ['127.0.0.1'] });
    tls = { ca: join(dir, 'ca.crt'), cert: join(dir, 'admin.crt'), key: join(dir, 'admin.key') };
    const serverTls = ['--cert-file', join(dir, 'server.crt'), '--key-file', join(dir, 'server.key')];
    tlsArgs = [...serverTls, '--trusted-ca-file', tls.ca, '--client-cert-auth'];
  }
  const scheme = tls ? 'https' : 'http';

  const launch = (m: Member): void => {
    mkdirSync(m.dataDir, { recursive: true });
    const client = `${scheme}://127.0.0.1:${m.client}`;
    const peer = `http://127.0.0.1:${m.peer}`;
    const proc = spawn(
      'etcd',
      [
        '--name',
        m.name,
        '--data-dir',
        m.dataDir,
        '--listen-client-urls',
        client,
        '--advertise-client-urls',
        client,
        '--listen-peer-urls',
        peer,
        '--initial-advertise-peer-urls',
        peer,
        '--initial-cluster',
        initialCluster,
        '--initial-cluster-token',
        token,
        '--initial-cluster-state',
        'new',
        '--logger',
        'zap',
        '--log-outputs',
        'stderr',
        '--log-level',
        'error',
        ...tlsArgs,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...archEnv() } },
    );
    m.log = '';
    proc.stderr?.on('data', (d: Buffer) => {
      m.log = (m.log + d.toString()).slice(-20_000);
    });
    alive.add(proc);
    m.exited = new Promise((resolve) =>
      proc.once('exit', () => {
        alive.delete(proc);
        resolve();
      }),
    );
    m.proc = proc;
  };

  const healthy = async (m: Member, timeoutMs = 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const p = m.proc;
      if (!p || p.exitCode !== null || p.signalCode !== null) {
        throw new Error(`etcd ${m.name} exited during start:\n${m.log}`);
      }
      if (await isHealthy(m.client, tls)) return;
      await sleep(50);
    }
    throw new Error(`etcd ${m.name} was not healthy after ${timeoutMs} ms:\n${m.log}`);
  };

  const kill = async (i: number): Promise<void> => {
    const m = members[i];
    if (!m.proc || m.proc.exitCode !== null || m.proc.signalCode !== null) return;
    m.proc.kill('SIGKILL');
    await m.exited;
  };

  const stop = async (): Promise<void> => {
    await Promise.all(members.map((_, i) => kill(i)));
    rmSync(root, { recursive: true, force: true });
  };

  try {
    members.forEach(launch);
    await Promise.all(members.map((m) => healthy(m)));
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    endpoints: members.map((m) => `${scheme}://127.0.0.1:${m.client}`),
    tls,
    kill,
    async restart(i: number): Promise<void> {
      await kill(i);
      launch(members[i]);
      await healthy(members[i]);
    },
    stop,
  };
}

/** /health answers {"health":"true"} once the member serves and sees a leader. */
function isHealthy(port: number, tls: EtcdCluster['tls']): Promise<boolean> {
  return new Promise((resolve) => {
    const target = { host: '127.0.0.1', port, path: '/health', timeout: 1_000 };
    const onResponse = (res: IncomingMessage): void => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('"true"')));
      res.on('error', () => resolve(false));
    };
    const req = tls
      ? httpsGet(
          { ...target, ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key) },
          onResponse,
        )
      : httpGet(target, onResponse);
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** Ports the kernel hands out for port 0, all held at once so they are distinct. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** etcd 3.4 refuses to start on architectures other than amd64 unless told this. */
function archEnv(): Record<string, string> {
  const goArch: Record<string, string> = { arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', arm: 'arm' };
  const arch = goArch[process.arch];
  return arch ? { ETCD_UNSUPPORTED_ARCH: arch } : {};
}

/** A crashed or interrupted test run must not leave etcd processes behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of alive) p.kill('SIGKILL');
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
