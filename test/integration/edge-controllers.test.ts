import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startSiteControllers, type SiteControllers } from '../../agent/edge/controllers/index.js';
import type { Deployment, Job, Pod, ReplicaSet, Service } from '../../agent/edge/controllers/types.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { KubeClient } from '../../client/client.js';
import { startApiServer, type RunningApiServer } from '../../apiserver/boot.js';
import { cleanup, kubectlSpawn, tempDir, toYaml, waitFor } from '../helpers/hub.js';

const NODE = 'edge-node-1';
const NODE_IP = '192.0.2.10';
const NS = 'edge-test';
const SAFE_HASH = /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rfc3339 = (d = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function deployment(name: string, replicas: number, image: string, strategy?: object): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      ...(strategy ? { strategy } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image, ports: [{ containerPort: 80, hostPort: 8080 }] }] },
      },
    },
  };
}

function job(name: string, spec: object): object {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: {
      ...spec,
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['true'] }] },
      },
    },
  };
}

describe('edge site controllers against a bare API server (real kubectl)', function () {
  this.timeout(120_000);
  let dir: string;
  let site: RunningApiServer;
  let controllers: SiteControllers;
  let client: KubeClient;
  let kubeconfig: string;

  /** Plays the kubelet: the status a node runtime would report for a pod. */
  async function reportPod(
    pod: Pod,
    phase: 'Running' | 'Succeeded' | 'Failed',
    ready: boolean,
  ): Promise<void> {
    const now = rfc3339();
    const terminated = phase !== 'Running';
    const cond = (type: string, status: boolean) => ({
      type,
      status: status ? 'True' : 'False',
      lastProbeTime: null,
      lastTransitionTime: now,
    });
    await client.patch(
      `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/status`,
      {
        status: {
          phase,
          hostIP: NODE_IP,
          podIP: NODE_IP,
          startTime: now,
          conditions: [
            cond('PodScheduled', true),
            cond('Initialized', true),
            cond('ContainersReady', ready),
            cond('Ready', ready),
          ],
          containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
            name: c.name,
            image: String(c.image),
            imageID: '',
            ready,
            started: !terminated,
            restartCount: 0,
            state: terminated
              ? {
                  terminated: {
                    exitCode: phase === 'Succeeded' ? 0 : 1,
                    reason: phase === 'Succeeded' ? 'Completed' : 'Error',
                    startedAt: now,
                    finishedAt: now,
                  },
                }
              : { running: { startedAt: now } },
          })),
        },
      },
      'merge',
    );
  }

  const list = async <T extends KubeObject>(path: string, labelSelector?: string): Promise<T[]> =>
    (await client.list<T>(path, { labelSelector })).items;
  const pods = (selector?: string) => list<Pod>(`/api/v1/namespaces/${NS}/pods`, selector);
  const replicaSets = (selector?: string) =>
    list<ReplicaSet>(`/apis/apps/v1/namespaces/${NS}/replicasets`, selector);
  const getDeploy = (name: string) =>
    client.get<Deployment>(`/apis/apps/v1/namespaces/${NS}/deployments/${name}`);
  const getJob = (name: string) => client.get<Job>(`/apis/batch/v1/namespaces/${NS}/jobs/${name}`);
  const isReady = (p: Pod): boolean =>
    p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const live = (p: Pod): boolean => !p.metadata.deletionTimestamp;

  /**
   * kubectl without blocking this process: the API server and the controllers under test run in
   * it, so the synchronous helpers would deadlock.
   */
  function kubectlAsync(
    args: string[],
    input?: string,
  ): Promise<{ code: number | null; stdout: string; output: string }> {
    const p = kubectlSpawn(kubeconfig, args);
    let stdout = '';
    p.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stdin?.end(input ?? '');
    return new Promise((resolve) => p.once('close', (code) => resolve({ code, stdout, output: p.output() })));
  }

  async function kubectl(args: string[], input?: string): Promise<string> {
    const r = await kubectlAsync(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.output}`);
    return r.stdout;
  }

  /** The cells of `kubectl get deploy <name> --no-headers`: NAME READY UP-TO-DATE AVAILABLE AGE. */
  async function deployRow(name: string): Promise<string[]> {
    return (await kubectl(['get', 'deploy', name, '-n', NS, '--no-headers'])).trim().split(/\s+/);
  }

  /** Marks every not-yet-ready pod matching selector Running+Ready, until stopped. */
  function kubeletLoop(selector: string, everyMs = 100): { stop(): Promise<void> } {
    let running = true;
    const done = (async () => {
      while (running) {
        for (const p of await pods(selector).catch(() => [])) {
          if (live(p) && !isReady(p)) await reportPod(p, 'Running', true).catch(() => undefined);
        }
        await sleep(everyMs);
      }
    })();
    return {
      async stop() {
        running = false;
        await done;
      },
    };
  }

  before(async () => {
    dir = tempDir('edgefed-site-');
    site = await startApiServer({
      dataDir: dir,
      port: 0,
      bind: '127.0.0.1',
      logger: pino({ level: 'silent' }),
    });
    kubeconfig = site.kubeconfigPath;
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    client = new KubeClient(kc);
    await kubectl(['create', 'namespace', NS]);
    controllers = startSiteControllers({
      kc,
      nodeName: NODE,
      nodeIp: NODE_IP,
      resyncMs: 1000,
      jobBackoff: { baseMs: 200, maxMs: 1000 },
    });
    await controllers.ready();
  });

  after(async () => {
    await controllers?.stop();
    await site?.close();
    if (dir) cleanup(dir);
  });

  it('a Deployment of 3 gets one ReplicaSet and 3 pods bound to the node; ready pods make it READY 3/3', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      toYaml(
        deployment('web', 3, 'nginx:1.25', {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: 1, maxUnavailable: 1 },
        }),
      ),
    );
    const created = await waitFor('3 pods', async () => {
      const ps = await pods('app=web');
      return ps.length === 3 ? ps : undefined;
    });
    const [rs] = await replicaSets('app=web');
    const hash = rs.metadata.labels?.['pod-template-hash'] ?? '';
    assert.match(hash, SAFE_HASH);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    for (const p of created) {
      assert.equal(p.spec?.nodeName, NODE);
      assert.match(String(p.metadata.name), new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      const ref = p.metadata.ownerReferences?.[0];
      assert.deepEqual(
        [ref?.kind, ref?.name, ref?.uid, ref?.controller],
        ['ReplicaSet', rs.metadata.name, rs.metadata.uid, true],
      );
      assert.equal(p.metadata.labels?.['pod-template-hash'], hash);
    }

    const kubelet = kubeletLoop('app=web');
    try {
      const rollout = await kubectlAsync(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=30s']);
      assert.equal(rollout.code, 0, rollout.output);
      assert.match(rollout.output, /successfully rolled out/);
    } finally {
      await kubelet.stop();
    }
    const row = await deployRow('web');
    assert.deepEqual(row.slice(0, 4), ['web', '3/3', '3', '3']);
    const d = await getDeploy('web');
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(d.status?.observedGeneration, d.metadata.generation);
    const conds = Object.fromEntries(
      (d.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]),
    );
    assert.deepEqual(conds, {
      Available: 'True/MinimumReplicasAvailable',
      Progressing: 'True/NewReplicaSetAvailable',
    });
  });

  it('a template change rolls pods a batch at a time, never below replicas - maxUnavailable ready', async () => {
    const [oldRS] = await replicaSets('app=web');
    await kubectl(['set', 'image', 'deployment/web', 'main=nginx:1.26', '-n', NS]);
    const rollout = kubectlAsync(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=60s']);

    // The kubelet readies one pod per tick, so every step of the rollout is observable.
    const states = new Set<string>();
    let minReady = Infinity;
    let maxSpecTotal = 0;
    await waitFor(
      'the rollout to finish',
      async () => {
        const [ps, rss] = await Promise.all([pods('app=web'), replicaSets('app=web')]);
        const active = ps.filter(live);
        const ready = active.filter(isReady);
        minReady = Math.min(minReady, ready.length);
        maxSpecTotal = Math.max(
          maxSpecTotal,
          rss.reduce((n, r) => n + (r.spec?.replicas ?? 0), 0),
        );
        const onOld = active.filter(
          (p) => p.metadata.ownerReferences?.[0]?.uid === oldRS.metadata.uid,
        ).length;
        states.add(`${onOld} old/${active.length - onOld} new`);
        const next = active.find((p) => !isReady(p));
        if (next) await reportPod(next, 'Running', true);
        const d = await getDeploy('web');
        const s = d.status ?? {};
        return d.metadata.generation === s.observedGeneration &&
          s.updatedReplicas === 3 &&
          s.availableReplicas === 3 &&
          s.replicas === 3
          ? true
          : undefined;
      },
      40_000,
      150,
    );
    const done = await rollout;
    assert.equal(done.code, 0, done.output);
    assert.match(done.output, /successfully rolled out/);
    assert.ok(minReady >= 2, `ready pods fell to ${minReady} (replicas 3 - maxUnavailable 1 = 2)`);
    assert.ok(maxSpecTotal <= 4, `ReplicaSets asked for ${maxSpecTotal} pods (replicas 3 + maxSurge 1 = 4)`);
    assert.ok(states.size >= 3, `expected intermediate states, saw ${[...states].join(', ')}`);
    assert.ok(
      [...states].some((s) => !s.startsWith('0 old') && !s.endsWith('/0 new')),
      [...states].join(', '),
    );

    const rss = await replicaSets('app=web');
    const old = rss.find((r) => r.metadata.uid === oldRS.metadata.uid);
    const fresh = rss.find((r) => r.metadata.uid !== oldRS.metadata.uid);
    assert.equal(old?.spec?.replicas, 0);
    assert.equal(fresh?.spec?.replicas, 3);
    assert.equal(fresh?.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal((await getDeploy('web')).metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    await waitFor('the old RS to report 0 pods', async () =>
      (await replicaSets('app=web')).find((r) => r.metadata.uid === oldRS.metadata.uid)?.status?.replicas ===
      0
        ? true
        : undefined,
    );
  });

  it('kubectl scale --replicas=1 removes two pods', async () => {
    await kubectl(['scale', 'deployment/web', '--replicas=1', '-n', NS]);
    await waitFor('1 pod and READY 1/1', async () => {
      const ps = (await pods('app=web')).filter(live);
      const row = await deployRow('web');
      return ps.length === 1 && row[1] === '1/1' ? true : undefined;
    });
  });

  it('a pod deleted from outside is replaced', async () => {
    const [victim] = (await pods('app=web')).filter(live);
    await kubectl(['delete', 'pod', String(victim.metadata.name), '-n', NS]);
    const replacement = await waitFor('a replacement pod', async () => {
      const ps = (await pods('app=web')).filter(live);
      return ps.length === 1 && ps[0].metadata.name !== victim.metadata.name ? ps[0] : undefined;
    });
    assert.equal(replacement.spec?.nodeName, NODE);
  });

  it('deleting the Deployment removes its ReplicaSets and pods', async () => {
    await kubectl(['delete', 'deployment', 'web', '-n', NS]);
    await waitFor('no RS and no pod left', async () =>
      (await replicaSets('app=web')).length === 0 && (await pods('app=web')).length === 0 ? true : undefined,
    );
  });

  it('Recreate stops every old pod before a new one starts', async () => {
    await kubectl(['apply', '-f', '-'], toYaml(deployment('once', 2, 'nginx:1.25', { type: 'Recreate' })));
    const kubelet = kubeletLoop('app=once', 50);
    try {
      await waitFor('2 available', async () =>
        (await getDeploy('once')).status?.availableReplicas === 2 ? true : undefined,
      );
      const [oldRS] = await replicaSets('app=once');
      await kubectl(['set', 'image', 'deployment/once', 'main=nginx:1.26', '-n', NS]);
      const states = new Set<string>();
      await waitFor(
        'the new pods',
        async () => {
          const ps = (await pods('app=once')).filter(live);
          const onOld = ps.filter((p) => p.metadata.ownerReferences?.[0]?.uid === oldRS.metadata.uid).length;
          states.add(`${onOld} old/${ps.length - onOld} new`);
          const s = (await getDeploy('once')).status ?? {};
          return onOld === 0 && s.updatedReplicas === 2 && s.availableReplicas === 2 ? true : undefined;
        },
        20_000,
        50,
      );
      assert.ok(
        [...states].every((x) => x.startsWith('0 old') || x.endsWith('/0 new')),
        `old and new pods together: ${[...states].join(', ')}`,
      );
    } finally {
      await kubelet.stop();
    }
    await kubectl(['delete', 'deployment', 'once', '-n', NS]);
  });

  it('a Job with completions 2 completes once its pods succeed (kubectl wait --for=condition=complete)', async () => {
    await kubectl(['apply', '-f', '-'], toYaml(job('twice', { completions: 2 })));
    const waiting = kubectlAsync([
      'wait',
      '--for=condition=complete',
      'job/twice',
      '-n',
      NS,
      '--timeout=30s',
    ]);
    const seen = new Set<string>();
    await waitFor('the Job to complete', async () => {
      for (const p of await pods('job-name=twice')) {
        seen.add(String(p.metadata.name));
        if (p.status?.phase !== 'Succeeded') await reportPod(p, 'Succeeded', false);
      }
      const j = await getJob('twice');
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')
        ? true
        : undefined;
    });
    const done = await waiting;
    assert.equal(done.code, 0, done.output);
    assert.match(done.output, /condition met/);
    const j = await getJob('twice');
    assert.equal(j.status?.succeeded, 2);
    assert.ok(j.status?.completionTime);
    assert.equal(seen.size, 2, 'parallelism 1: one pod after the other, no extra');
    for (const p of await pods('job-name=twice')) {
      assert.equal(p.metadata.labels?.['batch.kubernetes.io/controller-uid'], j.metadata.uid);
      assert.equal(p.metadata.labels?.['controller-uid'], j.metadata.uid);
      assert.equal(p.spec?.nodeName, NODE);
      assert.deepEqual(p.metadata.finalizers ?? [], [], 'counted pods lose the tracking finalizer');
    }
    assert.deepEqual((j.status?.conditions ?? []).map((c) => c.type).sort(), [
      'Complete',
      'SuccessCriteriaMet',
    ]);
  });

  it('a Job whose pods fail beyond backoffLimit fails with BackoffLimitExceeded', async () => {
    await kubectl(['apply', '-f', '-'], toYaml(job('flaky', { backoffLimit: 1 })));
    const j = await waitFor(
      'the Job to fail',
      async () => {
        for (const p of await pods('job-name=flaky'))
          if (p.status?.phase !== 'Failed') await reportPod(p, 'Failed', false);
        const cur = await getJob('flaky');
        return cur.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True')
          ? cur
          : undefined;
      },
      20_000,
    );
    const failedCond = j.status?.conditions?.find((c) => c.type === 'Failed');
    assert.equal(failedCond?.reason, 'BackoffLimitExceeded');
    assert.equal(j.status?.failed, 2);
    assert.equal((await pods('job-name=flaky')).length, 2, 'backoffLimit 1: two pods, then no more');
  });

  it('deleting a Job removes its pods', async () => {
    await kubectl(['delete', 'job', 'twice', 'flaky', '-n', NS]);
    await waitFor('no Job pod left', async () => ((await pods('job-name')).length === 0 ? true : undefined));
  });

  it('Services get status.loadBalancer.ingress with the node IP, except headless and ExternalName', async () => {
    const svc = (name: string, spec: object) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NS },
      spec,
    });
    await kubectl(
      ['apply', '-f', '-'],
      toYaml(
        svc('web', {
          selector: { app: 'web' },
          ports: [
            // kube-apiserver requires names when a Service has several ports.
            { name: 'http', port: 80, targetPort: 8080 },
            { name: 'dns', port: 53, protocol: 'UDP' },
          ],
        }),
        svc('headless', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] }),
        svc('alias', { type: 'ExternalName', externalName: 'example.com' }),
      ),
    );
    const web = await waitFor('the ingress', async () => {
      const s = await client.get<Service>(`/api/v1/namespaces/${NS}/services/web`);
      return s.status?.loadBalancer?.ingress ? s : undefined;
    });
    assert.deepEqual(web.status?.loadBalancer?.ingress, [
      {
        ip: NODE_IP,
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
      },
    ]);
    await sleep(500);
    for (const name of ['headless', 'alias']) {
      const s = await client.get<Service>(`/api/v1/namespaces/${NS}/services/${name}`);
      assert.equal(s.status?.loadBalancer?.ingress, undefined, name);
    }
  });

  it('resyncs with nothing changed write nothing', async () => {
    await kubectl(['apply', '-f', '-'], toYaml(deployment('calm', 2, 'nginx:1.25')));
    const kubelet = kubeletLoop('app=calm');
    try {
      await waitFor('READY 2/2', async () => {
        const row = await deployRow('calm');
        return row[1] === '2/2' && row[2] === '2' && row[3] === '2' ? true : undefined;
      });
    } finally {
      await kubelet.stop();
    }
    const snapshot = async (): Promise<Record<string, string>> => {
      const all = await Promise.all(
        [
          `/apis/apps/v1/namespaces/${NS}/deployments`,
          `/apis/apps/v1/namespaces/${NS}/replicasets`,
          `/api/v1/namespaces/${NS}/pods`,
          `/apis/batch/v1/namespaces/${NS}/jobs`,
          `/api/v1/namespaces/${NS}/services`,
        ].map((p) => list(p)),
      );
      const kinds = ['deployment', 'replicaset', 'pod', 'job', 'service'];
      return Object.fromEntries(
        all.flatMap((items, i) =>
          items.map((o) => [`${kinds[i]}/${o.metadata.name}`, String(o.metadata.resourceVersion)]),
        ),
      );
    };
    await sleep(1500);
    const before = await snapshot();
    // resyncMs is 1 s: several full resyncs of every cache happen in this window.
    await sleep(3500);
    assert.deepEqual(await snapshot(), before);
  });
});
