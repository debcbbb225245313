import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  createJoinToken,
  joinAgent,
  spawnAgent,
  waitClustersReady,
  type AgentProcess,
} from '../helpers/agents.js';
import { cleanup, kubectlOk, startHub, tempDir, toYaml, waitFor, type HubProcess } from '../helpers/hub.js';
import { removeContainersWithLabel, startPodman, type PodmanService } from '../helpers/podman.js';

const NS = 'events-e2e';
const SITE = 'ev-site';
const NODE_IP = '127.0.0.31';
/** The hub's --event-ttl: long enough to read the events, short enough to watch them go. */
const HUB_TTL_S = 40;
const MISSING_IMAGE = 'localhost/edgefed-missing:v1';

interface Ev {
  metadata: { name: string; namespace: string };
  involvedObject: { kind: string; name: string; fieldPath?: string };
  reason: string;
  message: string;
  type: string;
  count: number;
  source: { component: string; host?: string };
  lastTimestamp: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(p));
    });
  });
}

function events(kubeconfig: string, resource = 'events'): Ev[] {
  return (JSON.parse(kubectlOk(kubeconfig, ['get', resource, '-n', NS, '-o', 'json'])) as { items: Ev[] })
    .items;
}

const describeEvents = (evs: Ev[]): string =>
  evs
    .map((e) => `${e.involvedObject.kind}/${e.involvedObject.name} ${e.reason} x${e.count}: ${e.message}`)
    .join('\n');

const CRASHERS = ['crash-a', 'crash-b'];

function fedDeployment(name: string, ...containers: object[]): object {
  return {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedDeployment',
    metadata: { name, namespace: NS },
    spec: {
      template: {
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, containers },
          },
        },
      },
      placement: { clusters: [{ name: SITE }] },
    },
  };
}

/**
 * Kubernetes Events end to end with the real kubectl: a hub (short --event-ttl) and one edge site on
 * a real podman. The site shows kubelet's and controller-manager's events for a federated workload;
 * a broken image and a crash loop show Failed/BackOff events whose counts grow instead of new
 * objects; the hub shows the federated object's per-cluster results; events.k8s.io/v1 lists the
 * same events; the hub's events disappear after the TTL.
 */
