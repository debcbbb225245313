/**
 * The edge node runtime with real containers: podman's Docker-compatible API (DockerEngine), a
 * real bare API server in this process, the registry-free busybox image. What the simulated
 * engine cannot show: processes that serve HTTP, exit on their own, get killed from outside, and
 * read the files the runtime mounted.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { KubeClient } from '../../client/client.js';
import { DockerEngine } from '../../agent/edge/engine/docker.js';
import { LABELS, type ObservedContainer } from '../../agent/edge/engine/engine.js';
import { NodeRuntime } from '../../agent/edge/node/node-runtime.js';
import type { ContainerStatus, Pod } from '../../api/core.js';
import { startApiServer, type RunningApiServer } from '../../apiserver/boot.js';
import { cleanup, tempDir, waitFor } from '../helpers/hub.js';
import {
  engineApi,
  podmanAvailable,
  removeContainersWithLabel,
  startPodman,
  type PodmanService,
} from '../helpers/podman.js';

/** Podman storage is shared by every test process: this node name keeps our containers apart. */
const NODE = `podnode-${process.pid}-${Date.now().toString(36)}`;

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

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function text(r: Readable): Promise<string> {
  let s = '';
  for await (const c of r as AsyncIterable<Buffer | string>) s += c.toString();
  return s;
}

