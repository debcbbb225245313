/**
 * kubefed's user-guide flow for test-service at an edge site (issue 13): a hub and a real agent
 * with the edge runtime (simulated engine); FederatedNamespace, FederatedDeployment and
 * FederatedService (NodePort) applied to the hub with kubectl. At the site the Service gets a
 * cluster IP and a node port and Endpoints list the deployment's pods; the agent's re-applies keep
 * both (retained member fields), and so does an agent restart.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createJoinToken, joinAgent, spawnAgent, type AgentProcess } from '../helpers/agents.js';
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

interface Svc {
  spec?: { clusterIP?: string; clusterIPs?: string[]; ports?: { nodePort?: number; port: number }[] };
}
interface Ep {
  subsets?: { addresses?: { ip: string; targetRef?: { name: string } }[] }[];
}

describe("kubefed's test-service at an edge site (real agent)", function () {
  this.timeout(180_000);
  let hub: HubProcess;
  let agent: AgentProcess | undefined;
  let dir: string;
  let siteKc: string;

  const run = () =>
    spawnAgent({
      dataDir: dir,
      member: { runtime: 'edge', engine: 'simulated', nodeIp: '127.0.0.61' },
      intervals: { heartbeat: '1s', status: '1s' },
    });
  const siteGet = <T>(args: string[]): T | undefined => {
    const r = kubectl(siteKc, ['get', ...args, '-o', 'json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as T) : undefined;
  };

  before(async () => {
    hub = await startHub();
    const tok = createJoinToken(hub.kubeconfig);
    dir = tempDir('edgefed-svc-site-');
    joinAgent({ hub: hub.url, ...tok, name: 'cluster1', dataDir: dir });
    agent = run();
    siteKc = join(dir, 'site', 'admin.kubeconfig');
  });

  after(async () => {
    await agent?.stop();
    await hub?.stop();
    for (const d of [hub?.dataDir, dir]) if (d) cleanup(d);
  });

  const relabel = (tier: string) =>
    kubectlOk(hub.kubeconfig, [
      'patch',
      'federatedservice',
      'test-service',
      '-n',
      'test-namespace',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { template: { metadata: { labels: { tier } } } } }),
    ]);
  const labelIs = (tier: string) =>
    siteGet<{ metadata: { labels?: Record<string, string> } }>([
      'svc',
      'test-service',
      '-n',
      'test-namespace',
    ])?.metadata.labels?.tier === tier || undefined;

  let clusterIP = '';
  let nodePort = 0;

  it('the member Service gets a cluster IP and a node port; Endpoints list the ready pods', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'test-namespace' } },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedNamespace',
          metadata: { name: 'test-namespace', namespace: 'test-namespace' },
          spec: { placement: { clusters: [{ name: 'cluster1' }] } },
        },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedDeployment',
          metadata: { name: 'test-deployment', namespace: 'test-namespace' },
          spec: {
            template: {
              metadata: { labels: { app: 'nginx' } },
              spec: {
                replicas: 3,
                selector: { matchLabels: { app: 'nginx' } },
                template: {
                  metadata: { labels: { app: 'nginx' } },
                  spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
                },
              },
            },
            placement: { clusters: [{ name: 'cluster1' }] },
          },
        },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedService',
          metadata: { name: 'test-service', namespace: 'test-namespace' },
          spec: {
            template: {
              spec: { selector: { app: 'nginx' }, type: 'NodePort', ports: [{ name: 'http', port: 80 }] },
            },
            placement: { clusters: [{ name: 'cluster1' }] },
          },
        },
      ),
    );
    const svc = await waitFor(
      'test-service at the site',
      () => siteGet<Svc>(['svc', 'test-service', '-n', 'test-namespace']),
      90_000,
      500,
    );
    clusterIP = String(svc.spec?.clusterIP);
    nodePort = Number(svc.spec?.ports?.[0].nodePort);
    assert.match(clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    assert.ok(nodePort >= 30000 && nodePort <= 32767, String(nodePort));
    const ep = await waitFor(
      'three ready endpoints',
      () => {
        const e = siteGet<Ep>(['endpoints', 'test-service', '-n', 'test-namespace']);
        return (e?.subsets ?? []).flatMap((s) => s.addresses ?? []).length === 3 ? e : undefined;
      },
      90_000,
      500,
    );
    assert.ok(
      (ep.subsets ?? [])
        .flatMap((s) => s.addresses ?? [])
        .every((a) => a.targetRef?.name.startsWith('test-deployment-')),
    );
    // The hub's view of the member Service (Work status) and its ready endpoints.
    await waitFor(
      'the Work reports 3 ready backends',
      () => {
        const out = kubectlOk(hub.kubeconfig, [
          'get',
          'works',
          '-n',
          'edgefed-cluster-cluster1',
          '-o',
          'json',
        ]);
        const works = JSON.parse(out) as {
          items: { spec: { source?: { resource: string } }; status?: { pods?: { ready: number } } }[];
        };
        return works.items.find((w) => w.spec.source?.resource === 'services')?.status?.pods?.ready === 3
          ? true
          : undefined;
      },
      60_000,
      500,
    );
  });

  it('a template change re-applied by the agent and an agent restart leave the cluster IP and node port unchanged', async () => {
    relabel('web');
    await waitFor('the label at the site', () => labelIs('web'), 60_000, 500);
    const afterApply = siteGet<Svc>(['svc', 'test-service', '-n', 'test-namespace']);
    assert.equal(afterApply?.spec?.clusterIP, clusterIP);
    assert.equal(afterApply?.spec?.ports?.[0].nodePort, nodePort);

    await agent?.stop('SIGTERM');
    agent = run();
    await waitFor(
      'site API back',
      () => siteGet<Ep>(['endpoints', 'test-service', '-n', 'test-namespace']),
      60_000,
      500,
    );
    // The restarted agent applies a change (so it has re-read and re-applied the Service).
    relabel('after-restart');
    await waitFor('the restarted agent applied the change', () => labelIs('after-restart'), 90_000, 500);
    const afterRestart = siteGet<Svc>(['svc', 'test-service', '-n', 'test-namespace']);
    assert.equal(afterRestart?.spec?.clusterIP, clusterIP);
    assert.deepEqual(afterRestart?.spec?.clusterIPs, [clusterIP]);
    assert.equal(afterRestart?.spec?.ports?.[0].nodePort, nodePort);
  });
});
