/**
 * StatefulSets, DaemonSets and CronJobs at an edge site (issue 13): the site API server and its
 * controllers run in this process; the test plays the kubelet (pods become Running and Ready a
 * little after they appear) and the client is the real kubectl.
 */
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startSiteControllers, type SiteControllers } from '../../agent/edge/controllers/index.js';
import type { CronJob } from '../../agent/edge/controllers/cronjob/plan.js';
import type { DaemonSet } from '../../agent/edge/controllers/daemonset/types.js';
import type { StatefulSet } from '../../agent/edge/controllers/statefulset/types.js';
import type { Job, Pod } from '../../agent/edge/controllers/types.js';
import { KubeClient } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import { silentLogger } from '../../client/log.js';
import { startApiServer, type RunningApiServer } from '../../apiserver/boot.js';
import { cleanup, kubectlSpawn, tempDir, toYaml, waitFor } from '../helpers/hub.js';

const NODE = 'edge-node-1';
const NODE_IP = '192.0.2.10';
const NS = 'workloads';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rfc3339 = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const isReady = (p: Pod) =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('site StatefulSets, DaemonSets and CronJobs (real kubectl)', function () {
  this.timeout(180_000);
  let dir: string;
  let site: RunningApiServer;
  let controllers: SiteControllers;
  let client: KubeClient;
  let kubeconfig: string;
  let kubelet: { stop(): Promise<void> };
  let kc: KubeConfig;
  /** Pod names in the order the kubelet first saw them, and what was ready at that moment. */
  const seen: { name: string; readyThen: string[] }[] = [];

  async function kubectl(args: string[], input?: string): Promise<string> {
    const p = kubectlSpawn(kubeconfig, args);
    let stdout = '';
    p.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stdin?.end(input ?? '');
    const code = await new Promise<number | null>((r) => p.once('close', r));
    if (code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${code}):\n${p.output()}`);
    return stdout;
  }

  const pods = async (selector?: string) =>
    (await client.list<Pod>(`/api/v1/namespaces/${NS}/pods`, { labelSelector: selector })).items;

  async function markReady(p: Pod): Promise<void> {
    const now = rfc3339();
    const cond = (type: string) => ({ type, status: 'True', lastTransitionTime: now });
    await client.patch(
      `/api/v1/namespaces/${NS}/pods/${p.metadata.name}/status`,
      {
        status: {
          phase: 'Running',
          hostIP: NODE_IP,
          podIP: NODE_IP,
          startTime: now,
          conditions: [cond('PodScheduled'), cond('Initialized'), cond('ContainersReady'), cond('Ready')],
        },
      },
      'merge',
    );
  }

  /** Plays the kubelet: a pod it has seen for 300 ms becomes Running and Ready (Job pods are left alone). */
  function startKubelet(): { stop(): Promise<void> } {
    let running = true;
    const firstSeen = new Map<string, number>();
    const done = (async () => {
      while (running) {
        const all = await pods().catch(() => [] as Pod[]);
        for (const p of all) {
          const name = String(p.metadata.name);
          if (!firstSeen.has(name)) {
            firstSeen.set(name, Date.now());
            seen.push({ name, readyThen: all.filter(isReady).map((x) => String(x.metadata.name)) });
          }
          const jobPod = p.metadata.ownerReferences?.some((r) => r.kind === 'Job');
          if (
            !jobPod &&
            !isReady(p) &&
            !p.metadata.deletionTimestamp &&
            Date.now() - (firstSeen.get(name) ?? 0) > 300
          )
            await markReady(p).catch(() => undefined);
        }
        await sleep(50);
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
    dir = tempDir('edgefed-site-workloads-');
    site = await startApiServer({
      dataDir: dir,
      port: 0,
      bind: '127.0.0.1',
      logger: pino({ level: 'silent' }),
    });
    kubeconfig = site.kubeconfigPath;
    kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    client = new KubeClient(kc);
    await kubectl(['create', 'namespace', NS]);
    await kubectl(
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE, role: 'edge' } },
        spec: { taints: [{ key: 'edge', value: 'true', effect: 'NoSchedule' }] },
      }),
    );
    controllers = startSiteControllers({ kc, nodeName: NODE, nodeIp: NODE_IP, resyncMs: 60_000 });
    await controllers.ready();
    kubelet = startKubelet();
  });

  after(async () => {
    await kubelet?.stop();
    await controllers?.stop();
    await site?.close();
    if (dir) cleanup(dir);
  });

  it('a StatefulSet starts web-0, web-1, web-2 in order (each after the one before is ready), with stable names', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'web', namespace: NS },
        spec: {
          replicas: 3,
          serviceName: 'web',
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] },
          },
        },
      }),
    );
    await waitFor('3 ready replicas', async () => {
      const s = await client.get<StatefulSet>(`/apis/apps/v1/namespaces/${NS}/statefulsets/web`);
      return s.status?.readyReplicas === 3 ? s : undefined;
    });
    const order = seen.filter((s) => s.name.startsWith('web-'));
    assert.deepEqual(
      order.map((s) => s.name),
      ['web-0', 'web-1', 'web-2'],
    );
    assert.ok(order[1].readyThen.includes('web-0'), 'web-1 appeared after web-0 was ready');
    assert.ok(order[2].readyThen.includes('web-1'), 'web-2 appeared after web-1 was ready');
    const web1 = (await pods('app=web')).find((p) => p.metadata.name === 'web-1');
    assert.equal(web1?.spec?.hostname, 'web-1');
    assert.equal(web1?.spec?.subdomain, 'web');
    const row = (await kubectl(['get', 'sts', 'web', '-n', NS, '--no-headers'])).trim().split(/\s+/);
    assert.equal(row[1], '3/3');

    // A deleted pod comes back under its own name.
    const oldUid = web1?.metadata.uid;
    await kubectl(['delete', 'pod', 'web-1', '-n', NS, '--wait=false']);
    await waitFor('web-1 back', async () => {
      const p = (await pods('app=web')).find((x) => x.metadata.name === 'web-1');
      return p && p.metadata.uid !== oldUid && isReady(p) ? p : undefined;
    });
  });

  it('scaling the StatefulSet down removes the highest ordinal first, one at a time', async () => {
    const deleted: string[] = [];
    const watch = new Informer<Pod>({
      kc,
      listPath: `/api/v1/namespaces/${NS}/pods`,
      labelSelector: 'app=web',
      logger: silentLogger,
    });
    watch.on('delete', (p) => deleted.push(String(p.metadata.name)));
    watch.start();
    await watch.waitForSync();
    await kubectl(['scale', 'sts', 'web', '-n', NS, '--replicas=1']);
    await waitFor('one pod left', async () => {
      const names = (await pods('app=web')).map((p) => p.metadata.name);
      return names.length === 1 ? names : undefined;
    });
    await watch.stop();
    assert.deepEqual(
      (await pods('app=web')).map((p) => p.metadata.name),
      ['web-0'],
    );
    assert.deepEqual(deleted, ['web-2', 'web-1'], 'highest ordinal first');
  });

  it('a DaemonSet runs one pod on the matching node, rolls a new template, and leaves a node it no longer matches', async () => {
    const ds = (image: string) => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: NS },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: {
            nodeSelector: { role: 'edge' },
            tolerations: [{ key: 'edge', operator: 'Exists', effect: 'NoSchedule' }],
            containers: [{ name: 'c', image }],
          },
        },
      },
    });
    const get = () => client.get<DaemonSet>(`/apis/apps/v1/namespaces/${NS}/daemonsets/agent`);
    await kubectl(['apply', '-f', '-'], toYaml(ds('agent:1')));
    await waitFor('daemon pod ready', async () =>
      (await get()).status?.numberReady === 1 ? true : undefined,
    );
    const [first] = await pods('app=agent');
    assert.equal(first.spec?.nodeName, NODE);
    assert.equal((await pods('app=agent')).length, 1);

    await kubectl(['apply', '-f', '-'], toYaml(ds('agent:2')));
    await waitFor('rolled to agent:2', async () => {
      const ps = await pods('app=agent');
      return ps.length === 1 && ps[0].spec?.containers?.[0].image === 'agent:2' && isReady(ps[0])
        ? true
        : undefined;
    });
    const st = await get();
    assert.equal(st.status?.updatedNumberScheduled, 1);
    assert.equal(st.status?.desiredNumberScheduled, 1);

    await kubectl(['label', 'node', NODE, 'role=core', '--overwrite']);
    await waitFor('daemon pod gone', async () => ((await pods('app=agent')).length === 0 ? true : undefined));
    assert.equal((await get()).status?.desiredNumberScheduled, 0);
  });

  it('a CronJob */1 creates a Job within 70 s; history limits hold', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'tick', namespace: NS },
        spec: {
          schedule: '*/1 * * * *',
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 1,
          jobTemplate: {
            spec: {
              template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
            },
          },
        },
      }),
    );
    const cj = await client.get<CronJob>(`/apis/batch/v1/namespaces/${NS}/cronjobs/tick`);
    // Finished Jobs from earlier runs: two succeeded and two failed, owned by the CronJob.
    const finished = async (name: string, type: 'Complete' | 'Failed', minutesAgo: number) => {
      const t = rfc3339(new Date(Date.now() - minutesAgo * 60_000));
      await client.create<Job>(`/apis/batch/v1/namespaces/${NS}/jobs`, {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name,
          namespace: NS,
          ownerReferences: [
            {
              apiVersion: 'batch/v1',
              kind: 'CronJob',
              name: 'tick',
              uid: String(cj.metadata.uid),
              controller: true,
            },
          ],
        },
        spec: {
          suspend: true,
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } },
        },
      });
      const cond = (ty: string) => ({ type: ty, status: 'True', lastTransitionTime: t });
      // The Job controller writes the status of this (suspended) Job too: retry on conflict.
      await waitFor(`status of ${name}`, async () => {
        const cur = await client.get<Job>(`/apis/batch/v1/namespaces/${NS}/jobs/${name}`);
        return client
          .updateStatus(`/apis/batch/v1/namespaces/${NS}/jobs/${name}`, {
            ...cur,
            status: {
              startTime: t,
              ...(type === 'Complete' ? { completionTime: t, succeeded: 1 } : { failed: 1 }),
              conditions:
                type === 'Complete'
                  ? [cond('SuccessCriteriaMet'), cond('Complete')]
                  : [cond('FailureTarget'), cond('Failed')],
            },
          })
          .catch(() => undefined);
      });
    };
    await finished('tick-old-ok-1', 'Complete', 50);
    await finished('tick-old-ok-2', 'Complete', 40);
    await finished('tick-old-failed-1', 'Failed', 30);
    await finished('tick-old-failed-2', 'Failed', 20);
    const jobNames = async () =>
      (await client.list<Job>(`/apis/batch/v1/namespaces/${NS}/jobs`)).items
        .map((j) => String(j.metadata.name))
        .sort();
    await waitFor('history limited to 1 successful and 1 failed Job', async () => {
      const names = (await jobNames()).filter((n) => n.startsWith('tick-old'));
      return names.join() === 'tick-old-failed-2,tick-old-ok-2' ? true : undefined;
    });

    const t0 = Date.now();
    const scheduled = await waitFor(
      'a scheduled Job',
      async () => (await jobNames()).find((n) => /^tick-\d+$/.test(n)),
      70_000,
      250,
    );
    assert.ok(Date.now() - t0 <= 70_000);
    const job = await client.get<Job>(`/apis/batch/v1/namespaces/${NS}/jobs/${scheduled}`);
    const stamp = job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'] ?? '';
    assert.equal(
      Number(scheduled.split('-')[1]) * 60_000,
      Date.parse(stamp),
      'named by its scheduled minute',
    );
    assert.equal(job.metadata.ownerReferences?.[0].kind, 'CronJob');
    // The Job got kube-apiserver's generated selector and labels: kubectl finds its pods by job-name.
    assert.ok(job.spec?.selector?.matchLabels?.['batch.kubernetes.io/controller-uid']);
    await waitFor('the Job has a pod', async () =>
      (await pods(`job-name=${scheduled}`)).length > 0 ? true : undefined,
    );
    await waitFor('CronJob status lists it', async () => {
      const c = await client.get<CronJob>(`/apis/batch/v1/namespaces/${NS}/cronjobs/tick`);
      return c.status?.active?.some((r) => r.name === scheduled) && c.status.lastScheduleTime === stamp
        ? true
        : undefined;
    });
  });
});
