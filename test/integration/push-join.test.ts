import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  clusterKubeconfig,
  clusterReady,
  edgefed,
  getCluster,
  waitClustersReady,
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

const KFC = '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters';
const SECRET = '/api/v1/namespaces/kube-federation-system/secrets/edgefed-push-m1';

/**
 * Push mode, as kubefedctl join: `edgefed join` hands the hub a member kubeconfig; the hub runs the
 * agent in-process (heartbeats, Works, tunnel); `edgefed unjoin` stops it again.
 */
describe('edgefed join: push mode, the hub runs the agent (real processes)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  let member: HubProcess;
  let dir: string;
  /** The member with file references (relative paths) and two contexts: `down` (current) and `up`. */
  let memberKc: string;

  before(async () => {
    [hub, member] = await Promise.all([startHub(), startHub({ command: 'apiserver' })]);
    dir = tempDir('edgefed-push-');
    mkdirSync(join(dir, 'pki'));
    for (const f of ['ca.crt', 'admin.crt', 'admin.key'])
      copyFileSync(join(member.dataDir, 'pki', f), join(dir, 'pki', f));
    memberKc = join(dir, 'member.kubeconfig');
    writeFileSync(
      memberKc,
      toYaml({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'down',
        clusters: [
          { name: 'up', cluster: { server: member.url, 'certificate-authority': 'pki/ca.crt' } },
          { name: 'down', cluster: { server: 'https://127.0.0.1:1', 'certificate-authority': 'pki/ca.crt' } },
        ],
        users: [
          { name: 'admin', user: { 'client-certificate': 'pki/admin.crt', 'client-key': 'pki/admin.key' } },
        ],
        contexts: [
          { name: 'up', context: { cluster: 'up', user: 'admin' } },
          { name: 'down', context: { cluster: 'down', user: 'admin' } },
        ],
      }),
    );
  });
  after(async () => {
    await Promise.all([hub?.stop(), member?.stop()]);
    for (const d of [hub?.dataDir, member?.dataDir, dir]) if (d) cleanup(d);
  });

  it('refuses a member it cannot reach, and creates nothing', async () => {
    const r = edgefed([
      'join',
      'nowhere',
      '--kubeconfig',
      join(dir, 'missing.kubeconfig'),
      '--hub-kubeconfig',
      hub.kubeconfig,
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /does not exist/);
    const down = edgefed(['join', 'nowhere', '--kubeconfig', memberKc, '--hub-kubeconfig', hub.kubeconfig]);
    assert.notEqual(down.code, 0);
    assert.match(down.stderr, /cannot reach the member cluster at https:\/\/127\.0\.0\.1:1/);
    assert.equal((await request(hub, 'GET', `${KFC}/nowhere`)).status, 404);
    assert.equal(
      (await request(hub, 'GET', '/api/v1/namespaces/kube-federation-system/secrets/edgefed-push-nowhere'))
        .status,
      404,
    );
  });

  it('joins m1; the in-process agent heartbeats and the cluster turns Ready', async () => {
    const r = edgefed([
      'join',
      'm1',
      '--kubeconfig',
      memberKc,
      '--context',
      'up',
      '--hub-kubeconfig',
      hub.kubeconfig,
      '--labels',
      'region=eu',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /answers/);
    const secret = await request(hub, 'GET', SECRET);
    assert.equal(secret.status, 200);
    await waitClustersReady(hub, ['m1'], 30_000);
    const c = await getCluster(hub, 'm1');
    assert.equal(c.metadata.labels?.region, 'eu');
    // After the join the Secret holds the agent identity, and no longer the bootstrap token.
    const data = await waitFor(
      'identity stored',
      async () => {
        const d = (await request(hub, 'GET', SECRET)).json<{ data?: Record<string, string> }>().data ?? {};
        return d['agent.crt'] && !d.token ? d : undefined;
      },
      30_000,
      250,
    );
    assert.ok(data['agent.key']);
    // The member kubeconfig was made self-contained: no file references reach the hub.
    const stored = Buffer.from(data.kubeconfig, 'base64').toString('utf8');
    assert.doesNotMatch(stored, /pki\/|certificate-authority:|client-certificate:|client-key:/);
    assert.match(stored, /certificate-authority-data/);
    assert.ok(stored.includes(member.url));
    assert.ok(existsSync(join(hub.dataDir, 'push', 'm1', 'agent.json')));
  });

  it('refuses to join m1 twice', () => {
    const r = edgefed(['join', 'm1', '--kubeconfig', member.kubeconfig, '--hub-kubeconfig', hub.kubeconfig]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /already joined.*edgefed unjoin m1/);
  });

  it('a FederatedNamespace and a FederatedConfigMap placed on m1 appear in the member', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pushed' } },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedNamespace',
          metadata: { name: 'pushed', namespace: 'pushed' },
          spec: { placement: { clusters: [{ name: 'm1' }] } },
        },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedConfigMap',
          metadata: { name: 'cfg', namespace: 'pushed' },
          spec: { template: { data: { hello: 'push' } }, placement: { clusters: [{ name: 'm1' }] } },
        },
      ),
    );
    const got = await waitFor(
      'configmap on the member',
      () => {
        const r = kubectl(member.kubeconfig, ['get', 'configmap', 'cfg', '-n', 'pushed', '-o', 'json']);
        return r.code === 0 ? (JSON.parse(r.stdout) as { data?: Record<string, string> }) : undefined;
      },
      30_000,
      500,
    );
    assert.equal(got.data?.hello, 'push');
  });

  it('edgefed kubeconfig m1 reaches the member through the in-process agent tunnel', async () => {
    const out = clusterKubeconfig(hub.kubeconfig, 'm1', join(dir, 'm1.kubeconfig'));
    await waitFor(
      'proxy answers',
      async () => (await request(hub, 'GET', '/clusters/m1/proxy/version')).status === 200,
      30_000,
      250,
    );
    assert.match(kubectlOk(out, ['get', 'configmap', 'cfg', '-n', 'pushed', '-o', 'name']), /configmap\/cfg/);
  });

  it('after a hub restart that lost the agent data dir, the agent is restored from the Secret', async () => {
    await hub.stop();
    rmSync(join(hub.dataDir, 'push', 'm1'), { recursive: true, force: true });
    // A new port: the restored agent must dial the hub's new address.
    hub = await startHub({ dataDir: hub.dataDir });
    await waitFor(
      'proxy answers again',
      async () => (await request(hub, 'GET', '/clusters/m1/proxy/version')).status === 200,
      30_000,
      250,
    );
    kubectlOk(hub.kubeconfig, [
      '-n',
      'pushed',
      'patch',
      'federatedconfigmap',
      'cfg',
      '--type',
      'merge',
      '-p',
      '{"spec":{"template":{"data":{"hello":"again"}}}}',
    ]);
    await waitFor(
      'update applied by the restored agent',
      () => {
        const r = kubectl(member.kubeconfig, [
          'get',
          'configmap',
          'cfg',
          '-n',
          'pushed',
          '-o',
          'jsonpath={.data.hello}',
        ]);
        return r.stdout === 'again' ? true : undefined;
      },
      30_000,
      500,
    );
    assert.equal(await clusterReady(hub, 'm1'), 'True');
  });

  it('edgefed unjoin m1 stops the agent and deletes the Secret', async () => {
    const r = edgefed(['unjoin', 'm1', '--kubeconfig', hub.kubeconfig]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    await waitFor(
      'Secret deleted',
      async () => ((await request(hub, 'GET', SECRET)).status === 404 ? true : undefined),
      30_000,
      250,
    );
    await waitFor(
      'agent data removed',
      () => (existsSync(join(hub.dataDir, 'push', 'm1')) ? undefined : true),
      30_000,
      250,
    );
    // The tunnel went with the agent.
    await waitFor(
      'proxy refuses',
      async () =>
        (await request(hub, 'GET', '/clusters/m1/proxy/version')).status !== 200 ? true : undefined,
      30_000,
      250,
    );
  });
});
