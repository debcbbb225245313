/**
 * Endpoints follow real containers (issue 13): an edge agent running pods in podman, two httpd
 * backends (host network, one port each, readiness by HTTP probe) behind a NodePort Service.
 * Killing one backend's container (restartPolicy Never: its pod fails) takes it out of the
 * Endpoints and the EndpointSlice within seconds, and the node port then reaches only the other.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request as httpRequest, get as httpGet } from 'node:http';
import { join } from 'node:path';
import { createJoinToken, joinAgent, spawnAgent, type AgentProcess } from '../helpers/agents.js';
import { freePort } from '../helpers/dns.js';
import {
  cleanup,
  kubectl,
  kubectlOk,
  startHub,
  tempDir,
  toYaml,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';
import { removeContainersWithLabel, startPodman, type PodmanService } from '../helpers/podman.js';

const NODE_IP = '127.0.0.91';
const NS = 'svc-podman';
const SITE = 'podman-site';

interface Ep {
  subsets?: {
    addresses?: { targetRef?: { name: string } }[];
    notReadyAddresses?: { targetRef?: { name: string } }[];
  }[];
}
interface Slice {
  endpoints?: { conditions: { ready: boolean }; targetRef?: { name: string } }[];
}

function fetchText(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = httpGet({ host: NODE_IP, port, path: '/', agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('error', () => resolve(''));
    req.on('timeout', () => req.destroy());
  });
}

describe('Endpoints follow real containers (podman)', function () {
  this.timeout(240_000);
  let podman: PodmanService;
  let hub: HubProcess;
  let agent: AgentProcess | undefined;
  let dir: string;
  let siteKc: string;
  const ports = { 'web-a': 0, 'web-b': 0 };

  const engine = (method: string, path: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ socketPath: podman.socket, method, path: `/v1.41${path}` }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  const siteJson = <T>(args: string[]): T | undefined => {
    const r = kubectl(siteKc, ['get', ...args, '-n', NS, '-o', 'json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as T) : undefined;
  };
  const names = (xs: { targetRef?: { name: string } }[] | undefined) =>
    (xs ?? []).map((a) => a.targetRef?.name).sort();
  const ready = () => names(siteJson<Ep>(['endpoints', 'web'])?.subsets?.flatMap((s) => s.addresses ?? []));
  const notReady = () =>
    names(siteJson<Ep>(['endpoints', 'web'])?.subsets?.flatMap((s) => s.notReadyAddresses ?? []));
  const sliceReady = () =>
    Object.fromEntries(
      (
        JSON.parse(
          kubectlOk(siteKc, [
            'get',
            'endpointslices',
            '-n',
            NS,
            '-l',
            'kubernetes.io/service-name=web',
            '-o',
            'json',
          ]),
        ) as {
          items: Slice[];
        }
      ).items
        .flatMap((s) => s.endpoints ?? [])
        .map((e) => [e.targetRef?.name, e.conditions.ready]),
    );

  const backend = (name: 'web-a' | 'web-b', image: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: 'web' } },
    spec: {
      hostNetwork: true,
      // A killed backend stays down (a restart would be ready again within a second).
      restartPolicy: 'Never',
      containers: [
        {
          name: 'httpd',
          image,
          ports: [{ name: 'http', containerPort: ports[name] }],
          command: [
            'sh',
            '-c',
            `mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -p ${NODE_IP}:${ports[name]} -h /www`,
          ],
          readinessProbe: { httpGet: { path: '/', port: ports[name], host: NODE_IP }, periodSeconds: 1 },
        },
      ],
    },
  });

  before(async () => {
    podman = await startPodman();
    hub = await startHub();
    ports['web-a'] = await freePort();
    ports['web-b'] = await freePort();
    dir = tempDir('edgefed-podman-site-');
    const tok = createJoinToken(hub.kubeconfig);
    joinAgent({ hub: hub.url, ...tok, name: SITE, dataDir: dir });
    agent = spawnAgent({
      dataDir: dir,
      member: { runtime: 'edge', engine: podman.endpoint, nodeIp: NODE_IP },
      intervals: { heartbeat: '1s', status: '1s' },
    });
    siteKc = join(dir, 'site', 'admin.kubeconfig');
    await waitFor(
      'the site API',
      () => (existsSync(siteKc) && kubectl(siteKc, ['get', 'ns']).code === 0) || undefined,
      60_000,
      500,
    );
    kubectlOk(
      siteKc,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
        backend('web-a', podman.image),
        backend('web-b', podman.image),
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: NS },
          spec: {
            type: 'NodePort',
            selector: { app: 'web' },
            ports: [{ name: 'http', port: 80, targetPort: 'http' }],
          },
        },
      ),
    );
  });

  after(async () => {
    await agent?.stop('SIGTERM'); // graceful: the site removes its iptables chains
    await hub?.stop();
    if (podman) {
      await removeContainersWithLabel(podman.endpoint, 'edgefed.io/node', SITE);
      await podman.stop();
    }
    for (const d of [hub?.dataDir, dir]) if (d) cleanup(d);
  });

  it('a killed backend leaves Endpoints within seconds; the node port then reaches only the other', async () => {
    await waitFor(
      'both backends ready',
      () => (ready().join() === 'web-a,web-b' ? true : undefined),
      120_000,
      500,
    );
    const svc = siteJson<{ spec: { ports: { nodePort: number }[] } }>(['svc', 'web']);
    const nodePort = Number(svc?.spec.ports[0].nodePort);
    await waitFor(
      'both answer through the node port',
      async () => {
        const got = new Set([
          await fetchText(nodePort),
          await fetchText(nodePort),
          await fetchText(nodePort),
        ]);
        return got.has('web-a') && got.has('web-b') ? true : undefined;
      },
      30_000,
      200,
    );

    const list = await engine(
      'GET',
      `/containers/json?filters=${encodeURIComponent(JSON.stringify({ label: [`edgefed.io/node=${SITE}`, 'edgefed.io/pod-name=web-b'] }))}`,
    );
    const [c] = JSON.parse(list.body) as { Id: string }[];
    assert.ok(c, `web-b's container: ${list.body}`);
    const t0 = Date.now();
    const killed = await engine('POST', `/containers/${c.Id}/kill`);
    assert.ok(killed.status < 300, killed.body);
    // Its pod has failed: it is no backend at all any more (neither address list, nor the slice).
    await waitFor(
      'web-b out of Endpoints and the slice',
      () =>
        ready().join() === 'web-a' && notReady().length === 0 && !('web-b' in sliceReady())
          ? true
          : undefined,
      30_000,
      200,
    );
    const took = Date.now() - t0;
    assert.ok(took < 15_000, `took ${took} ms`);
    assert.equal(sliceReady()['web-a'], true);
    for (let i = 0; i < 4; i++) assert.equal(await fetchText(nodePort), 'web-a');
  });

  it("kubectl logs job/<name> reads that Job's pod (the API server generated its selector and labels)", async () => {
    const job = (name: string) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: NS },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              { name: 'say', image: podman.image, command: ['sh', '-c', `echo hello from ${name}`] },
            ],
          },
        },
      },
    });
    // Two Jobs whose templates are alike: each must find only its own pod.
    kubectlOk(siteKc, ['apply', '-f', '-'], toYaml(job('say-one'), job('say-two')));
    for (const name of ['say-one', 'say-two']) {
      kubectlOk(siteKc, ['wait', '--for=condition=complete', `job/${name}`, '-n', NS, '--timeout=120s']);
      assert.equal(kubectlOk(siteKc, ['logs', `job/${name}`, '-n', NS]).trim(), `hello from ${name}`);
      const pods = kubectlOk(siteKc, ['get', 'pods', '-n', NS, '-l', `job-name=${name}`, '-o', 'name'])
        .trim()
        .split('\n');
      assert.equal(pods.length, 1, pods.join());
    }
  });
});
