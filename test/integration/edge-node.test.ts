/**
 * The edge node runtime against a real (bare, in-process) API server and the simulated engine,
 * checked with the real kubectl: registration, pods to Running/Ready, crash loops, deletion,
 * config errors, probes, agent restart (adoption), box reboot, orphans, logs, and no status writes
 * on quiet resyncs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { ApiError } from '../../apiserver/errors.js';
import { KubeClient } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import { LABELS, type ObservedContainer } from '../../agent/edge/engine/engine.js';
import { SimulatedEngine } from '../../agent/edge/engine/simulated.js';
import { NodeRuntime, type NodeRuntimeOptions } from '../../agent/edge/node/node-runtime.js';
import type { Pod } from '../../api/core.js';
import { startApiServer, type RunningApiServer } from '../../apiserver/boot.js';
import { cleanup, tempDir, toYaml, waitFor } from '../helpers/hub.js';

const NODE = 'edge1';
const SYNC_MS = 200;

const kubectlCache = tempDir('edge-node-kubectl-');

/**
 * kubectl without blocking the event loop: the API server runs in this process, so the helpers'
 * spawnSync would keep it from ever answering.
 */
function kubectl(
  kubeconfig: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', kubectlCache, ...args], {
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

async function kubectlOk(kubeconfig: string, args: string[], input?: string): Promise<string> {
  const r = await kubectl(kubeconfig, args, input);
  if (r.code !== 0)
    throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

async function text(r: Readable): Promise<string> {
  let s = '';
  for await (const c of r as AsyncIterable<Buffer | string>) s += c.toString();
  return s;
}

describe('edge node runtime (simulated engine, real API server, kubectl)', function () {
  this.timeout(60_000);
  let dir: string;
  let hub: RunningApiServer;
  let kubeconfig: string;
  let kc: KubeConfig;
  let client: KubeClient;
  let engine: SimulatedEngine;
  let runtime: NodeRuntime;

  const options = (): NodeRuntimeOptions => ({
    kc,
    engine,
    nodeName: NODE,
    nodeIp: '127.0.0.1',
    dataDir: join(dir, 'node'),
    crashBackoff: { baseMs: 400, maxMs: 3200 },
    syncIntervalMs: SYNC_MS,
    nodeStatusIntervalMs: 500,
    maxGracePeriodSeconds: 1,
  });

  const getPod = (name: string): Promise<Pod> => client.get<Pod>(`/api/v1/namespaces/default/pods/${name}`);
  const containersOf = async (name: string): Promise<ObservedContainer[]> => {
    const uid = (await getPod(name)).metadata.uid ?? '';
    return engine.listContainers({ [LABELS.podUid]: uid });
  };
  const runningContainer = async (name: string, container = 'app'): Promise<ObservedContainer> =>
    waitFor(`a running ${container} container of ${name}`, async () =>
      (await containersOf(name)).find(
        (c) => c.status === 'running' && c.labels[LABELS.container] === container,
      ),
    );
  /** `kubectl get pod` columns: READY STATUS RESTARTS. */
  const row = async (name: string): Promise<string> => {
    const r = await kubectl(kubeconfig, ['get', 'pod', name, '--no-headers']);
    if (r.code !== 0) return `error: ${r.stderr.trim()}`;
    const [, ready, status, restarts] = r.stdout.trim().split(/\s+/);
    return `${ready} ${status} ${restarts}`;
  };
  const waitRow = (name: string, want: string | RegExp, ms = 15_000): Promise<string> =>
    waitFor(
      `pod ${name} to show ${String(want)}`,
      async () => {
        const r = await row(name);
        if (typeof want === 'string' ? r === want : want.test(r)) return r;
        throw new Error(`now: ${r}`);
      },
      ms,
      150,
    );
  const apply = (...docs: object[]): Promise<string> =>
    kubectlOk(kubeconfig, ['apply', '-f', '-'], toYaml(...docs));
  const simplePod = (name: string, spec: Partial<Pod['spec']> = {}): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'] }], ...spec },
  });

  before(async () => {
    dir = tempDir('edge-node-');
    hub = await startApiServer({
      dataDir: join(dir, 'api'),
      port: 0,
      bind: '127.0.0.1',
      logger: pino({ level: 'silent' }),
    });
    kubeconfig = hub.kubeconfigPath;
    kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    client = new KubeClient(kc);
    engine = new SimulatedEngine();
    runtime = new NodeRuntime(options());
    await runtime.start();
  });

  after(async () => {
    await runtime?.stop();
    await hub?.close();
    if (dir) cleanup(dir);
    cleanup(kubectlCache);
  });

  it('registers the node: Ready with a version, labels, and a renewed Lease', async () => {
    const line = await waitFor('node Ready', async () => {
      const out = (await kubectl(kubeconfig, ['get', 'nodes', '--no-headers'])).stdout.trim();
      return /^edge1\s+Ready\s+edge\s+\S+\s+v1\.32\.0-edgefed$/.test(out) ? out : undefined;
    });
    assert.ok(line);
    const node = JSON.parse(await kubectlOk(kubeconfig, ['get', 'node', NODE, '-o', 'json'])) as {
      metadata: { labels: Record<string, string> };
      status: { nodeInfo: Record<string, string>; capacity: Record<string, string>; addresses: unknown[] };
    };
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], NODE);
    assert.equal(node.metadata.labels['node-role.kubernetes.io/edge'], '');
    assert.equal(node.status.nodeInfo.containerRuntimeVersion, 'simulated://0.1.0');
    assert.equal(node.status.capacity.pods, '110');
    assert.deepEqual(node.status.addresses[0], { type: 'InternalIP', address: '127.0.0.1' });
    const renew = (): Promise<string> =>
      kubectlOk(kubeconfig, [
        'get',
        'lease',
        NODE,
        '-n',
        'kube-node-lease',
        '-o',
        'jsonpath={.spec.renewTime}',
      ]);
    const first = await renew();
    await waitFor('lease renewed', async () => ((await renew()) !== first ? true : undefined), 5000);
  });

  it('runs a pod: bound to the node, 1/1 Running, status as kube reports it', async () => {
    await apply(simplePod('web'));
    await waitRow('web', '1/1 Running 0');
    const pod = await getPod('web');
    assert.equal(pod.spec.nodeName, NODE);
    const s = pod.status!;
    assert.equal(s.hostIP, '127.0.0.1');
    assert.match(s.podIP ?? '', /^10\./);
    assert.ok(s.startTime);
    const c = s.containerStatuses![0];
    assert.equal(c.ready, true);
    assert.equal(c.started, true);
    assert.match(c.containerID ?? '', /^simulated:\/\/[0-9a-f]{64}$/);
    assert.ok(c.state.running?.startedAt);
    assert.deepEqual(
      s.conditions!.map((x) => `${x.type}=${x.status}`),
      [
        'PodReadyToStartContainers=True',
        'Initialized=True',
        'Ready=True',
        'ContainersReady=True',
        'PodScheduled=True',
      ],
    );
  });

  it('writes no status on quiet resyncs', async () => {
    const rv = (await getPod('web')).metadata.resourceVersion;
    const writes = runtime.syncStats.statusWrites;
    const polls = runtime.stats.polls;
    await new Promise((r) => setTimeout(r, SYNC_MS * 6));
    assert.ok(runtime.stats.polls >= polls + 3, 'the engine was polled meanwhile');
    assert.equal((await getPod('web')).metadata.resourceVersion, rv);
    assert.equal(runtime.syncStats.statusWrites, writes);
  });

  it('returns container logs, and refuses as kube does', async () => {
    const out = await text(await runtime.logs('default', 'web', {}));
    assert.match(out, /^simulated container edgefed_edge1_default_web_app_0 started at /);
    const fail = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
        return 'no error';
      } catch (e) {
        assert.ok(e instanceof ApiError, String(e));
        return `${e.code} ${e.message}`;
      }
    };
    assert.equal(await fail(runtime.logs('default', 'nope')), '404 pods "nope" not found');
    assert.equal(
      await fail(runtime.logs('default', 'web', { previous: true })),
      '400 previous terminated container "app" in pod "web" not found',
    );
    assert.equal(
      await fail(runtime.logs('default', 'web', { container: 'x' })),
      '400 container x is not valid for pod web',
    );
  });

  it('restarts a crashed container, then backs off longer each time (CrashLoopBackOff)', async () => {
    await apply(simplePod('crashy'));
    await waitRow('crashy', '1/1 Running 0');
    engine.crash((await runningContainer('crashy')).id, 1);
    await waitRow('crashy', '1/1 Running 1');
    const last = (await getPod('crashy')).status!.containerStatuses![0].lastState.terminated;
    assert.equal(last?.exitCode, 1);
    assert.equal(last?.reason, 'Error');
    const uid = (await getPod('crashy')).metadata.uid;
    const backoffs: string[] = [];
    for (let i = 2; i <= 3; i++) {
      engine.crash((await runningContainer('crashy')).id, 1);
      const waiting = await waitFor('CrashLoopBackOff', async () => {
        const w = (await getPod('crashy')).status?.containerStatuses?.[0].state.waiting;
        return w?.reason === 'CrashLoopBackOff' ? w : undefined;
      });
      backoffs.push(waiting.message ?? '');
      assert.match(await row('crashy'), /^0\/1 CrashLoopBackOff /);
      await waitRow('crashy', `1/1 Running ${i}`);
    }
    assert.deepEqual(backoffs, [
      `back-off 400ms restarting failed container=app pod=crashy_default(${uid})`,
      `back-off 800ms restarting failed container=app pod=crashy_default(${uid})`,
    ]);
    // Only the current attempt and the previous one are kept.
    const attempts = (await containersOf('crashy')).map((c) => Number(c.labels[LABELS.attempt])).sort();
    assert.deepEqual(attempts, [2, 3]);
    assert.match(
      await text(await runtime.logs('default', 'crashy', { previous: true })),
      /exited with code 1/,
    );
  });

  it('deleting the pod stops and removes its containers', async () => {
    await apply(simplePod('doomed'));
    await waitRow('doomed', '1/1 Running 0');
    const uid = (await getPod('doomed')).metadata.uid ?? '';
    await kubectlOk(kubeconfig, ['delete', 'pod', 'doomed', '--wait=false']);
    await waitFor('containers removed', async () =>
      (await engine.listContainers({ [LABELS.podUid]: uid })).length === 0 ? true : undefined,
    );
  });

  it('a missing ConfigMap: CreateContainerConfigError until it is created', async () => {
    await apply(
      simplePod('needs-cfg', {
        containers: [
          {
            name: 'app',
            image: 'busybox:1.36',
            env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-cfg', key: 'mode' } } }],
          },
        ],
      }),
    );
    await waitRow('needs-cfg', '0/1 CreateContainerConfigError 0');
    const w = (await getPod('needs-cfg')).status!.containerStatuses![0].state.waiting;
    assert.deepEqual(w, { reason: 'CreateContainerConfigError', message: 'configmap "app-cfg" not found' });
    assert.equal((await getPod('needs-cfg')).status!.phase, 'Pending');
    await apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-cfg', namespace: 'default' },
      data: { mode: 'x' },
    });
    await waitRow('needs-cfg', '1/1 Running 0');
  });

  it('an image that cannot be pulled: ErrImagePull with the engine message, then ImagePullBackOff', async () => {
    engine.rejectImage('private/app:1', 'pull access denied for private/app');
    // Every status the pod goes through (a watch, not polling: ErrImagePull shows only briefly).
    const seen = new Map<string, string | undefined>();
    const informer = new Informer<Pod>({
      kc,
      listPath: '/api/v1/namespaces/default/pods',
      fieldSelector: 'metadata.name=nopull',
    });
    const record = (p: Pod) => {
      const w = p.status?.containerStatuses?.[0]?.state.waiting;
      if (w?.reason && !seen.has(w.reason)) seen.set(w.reason, w.message);
    };
    informer.on('add', record);
    informer.on('update', record);
    informer.start();
    try {
      await apply(simplePod('nopull', { containers: [{ name: 'app', image: 'private/app:1' }] }));
      await waitRow('nopull', /^0\/1 (ErrImagePull|ImagePullBackOff) 0$/);
      await waitFor(
        'both pull reasons',
        () => (seen.has('ErrImagePull') && seen.has('ImagePullBackOff') ? true : undefined),
        15_000,
        50,
      );
    } finally {
      await informer.stop();
    }
    assert.equal(seen.get('ErrImagePull'), 'pull access denied for private/app');
    assert.equal(
      seen.get('ImagePullBackOff'),
      'Back-off pulling image "private/app:1": ErrImagePull: pull access denied for private/app',
    );
    engine.allowImage('private/app:1');
    await waitRow('nopull', '1/1 Running 0');
  });

  it('readiness and liveness probes (exec)', async () => {
    const probe = { exec: { command: ['true'] }, periodSeconds: 1, failureThreshold: 1 };
    await apply(
      simplePod('probed', {
        containers: [{ name: 'app', image: 'busybox:1.36', readinessProbe: probe, livenessProbe: probe }],
      }),
    );
    await waitRow('probed', '1/1 Running 0');
    const c = await runningContainer('probed');
    // Failing exec fails both probes: not ready, then killed and restarted.
    engine.setExecExitCode(c.id, 1);
    await waitRow('probed', '1/1 Running 1');
    const last = (await getPod('probed')).status!.containerStatuses![0].lastState.terminated;
    assert.equal(last?.reason, 'Error');
    assert.equal(last?.exitCode, 143);
  });

  it('a failing readiness probe takes the pod out of Ready without restarting it', async () => {
    const probe = { exec: { command: ['check'] }, periodSeconds: 1 };
    await apply(
      simplePod('ready-gate', {
        containers: [{ name: 'app', image: 'busybox:1.36', readinessProbe: probe }],
      }),
    );
    await waitRow('ready-gate', '1/1 Running 0');
    const c = await runningContainer('ready-gate');
    engine.setExecExitCode(c.id, 1);
    await waitRow('ready-gate', '0/1 Running 0');
    const ready = (await getPod('ready-gate')).status!.conditions!.find((x) => x.type === 'Ready');
    assert.equal(ready?.reason, 'ContainersNotReady');
    engine.setExecExitCode(c.id, 0);
    await waitRow('ready-gate', '1/1 Running 0');
    assert.equal((await runningContainer('ready-gate')).id, c.id);
  });

  it('a pod that runs to completion (restartPolicy Never) is Succeeded', async () => {
    await apply(simplePod('job', { restartPolicy: 'Never' }));
    await waitRow('job', '1/1 Running 0');
    engine.crash((await runningContainer('job')).id, 0);
    await waitRow('job', '0/1 Completed 0');
    assert.equal((await getPod('job')).status?.phase, 'Succeeded');
  });

  it('init containers run first, to completion', async () => {
    await apply(
      simplePod('init', {
        initContainers: [{ name: 'setup', image: 'busybox:1.36', command: ['true'] }],
      }),
    );
    await waitRow('init', '0/1 Init:0/1 0');
    assert.equal((await containersOf('init')).filter((c) => c.labels[LABELS.container] === 'app').length, 0);
    engine.crash((await runningContainer('init', 'setup')).id, 0);
    await waitRow('init', '1/1 Running 0');
  });

  it('an agent restart adopts the running containers without restarting them', async () => {
    const before = new Map<string, string>();
    for (const name of ['web', 'crashy', 'needs-cfg']) before.set(name, (await runningContainer(name)).id);
    const restarts = async (name: string): Promise<string> => (await row(name)).split(' ')[2];
    const crashyRestarts = await restarts('crashy');
    await runtime.stop();
    // The containers kept running while no runtime was there.
    for (const id of before.values()) assert.equal((await engine.inspectContainer(id))?.status, 'running');
    runtime = new NodeRuntime(options());
    await runtime.start();
    await new Promise((r) => setTimeout(r, SYNC_MS * 4));
    for (const [name, id] of before) assert.equal((await runningContainer(name)).id, id, name);
    assert.equal(runtime.syncStats.creates, 0);
    assert.equal(await restarts('crashy'), crashyRestarts);
    assert.equal(await row('web'), '1/1 Running 0');
  });

  it('after a box reboot the pods are brought back', async () => {
    engine.reboot();
    await waitRow('web', '1/1 Running 1');
    await waitRow('needs-cfg', '1/1 Running 1');
    // A completed pod stays completed.
    assert.equal(await row('job'), '0/1 Completed 0');
  });

  it('removes containers whose pod is not in the API (orphans)', async () => {
    const id = await engine.createContainer({
      name: 'edgefed_edge1_default_ghost_app_0',
      image: 'busybox:1.36',
      env: [],
      labels: {
        [LABELS.node]: NODE,
        [LABELS.podUid]: 'ghost-uid',
        [LABELS.podNamespace]: 'default',
        [LABELS.podName]: 'ghost',
        [LABELS.container]: 'app',
        [LABELS.attempt]: '0',
      },
      hostNetwork: false,
      ports: [],
      mounts: [],
      resources: {},
    });
    await engine.startContainer(id);
    await waitFor('orphan removed', async () => ((await engine.inspectContainer(id)) ? undefined : true));
  });
});
