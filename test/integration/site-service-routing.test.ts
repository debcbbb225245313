/**
 * Pods at an edge site reach a Service by name and ClusterIP (issue 13), with real podman: a
 * client pod on podman's bridge reaches the `web` Deployment's Service by its cluster DNS name and
 * by its short name (the pod's resolv.conf points at the site's cluster DNS with kube's search
 * path), and by its ClusterIP. When one of the two backends fails its readiness probe it leaves
 * the proxy within seconds: every later request is answered by the other one (the
 * unready backend still serves, so a request sent to it would show its name).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
import { PODMAN_SUBNET, SERVICE_CIDR } from '../../agent/edge/dns/routing.js';
import { chainNames, ServiceChains } from '../../agent/edge/proxy/iptables.js';
import {
  ensureBusyboxImage,
  RESOLVER_IMAGE,
  removeContainersWithLabel,
  startPodman,
  type PodmanService,
} from '../helpers/podman.js';

const NODE_IP = '127.0.0.92';
const NS = 'routing';
const SITE = 'routing-site';

describe('Services by name and ClusterIP from pods at an edge site (podman)', function () {
  this.timeout(300_000);
  let podman: PodmanService;
  let hub: HubProcess;
  let agent: AgentProcess | undefined;
  let dir: string;
  let siteKc: string;

  const exec = (pod: string, cmd: string[]) =>
    kubectl(siteKc, ['exec', '-n', NS, pod, '--', ...cmd], undefined);
  let lastFailure = '';
  /** An HTTP GET from inside `pod` (busybox nc: its wget segfaults); the body's last line. */
  const httpFrom = (pod: string, host: string, port = 80): string => {
    const req = `printf 'GET / HTTP/1.0\\r\\nHost: ${host}\\r\\n\\r\\n' | nc -w 3 ${host} ${port}`;
    const r = exec(pod, ['sh', '-c', req]);
    const body = r.stdout.trim().split('\n').pop() ?? '';
    if (r.code !== 0 || !r.stdout.startsWith('HTTP/1.')) {
      lastFailure = `${host}:${port}: ${r.code} ${r.stdout} ${r.stderr.trim()}`;
      return '';
    }
    return body.trim();
  };
  const wget = (url: string): string => httpFrom('client', url.replace(/^http:\/\//, ''));
  const readyBackends = (): string[] => {
    const r = kubectl(siteKc, ['get', 'endpoints', 'web', '-n', NS, '-o', 'json']);
    if (r.code !== 0) return [];
    const ep = JSON.parse(r.stdout) as { subsets?: { addresses?: { targetRef?: { name: string } }[] }[] };
    return (ep.subsets ?? [])
      .flatMap((s) => s.addresses ?? [])
      .map((a) => a.targetRef?.name ?? '')
      .sort();
  };

  before(async () => {
    podman = await startPodman();
    await ensureBusyboxImage(podman.socket, RESOLVER_IMAGE);
    hub = await startHub();
    dir = tempDir('edgefed-routing-site-');
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
    const web = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'httpd',
                image: RESOLVER_IMAGE,
                env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
                ports: [{ name: 'http', containerPort: 8080 }],
                command: [
                  'sh',
                  '-c',
                  'mkdir -p /www && echo $POD_NAME > /www/index.html && touch /tmp/ready && exec httpd -f -p 8080 -h /www',
                ],
                readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    };
    kubectlOk(
      siteKc,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
        web,
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: NS },
          spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
        },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'client', namespace: NS },
          spec: { containers: [{ name: 'sh', image: RESOLVER_IMAGE, command: ['sleep', '3600'] }] },
        },
      ),
    );
  });

  after(async () => {
    await agent?.stop('SIGTERM');
    if (agent?.proc.exitCode === 0) {
      // A graceful stop removes the site's own chains and jumps.
      const nat = spawnSync('iptables', ['-t', 'nat', '-S'], { encoding: 'utf8' }).stdout;
      const filter = spawnSync('iptables', ['-S'], { encoding: 'utf8' }).stdout;
      assert.ok(!nat.includes(chainNames(SITE).nat), nat);
      assert.ok(!filter.includes(chainNames(SITE).filter), filter);
    } else {
      // Killed after the 10 s grace: remove what it left, as its next start would replace it.
      await new ServiceChains({ site: SITE, bridgeCidr: PODMAN_SUBNET, serviceCidr: SERVICE_CIDR }).remove();
    }
    await hub?.stop();
    if (podman) {
      await removeContainersWithLabel(podman.endpoint, 'edgefed.io/node', SITE);
      await podman.stop();
    }
    for (const d of [hub?.dataDir, dir]) if (d) cleanup(d);
  });

  it("the client's resolv.conf is the site's cluster DNS with kube's search path", async () => {
    kubectlOk(siteKc, ['wait', '--for=condition=Ready', 'pod/client', '-n', NS, '--timeout=120s']);
    const dnsIp = kubectlOk(siteKc, [
      'get',
      'svc',
      'kube-dns',
      '-n',
      'kube-system',
      '-o',
      'jsonpath={.spec.clusterIP}',
    ]).trim();
    assert.match(dnsIp, /^10\.(9[6-9]|10[0-9]|11[01])\./);
    const conf = exec('client', ['cat', '/etc/resolv.conf']).stdout;
    assert.match(conf, new RegExp(`^nameserver ${dnsIp.replace(/\./g, '\\.')}$`, 'm'), conf);
    assert.match(conf, /^search routing\.svc\.cluster\.local svc\.cluster\.local cluster\.local/m, conf);
    assert.match(conf, /ndots:5/, conf);
    // The site's own chain carries the DNS rule (and nothing else of ours is elsewhere).
    const nat = spawnSync('iptables', ['-t', 'nat', '-S'], { encoding: 'utf8' }).stdout;
    assert.match(nat, new RegExp(`-d ${dnsIp}/32 -p udp .*-j DNAT`), nat);
  });

  it('reaches the Service by cluster DNS name, short name and ClusterIP; nslookup answers', async () => {
    await waitFor(
      'both backends ready',
      () => (readyBackends().length === 2 ? true : undefined),
      120_000,
      500,
    );
    const clusterIp = kubectlOk(siteKc, [
      'get',
      'svc',
      'web',
      '-n',
      NS,
      '-o',
      'jsonpath={.spec.clusterIP}',
    ]).trim();
    const look = exec('client', ['busybox', 'nslookup', 'web.routing.svc.cluster.local']);
    assert.equal(look.code, 0, look.stdout + look.stderr);
    assert.ok(look.stdout.includes(clusterIp), look.stdout);
    const missing = exec('client', ['busybox', 'nslookup', 'nope.routing.svc.cluster.local']);
    assert.notEqual(missing.code, 0, missing.stdout);
    const backends = readyBackends();
    for (const url of ['http://web.routing.svc.cluster.local', 'http://web', `http://${clusterIp}`])
      await waitFor(
        `both backends through ${url}`,
        () => {
          const seen = new Set([wget(url), wget(url), wget(url), wget(url)]);
          return backends.every((b) => seen.has(b)) ? true : undefined;
        },
        30_000,
        200,
      ).catch((e: Error) => {
        const nat = spawnSync('iptables', ['-t', 'nat', '-S'], { encoding: 'utf8' }).stdout;
        throw new Error(`${e.message}; last failure ${lastFailure}\n${nat}`);
      });
  });

  it('a backend failing readiness is out of the proxy within seconds; no request reaches it after', async () => {
    const [gone, kept] = readyBackends();
    assert.ok(gone && kept);
    const t0 = Date.now();
    assert.equal(exec(gone, ['busybox', 'rm', '/tmp/ready']).code, 0);
    await waitFor(
      `${gone} no longer answering`,
      () => {
        const got = [wget('http://web'), wget('http://web')];
        return got.every((g) => g === kept) ? true : undefined;
      },
      30_000,
      100,
    );
    const took = Date.now() - t0;
    assert.ok(took < 15_000, `took ${took} ms`);
    assert.deepEqual(readyBackends(), [kept]);
    // It still serves (only unready): any request routed to it would come back with its name.
    assert.equal(httpFrom(gone, '127.0.0.1', 8080), gone);
    for (let i = 0; i < 10; i++) assert.equal(wget('http://web.routing.svc.cluster.local'), kept);
  });
});
