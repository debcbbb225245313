/**
 * A private `podman system service` for tests and benchmarks, plus the registry-free busybox image
 * they run. Storage is podman's default (shared by every test process): containers are found and
 * cleaned up by labels, never by listing everything.
 */
import { spawn, spawnSync, execFile, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const TEST_IMAGE = 'localhost/busybox:edge';
/**
 * The test image plus the host glibc's NSS resolver (libc, libnss_dns/files, libresolv, ld.so)
 * and an nsswitch.conf: the static busybox resolves names through glibc's NSS, which it loads at
 * run time, so without them `nc <name>` cannot resolve anything (and busybox 1.35's wget
 * segfaults even for numeric addresses, so tests speak HTTP through nc).
 */
export const RESOLVER_IMAGE = 'localhost/busybox:edge-resolver';
const RESOLVER_LIBS = ['libc.so.6', 'libnss_dns.so.2', 'libnss_files.so.2', 'libresolv.so.2'];
export const PODMAN_MISSING =
  'podman is not installed: run .ci/run (it installs podman, runc, busybox-static)';

/** crun fails in this sandbox and runc works; the ulimits keep busybox tools from tripping over huge defaults. */
const CONTAINERS_CONF = `[containers]
default_ulimits = ["nofile=1024:1024","nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
`;
const BUSYBOX_APPLETS = [
  'sh',
  'sleep',
  'httpd',
  'echo',
  'cat',
  'ls',
  'env',
  'wget',
  'nslookup',
  'nc',
  'true',
  'false',
  'printf',
  'date',
  'kill',
  'ps',
  'mkdir',
  'touch',
  'test',
  'seq',
  'yes',
  'head',
  'tail',
  'grep',
  // kubectl cp runs `tar` in the container.
  'tar',
];
const API = '/v1.41';
const START_TIMEOUT_MS = 20_000;
const BUILD_TIMEOUT_MS = 60_000;

export interface PodmanService {
  socket: string;
  /** `unix://<socket>`, what DockerEngine takes. */
  endpoint: string;
  image: string;
  stop(): Promise<void>;
}

export function podmanAvailable(): boolean {
  return spawnSync('podman', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Starts a podman API service on a socket of its own and makes sure the test image exists. */
export async function startPodman(opts: { dir?: string } = {}): Promise<PodmanService> {
  if (!podmanAvailable()) throw new Error(PODMAN_MISSING);
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'edgefed-podman-'));
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'containers.conf');
  const socket = join(dir, 'podman.sock');
  writeFileSync(conf, CONTAINERS_CONF);
  rmSync(socket, { force: true });

  const proc = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], {
    env: { ...process.env, CONTAINERS_CONF: conf },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  // A test process that dies without stop() must not leave the service behind.
  const killOnExit = (): void => {
    proc.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    await stopProcess(proc);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    else for (const f of [conf, socket]) rmSync(f, { force: true });
  };

  try {
    await waitForPing(socket, proc, () => stderr);
    await ensureBusyboxImage(socket);
  } catch (err) {
    await stop();
    throw err;
  }
  return { socket, endpoint: `unix://${socket}`, image: TEST_IMAGE, stop };
}

/**
 * Builds `repo:tag` from the host's static busybox when missing, without a registry. Safe when
 * several processes race: a lock file lets one build while the others wait for the image, and a
 * failed build is forgiven when another process made the image meanwhile.
 */