describe('Kubernetes Events at edge sites and at the hub (real kubectl, podman)', function () {
  this.timeout(300_000);
  let podman: PodmanService;
  let hub: HubProcess;
  let agent: AgentProcess | undefined;
  let dir = '';
  let siteKc = '';
  let port = 0;
  let closedPort = 0;
  let unreadyPort = 0;

  before(async () => {
    podman = await startPodman();
    hub = await startHub({ extraArgs: ['--event-ttl', `${HUB_TTL_S}s`] });
    dir = tempDir('edgefed-ev-site-');
    port = await freePort();
    // Three different ports (the kernel may hand a just-closed one out again).
    while (!closedPort || closedPort === port) closedPort = await freePort();
    while (!unreadyPort || unreadyPort === port || unreadyPort === closedPort) unreadyPort = await freePort();
    joinAgent({ hub: hub.url, ...createJoinToken(hub.kubeconfig), name: SITE, dataDir: dir });
    agent = spawnAgent({
      dataDir: dir,
      member: { runtime: 'edge', engine: podman.endpoint, nodeIp: NODE_IP, crashBackoff: '1s' },
      intervals: { heartbeat: '1s', status: '1s' },
    });
    await waitClustersReady(hub, [SITE], 60_000, () => agent?.logs() ?? '');
    siteKc = join(dir, 'site', 'admin.kubeconfig');
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedNamespace',
          metadata: { name: NS, namespace: NS },
          spec: { placement: { clusters: [{ name: SITE }] } },
        },
      ),
    );
  });

  after(async () => {
    await agent?.stop();
    await hub?.stop();
    if (podman) {
      await removeContainersWithLabel(podman.endpoint, 'edgefed.io/node', SITE);
      await podman.stop();
    }
    for (const d of [hub?.dataDir, dir]) if (d) cleanup(d);
  });

  it('the hub records the per-cluster result on the federated object; the site shows the pod lifecycle', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        fedDeployment('web', {
          name: 'httpd',
          image: podman.image,
          command: ['sh', '-c', `mkdir -p /www && exec httpd -f -p ${port} -h /www`],
        }),
      ),
    );
    // Hub: kubefed's reason on the FederatedDeployment once the agent reported the Work applied.
    const created = await waitFor(
      'CreateInClusterSucceeded at the hub',
      () =>
        events(hub.kubeconfig).find(
          (e) => e.involvedObject.name === 'web' && e.reason === 'CreateInClusterSucceeded',
        ),
      60_000,
      500,
    );
    assert.equal(created.involvedObject.kind, 'FederatedDeployment');
    assert.equal(created.type, 'Normal');
    assert.equal(created.message, `Created Deployment "${NS}/web" in cluster "${SITE}"`);
    const hubTable = kubectlOk(hub.kubeconfig, ['get', 'events', '-n', NS]);
    assert.match(hubTable, /LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    assert.match(
      hubTable,
      /Normal\s+CreateInClusterSucceeded\s+federateddeployment\/web\s+Created Deployment/,
    );

    // Site: kubelet's, the scheduler's and controller-manager's events, as kubectl shows them.
    const want = ['Scheduled', 'Pulled', 'Created', 'Started', 'SuccessfulCreate', 'ScalingReplicaSet'];
    let seen: Ev[] = [];
    await waitFor(
      'the lifecycle events at the site',
      () => {
        seen = events(siteKc);
        const reasons = new Set(seen.filter((e) => e.type === 'Normal').map((e) => e.reason));
        return want.every((r) => reasons.has(r)) ? true : undefined;
      },
      90_000,
      500,
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${describeEvents(seen)}\n${agent?.logs() ?? ''}`);
    });
    const by = (reason: string) => seen.filter((e) => e.reason === reason);
    const pod = by('Started')[0].involvedObject.name;
    assert.match(pod, /^web-[a-z0-9]+-[a-z0-9]{5}$/);
    assert.deepEqual(
      by('Scheduled').map((e) => [e.message, e.source.component]),
      [[`Successfully assigned ${NS}/${pod} to ${SITE}`, 'default-scheduler']],
    );
    assert.equal(by('Pulled')[0].message, `Container image "${podman.image}" already present on machine`);
    assert.deepEqual(
      by('Created').map((e) => [e.message, e.involvedObject.fieldPath, e.source.component, e.source.host]),
      [['Created container httpd', 'spec.containers{httpd}', 'kubelet', SITE]],
    );
    assert.equal(by('Started')[0].message, 'Started container httpd');
    assert.equal(by('SuccessfulCreate')[0].message, `Created pod: ${pod}`);
    assert.equal(by('SuccessfulCreate')[0].involvedObject.kind, 'ReplicaSet');
    assert.match(by('ScalingReplicaSet')[0].message, /^Scaled up replica set web-[a-z0-9]+ to 1 from 0$/);
    assert.equal(by('ScalingReplicaSet')[0].involvedObject.kind, 'Deployment');

    const table = kubectlOk(siteKc, ['get', 'events', '-n', NS]);
    assert.match(table, new RegExp(`Normal\\s+Started\\s+pod/${pod}\\s+Started container httpd`));
    assert.match(table, /Normal\s+ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set/);
    // kubectl describe finds them by field selector (involvedObject.name/namespace/uid).
    const described = kubectlOk(siteKc, ['describe', 'pod', '-n', NS, pod]);
    assert.match(
      described,
      /Events:[\s\S]*Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned/,
    );
    assert.match(described, /Normal\s+Started\s+\S+\s+kubelet\s+Started container httpd/);
  });

  it('events.k8s.io/v1 lists the same events, in its own field names', () => {
    for (const kc of [siteKc, hub.kubeconfig]) {
      const core = events(kc);
      const v1 = JSON.parse(kubectlOk(kc, ['get', 'events.events.k8s.io', '-n', NS, '-o', 'json'])) as {
        items: {
          apiVersion: string;
          metadata: { name: string };
          note: string;
          regarding: { name: string };
          reason: string;
        }[];
      };
      const names = new Set(v1.items.map((e) => e.metadata.name));
      for (const e of core)
        assert.ok(names.has(e.metadata.name), `${e.metadata.name} (${e.reason}) via events.k8s.io`);
      const started = v1.items.find(
        (e) => e.reason === core[0].reason && e.metadata.name === core[0].metadata.name,
      );
      assert.equal(started?.apiVersion, 'events.k8s.io/v1');
      assert.equal(started?.note, core[0].message);
      assert.equal(started?.regarding.name, core[0].involvedObject.name);
      const table = kubectlOk(kc, ['get', 'events.events.k8s.io', '-n', NS]);
      assert.match(table, /LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    }
  });

  it('scaling down: the hub says UpdateInClusterSucceeded; the site says ScalingReplicaSet, SuccessfulDelete, Killing', async () => {
    kubectlOk(hub.kubeconfig, [
      'patch',
      'federateddeployment',
      'web',
      '-n',
      NS,
      '--type',
      'json',
      '-p',
      JSON.stringify([{ op: 'replace', path: '/spec/template/spec/replicas', value: 0 }]),
    ]);
    const updated = await waitFor(
      'UpdateInClusterSucceeded at the hub',
      () =>
        events(hub.kubeconfig).find(
          (e) => e.involvedObject.name === 'web' && e.reason === 'UpdateInClusterSucceeded',
        ),
      60_000,
      500,
    );
    assert.equal(updated.message, `Updated Deployment "${NS}/web" in cluster "${SITE}"`);
    let seen: Ev[] = [];
    await waitFor(
      'scale-down events at the site',
      () => {
        seen = events(siteKc);
        const has = (reason: string, re: RegExp) =>
          seen.some((e) => e.reason === reason && re.test(e.message));
        return has('ScalingReplicaSet', /^Scaled down replica set web-[a-z0-9]+ to 0 from 1$/) &&
          has('SuccessfulDelete', /^Deleted pod: web-/) &&
          has('Killing', /^Stopping container httpd$/)
          ? true
          : undefined;
      },
      60_000,
      500,
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${describeEvents(seen)}`);
    });
  });

  it('a broken image and a crash loop: Failed and BackOff events whose counts grow, no event per attempt', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        fedDeployment('broken', { name: 'app', image: MISSING_IMAGE }),
        fedDeployment('unready', {
          name: 'web',
          image: podman.image,
          command: ['sh', '-c', `mkdir -p /www && exec httpd -f -p ${unreadyPort} -h /www`],
          // Nothing listens on the probed port.
          readinessProbe: { httpGet: { path: '/', port: closedPort }, periodSeconds: 1 },
        }),
        // Two crashing containers: one pod's events come fast enough to meet the spam filter.
        fedDeployment(
          'crashy',
          ...CRASHERS.map((name) => ({ name, image: podman.image, command: ['sh', '-c', 'exit 1'] })),
        ),
      ),
    );
    const forPod = (evs: Ev[], prefix: string) => evs.filter((e) => e.involvedObject.name.startsWith(prefix));
    let seen: Ev[] = [];
    await waitFor(
      'Failed/BackOff events with growing counts',
      () => {
        seen = events(siteKc);
        const broken = forPod(seen, 'broken-');
        const crashy = forPod(seen, 'crashy-');
        const pullFailed = broken.find((e) =>
          e.message.startsWith(`Failed to pull image "${MISSING_IMAGE}"`),
        );
        const errPull = broken.find((e) => e.message === 'Error: ErrImagePull');
        const backOffPull = broken.find((e) => e.message === `Back-off pulling image "${MISSING_IMAGE}"`);
        const errBackOff = broken.find((e) => e.message === 'Error: ImagePullBackOff');
        const crashLoop = crashy.find(
          (e) =>
            e.reason === 'BackOff' &&
            e.count >= 2 &&
            /^Back-off restarting failed container crash-[ab] in pod crashy-/.test(e.message),
        );
        return pullFailed &&
          errPull &&
          backOffPull &&
          (errBackOff?.count ?? 0) >= 2 &&
          (crashLoop?.count ?? 0) >= 2
          ? true
          : undefined;
      },
      120_000,
      1000,
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${describeEvents(seen)}`);
    });
    for (const prefix of ['broken-', 'crashy-']) {
      const kubelet = forPod(seen, prefix).filter((e) => e.source.component === 'kubelet');
      assert.ok(
        kubelet.every((e) => e.type === 'Warning' || e.reason !== 'Failed'),
        'Failed is a Warning',
      );
      // Repeats bump a count: one object per distinct (reason, message), never one per attempt.
      const distinct = new Set(
        kubelet.map((e) => `${e.involvedObject.fieldPath ?? ''}|${e.reason}|${e.message}`),
      );
      assert.equal(kubelet.length, distinct.size, describeEvents(kubelet));
    }
    assert.equal(forPod(seen, 'broken-').find((e) => e.message === 'Error: ErrImagePull')?.type, 'Warning');
    // The crash loop goes on; its events do not follow it one by one: repeats bump a count, and
    // the spam filter (25 per source and object, then one per 5 minutes) caps what is written.
    const restarts = () =>
      Math.min(
        ...((
          JSON.parse(kubectlOk(siteKc, ['get', 'pods', '-n', NS, '-l', 'app=crashy', '-o', 'json'])) as {
            items: { status?: { containerStatuses?: { restartCount: number }[] } }[];
          }
        ).items[0]?.status?.containerStatuses?.map((c) => c.restartCount) ?? [0]),
      );
    await waitFor(
      'the crash loop goes on (4 restarts each)',
      () => (restarts() >= 4 ? true : undefined),
      120_000,
      1000,
    );
    const after = forPod(events(siteKc), 'crashy-').filter((e) => e.source.component === 'kubelet');
    const total = after.reduce((n, e) => n + e.count, 0);
    // Each start of each container is a Pulled, a Created and a Started: 30 occurrences by now.
    const happened = CRASHERS.length * 3 * (restarts() + 1);
    assert.ok(total <= 25, `kubelet wrote ${total} event occurrences for one pod:\n${describeEvents(after)}`);
    assert.ok(total < happened, `${total} written of ${happened}: the spam filter held none back`);
    assert.equal(
      after.length,
      new Set(after.map((e) => `${e.involvedObject.fieldPath ?? ''}|${e.reason}|${e.message}`)).size,
      describeEvents(after),
    );
    const unhealthy = await waitFor(
      'Unhealthy (readiness) with a count',
      () =>
        forPod(events(siteKc), 'unready-').find(
          (e) => e.reason === 'Unhealthy' && e.message.startsWith('Readiness probe failed: ') && e.count >= 2,
        ),
      60_000,
      1000,
    );
    assert.equal(unhealthy.type, 'Warning');
    assert.equal(unhealthy.involvedObject.fieldPath, 'spec.containers{web}');
    const loop = after.find((e) => e.reason === 'BackOff');
    assert.ok(loop && loop.count >= 2 && loop.type === 'Warning', describeEvents(after));
  });

  it('the hub deletes events one --event-ttl after their last write', async () => {
    const webEvents = () => events(hub.kubeconfig).filter((e) => e.involvedObject.name === 'web');
    const present = webEvents();
    assert.ok(present.length > 0, 'web has events at the hub');
    const last = Math.max(...present.map((e) => Date.parse(e.lastTimestamp)));
    await waitFor(
      'web events expired',
      () => (webEvents().length === 0 ? true : undefined),
      (HUB_TTL_S + 30) * 1000,
      1000,
    );
    // Not before the TTL (timestamps have whole seconds).
    assert.ok(
      Date.now() - last >= (HUB_TTL_S - 1) * 1000,
      `gone ${Date.now() - last} ms after the last write`,
    );
    const v1 = JSON.parse(
      kubectlOk(hub.kubeconfig, ['get', 'events.events.k8s.io', '-n', NS, '-o', 'json']),
    ) as {
      items: { regarding: { name: string } }[];
    };
    assert.equal(v1.items.filter((e) => e.regarding.name === 'web').length, 0);
  });
});
