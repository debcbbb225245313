/**
 * Multi-cluster DNS publishes a site only while its Service has ready endpoints (kubefed's rule;
 * issue 13): real hub, real agents with the edge runtime (simulated engine: readiness is what
 * matters here), real dig. cluster2's pods cannot start (an image reference the runtime refuses),
 * so its Service has no ready endpoint: its address is absent from the answer until the override
 * goes and its pods become ready; with allowServiceWithoutEndpoints it is present at once.
 */
import assert from 'node:assert/strict';
import { createJoinToken, joinAgent, spawnAgent, type AgentProcess } from '../helpers/agents.js';
import { dig, digUntil, startDnsHub, type DnsHub } from '../helpers/dns.js';
import { cleanup, kubectlOk, tempDir, toYaml, waitFor } from '../helpers/hub.js';
import type { Work } from '../../api/federation.js';

const NAME = 'test-service.svc-dns.fed.svc.example.com';
const SITES = { 'svc-c1': '127.0.0.51', 'svc-c2': '127.0.0.52' } as const;
type Site = keyof typeof SITES;

const aRecords = (answer: string[]) =>
  answer
    .map((l) => l.split(' '))
    .filter((f) => f[3] === 'A')
    .map((f) => f[4])
    .sort();

describe('multi-cluster DNS only with ready endpoints (real agents, real dig)', function () {
  this.timeout(240_000);
  let hub: DnsHub;
  const agents: AgentProcess[] = [];
  const dirs: string[] = [];

  const apply = (...docs: object[]) => kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], toYaml(...docs));
  const answer = () => aRecords(dig(hub.dnsPort, [NAME, 'A']).answer);
  const until = (want: string[], what: string) =>
    digUntil(hub.dnsPort, [NAME, 'A'], (d) => aRecords(d.answer).join() === want.join(), what, 90_000);
  const serviceWork = (site: Site, resource = 'services'): Work | undefined => {
    const out = kubectlOk(hub.kubeconfig, ['get', 'works', '-n', `edgefed-cluster-${site}`, '-o', 'json']);
    return (JSON.parse(out) as { items: Work[] }).items.find(
      (w) => w.spec.source?.resource === resource && w.spec.source.namespace === 'svc-dns',
    );
  };
  const record = (allow: boolean) => ({
    apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
    kind: 'ServiceDNSRecord',
    metadata: { name: 'test-service', namespace: 'svc-dns' },
    spec: { domainRef: 'fed', recordTTL: 5, allowServiceWithoutEndpoints: allow },
  });
  const deployment = (brokenAtC2: boolean) => ({
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedDeployment',
    metadata: { name: 'test-deployment', namespace: 'svc-dns' },
    spec: {
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'nginx' } },
          template: {
            metadata: { labels: { app: 'nginx' } },
            spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] },
          },
        },
      },
      placement: { clusters: [{ name: 'svc-c1' }, { name: 'svc-c2' }] },
      overrides: brokenAtC2
        ? [
            {
              clusterName: 'svc-c2',
              clusterOverrides: [
                { path: '/spec/template/spec/containers/0/image', value: 'NOT A VALID:IMAGE' },
              ],
            },
          ]
        : [],
    },
  });

  before(async () => {
    hub = await startDnsHub(['--heartbeat-threshold', '10']);
    const tok = createJoinToken(hub.kubeconfig);
    for (const [site, ip] of Object.entries(SITES)) {
      const dir = tempDir(`edgefed-${site}-`);
      dirs.push(dir);
      joinAgent({ hub: hub.url, ...tok, name: site, dataDir: dir, labels: { region: site } });
      agents.push(
        spawnAgent({
          dataDir: dir,
          member: { runtime: 'edge', engine: 'simulated', nodeIp: ip },
          intervals: { heartbeat: '1s', status: '1s' },
        }),
      );
    }
    apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'svc-dns' } },
      {
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedNamespace',
        metadata: { name: 'svc-dns', namespace: 'svc-dns' },
        spec: { placement: { clusterSelector: {} } },
      },
      deployment(true),
      {
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedService',
        metadata: { name: 'test-service', namespace: 'svc-dns' },
        spec: {
          template: {
            spec: { selector: { app: 'nginx' }, type: 'LoadBalancer', ports: [{ name: 'http', port: 80 }] },
          },
          placement: { clusters: [{ name: 'svc-c1' }, { name: 'svc-c2' }] },
        },
      },
      {
        apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
        kind: 'Domain',
        metadata: { name: 'fed', namespace: 'kube-federation-system' },
        domain: 'example.com',
        nameServer: 'ns1.example.com',
      },
      record(false),
    );
  });

  after(async () => {
    for (const a of agents) await a.stop();
    await hub?.stop();
    for (const d of [hub?.dataDir, ...dirs]) if (d) cleanup(d);
  });

  it('a site whose Service has no ready endpoint is left out of the answer; allowServiceWithoutEndpoints puts it in at once; ready pods put it in', async () => {
    await until([SITES['svc-c1']], 'cluster1 alone in the answer');
    // cluster2 has reported its Service (load-balancer address included) with no ready endpoint:
    // the absence is the rule, not a report still on its way.
    const w = await waitFor(
      'cluster2 reports its Service with no ready endpoint',
      () => {
        const work = serviceWork('svc-c2');
        const lb = (
          work?.status?.remoteStatus as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined
        )?.loadBalancer;
        return lb?.ingress?.[0]?.ip === SITES['svc-c2'] && work?.status?.pods?.ready === 0 ? work : undefined;
      },
      60_000,
      250,
    );
    assert.equal(w.status?.pods?.ready, 0);
    // Its pods exist (the Deployment's Work says so) and are not ready.
    const deploy = await waitFor(
      "cluster2's Deployment reports its pods",
      () => {
        const work = serviceWork('svc-c2', 'deployments');
        return work?.status?.pods?.total === 2 ? work : undefined;
      },
      60_000,
      250,
    );
    assert.equal(deploy.status?.pods?.ready, 0, JSON.stringify(deploy.status?.pods));
    assert.equal(serviceWork('svc-c1')?.status?.pods?.ready, 2);
    assert.deepEqual(answer(), [SITES['svc-c1']]);

    const t0 = Date.now();
    apply(record(true));
    await until([SITES['svc-c1'], SITES['svc-c2']], 'both sites with allowServiceWithoutEndpoints');
    assert.ok(Date.now() - t0 < 15_000, `published after ${Date.now() - t0} ms`);

    apply(record(false));
    await until([SITES['svc-c1']], 'cluster2 out again without it');

    apply(deployment(false));
    await until([SITES['svc-c1'], SITES['svc-c2']], 'cluster2 in once its pods are ready');
    assert.equal(serviceWork('svc-c2')?.status?.pods?.ready, 2);
  });
});
