import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import type { DNSEndpoint, Endpoint, ServiceDNSRecord } from '../../controllers/dns/types.js';
import {
  clusterReady,
  createJoinToken,
  joinAgent,
  spawnAgent,
  waitClustersReady,
  type AgentProcess,
} from '../helpers/agents.js';
import {
  cleanup,
  kubectl,
  kubectlOk,
  request,
  startHub,
  tempDir,
  toYaml,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';

const DNS = '/apis/multiclusterdns.kubefed.io/v1alpha1';

const GLOBAL = 'web.shop.fed.svc.example.com';
const REGION = (r: string) => `web.shop.fed.svc.${r}.example.com`;
const ZONE = (z: string, r: string) => `web.shop.fed.svc.${z}.${r}.example.com`;
const SITES = {
  east: { region: 'us-east', zone: 'us-east-1a', ip: '10.0.1.1' },
  west: { region: 'us-west', zone: 'us-west-1a', ip: '10.0.2.1', ip6: 'fd00::2' },
} as const;

/** name → "TYPE target,target" for each record of a DNSEndpoint, for compact assertions. */
function records(ep: DNSEndpoint | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of ep?.spec.endpoints ?? [])
    (out[e.dnsName] ??= []).push(`${e.recordType} ${e.targets.join(',')}`);
  return out;
}

/**
 * kubefed's multi-cluster DNS records end to end: a hub, two member API servers in two regions
 * joined by real agents; the test plays each member's load-balancer controller by writing the
 * member Service's status.loadBalancer, which the agent reports back in its Work.
 */
