import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { SimulatedEngine } from '../../../../../agent/edge/engine/simulated.js';
import { runProbe, type ProbeTarget } from '../../../../../agent/edge/node/prober.js';
import type { Probe } from '../../../../../api/core.js';
import { container } from './fixtures.js';

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

describe('edge node: probes against real sockets', () => {
  let http: Server;
  let httpPort: number;
  let closedPort: number;
  const seen: { path?: string; header?: string } = {};

  before(async () => {
    http = createHttpServer((req, res) => {
      seen.path = req.url;
      seen.header = req.headers['x-probe'] as string | undefined;
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      res.statusCode = req.url === '/ok' ? 200 : req.url === '/redirect' ? 302 : 500;
      res.end();
    });
    httpPort = await listen(http);
    const tmp = createTcpServer();
    closedPort = await listen(tmp);
    await new Promise((r) => tmp.close(r));
  });
  after(() => {
    http.closeAllConnections();
    http.close();
  });

  const target = (over: Partial<ProbeTarget> = {}): ProbeTarget => ({
    engine: new SimulatedEngine(),
    containerId: 'x',
    container: container('app', { ports: [{ name: 'http', containerPort: httpPort }] }),
    ip: '127.0.0.1',
    simulated: false,
    ...over,
  });

  const cases: [string, () => Probe, boolean][] = [
    ['httpGet 200', () => ({ httpGet: { path: '/ok', port: httpPort } }), true],
    ['httpGet 302 counts as success', () => ({ httpGet: { path: '/redirect', port: httpPort } }), true],
    ['httpGet 500', () => ({ httpGet: { path: '/fail', port: httpPort } }), false],
    ['httpGet by port name', () => ({ httpGet: { path: '/ok', port: 'http' } }), true],
    ['httpGet to an unknown port name', () => ({ httpGet: { path: '/ok', port: 'nope' } }), false],
    ['httpGet nobody listening', () => ({ httpGet: { path: '/ok', port: closedPort } }), false],
    ['tcpSocket open', () => ({ tcpSocket: { port: httpPort } }), true],
    ['tcpSocket closed', () => ({ tcpSocket: { port: closedPort } }), false],
  ];
  for (const [name, probe, want] of cases)
    it(name, async () => assert.equal(await runProbe(probe(), target(), 1000), want));

  it('httpGet times out after timeoutSeconds', async () => {
    const t0 = Date.now();
    assert.equal(await runProbe({ httpGet: { path: '/slow', port: httpPort } }, target(), 300), false);
    assert.ok(Date.now() - t0 < 1500);
  });

  it('httpGet sends the path and headers', async () => {
    await runProbe(
      { httpGet: { path: '/ok', port: httpPort, httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } },
      target(),
      1000,
    );
    assert.deepEqual(seen, { path: '/ok', header: 'yes' });
  });

  it('network probes succeed on the simulated engine; exec goes to the engine', async () => {
    assert.equal(await runProbe({ tcpSocket: { port: closedPort } }, target({ simulated: true }), 500), true);
    const engine = new SimulatedEngine();
    const id = await engine.createContainer({
      name: 'c',
      image: 'x:1',
      env: [],
      labels: {},
      hostNetwork: true,
      ports: [],
      mounts: [],
      resources: {},
    });
    assert.equal(
      await runProbe({ exec: { command: ['true'] } }, target({ engine, containerId: id }), 500),
      false,
      'not running',
    );
    await engine.startContainer(id);
    assert.equal(
      await runProbe({ exec: { command: ['true'] } }, target({ engine, containerId: id }), 500),
      true,
    );
    engine.setExecExitCode(id, 1);
    assert.equal(
      await runProbe({ exec: { command: ['true'] } }, target({ engine, containerId: id }), 500),
      false,
    );
  });
});
