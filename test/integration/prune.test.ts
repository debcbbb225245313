/**
 * `kubectl apply --prune -l app=x -f dir/` with kubectl's default prune set: kubectl lists every kind
 * in that set (Pods, Services, Endpoints, ReplicationControllers, PersistentVolumes, Jobs, CronJobs,
 * Ingresses, workloads...), so the server must serve all of them or every prune fails with
 * "error retrieving RESTMappings to prune".
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, kubectl, kubectlOk, startHub, tempDir, toYaml, type HubProcess } from '../helpers/hub.js';

describe('kubectl apply --prune with the default prune set', function () {
  this.timeout(60_000);
  let hub: HubProcess;
  let dir: string;
  before(async () => {
    hub = await startHub({ extraArgs: ['--no-controllers', '--no-dns'] });
    dir = tempDir('edgefed-prune-');
  });
  after(async () => {
    await hub?.stop();
    if (hub) cleanup(hub.dataDir);
    rmSync(dir, { recursive: true, force: true });
  });

  const labels = { app: 'x' };
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'default', labels },
    data: { a: '1' },
  };
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', labels },
    spec: { selector: labels, ports: [{ port: 80 }] },
  };
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } },
    },
  };

  it('applies a directory, then prunes what left it (and only that)', () => {
    const m = join(dir, 'manifests');
    mkdirSync(m);
    writeFileSync(join(m, 'settings.yaml'), toYaml(cm));
    writeFileSync(join(m, 'web.yaml'), toYaml(svc, deploy));
    const first = kubectlOk(hub.kubeconfig, ['apply', '--prune', '-l', 'app=x', '-f', m]);
    assert.match(first, /configmap\/settings created/);
    assert.match(first, /deployment.apps\/web created/);
    // Not labelled app=x: never a candidate.
    kubectlOk(hub.kubeconfig, ['create', 'configmap', 'other', '-n', 'default', '--from-literal=a=1']);

    writeFileSync(join(m, 'web.yaml'), toYaml(svc));
    const second = kubectl(hub.kubeconfig, ['apply', '--prune', '-l', 'app=x', '-f', m]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /deployment.apps\/web pruned/);
    assert.doesNotMatch(second.stdout, /service\/web pruned|configmap\/settings pruned/);
    const left = kubectlOk(hub.kubeconfig, ['get', 'deploy,svc,cm', '-n', 'default', '-o', 'name']).split(
      '\n',
    );
    assert.ok(!left.includes('deployment.apps/web'));
    for (const n of ['service/web', 'configmap/settings', 'configmap/other']) assert.ok(left.includes(n), n);
  });
});
