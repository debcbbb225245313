import assert from 'node:assert/strict';
import { createJoinToken, joinAgent, spawnAgent, type AgentProcess } from '../helpers/agents.js';
import { digUntil, startDnsHub, type DnsHub } from '../helpers/dns.js';
import { cleanup, kubectlOk, tempDir, toYaml, waitFor } from '../helpers/hub.js';

const sorted = (xs: string[]) => [...xs].sort();
/** The RDATA of each answer line of one type. */
const rdata = (answer: string[], type: string) =>
  answer
    .map((l) => l.split(' '))
    .filter((f) => f[3] === type)
    .map((f) => f.slice(4).join(' '));

/**
 * Multi-cluster DNS from end to end with nothing faked: edge sites (agents with the embedded edge
 * runtime) report their Service addresses through Work status, the hub's record controllers write
 * DNSEndpoints, the hub's DNS server answers `dig`, and a site whose agent stops drops out.
 */
describe('multi-cluster DNS: dig resolves where a federated service runs (real agents, real dig)', function () {
  this.timeout(180_000);
  let hub: DnsHub;
  const agents: Partial<Record<Site, AgentProcess>> = {};
  const dirs: Record<string, string> = {};
  const sites = {
    'dns-a': { ip: '127.0.0.41', region: 'eu', zone: 'eu-1' },
    'dns-b': { ip: '127.0.0.42', region: 'us', zone: 'us-1' },
    // Joined but its agent never runs: a zone (and region) with no endpoints.
    'dns-c': { ip: '127.0.0.43', region: 'ap', zone: 'ap-1' },
  } as const;
  type Site = keyof typeof sites;
  const GLOBAL = 'web.shop.fed.svc.example.com';
  const region = (r: string) => `web.shop.fed.svc.${r}.example.com`;
  const zone = (z: string, r: string) => `web.shop.fed.svc.${z}.${r}.example.com`;

  const runAgent = (s: Site) => {
    agents[s] = spawnAgent({
      dataDir: dirs[s],
      member: { runtime: 'edge', engine: 'simulated', nodeIp: sites[s].ip },
      intervals: { heartbeat: '1s', status: '1s' },
    });
  };
  const a = (name: string) => digUntil(hub.dnsPort, [name, 'A'], () => true, name);

  before(async () => {
    hub = await startDnsHub(['--heartbeat-threshold', '4']);
    const tok = createJoinToken(hub.kubeconfig);
    for (const s of Object.keys(sites) as Site[]) {
      dirs[s] = tempDir(`edgefed-${s}-`);
      joinAgent({
        hub: hub.url,
        ...tok,
        name: s,
        dataDir: dirs[s],
        labels: { region: sites[s].region, zone: sites[s].zone },
      });
    }
    runAgent('dns-a');
    runAgent('dns-b');
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
              spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] },
            },
            placement: { clusterSelector: {} },
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
          // No pods back these Services: publish them anyway (kubefed's default needs ready endpoints).
          spec: { domainRef: 'fed', recordTTL: 30, allowServiceWithoutEndpoints: true },
        },
      ),
    );
  });

  after(async () => {
    for (const p of Object.values(agents)) await p.stop();
    await hub?.stop();
    for (const d of [hub?.dataDir, ...Object.values(dirs)]) if (d) cleanup(d);
  });

  it('the global name has both running sites; region and zone names have their own; an empty zone is a CNAME', async () => {
    const g = await digUntil(
      hub.dnsPort,
      [GLOBAL, 'A'],
      (d) => rdata(d.answer, 'A').length === 2,
      'both sites in the global name',
      60_000,
    );
    assert.equal(g.status, 'NOERROR');
    assert.ok(g.flags.includes('aa'), 'authoritative');
    assert.deepEqual(sorted(rdata(g.answer, 'A')), ['127.0.0.41', '127.0.0.42']);
    assert.deepEqual(rdata((await a(region('eu'))).answer, 'A'), ['127.0.0.41']);
    assert.deepEqual(rdata((await a(zone('us-1', 'us'))).answer, 'A'), ['127.0.0.42']);

    // dns-c never ran: its zone answers a CNAME to its region, which (empty too) chains to the global name.
    const c = await a(zone('ap-1', 'ap'));
    assert.deepEqual(rdata(c.answer, 'CNAME'), [`${region('ap')}.`, `${GLOBAL}.`], c.raw);
    assert.deepEqual(sorted(rdata(c.answer, 'A')), ['127.0.0.41', '127.0.0.42'], c.raw);

    // Beyond kubefed: the multi-cluster-services name.
    const mcs = await digUntil(
      hub.dnsPort,
      ['web.shop.svc.clusterset.local', 'A'],
      (d) => rdata(d.answer, 'A').length === 2,
      'clusterset name',
      30_000,
    );
    assert.deepEqual(sorted(rdata(mcs.answer, 'A')), ['127.0.0.41', '127.0.0.42']);
  });

  it('a site whose agent stops leaves the global name after the health threshold, and returns', async () => {
    const t0 = Date.now();
    await agents['dns-b']?.stop('SIGKILL');
    const g = await digUntil(
      hub.dnsPort,
      [GLOBAL, 'A'],
      (d) => rdata(d.answer, 'A').length === 1,
      'dns-b gone from the global name',
      30_000,
    );
    assert.deepEqual(rdata(g.answer, 'A'), ['127.0.0.41']);
    const gone = Date.now() - t0;
    // Threshold 4 s + the health check and record pass: well under 15 s.
    assert.ok(gone < 15_000, `took ${gone} ms`);
    // Its zone falls back to a CNAME now.
    const z = await a(zone('us-1', 'us'));
    assert.equal(rdata(z.answer, 'CNAME')[0], `${region('us')}.`, z.raw);

    runAgent('dns-b');
    const back = await digUntil(
      hub.dnsPort,
      [GLOBAL, 'A'],
      (d) => rdata(d.answer, 'A').length === 2,
      'dns-b back in the global name',
      60_000,
    );
    assert.deepEqual(sorted(rdata(back.answer, 'A')), ['127.0.0.41', '127.0.0.42']);
  });

  it('deleting the ServiceDNSRecord removes the names (NXDOMAIN)', async () => {
    kubectlOk(hub.kubeconfig, ['delete', 'servicednsrecord', 'web', '-n', 'shop']);
    await waitFor(
      'NXDOMAIN',
      async () => {
        const d = await a(GLOBAL);
        return d.status === 'NXDOMAIN' ? d : undefined;
      },
      15_000,
    );
  });
});
