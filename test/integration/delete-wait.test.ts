import assert from 'node:assert/strict';
import {
  cleanup,
  kubectl,
  kubectlOk,
  kubectlSpawn,
  request,
  startHub,
  toYaml,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';

describe('deletion, finalizers, namespaces and kubectl wait', function () {
  this.timeout(60_000);
  let hub: HubProcess;
  before(async () => {
    // The API server alone: these tests write federated objects' status themselves.
    hub = await startHub({ extraArgs: ['--no-controllers'] });
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'del' } }),
    );
  });
  after(async () => {
    await hub.stop();
    cleanup(hub.dataDir);
  });

  it('kubectl delete of an object with a finalizer returns only after the finalizer is removed', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'held', namespace: 'del', finalizers: ['example.com/hold'] },
      }),
    );
    const del = kubectlSpawn(hub.kubeconfig, ['delete', 'cm', 'held', '-n', 'del', '--timeout=30s']);
    let exited = false;
    del.once('exit', () => (exited = true));
    const marked = await waitFor('deletionTimestamp', () => {
      const o = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'cm', 'held', '-n', 'del', '-o', 'json']));
      return o.metadata.deletionTimestamp ? o : undefined;
    });
    assert.deepEqual(marked.metadata.finalizers, ['example.com/hold']);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(exited, false, 'kubectl delete still waits while the finalizer holds the object');
    // Adding a new finalizer to an object being deleted is refused.
    const add = kubectl(hub.kubeconfig, [
      'patch',
      'cm',
      'held',
      '-n',
      'del',
      '--type=json',
      '-p',
      '[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/other"}]',
    ]);
    assert.notEqual(add.code, 0);
    assert.match(add.stderr, /no new finalizers can be added if the object is being deleted/);
    kubectlOk(hub.kubeconfig, [
      'patch',
      'cm',
      'held',
      '-n',
      'del',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    await waitFor('kubectl delete to return', () => exited, 10_000);
    assert.equal(del.exitCode, 0, del.output());
    assert.match(del.output(), /configmap "held" deleted/);
    assert.match(kubectl(hub.kubeconfig, ['get', 'cm', 'held', '-n', 'del']).stderr, /NotFound/);
  });

  it('deleting a namespace deletes what is in it, and nothing new can be created meanwhile', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'doomed' } },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 's', namespace: 'doomed' },
          stringData: { k: 'v' },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'slow', namespace: 'doomed', finalizers: ['example.com/slow'] },
        },
      ),
    );
    const del = kubectlSpawn(hub.kubeconfig, ['delete', 'ns', 'doomed', '--timeout=30s']);
    await waitFor('namespace terminating', () => {
      const ns = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'ns', 'doomed', '-o', 'json']));
      return ns.status.phase === 'Terminating' ? true : undefined;
    });
    await waitFor('contents without finalizers gone', () => {
      const names = kubectlOk(hub.kubeconfig, ['get', 'cm,secret', '-n', 'doomed', '-o', 'name'])
        .trim()
        .split('\n');
      return names.length === 1 && names[0] === 'configmap/slow' ? true : undefined;
    });
    const create = await request(hub, 'POST', '/api/v1/namespaces/doomed/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'late' },
    });
    assert.equal(create.status, 403);
    assert.match(create.json<{ message: string }>().message, /because it is being terminated/);
    kubectlOk(hub.kubeconfig, [
      'patch',
      'cm',
      'slow',
      '-n',
      'doomed',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    await waitFor('kubectl delete ns to return', () => del.exitCode !== null, 15_000);
    assert.equal(del.exitCode, 0, del.output());
    assert.match(kubectl(hub.kubeconfig, ['get', 'ns', 'doomed']).stderr, /NotFound/);
  });

  it('kubectl wait --for=condition honours observedGeneration; --for=delete waits for removal', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedDeployment',
        metadata: { name: 'w', namespace: 'del' },
        spec: { template: { spec: { replicas: 1 } }, placement: { clusters: [] } },
      }),
    );
    const wait = kubectlSpawn(hub.kubeconfig, [
      'wait',
      'fdeploy/w',
      '-n',
      'del',
      '--for=condition=Propagation',
      '--timeout=20s',
    ]);
    const path = '/apis/types.kubefed.io/v1beta1/namespaces/del/federateddeployments/w/status';
    const cur = (await request(hub, 'GET', path)).json<{ metadata: { generation: number } }>();
    // A stale condition (older generation) must not satisfy the wait.
    const stale = {
      ...cur,
      status: {
        observedGeneration: cur.metadata.generation - 1,
        conditions: [
          { type: 'Propagation', status: 'True', observedGeneration: cur.metadata.generation - 1 },
        ],
      },
    };
    assert.equal((await request(hub, 'PUT', path, stale)).status, 200);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(
      wait.exitCode,
      null,
      `wait must ignore a condition from an older generation: ${wait.output()}`,
    );
    const fresh = (await request(hub, 'GET', path)).json<Record<string, unknown>>();
    const ok = {
      ...fresh,
      status: {
        observedGeneration: cur.metadata.generation,
        conditions: [{ type: 'Propagation', status: 'True' }],
      },
    };
    assert.equal((await request(hub, 'PUT', path, ok)).status, 200);
    await waitFor('kubectl wait to succeed', () => wait.exitCode !== null, 10_000);
    assert.equal(wait.exitCode, 0, wait.output());
    assert.match(wait.output(), /condition met/);

    const waitDel = kubectlSpawn(hub.kubeconfig, [
      'wait',
      'fdeploy/w',
      '-n',
      'del',
      '--for=delete',
      '--timeout=20s',
    ]);
    await new Promise((r) => setTimeout(r, 500));
    kubectlOk(hub.kubeconfig, ['delete', 'fdeploy', 'w', '-n', 'del']);
    await waitFor('wait --for=delete', () => waitDel.exitCode !== null, 10_000);
    assert.equal(waitDel.exitCode, 0, waitDel.output());
  });

  it('deletecollection with a label selector deletes only the matching objects', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'x1', namespace: 'del', labels: { batch: 'x' } },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'x2', namespace: 'del', labels: { batch: 'x' } },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'y1', namespace: 'del', labels: { batch: 'y' } },
        },
      ),
    );
    const res = await request(hub, 'DELETE', '/api/v1/namespaces/del/configmaps?labelSelector=batch%3Dx');
    assert.equal(res.status, 200, res.body);
    const left = kubectlOk(hub.kubeconfig, ['get', 'cm', '-n', 'del', '-l', 'batch', '-o', 'name']).trim();
    assert.equal(left, 'configmap/y1');
  });
});