describe('edge node runtime with podman', function () {
  this.timeout(120_000);
  let dir: string;
  let hub: RunningApiServer;
  let client: KubeClient;
  let podman: PodmanService;
  let engine: DockerEngine;
  let runtime: NodeRuntime;
  let image: string;

  before(async function () {
    if (!podmanAvailable()) {
      this.skip();
      return;
    }
    dir = tempDir('edge-node-podman-');
    podman = await startPodman();
    image = podman.image;
    engine = new DockerEngine(podman.endpoint);
    hub = await startApiServer({
      dataDir: join(dir, 'api'),
      port: 0,
      bind: '127.0.0.1',
      logger: pino({ level: 'silent' }),
    });
    const kc = new KubeConfig();
    kc.loadFromFile(hub.kubeconfigPath);
    client = new KubeClient(kc);
    runtime = new NodeRuntime({
      kc,
      engine,
      nodeName: NODE,
      nodeIp: '127.0.0.1',
      dataDir: join(dir, 'node'),
      crashBackoff: { baseMs: 500, maxMs: 4000 },
      syncIntervalMs: 500,
      nodeStatusIntervalMs: 2000,
      maxGracePeriodSeconds: 1,
    });
    await runtime.start();
  });

  after(async () => {
    await runtime?.stop();
    if (podman) {
      await removeContainersWithLabel(podman.endpoint, LABELS.node, NODE).catch(() => 0);
      await engine.close();
      await podman.stop();
    }
    await hub?.close();
    if (dir) cleanup(dir);
  });

  const create = (obj: object): Promise<unknown> =>
    client.create(
      `/api/v1/namespaces/default/${(obj as { kind: string }).kind === 'Pod' ? 'pods' : 'configmaps'}`,
      obj,
    );
  const getPod = (name: string): Promise<Pod> => client.get<Pod>(`/api/v1/namespaces/default/pods/${name}`);
  const status = async (name: string, container = 'app'): Promise<ContainerStatus | undefined> =>
    (await getPod(name)).status?.containerStatuses?.find((c) => c.name === container);
  const running = async (name: string): Promise<ObservedContainer> => {
    const uid = (await getPod(name)).metadata.uid ?? '';
    return waitFor(
      `${name} running`,
      async () => (await engine.listContainers({ [LABELS.podUid]: uid })).find((c) => c.status === 'running'),
      30_000,
    );
  };
  const pod = (name: string, spec: Partial<Pod['spec']>): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [], ...spec },
  });

  it('serves HTTP from a host-network pod, with a ConfigMap mounted as files', async () => {
    const port = await freePort();
    await create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'site', namespace: 'default' },
      data: { 'index.html': 'hello from the edge\n' },
    });
    await create(
      pod('httpd', {
        containers: [
          {
            name: 'app',
            image,
            command: ['httpd', '-f', '-p', String(port), '-h', '/www'],
            volumeMounts: [{ name: 'site', mountPath: '/www' }],
            readinessProbe: { httpGet: { path: '/index.html', port }, periodSeconds: 1 },
          },
        ],
        volumes: [{ name: 'site', configMap: { name: 'site' } }],
      }),
    );
    await waitFor('httpd ready', async () => ((await status('httpd'))?.ready ? true : undefined), 30_000);
    const res = await httpGet(port, '/index.html');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello from the edge\n');
    const p = await getPod('httpd');
    assert.equal(p.status?.phase, 'Running');
    assert.equal(p.status?.podIP, '127.0.0.1');
    assert.match((await status('httpd'))?.containerID ?? '', /^podman:\/\/[0-9a-f]{64}$/);
  });

  it('a container reads its mounted ConfigMap (logs show it)', async () => {
    await create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'msg', namespace: 'default' },
      data: { greeting: 'read from a mounted file' },
    });
    await create(
      pod('reader', {
        containers: [
          {
            name: 'app',
            image,
            command: ['sh', '-c', 'cat /cfg/greeting; echo; echo "MODE=$MODE"; sleep 3600'],
            env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'msg', key: 'greeting' } } }],
            volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }],
          },
        ],
        volumes: [{ name: 'cfg', configMap: { name: 'msg' } }],
      }),
    );
    await running('reader');
    const out = await waitFor(
      'reader logs',
      async () => {
        const t = await text(await runtime.logs('default', 'reader', {}));
        return t.includes('MODE=') ? t : undefined;
      },
      30_000,
    );
    assert.equal(out, 'read from a mounted file\nMODE=read from a mounted file\n');
  });

  it('a container killed from outside is restarted (restartCount 1)', async () => {
    await create(pod('victim', { containers: [{ name: 'app', image, command: ['sleep', '3600'] }] }));
    const c = await running('victim');
    const killed = await engineApi(podman.endpoint, 'POST', `/containers/${c.id}/kill?signal=KILL`);
    assert.ok(killed.status < 300, killed.body);
    const s = await waitFor(
      'restart',
      async () => {
        const st = await status('victim');
        return st?.restartCount === 1 && st.state.running ? st : undefined;
      },
      30_000,
    );
    assert.equal(s.lastState.terminated?.exitCode, 137);
    assert.equal(s.lastState.terminated?.reason, 'Error');
  });

  it('a command that exits at once ends in CrashLoopBackOff', async () => {
    await create(pod('crasher', { containers: [{ name: 'app', image, command: ['sh', '-c', 'exit 3'] }] }));
    const s = await waitFor(
      'CrashLoopBackOff',
      async () => {
        const st = await status('crasher');
        return st?.state.waiting?.reason === 'CrashLoopBackOff' ? st : undefined;
      },
      30_000,
    );
    assert.match(
      s.state.waiting?.message ?? '',
      /^back-off \S+ restarting failed container=app pod=crasher_default\(/,
    );
    assert.equal(s.lastState.terminated?.exitCode, 3);
    assert.equal(s.lastState.terminated?.reason, 'Error');
    assert.ok(s.restartCount >= 1);
  });

  it('a command that does not exist: StartError (128) with the runtime message, then CrashLoopBackOff', async () => {
    await create(pod('nocmd', { containers: [{ name: 'app', image, command: ['no-such-command'] }] }));
    const s = await waitFor(
      'CrashLoopBackOff',
      async () => {
        const st = await status('nocmd');
        return st?.state.waiting?.reason === 'CrashLoopBackOff' ? st : undefined;
      },
      30_000,
    );
    assert.equal(s.lastState.terminated?.exitCode, 128);
    assert.equal(s.lastState.terminated?.reason, 'StartError');
    assert.match(s.lastState.terminated?.message ?? '', /no-such-command/);
  });

  it('an image that is not there: ErrImagePull with the engine message', async () => {
    await create(pod('noimage', { containers: [{ name: 'app', image: 'localhost/edgefed-missing:1' }] }));
    const w = await waitFor(
      'ErrImagePull',
      async () => {
        const st = await status('noimage');
        return st?.state.waiting?.reason === 'ErrImagePull' ? st.state.waiting : undefined;
      },
      60_000,
    );
    assert.match(w.message ?? '', /localhost\/edgefed-missing:1/);
  });

  it('an exec readiness probe gates Ready (the file appears in an emptyDir)', async () => {
    await create(
      pod('gated', {
        containers: [
          {
            name: 'app',
            image,
            command: ['sleep', '3600'],
            readinessProbe: { exec: { command: ['sh', '-c', '[ -f /scratch/ready ]'] }, periodSeconds: 1 },
            volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
          },
        ],
        volumes: [{ name: 'scratch', emptyDir: {} }],
      }),
    );
    const c = await running('gated');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await status('gated'))?.ready, false);
    const made = await engine.exec(c.id, ['sh', '-c', 'echo > /scratch/ready'], 5000);
    assert.equal(made.exitCode, 0, made.output);
    await waitFor('ready', async () => ((await status('gated'))?.ready ? true : undefined), 15_000);
    const ready = (await getPod('gated')).status?.conditions?.find((x) => x.type === 'Ready');
    assert.equal(ready?.status, 'True');
  });

  it('deleting a pod stops and removes its containers', async () => {
    const uid = (await getPod('victim')).metadata.uid ?? '';
    await client.delete('/api/v1/namespaces/default/pods/victim');
    await waitFor(
      'containers gone',
      async () => ((await engine.listContainers({ [LABELS.podUid]: uid })).length === 0 ? true : undefined),
      30_000,
    );
  });
});
