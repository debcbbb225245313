import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DockerEngine } from '../../agent/edge/engine/docker.js';
import { EngineError, LABELS, type ContainerSpec, type EngineEvent } from '../../agent/edge/engine/engine.js';
import {
  engineApi,
  podmanAvailable,
  PODMAN_MISSING,
  removeContainersWithLabel,
  startPodman,
  type PodmanService,
} from '../helpers/podman.js';
import { tempDir } from '../helpers/hub.js';

/** Podman storage is shared by every test process: everything this file creates carries this label. */
const RUN_LABEL = 'edgefed.io/test-run';
const RUN = `engine-docker-${process.pid}-${Date.now().toString(36)}`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${String(last)}`);
    await sleep(100);
  }
}

async function rejection(p: Promise<unknown>, timeoutMs: number): Promise<EngineError> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([p, timeout]);
  } catch (err) {
    if (err instanceof EngineError) return err;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  assert.fail('expected an EngineError');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Collects a stream's text; `ended` settles when it ends. */
function collect(stream: Readable): { text: () => string; ended: Promise<void> } {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => (text += d));
  const ended = new Promise<void>((resolve, reject) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', reject);
  });
  return { text: () => text, ended };
}

async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('DockerEngine against podman (Docker-compatible API)', function () {
  this.timeout(60_000);
  let podman: PodmanService;
  let engine: DockerEngine;
  let seq = 0;
  const dirs: string[] = [];
  const dir = (prefix: string): string => {
    const d = tempDir(prefix);
    dirs.push(d);
    return d;
  };

  before(async function () {
    this.timeout(120_000);
    // Fail, not skip: a suite that silently skips the real engine proves nothing.
    if (!podmanAvailable()) throw new Error(PODMAN_MISSING);
    podman = await startPodman();
    engine = new DockerEngine(podman.endpoint);
  });

  after(async function () {
    this.timeout(60_000);
    await engine?.close();
    if (podman) {
      await removeContainersWithLabel(podman.endpoint, RUN_LABEL, RUN);
      await podman.stop();
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function spec(overrides: Partial<ContainerSpec> & { args: string[] }): ContainerSpec {
    const n = ++seq;
    return {
      name: `edgefed-test-${RUN}-${n}`,
      image: podman.image,
      env: [],
      labels: { [RUN_LABEL]: RUN, [LABELS.container]: `c${n}` },
      hostNetwork: true,
      ports: [],
      mounts: [],
      resources: {},
      ...overrides,
    };
  }

  async function run(
    overrides: Partial<ContainerSpec> & { args: string[] },
  ): Promise<{ id: string; s: ContainerSpec }> {
    const s = spec(overrides);
    const id = await engine.createContainer(s);
    await engine.startContainer(id);
    return { id, s };
  }

  it('reports podman, with its version and API version', async () => {
    const info = await engine.info();
    assert.equal(info.name, 'podman');
    assert.match(info.version, /^\d+\.\d+/);
    assert.match(info.apiVersion ?? '', /^1\.\d+$/);
    assert.equal(info.os, 'linux');
  });

  it('knows which images are present', async () => {
    assert.equal(await engine.imagePresent(podman.image), true);
    assert.equal(await engine.imagePresent('localhost/edgefed-absent:nope'), false);
  });

  it('fails a pull fast with ErrImagePull naming the image, and a malformed name with InvalidImageName', async () => {
    const started = Date.now();
    const err = await rejection(
      engine.pullImage('registry.invalid/nope:1', AbortSignal.timeout(20_000)),
      25_000,
    );
    assert.equal(err.reason, 'ErrImagePull', err.message);
    assert.match(err.message, /registry\.invalid\/nope:1/);
    assert.ok(Date.now() - started < 20_000, `pull failure took ${Date.now() - started} ms`);

    for (const bad of ['Bad Name', 'UPPER/case:1', 'busybox:']) {
      const e = await rejection(engine.pullImage(bad), 5_000);
      assert.equal(e.reason, 'InvalidImageName', `${bad}: ${e.message}`);
    }
  });

  it('runs a host-network httpd that answers, lists it running with a pid, and execs in it', async () => {
    const port = await freePort();
    const { id, s } = await run({ args: ['httpd', '-f', '-p', `127.0.0.1:${port}`], command: undefined });
    const status = await until('httpd to answer', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return res.status;
    });
    assert.ok(status >= 100 && status < 600);

    const listed = await engine.listContainers({
      [RUN_LABEL]: RUN,
      [LABELS.container]: s.labels[LABELS.container],
    });
    assert.equal(listed.length, 1);
    const [c] = listed;
    assert.equal(c.id, id);
    assert.equal(c.name, s.name);
    assert.equal(c.status, 'running');
    assert.ok(c.pid && c.pid > 0, `pid ${c.pid}`);
    assert.ok(c.startedAt && !Number.isNaN(Date.parse(c.startedAt)), `startedAt ${c.startedAt}`);
    assert.equal(c.ip, undefined, 'host networking has no container IP');
    assert.equal(c.labels[RUN_LABEL], RUN);
    assert.equal(c.exitCode, undefined);

    const r = await engine.exec(id, ['sh', '-c', 'echo hi; exit 3'], 10_000);
    assert.deepEqual(r, { exitCode: 3, output: 'hi\n' });

    const t0 = Date.now();
    const timeout = await rejection(engine.exec(id, ['sleep', '30'], 500), 10_000);
    assert.match(timeout.message, /timed out after 500 ms/);
    assert.ok(Date.now() - t0 < 5_000, `exec timeout took ${Date.now() - t0} ms`);

    // httpd as pid 1 ignores SIGTERM: this also covers the SIGKILL after the grace period.
    await engine.stopContainer(id, 1);
    const stopped = await engine.inspectContainer(id);
    assert.equal(stopped?.status, 'exited');
    assert.equal(stopped?.exitCode, 137);
    assert.ok(stopped?.finishedAt);
    // Stopping a stopped container is fine.
    await engine.stopContainer(id, 1);
  });

  it('serves demultiplexed logs, tail, timestamps and a follow that ends when aborted', async () => {
    const { id } = await run({
      command: ['sh', '-c'],
      args: ['echo one; echo two >&2; echo three; exec sleep 1000'],
    });
    const all = await until('three log lines', async () => {
      const { text, ended } = collect(await engine.logs(id, {}));
      await bounded(ended, 5_000, 'logs');
      return text().includes('three') ? text() : undefined;
    });
    assert.deepEqual(all.split('\n').sort(), ['', 'one', 'three', 'two']);
    assert.ok(![...all].some((ch) => ch.charCodeAt(0) < 9), 'no frame headers in plain text');

    const tail = collect(await engine.logs(id, { tailLines: 1 }));
    await bounded(tail.ended, 5_000, 'tail');
    assert.equal(tail.text().trim().split('\n').length, 1);

    const stamped = collect(await engine.logs(id, { timestamps: true }));
    await bounded(stamped.ended, 5_000, 'timestamps');
    for (const line of stamped.text().trim().split('\n'))
      assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* \w+$/);

    const abort = new AbortController();
    const follow = collect(await engine.logs(id, { follow: true, signal: abort.signal }));
    await until('the old lines in follow mode', async () =>
      follow.text().includes('three') ? true : undefined,
    );
    // Written by another process into the container's stdout: a line printed later.
    await engine.exec(id, ['sh', '-c', 'echo later > /proc/1/fd/1'], 10_000);
    await until('the later line', async () => (follow.text().includes('later') ? true : undefined));
    abort.abort();
    await bounded(follow.ended, 5_000, 'follow after abort');
  });

  it('passes a TTY container’s output through as it is', async () => {
    const { id } = await run({ command: ['sh', '-c'], args: ['echo tty-line; exec sleep 1000'], tty: true });
    const text = await until('tty output', async () => {
      const { text, ended } = collect(await engine.logs(id, {}));
      await bounded(ended, 5_000, 'logs');
      return text().includes('tty-line') ? text() : undefined;
    });
    assert.match(text, /^tty-line\r?\n$/);
  });

  it('sees a container killed from outside exit, in inspect, list and a die event', async () => {
    const events: EngineEvent[] = [];
    const unsubscribe = engine.onEvent((e) => events.push(e));
    try {
      const { id, s } = await run({ args: ['sleep', '1000'] });
      await until('start event', async () => (events.some((e) => e.containerId === id) ? true : undefined));
      const killed = await engineApi(podman.endpoint, 'POST', `/containers/${id}/kill`);
      assert.equal(killed.status, 204, killed.body);
      const c = await until('exited', async () => {
        const c = await engine.inspectContainer(id);
        return c?.status === 'exited' ? c : undefined;
      });
      assert.equal(c.exitCode, 137);
      assert.equal(c.pid, undefined);
      const die = await until('die event', async () =>
        events.find((e) => e.containerId === id && e.action === 'die'),
      );
      assert.equal(die.labels[RUN_LABEL], RUN);
      assert.equal(die.labels[LABELS.container], s.labels[LABELS.container]);
      const [listed] = await engine.listContainers({
        [RUN_LABEL]: RUN,
        [LABELS.container]: s.labels[LABELS.container],
      });
      assert.equal(listed.status, 'exited');
      assert.equal(listed.exitCode, 137);
    } finally {
      unsubscribe();
    }
  });

  it('reports a command that does not exist as RunContainerError with the engine’s message', async () => {
    const s = spec({ args: ['no-such-command-edgefed'] });
    const id = await engine.createContainer(s);
    const err = await rejection(engine.startContainer(id), 30_000);
    assert.equal(err.reason, 'RunContainerError');
    assert.match(err.message, /no-such-command-edgefed.*(executable file not found|no such file)/);
  });

  it('applies memory and CPU limits, env, working dir, user, labels and bridge ports', async () => {
    const hostPort = await freePort();
    const { id, s } = await run({
      command: ['sh', '-c'],
      args: ['echo "$GREETING from $(pwd)"; exec sleep 1000'],
      env: [{ name: 'GREETING', value: 'hello' }],
      workingDir: '/tmp',
      user: '0:0',
      hostNetwork: false,
      ports: [
        { containerPort: 8080, hostPort, protocol: 'TCP', hostIP: '127.0.0.1' },
        { containerPort: 9090, protocol: 'UDP' },
      ],
      mounts: [{ hostPath: dir('edgefed-mount-'), containerPath: '/data', readOnly: true }],
      resources: { memoryBytes: 64 * 1024 * 1024, nanoCpus: 500_000_000 },
    });
    const res = await engineApi(podman.endpoint, 'GET', `/containers/${id}/json`);
    const inspected = JSON.parse(res.body) as {
      Config: { Env: string[]; WorkingDir: string; User: string; Labels: Record<string, string> };
      HostConfig: {
        Memory: number;
        NanoCpus: number;
        NetworkMode: string;
        Binds: string[];
        PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
        RestartPolicy: { Name: string };
      };
    };
    assert.equal(inspected.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(inspected.HostConfig.NanoCpus, 500_000_000);
    assert.equal(inspected.HostConfig.NetworkMode, 'bridge');
    assert.deepEqual(inspected.HostConfig.PortBindings['8080/tcp'], [
      { HostIp: '127.0.0.1', HostPort: String(hostPort) },
    ]);
    // Docker leaves an unpublished port out; podman lists it with `null`.
    assert.ok(!inspected.HostConfig.PortBindings['9090/udp']?.length, 'no hostPort: not published');
    assert.ok(
      inspected.HostConfig.Binds.some((b) => /:\/data:ro/.test(b)),
      inspected.HostConfig.Binds.join(),
    );
    assert.ok(inspected.Config.Env.includes('GREETING=hello'));
    assert.equal(inspected.Config.WorkingDir, '/tmp');
    assert.equal(inspected.Config.User, '0:0');
    assert.equal(inspected.Config.Labels[RUN_LABEL], RUN);

    const [listed] = await engine.listContainers({
      [RUN_LABEL]: RUN,
      [LABELS.container]: s.labels[LABELS.container],
    });
    assert.equal(listed.status, 'running');
    assert.match(listed.ip ?? '', /^\d+\.\d+\.\d+\.\d+$/, 'a bridge container has its own IP');
  });

  it('removes idempotently', async () => {
    const { id } = await run({ args: ['sleep', '1000'] });
    await engine.removeContainer(id);
    await engine.removeContainer(id);
    assert.equal(await engine.inspectContainer(id), undefined);
  });

  it('keeps delivering events across an engine restart', async () => {
    const serviceDir = dir('edgefed-podman-restart-');
    let second = await startPodman({ dir: serviceDir });
    const e = new DockerEngine(second.endpoint);
    const events: EngineEvent[] = [];
    const unsubscribe = e.onEvent((ev) => events.push(ev));
    try {
      const first = await run({ args: ['sleep', '1000'] });
      await until('event before restart', async () =>
        events.some((ev) => ev.containerId === first.id) ? true : undefined,
      );
      await second.stop();
      second = await startPodman({ dir: serviceDir });
      const { id } = await run({ args: ['sleep', '1000'] });
      const start = await until(
        'start event after restart',
        async () => events.find((ev) => ev.containerId === id && ev.action === 'start'),
        15_000,
      );
      assert.equal(start.labels[RUN_LABEL], RUN);
    } finally {
      unsubscribe();
      await e.close();
      await second.stop();
    }
  });

  it('stops reconnecting events after close()', async () => {
    const flakyDir = dir('edgefed-flaky-');
    const path = join(flakyDir, 'engine.sock');
    let connections = 0;
    // Accepts and hangs up at once: every attempt of the event loop fails and is counted.
    const server = createServer((sock) => {
      connections++;
      sock.destroy();
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const e = new DockerEngine(`unix://${path}`);
      e.onEvent(() => {});
      await until('a reconnect', async () => (connections >= 2 ? true : undefined), 5_000);
      await e.close();
      const after = connections;
      await sleep(1_500);
      assert.equal(connections, after);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('says EngineUnavailable, with the hint, when nothing listens on the socket', async () => {
    const noSockDir = dir('edgefed-nosock-');
    const notASocket = join(noSockDir, 'file.sock');
    writeFileSync(notASocket, '');
    for (const path of [join(noSockDir, 'missing.sock'), notASocket]) {
      const e = new DockerEngine(`unix://${path}`);
      try {
        const err = await rejection(e.info(), 5_000);
        assert.equal(err.reason, 'EngineUnavailable');
        assert.ok(err.message.includes(`cannot reach the container engine at ${path}`), err.message);
        assert.ok(err.message.includes('Is `podman system service` (or dockerd) running?'), err.message);
        await rejection(e.listContainers({ a: 'b' }), 5_000);
      } finally {
        await e.close();
      }
    }
  });
});