export async function ensureBusyboxImage(socket: string, image = TEST_IMAGE): Promise<void> {
  if (await imageExists(socket, image)) return;
  const lock = join(tmpdir(), `edgefed-image-${image.replace(/[^a-zA-Z0-9]+/g, '_')}.lock`);
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await imageExists(socket, image)) return;
    // A holder that died mid-build must not block every later run.
    if (Date.now() - lockTime(lock) > BUILD_TIMEOUT_MS) rmSync(lock, { force: true });
    if (Date.now() > deadline)
      throw new Error(`waited ${BUILD_TIMEOUT_MS} ms for another process to build ${image}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    if (!(await imageExists(socket, image))) await buildBusyboxImage(socket, image);
  } finally {
    rmSync(lock, { force: true });
  }
}

function lockTime(lock: string): number {
  try {
    return statSync(lock).mtimeMs;
  } catch {
    return Date.now();
  }
}

async function buildBusyboxImage(socket: string, image: string): Promise<void> {
  const [repo, tag] = splitTag(image);
  const work = mkdtempSync(join(tmpdir(), 'edgefed-busybox-'));
  try {
    const rootfs = join(work, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    for (const d of ['tmp', 'etc', 'proc', 'sys', 'dev', 'var/www'])
      mkdirSync(join(rootfs, d), { recursive: true });
    copyFileSync(busyboxBinary(), join(rootfs, 'bin', 'busybox'));
    for (const applet of BUSYBOX_APPLETS) symlinkSync('busybox', join(rootfs, 'bin', applet));
    if (image === RESOLVER_IMAGE) addResolver(rootfs);
    writeFileSync(
      join(rootfs, 'etc', 'passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n',
    );
    const tarball = join(work, 'img.tar');
    await promisify(execFile)('tar', ['-C', rootfs, '-cf', tarball, '.']);

    const imported = await api(socket, 'POST', `/images/create?fromSrc=-&repo=${encodeURIComponent(repo)}`, {
      body: readFileSync(tarball),
      contentType: 'application/x-tar',
    });
    const id = /sha256:[0-9a-f]{64}/.exec(imported.body)?.[0];
    if (imported.status !== 200 || !id)
      throw new Error(`importing ${image}: ${imported.status} ${imported.body}`);
    // podman's import ignores `tag` (it tags `latest`): tag explicitly.
    const tagged = await api(
      socket,
      'POST',
      `/images/${id}/tag?repo=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`,
    );
    if (tagged.status >= 300) throw new Error(`tagging ${image}: ${tagged.status} ${tagged.body}`);
  } catch (err) {
    if (await imageExists(socket, image)) return;
    throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function addResolver(rootfs: string): void {
  const libDir = ['/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu'].find((d) =>
    RESOLVER_LIBS.every((l) => spawnSync('test', ['-f', join(d, l)]).status === 0),
  );
  if (!libDir) throw new Error('no glibc NSS libraries on this host for the resolver image');
  mkdirSync(join(rootfs, libDir), { recursive: true });
  for (const l of RESOLVER_LIBS) copyFileSync(join(libDir, l), join(rootfs, libDir, l));
  const ld = libDir.includes('x86_64') ? 'ld-linux-x86-64.so.2' : 'ld-linux-aarch64.so.1';
  copyFileSync(join(libDir, ld), join(rootfs, libDir, ld));
  const ldLink = libDir.includes('x86_64') ? 'lib64' : 'lib';
  mkdirSync(join(rootfs, ldLink), { recursive: true });
  symlinkSync(join(libDir, ld), join(rootfs, ldLink, ld));
  writeFileSync(join(rootfs, 'etc', 'nsswitch.conf'), 'hosts: files dns\n');
}

/** Force-removes every container carrying `label=value`; returns how many. */
export async function removeContainersWithLabel(
  endpointOrSocket: string,
  label: string,
  value: string,
): Promise<number> {
  const socket = endpointOrSocket.replace(/^unix:\/\//, '');
  const filters = encodeURIComponent(JSON.stringify({ label: [`${label}=${value}`] }));
  const listed = await api(socket, 'GET', `/containers/json?all=1&filters=${filters}`);
  if (listed.status !== 200) throw new Error(`listing containers: ${listed.status} ${listed.body}`);
  const containers = JSON.parse(listed.body) as { Id: string; Labels?: Record<string, string> | null }[];
  const mine = containers.filter((c) => c.Labels?.[label] === value);
  await Promise.all(
    mine.map(async (c) => {
      const res = await api(socket, 'DELETE', `/containers/${c.Id}?force=1&v=1`);
      if (res.status >= 300 && res.status !== 404)
        throw new Error(`removing ${c.Id}: ${res.status} ${res.body}`);
    }),
  );
  return mine.length;
}

function busyboxBinary(): string {
  for (const p of ['/bin/busybox', '/usr/bin/busybox', '/usr/sbin/busybox']) {
    const probe = spawnSync('file', ['-L', p], { encoding: 'utf8' });
    if (probe.status === 0 && /statically linked|static-pie/.test(probe.stdout)) return p;
    // Without `file`, trust the Debian busybox-static location.
    if (probe.error && spawnSync('test', ['-x', p]).status === 0) return p;
  }
  throw new Error(`no static busybox on this host: ${PODMAN_MISSING}`);
}

function splitTag(image: string): [string, string] {
  const i = image.lastIndexOf(':');
  return i > image.lastIndexOf('/') ? [image.slice(0, i), image.slice(i + 1)] : [image, 'latest'];
}

async function imageExists(socket: string, image: string): Promise<boolean> {
  const res = await api(socket, 'GET', `/images/${image}/json`);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw new Error(`inspecting image ${image}: ${res.status} ${res.body}`);
}

async function waitForPing(socket: string, proc: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = '';
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`podman system service exited (${proc.exitCode ?? proc.signalCode}):\n${stderr()}`);
    }
    try {
      const res = await api(socket, 'GET', '/_ping', { unversioned: true });
      if (res.status === 200) return;
      last = `${res.status} ${res.body}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `podman system service did not answer /_ping in ${START_TIMEOUT_MS} ms (${last}):\n${stderr()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface ApiResponse {
  status: number;
  body: string;
}

/** A raw Docker API call (`path` without the version prefix), for what a test checks behind DockerEngine's back. */
export function engineApi(
  endpointOrSocket: string,
  method: string,
  path: string,
  body?: object,
): Promise<ApiResponse> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return api(endpointOrSocket.replace(/^unix:\/\//, ''), method, path, {
    body: payload,
    contentType: 'application/json',
  });
}

function api(
  socket: string,
  method: string,
  path: string,
  opts: { body?: Buffer; contentType?: string; unversioned?: boolean } = {},
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        socketPath: socket,
        method,
        path: (opts.unversioned ? '' : API) + path,
        headers: opts.body
          ? {
              'content-type': opts.contentType ?? 'application/octet-stream',
              'content-length': opts.body.length,
            }
          : {},
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer from podman in 60 s`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
