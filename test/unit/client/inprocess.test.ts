/**
 * The in-process transport (client/inprocess.ts, hub/inprocess-api.ts): which requests it takes,
 * and against a real API server (apiserver/boot.ts on SQLite, listening on loopback HTTPS) that a
 * bound KubeConfig's unary requests are served without a network connection, with the same
 * authentication, results and error Statuses, while watches and unbound KubeConfigs use HTTPS.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startApiServer, type RunningApiServer } from '../../../apiserver/boot.js';
import { KubeClient } from '../../../client/client.js';
import { ApiError } from '../../../client/errors.js';
import { bindInProcess, isInProcess, requestPath } from '../../../client/inprocess.js';
import { inProcessApi } from '../../../hub/inprocess-api.js';
import { tempDir } from '../../helpers/hub.js';

describe('client/inprocess', () => {
  describe('isInProcess', () => {
    const bound = new KubeConfig();
    bindInProcess(bound, { inject: () => Promise.reject(new Error('not called')) }, 't');
    const cases: [string, KubeConfig, Parameters<typeof isInProcess>[1], boolean][] = [
      ['unary GET of a bound kubeconfig', bound, { method: 'GET', path: '/api/v1/namespaces' }, true],
      ['POST', bound, { method: 'POST', path: '/api/v1/namespaces', body: '{}' }, true],
      [
        'watch=true in the query',
        bound,
        { method: 'GET', path: '/api/v1/pods', query: { watch: true } },
        false,
      ],
      [
        "watch='1' in the query",
        bound,
        { method: 'GET', path: '/api/v1/pods', query: { watch: '1' } },
        false,
      ],
      ['watch in the path', bound, { method: 'GET', path: '/api/v1/pods?watch=true&rv=1' }, false],
      ['watch=false', bound, { method: 'GET', path: '/api/v1/pods', query: { watch: false } }, true],
      ['an unbound kubeconfig', new KubeConfig(), { method: 'GET', path: '/api/v1/namespaces' }, false],
    ];
    for (const [name, kc, r, want] of cases) it(name, () => assert.equal(isInProcess(kc, r), want));
  });

  describe('requestPath', () => {
    const cases: [string, Parameters<typeof requestPath>, string][] = [
      ['plain path', ['/api/v1/namespaces'], '/api/v1/namespaces'],
      ['no leading slash', ['api/v1/namespaces'], '/api/v1/namespaces'],
      ['query, undefined and empty values left out', ['/a', { limit: 5, x: undefined, y: '' }], '/a?limit=5'],
      ['values encoded', ['/a', { labelSelector: 'app in (a,b)' }], '/a?labelSelector=app+in+%28a%2Cb%29'],
      ['query already on the path kept', ['/a?continue=abc', { limit: 2 }], '/a?continue=abc&limit=2'],
    ];
    for (const [name, args, want] of cases) it(name, () => assert.equal(requestPath(...args), want));
  });

  describe('against a real API server', function () {
    this.timeout(60_000);
    let dir: string;
    let server: RunningApiServer;
    let connections = 0;
    let bound: KubeConfig;
    let network: KubeConfig;

    before(async () => {
      dir = tempDir('edgefed-inprocess-');
      const ip = inProcessApi({});
      server = await startApiServer({
        dataDir: dir,
        port: 0,
        bind: '127.0.0.1',
        logger: pino({ level: 'silent' }),
        tokens: ip.tokens,
      });
      server.api.app.server.on('connection', () => connections++);
      bound = new KubeConfig();
      bound.loadFromFile(server.kubeconfigPath);
      ip.bind(bound, server.api.app);
      network = new KubeConfig();
      network.loadFromFile(server.kubeconfigPath);
    });

    after(async () => {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves creates and reads without opening a connection; HTTPS clients see the result', async () => {
      const c = new KubeClient(bound, { fieldManager: 'test' });
      const before = connections;
      const created = await c.create<{ metadata: { name: string; managedFields?: unknown[] } }>(
        '/api/v1/namespaces/default/configmaps',
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } },
      );
      assert.equal(created.metadata.name, 'a');
      assert.ok(created.metadata.managedFields?.length, 'the field manager ran (same request path)');
      const got = await c.get<{ data: Record<string, string> }>('/api/v1/namespaces/default/configmaps/a');
      assert.deepEqual(got.data, { k: 'v' });
      assert.equal(connections, before, 'no connection was opened');
      const viaHttps = await new KubeClient(network).get<{ data: Record<string, string> }>(
        '/api/v1/namespaces/default/configmaps/a',
      );
      assert.deepEqual(viaHttps.data, { k: 'v' });
      assert.ok(connections > before, 'the unbound kubeconfig went over HTTPS');
    });

    it('answers errors as Kubernetes Statuses with their code and reason', async () => {
      const c = new KubeClient(bound);
      await assert.rejects(
        c.get('/api/v1/namespaces/default/configmaps/missing'),
        (e: unknown) => e instanceof ApiError && e.code === 404 && e.reason === 'NotFound',
      );
      await assert.rejects(
        c.create('/api/v1/namespaces/default/configmaps', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'a' },
        }),
        (e: unknown) => e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists',
      );
    });

    it('authenticates through the server: another token is refused with 401', async () => {
      const stranger = new KubeConfig();
      stranger.loadFromFile(server.kubeconfigPath);
      bindInProcess(stranger, server.api.app, 'not-the-token');
      await assert.rejects(
        new KubeClient(stranger).get('/api/v1/namespaces'),
        (e: unknown) => e instanceof ApiError && e.code === 401,
      );
    });

    it('EDGEFED_INPROCESS_API=0 turns it off: no token, binding is a no-op', () => {
      const off = inProcessApi({ EDGEFED_INPROCESS_API: '0' });
      assert.deepEqual(off.tokens, []);
      const kc = new KubeConfig();
      off.bind(kc, server.api.app);
      assert.equal(isInProcess(kc, { method: 'GET', path: '/api/v1/namespaces' }), false);
    });

    it('the bound kubeconfig has the admin identity (system:masters may delete namespaces)', async () => {
      const c = new KubeClient(bound);
      await c.create('/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'gone' },
      });
      await c.delete('/api/v1/namespaces/gone');
    });
  });
});
