import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'edgefed');

export interface HubProcess {
  url: string;
  port: number;
  dataDir: string;
  kubeconfig: string;
  proc: ChildProcess;
  /** Admin client credentials, for raw HTTPS requests. */
  tls: { ca: string; cert: string; key: string };
  stop(): Promise<void>;
  kill9(): Promise<void>;
  /** Everything the hub wrote to stderr (its logs). */
  logs(): string;
}

export function tempDir(prefix = 'edgefed-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts `edgefed hub` as a real process on a free port and waits until it serves. */
export async function startHub(
  opts: {
    dataDir?: string;
    port?: number;
    extraArgs?: string[];
    command?: 'hub' | 'apiserver';
    /** `--pki-dir` (a PKI directory shared by hub replicas); the admin credentials are read from it. */
    pkiDir?: string;
  } = {},
): Promise<HubProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  const proc = spawn(
    process.execPath,
    [
      BIN,
      opts.command ?? 'hub',
      '--data-dir',
      dataDir,
      '--port',
      String(opts.port ?? 0),
      '--log-level',
      'warn',
      ...(opts.pkiDir ? ['--pki-dir', opts.pkiDir] : []),
      ...(opts.extraArgs ?? []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`hub did not start in 30 s:\n${stderr}`)), 30_000);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving at (https:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code} before serving:\n${stderr}`));
    });
  });
  const kubeconfig = join(dataDir, 'admin.kubeconfig');
  const pki = opts.pkiDir ?? join(dataDir, 'pki');
  const tls = {
    ca: readFileSync(join(pki, 'ca.crt'), 'utf8'),
    cert: readFileSync(join(pki, 'admin.crt'), 'utf8'),
    key: readFileSync(join(pki, 'admin.key'), 'utf8'),
  };
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    kubeconfig,
    proc,
    tls,
    logs: () => stderr,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

const cacheDir = tempDir('edgefed-kubectl-cache-');

/** Runs the real kubectl against a kubeconfig, with a private discovery cache. */
export function kubectl(kubeconfig: string, args: string[], input?: string): KubectlResult {
  const r = spawnSync('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, KUBECACHEDIR: cacheDir, KUBECONFIG: kubeconfig },
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** kubectl that must succeed; returns stdout. */
export function kubectlOk(kubeconfig: string, args: string[], input?: string): string {
  const r = kubectl(kubeconfig, args, input);
  if (r.code !== 0)
    throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** kubectl asynchronously (for commands that block, like delete with finalizers or get -w). */
export function kubectlSpawn(kubeconfig: string, args: string[]): ChildProcess & { output: () => string } {
  const p = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], {
    env: { ...process.env, KUBECACHEDIR: cacheDir },
  }) as ChildProcess & { output: () => string };
  let out = '';
  p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  p.output = () => out;
  return p;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/** A raw HTTPS request to the hub, as admin unless other TLS credentials (or none) are given. */
export function request(
  hub: Pick<HubProcess, 'url' | 'tls'>,
  method: string,
  path: string,
  body?: string | object,
  headers: Record<string, string> = {},
  tlsOverride?: Partial<RequestOptions>,
): Promise<RawResponse> {
  const u = new URL(path, hub.url);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        method,
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        ca: hub.tls.ca,
        cert: hub.tls.cert,
        key: hub.tls.key,
        headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...tlsOverride,
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: data,
            json: <T>() => JSON.parse(data) as T,
          }),
        );
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export function toYaml(...docs: object[]): string {
  return docs.map((d) => yaml.dump(d)).join('---\n');
}

export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