describe('multi-cluster DNS records: ServiceDNSRecord → DNSEndpoint (real agents, two regions)', function () {
  this.timeout(90_000);
  let hub: HubProcess;
  const members: Record<string, HubProcess> = {};
  const agents: Record<string, AgentProcess> = {};
  const dirs: Record<string, string> = {};

  const runAgent = (name: string) => {
    agents[name] = spawnAgent({
      dataDir: dirs[name],
      member: members[name].kubeconfig,
      intervals: { heartbeat: '1s', status: '1s', resync: '2s' },
    });
  };
  const endpoint = async (name: string): Promise<DNSEndpoint | undefined> => {
    const r = await request(hub, 'GET', `${DNS}/namespaces/shop/dnsendpoints/${name}`);
    return r.status === 200 ? r.json<DNSEndpoint>() : undefined;
  };
  const record = async (name: string) =>
    (await request(hub, 'GET', `${DNS}/namespaces/shop/servicednsrecords/${name}`)).json<ServiceDNSRecord>();
  const waitRecords = (
    what: string,
    want: Record<string, string[]>,
    name = 'service-web',
    timeoutMs = 20_000,
  ) =>
    waitFor(
      what,
      async () => {
        const got = records(await endpoint(name));
        return JSON.stringify(got) === JSON.stringify(want) ? got : undefined;
      },
      timeoutMs,
    ).catch(async (e: unknown) => {
      throw new Error(
        `${String(e)}\nlast: ${JSON.stringify(records(await endpoint(name)), null, 1)}\nrecord: ${JSON.stringify((await record('web')).status)}\nhub: ${hub.logs().slice(-3000)}`,
      );
    });
  /** The test as the member's load-balancer controller. */
  const setLoadBalancer = (member: string, ingress: { ip: string }[]) =>
    kubectlOk(members[member].kubeconfig, [
      'patch',
      'service',
      'web',
      '-n',
      'shop',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { loadBalancer: { ingress } } }),
    ]);

  before(async () => {
    [hub, members.east, members.west] = await Promise.all([
      startHub({ extraArgs: ['--heartbeat-threshold', '3'] }),
      startHub({ command: 'apiserver' }),
      startHub({ command: 'apiserver' }),
    ]);
    const tok = createJoinToken(hub.kubeconfig, { ttl: '1h' });
    for (const [name, site] of Object.entries(SITES)) {
      dirs[name] = tempDir('edgefed-agent-');
      joinAgent({
        hub: hub.url,
        ...tok,
        name,
        dataDir: dirs[name],
        labels: { region: site.region, zone: site.zone },
      });
      runAgent(name);
    }
    // 20 s for each cluster.
    await waitClustersReady(hub, Object.keys(SITES), 40_000);
  });

  after(async () => {
    await Promise.all(Object.values(agents).map((a) => a.stop()));
    await Promise.all([hub?.stop(), ...Object.values(members).map((m) => m.stop())]);
    for (const d of [hub?.dataDir, ...Object.values(members).map((m) => m.dataDir), ...Object.values(dirs)])
      if (d) cleanup(d);
  });

  it('a FederatedService + Domain + ServiceDNSRecord: global, region and zone names; a zone CNAME where a zone has no address', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedNamespace',
          metadata: { name: 'shop', namespace: 'shop' },
          spec: { placement: { clusterSelector: {} } },
        },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedService',
          metadata: { name: 'web', namespace: 'shop' },
          spec: {
            template: {
              spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] },
            },
            placement: { clusters: [{ name: 'east' }, { name: 'west' }] },
          },
        },
        {
          apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
          kind: 'Domain',
          metadata: { name: 'fed', namespace: 'kube-federation-system' },
          domain: 'example.com',
          nameServer: 'ns1.example.com',
        },
        {
          apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
          kind: 'ServiceDNSRecord',
          metadata: { name: 'web', namespace: 'shop' },
          // The members are bare API servers: no pods, so no ready endpoints. kubefed's flag publishes
          // the sites' addresses anyway (the endpoint rule itself: site-services-dns.test.ts).
          spec: { domainRef: 'fed', recordTTL: 60, allowServiceWithoutEndpoints: true },
        },
      ),
    );
    for (const name of Object.keys(SITES))
      await waitFor(
        `Service in ${name}`,
        () =>
          kubectl(members[name].kubeconfig, ['get', 'svc', 'web', '-n', 'shop']).code === 0
            ? true
            : undefined,
        20_000,
      );

    setLoadBalancer('east', [{ ip: SITES.east.ip }]);
    await waitRecords('east only: west falls back to CNAMEs', {
      [GLOBAL]: [`A ${SITES.east.ip}`],
      [REGION('us-east')]: [`A ${SITES.east.ip}`],
      [ZONE('us-east-1a', 'us-east')]: [`A ${SITES.east.ip}`],
      [REGION('us-west')]: [`CNAME ${GLOBAL}`],
      [ZONE('us-west-1a', 'us-west')]: [`CNAME ${REGION('us-west')}`],
    });

    setLoadBalancer('west', [{ ip: SITES.west.ip }, { ip: SITES.west.ip6 }]);
    const both = {
      [GLOBAL]: [`A ${SITES.east.ip},${SITES.west.ip}`, `AAAA ${SITES.west.ip6}`],
      [REGION('us-east')]: [`A ${SITES.east.ip}`],
      [ZONE('us-east-1a', 'us-east')]: [`A ${SITES.east.ip}`],
      [REGION('us-west')]: [`A ${SITES.west.ip}`, `AAAA ${SITES.west.ip6}`],
      [ZONE('us-west-1a', 'us-west')]: [`A ${SITES.west.ip}`, `AAAA ${SITES.west.ip6}`],
    };
    await waitRecords('both clusters', both);

    // What users (and the DNS server) see, through kubectl.
    const ep = yaml.load(
      kubectlOk(hub.kubeconfig, ['get', 'dnsendpoint', 'service-web', '-n', 'shop', '-o', 'yaml']),
    ) as DNSEndpoint;
    assert.equal(ep.metadata.labels?.['edgefed.io/dns-source'], 'service');
    assert.deepEqual(
      ep.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`),
      ['ServiceDNSRecord/web'],
    );
    assert.ok(ep.spec.endpoints.every((e: Endpoint) => e.recordTTL === 60));

    const rec = await record('web');
    assert.equal(rec.status?.domain, 'example.com');
    assert.deepEqual(rec.status?.dns, [
      {
        cluster: 'east',
        loadBalancer: { ingress: [{ ip: SITES.east.ip }] },
        region: 'us-east',
        zones: ['us-east-1a'],
      },
      {
        cluster: 'west',
        loadBalancer: { ingress: [{ ip: SITES.west.ip }, { ip: SITES.west.ip6 }] },
        region: 'us-west',
        zones: ['us-west-1a'],
      },
    ]);
    // Steady state writes nothing, while heartbeats keep arriving (level-triggered, no churn).
    const rvs = async () => [
      (await endpoint('service-web'))?.metadata.resourceVersion,
      (await record('web')).metadata.resourceVersion,
    ];
    const before = await rvs();
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(await rvs(), before, 'no writes without a change');
    assert.match(
      kubectlOk(hub.kubeconfig, ['get', 'servicednsrecords', '-n', 'shop']).split('\n')[1],
      /^web\s+example\.com\s+True\s+RecordsPublished/,
    );
  });

  it('every FederatedService also gets <svc>.<ns>.svc.clusterset.local (DNSEndpoint clusterset-<name>)', async () => {
    await waitRecords(
      'clusterset name',
      { 'web.shop.svc.clusterset.local': [`A ${SITES.east.ip},${SITES.west.ip}`, `AAAA ${SITES.west.ip6}`] },
      'clusterset-web',
    );
    const ep = await endpoint('clusterset-web');
    assert.equal(ep?.spec.endpoints[0].recordTTL, 5);
    assert.equal(ep?.metadata.ownerReferences?.[0].kind, 'FederatedService');
  });

  it('an IngressDNSRecord: each host gets every cluster’s Ingress addresses (DNSEndpoint ingress-<name>)', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedIngress',
          metadata: { name: 'shop', namespace: 'shop' },
          spec: {
            template: {
              spec: {
                rules: [
                  {
                    host: 'shop.example.com',
                    http: {
                      paths: [
                        {
                          path: '/',
                          pathType: 'Prefix',
                          backend: { service: { name: 'web', port: { number: 80 } } },
                        },
                      ],
                    },
                  },
                ],
              },
            },
            placement: { clusterSelector: {} },
          },
        },
        {
          apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
          kind: 'IngressDNSRecord',
          metadata: { name: 'shop', namespace: 'shop' },
          spec: { hosts: ['shop.example.com'] },
        },
      ),
    );
    for (const [name, site] of Object.entries(SITES)) {
      await waitFor(
        `Ingress in ${name}`,
        () =>
          kubectl(members[name].kubeconfig, ['get', 'ingress', 'shop', '-n', 'shop']).code === 0
            ? true
            : undefined,
        20_000,
      );
      kubectlOk(members[name].kubeconfig, [
        'patch',
        'ingress',
        'shop',
        '-n',
        'shop',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: site.ip }] } } }),
      ]);
    }
    await waitRecords(
      'ingress host',
      { 'shop.example.com': [`A ${SITES.east.ip},${SITES.west.ip}`] },
      'ingress-shop',
    );
  });

  it('a cluster whose agent stops leaves the records within seconds of turning NotReady, and returns with its agent', async () => {
    await agents.west.stop('SIGKILL');
    await waitFor(
      'west NotReady',
      async () => ((await clusterReady(hub, 'west')) === 'False' ? true : undefined),
      15_000,
      50,
    );
    const notReadyAt = Date.now();
    await waitRecords(
      'west out of the records',
      {
        [GLOBAL]: [`A ${SITES.east.ip}`],
        [REGION('us-east')]: [`A ${SITES.east.ip}`],
        [ZONE('us-east-1a', 'us-east')]: [`A ${SITES.east.ip}`],
        [REGION('us-west')]: [`CNAME ${GLOBAL}`],
        [ZONE('us-west-1a', 'us-west')]: [`CNAME ${REGION('us-west')}`],
      },
      'service-web',
      5_000,
    );
    const lag = Date.now() - notReadyAt;
    assert.ok(lag < 3000, `records followed NotReady after ${lag} ms`);
    // The record's status is written after its DNSEndpoint (the answers): it follows within moments.
    const west = await waitFor(
      'west listed without addresses in the record status',
      async () => {
        const w = (await record('web')).status?.dns?.find((d) => d.cluster === 'west');
        return w && Object.keys(w.loadBalancer ?? {}).length === 0 ? w : undefined;
      },
      5_000,
      50,
    );
    assert.deepEqual(west.loadBalancer, {}, 'west stays listed, without addresses');

    runAgent('west');
    await waitRecords('west back', {
      [GLOBAL]: [`A ${SITES.east.ip},${SITES.west.ip}`, `AAAA ${SITES.west.ip6}`],
      [REGION('us-east')]: [`A ${SITES.east.ip}`],
      [ZONE('us-east-1a', 'us-east')]: [`A ${SITES.east.ip}`],
      [REGION('us-west')]: [`A ${SITES.west.ip}`, `AAAA ${SITES.west.ip6}`],
      [ZONE('us-west-1a', 'us-west')]: [`A ${SITES.west.ip}`, `AAAA ${SITES.west.ip6}`],
    });
  });

  it('a record naming no Domain: Ready False DomainNotFound and a Warning Event; the hub carries on', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
        kind: 'ServiceDNSRecord',
        metadata: { name: 'api', namespace: 'shop' },
        spec: { domainRef: 'nope' },
      }),
    );
    const cond = await waitFor('DomainNotFound', async () => {
      const c = (await record('api')).status?.conditions?.find((x) => x.type === 'Ready');
      return c?.reason === 'DomainNotFound' ? c : undefined;
    });
    assert.equal(cond.status, 'False');
    assert.match(cond.message ?? '', /Domain "nope" not found in namespace kube-federation-system/);
    await waitFor('Warning Event', () => {
      const events = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'events', '-n', 'shop', '-o', 'json'])) as {
        items: { reason?: string; type?: string; involvedObject?: { name?: string; kind?: string } }[];
      };
      return events.items.some(
        (e) =>
          e.reason === 'DomainNotFound' &&
          e.type === 'Warning' &&
          e.involvedObject?.kind === 'ServiceDNSRecord' &&
          e.involvedObject.name === 'api',
      )
        ? true
        : undefined;
    });
    assert.equal(await endpoint('service-api'), undefined, 'nothing published without a domain');
    assert.equal(hub.proc.exitCode, null);
    assert.equal((await record('web')).status?.conditions?.[0]?.status, 'True', 'other records unaffected');
  });

  it('deleting the ServiceDNSRecord deletes its DNSEndpoint (the clusterset name stays with the FederatedService)', async () => {
    kubectlOk(hub.kubeconfig, ['delete', 'servicednsrecord', 'web', '-n', 'shop']);
    await waitFor(
      'service-web gone',
      async () => ((await endpoint('service-web')) ? undefined : true),
      10_000,
    );
    assert.match(
      kubectl(hub.kubeconfig, ['get', 'dnsendpoint', 'service-web', '-n', 'shop']).stderr,
      /NotFound|not found/,
    );
    assert.ok(await endpoint('clusterset-web'));
  });
});
