/**
 * The edge site's service proxy (issue 13): a NodePort Service's node port on the node address
 * forwards TCP to the ready endpoints, round robin, or by client IP with sessionAffinity ClientIP.
 * Site API, controllers and proxy run in this process; the backends are real TCP servers on
 * loopback addresses standing for pod IPs; the test plays the kubelet for readiness.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startSiteControllers, type SiteControllers } from '../../agent/edge/controllers/index.js';
import type { Service } from '../../agent/edge/controllers/types.js';
import { ServiceProxy } from '../../agent/edge/proxy/proxy.js';
import { KubeClient } from '../../client/client.js';
import { silentLogger } from '../../client/log.js';
import { startApiServer, type RunningApiServer } from '../../apiserver/boot.js';
import { freePort } from '../helpers/dns.js';
import { cleanup, tempDir, waitFor } from '../helpers/hub.js';

const NODE_IP = '127.0.0.70';
const NS = 'proxy';
const BACKENDS = { 'web-a': '127.0.0.71', 'web-b': '127.0.0.72' } as const;

/** One request over the node port: what the backend answered (its name), or '' when refused. */
function call(port: number, from = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: NODE_IP, port, localAddress: from });
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString()));
    s.on('close', () => resolve(data));
    s.on('error', () => resolve(''));
  });
}

describe('site service proxy: NodePort to ready endpoints (real TCP)', function () {
  this.timeout(60_000);
  let dir: string;
  let site: RunningApiServer;
  let controllers: SiteControllers;
  let proxy: ServiceProxy;
  let client: KubeClient;
  const servers: Server[] = [];
  let backendPort = 0;
  let nodePort = 0;

  async function setReady(name: keyof typeof BACKENDS, ready: boolean): Promise<void> {
    const status = ready ? 'True' : 'False';
    await client.patch(
      `/api/v1/namespaces/${NS}/pods/${name}/status`,
      {
        status: {
          phase: 'Running',
          podIP: BACKENDS[name],
          conditions: [
            { type: 'Ready', status },
            { type: 'ContainersReady', status },
          ],
        },
      },
      'merge',
    );
  }

  before(async () => {
    dir = tempDir('edgefed-site-proxy-');
    backendPort = await freePort();
    for (const [name, ip] of Object.entries(BACKENDS)) {
      const srv = createServer((sock) => sock.end(name));
      await new Promise<void>((r) => srv.listen(backendPort, ip, r));
      servers.push(srv);
    }
    site = await startApiServer({
      dataDir: dir,
      port: 0,
      bind: '127.0.0.1',
      logger: pino({ level: 'silent' }),
    });
    const kc = new KubeConfig();
    kc.loadFromFile(site.kubeconfigPath);
    client = new KubeClient(kc);
    controllers = startSiteControllers({ kc, nodeName: 'n1', nodeIp: NODE_IP, resyncMs: 60_000 });
    await controllers.ready();
    proxy = new ServiceProxy({
      services: controllers.informers.services,
      endpoints: controllers.informers.endpoints,
      nodeIp: NODE_IP,
      log: silentLogger,
    });
    proxy.start();
    await client.create('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS },
    });
    for (const name of Object.keys(BACKENDS)) {
      await client.create(`/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: NS, labels: { app: 'web' } },
        spec: {
          nodeName: 'n1',
          containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: backendPort }] }],
        },
      });
      await setReady(name as keyof typeof BACKENDS, true);
    }
    const svc = await client.create<Service>(`/api/v1/namespaces/${NS}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: NS },
      spec: {
        type: 'NodePort',
        selector: { app: 'web' },
        ports: [{ name: 'http', port: 80, targetPort: 'http' }],
      },
    });
    nodePort = Number(svc.spec?.ports?.[0].nodePort);
  });

  after(async () => {
    await proxy?.stop();
    await controllers?.stop();
    await site?.close();
    for (const s of servers) s.close();
    if (dir) cleanup(dir);
  });

  it('round robin over both ready backends', async () => {
    await waitFor('the proxy listens', async () => ((await call(nodePort)) !== '' ? true : undefined));
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await call(nodePort));
    assert.deepEqual([...new Set(got)].sort(), ['web-a', 'web-b']);
    assert.notEqual(got[0], got[1], `alternates: ${got.join()}`);
  });

  it('an unready backend gets no connections; with none ready the port refuses', async () => {
    await setReady('web-b', false);
    await waitFor('only web-a', async () => {
      const got = [await call(nodePort), await call(nodePort), await call(nodePort)];
      return got.every((g) => g === 'web-a') ? true : undefined;
    });
    await setReady('web-a', false);
    await waitFor('refused', async () => ((await call(nodePort)) === '' ? true : undefined));
    await setReady('web-a', true);
    await setReady('web-b', true);
  });

  it('sessionAffinity ClientIP keeps a client on one backend', async () => {
    await client.patch(
      `/api/v1/namespaces/${NS}/services/web`,
      { spec: { sessionAffinity: 'ClientIP' } },
      'merge',
    );
    await waitFor('both ready again and sticky', async () => {
      const from1 = [
        await call(nodePort, '127.0.0.81'),
        await call(nodePort, '127.0.0.81'),
        await call(nodePort, '127.0.0.81'),
      ];
      return from1[0] !== '' && from1.every((g) => g === from1[0]) ? true : undefined;
    });
    const a = await call(nodePort, '127.0.0.82');
    for (let i = 0; i < 5; i++) assert.equal(await call(nodePort, '127.0.0.82'), a);
  });
});
