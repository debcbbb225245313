import assert from 'node:assert/strict';
import type { FederatedObject } from '../../api/federation.js';
import {
  cleanup,
  kubectl,
  kubectlOk,
  request,
  startHub,
  toYaml,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';
import {
  addCluster,
  deleteCluster,
  getFederated,
  kubefedTestDeployment,
  manifest,
  reportApplied,
  setClusterReady,
  waitForWorks,
  workFor,
  works,
} from '../helpers/federation.js';

const fedNamespace = (ns: string, clusters?: string[]) => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind: 'FederatedNamespace',
  metadata: { name: ns, namespace: ns },
  spec: { placement: clusters ? { clusters: clusters.map((name) => ({ name })) } : { clusterSelector: {} } },
});

/** kubefed's own example, with the overrides the issue names. */
const fedDeployment = (ns: string, overrides: unknown[]) =>
  kubefedTestDeployment(ns, ['cluster1', 'cluster2'], overrides);

describe('federation: kubefed manifests reconciled into per-cluster Works (real hub, real kubectl)', function () {
  this.timeout(90_000);
  let hub: HubProcess;
  before(async () => {
    hub = await startHub({ extraArgs: ['--failover-grace', '2'] });
    await addCluster(hub, 'cluster1', { region: 'eu', zone: 'eu-1' });
    await addCluster(hub, 'cluster2', { region: 'us', zone: 'us-1' });
    await addCluster(hub, 'cluster3', { region: 'eu', zone: 'eu-2' });
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fed' } },
        fedNamespace('fed', ['cluster1', 'cluster2', 'cluster3']),
      ),
    );
  });
  after(async () => {
    await hub.stop();
    cleanup(hub.dataDir);
  });

  it('renders exactly the expected object per cluster, overrides included', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        fedDeployment('fed', [
          {
            clusterName: 'cluster2',
            clusterOverrides: [
              { path: '/spec/replicas', value: 5 },
              { path: '/spec/template/spec/containers/0/image', value: 'nginx:1.14.0-alpine' },
              { op: 'add', path: '/metadata/annotations', value: { foo: 'bar' } },
            ],
          },
        ]),
      ),
    );
    await waitForWorks(
      hub,
      (ws) => ws.filter((w) => w.spec.source.kind === 'Deployment').length === 2,
      'two Deployment works',
    );
    const w1 = manifest((await workFor(hub, 'cluster1', 'test-deployment'))!);
    const w2 = manifest((await workFor(hub, 'cluster2', 'test-deployment'))!);
    const expected = (replicas: number, image: string, annotations?: Record<string, string>) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'test-deployment',
        namespace: 'fed',
        labels: { app: 'nginx', 'kubefed.io/managed': 'true' },
        ...(annotations ? { annotations } : {}),
      },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'nginx' } },
        template: {
          metadata: { labels: { app: 'nginx' } },
          spec: { containers: [{ image, name: 'nginx' }] },
        },
      },
    });
    assert.deepEqual(w1, expected(3, 'nginx:1.17.0-alpine'));
    assert.deepEqual(w2, expected(5, 'nginx:1.14.0-alpine', { foo: 'bar' }));
    assert.equal(
      await workFor(hub, 'cluster3', 'test-deployment'),
      undefined,
      'cluster3 is not in the placement',
    );
    // The FederatedNamespace became a Namespace Work in every placed cluster.
    for (const c of ['cluster1', 'cluster2', 'cluster3']) {
      const ns = await workFor(hub, c, 'fed', 'Namespace');
      assert.deepEqual(ns && manifest(ns), {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'fed', labels: { 'kubefed.io/managed': 'true' } },
      });
    }

    // Then remove the annotation again, as kubefed's user guide does.
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        fedDeployment('fed', [
          {
            clusterName: 'cluster2',
            clusterOverrides: [
              { path: '/spec/replicas', value: 5 },
              { path: '/spec/template/spec/containers/0/image', value: 'nginx:1.14.0-alpine' },
              { op: 'add', path: '/metadata/annotations', value: { foo: 'bar' } },
              { op: 'remove', path: '/metadata/annotations/foo' },
            ],
          },
        ]),
      ),
    );
    await waitFor('annotation removed', async () => {
      const m = manifest((await workFor(hub, 'cluster2', 'test-deployment'))!);
      return m.metadata.annotations?.foo === undefined ? true : undefined;
    });
  });

  it('Works follow every placement change, and a clusterSelector picks clusters by label', async () => {
    const patch = (placement: unknown) =>
      kubectlOk(hub.kubeconfig, [
        'patch',
        'fdeploy',
        'test-deployment',
        '-n',
        'fed',
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { placement } }),
      ]);
    const deployedTo = async () =>
      (await works(hub))
        .filter((w) => w.spec.source.kind === 'Deployment')
        .map((w) => w.spec.cluster)
        .sort();
    patch({ clusters: [{ name: 'cluster3' }] });
    await waitFor('only cluster3', async () =>
      (await deployedTo()).join() === 'cluster3' ? true : undefined,
    );
    patch({ clusters: null, clusterSelector: { matchLabels: { region: 'eu' } } });
    await waitFor('eu clusters', async () =>
      (await deployedTo()).join() === 'cluster1,cluster3' ? true : undefined,
    );
    patch({
      clusterSelector: {
        matchLabels: null,
        matchExpressions: [{ key: 'zone', operator: 'In', values: ['us-1', 'eu-2'] }],
      },
    });
    await waitFor('zone selector', async () =>
      (await deployedTo()).join() === 'cluster2,cluster3' ? true : undefined,
    );
    patch({ clusters: [], clusterSelector: null });
    await waitFor('no clusters', async () => ((await deployedTo()).length === 0 ? true : undefined));
    patch({ clusters: [{ name: 'cluster1' }, { name: 'cluster2' }] });
    await waitFor('back to 1 and 2', async () =>
      (await deployedTo()).join() === 'cluster1,cluster2' ? true : undefined,
    );
  });

  it('status: Propagation True once every placed cluster applied; READY folds member health', async () => {
    const w1 = (await workFor(hub, 'cluster1', 'test-deployment'))!;
    const w2 = (await workFor(hub, 'cluster2', 'test-deployment'))!;
    await reportApplied(hub, w1, { replicas: 3, readyReplicas: 3 });
    await reportApplied(hub, w2, { replicas: 5, readyReplicas: 2 });
    const fed = await waitFor('propagation True', async () => {
      const f = await getFederated(hub, 'federateddeployments', 'fed', 'test-deployment');
      return f?.status?.conditions?.find((c) => c.type === 'Propagation')?.status === 'True' ? f : undefined;
    });
    assert.equal(fed.status?.observedGeneration, fed.metadata.generation);
    assert.deepEqual(
      fed.status?.clusters?.map((c) => [c.name, c.status ?? 'OK']),
      [
        ['cluster1', 'OK'],
        ['cluster2', 'OK'],
      ],
    );
    assert.deepEqual((fed.status?.clusters?.[1].remoteStatus as { readyReplicas: number }).readyReplicas, 2);
    const table = kubectlOk(hub.kubeconfig, ['get', 'fdeploy', '-n', 'fed']);
    assert.match(table.split('\n')[1], /^test-deployment\s+2\/2\s+5\/8\s+True\s+/);
  });

  it('status: ClusterNotReady for a cluster that is not Ready', async () => {
    await setClusterReady(hub, 'cluster2', false);
    const fed = await waitFor('ClusterNotReady', async () => {
      const f = await getFederated(hub, 'federateddeployments', 'fed', 'test-deployment');
      return f?.status?.clusters?.find((c) => c.name === 'cluster2')?.status === 'ClusterNotReady'
        ? f
        : undefined;
    });
    const cond = fed.status?.conditions?.find((c) => c.type === 'Propagation');
    assert.equal(cond?.status, 'False');
    assert.equal(cond?.reason, 'CheckClusters');
    assert.ok(
      await workFor(hub, 'cluster2', 'test-deployment'),
      'the Work stays: the member keeps running while its cluster is offline',
    );
    await setClusterReady(hub, 'cluster2', true);
    await waitFor('ready again', async () => {
      const f = await getFederated(hub, 'federateddeployments', 'fed', 'test-deployment');
      return f?.status?.conditions?.find((c) => c.type === 'Propagation')?.status === 'True'
        ? true
        : undefined;
    });
  });

  it('status: NamespaceNotFederated for an object whose namespace has no FederatedNamespace', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'plain' } },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedConfigMap',
          metadata: { name: 'cfg', namespace: 'plain' },
          spec: { template: { data: { a: '1' } }, placement: { clusterSelector: {} } },
        },
      ),
    );
    const fed = await waitFor('NamespaceNotFederated', async () => {
      const f = await getFederated(hub, 'federatedconfigmaps', 'plain', 'cfg');
      return f?.status?.conditions?.find((c) => c.reason === 'NamespaceNotFederated') ? f : undefined;
    });
    assert.equal(fed.status?.conditions?.[0].status, 'False');
    assert.equal((await works(hub)).filter((w) => w.spec.source.kind === 'ConfigMap').length, 0);
  });

  it('bad overrides: a clear per-cluster reason and an Event; other clusters unaffected; no hot loop', async () => {
    const bad = (overrides: unknown[]) =>
      toYaml({ ...fedDeployment('fed', overrides), metadata: { name: 'bad', namespace: 'fed' } });
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      bad([
        { clusterName: 'cluster1', clusterOverrides: [{ path: '/metadata/name', value: 'evil' }] },
        { clusterName: 'cluster2', clusterOverrides: [{ op: 'remove', path: '/spec/does/not/exist' }] },
      ]),
    );
    const fed = await waitFor('ApplyOverridesFailed for both', async () => {
      const f = await getFederated(hub, 'federateddeployments', 'fed', 'bad');
      const st = f?.status?.clusters ?? [];
      return st.length === 2 && st.every((c) => c.status === 'ApplyOverridesFailed') ? f : undefined;
    });
    assert.match(String(fed.status?.clusters?.[0].message), /\/metadata\/name/);
    assert.match(String(fed.status?.clusters?.[1].message), /\/spec\/does\/not\/exist/);
    const events = kubectlOk(hub.kubeconfig, [
      'get',
      'events',
      '-n',
      'fed',
      '--field-selector',
      'reason=ApplyOverridesFailed',
      '-o',
      'json',
    ]);
    const msgs = (
      JSON.parse(events) as { items: { message: string; involvedObject: { name: string } }[] }
    ).items
      .filter((e) => e.involvedObject.name === 'bad')
      .map((e) => e.message);
    assert.equal(msgs.length, 2, `one Event per failing cluster: ${msgs.join(' | ')}`);
    assert.ok(msgs.some((m) => m.includes('cluster1')) && msgs.some((m) => m.includes('cluster2')));
    // No Work was written for the broken clusters; test-deployment's Works are untouched.
    assert.equal((await works(hub)).filter((w) => w.spec.source.name === 'bad').length, 0);
    // No hot loop: nothing about it is rewritten while nothing changes (Works, status, events).
    const snapshot = async () => {
      const f = await getFederated(hub, 'federateddeployments', 'fed', 'bad');
      const ws = (await works(hub)).map((w) => `${w.metadata.name}@${w.metadata.resourceVersion}`).sort();
      const ev = (await request(hub, 'GET', '/api/v1/namespaces/fed/events')).json<{ items: unknown[] }>()
        .items.length;
      return JSON.stringify({ rv: f?.metadata.resourceVersion, ws, ev });
    };
    const before = await snapshot();
    assert.equal(JSON.parse(before).rv, fed.metadata.resourceVersion);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await snapshot(), before, 'nothing rewritten for 2 s');
    // A duplicate clusterName is reported for that cluster only.
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      bad([
        { clusterName: 'cluster1', clusterOverrides: [{ path: '/spec/replicas', value: 1 }] },
        { clusterName: 'cluster1', clusterOverrides: [{ path: '/spec/replicas', value: 2 }] },
      ]),
    );
    await waitFor('duplicate reported, cluster2 fine', async () => {
      const f = await getFederated(hub, 'federateddeployments', 'fed', 'bad');
      const st = new Map((f?.status?.clusters ?? []).map((c) => [c.name, c]));
      return st.get('cluster1')?.status === 'ApplyOverridesFailed' &&
        /more than once|duplicate/i.test(String(st.get('cluster1')?.message)) &&
        st.get('cluster2')?.status !== 'ApplyOverridesFailed'
        ? true
        : undefined;
    });
    assert.ok(await workFor(hub, 'cluster2', 'bad'));
    // An invalid op never gets in: the CRD schema refuses it with the field path.
    const r = kubectl(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      bad([
        {
          clusterName: 'cluster1',
          clusterOverrides: [{ op: 'frobnicate', path: '/spec/replicas', value: 1 }],
        },
      ]),
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.overrides\[0\]\.clusterOverrides\[0\]\.op/);
  });

  it('deletion removes every Work; the orphan annotation marks them Orphan first', async () => {
    kubectlOk(hub.kubeconfig, ['delete', 'fdeploy', 'bad', '-n', 'fed']);
    assert.equal((await works(hub)).filter((w) => w.spec.source.name === 'bad').length, 0);
    // Hold the Works as an agent would, to observe what the hub asks of the member side.
    for (const c of ['cluster1', 'cluster2']) {
      const w = (await workFor(hub, c, 'test-deployment'))!;
      await request(
        hub,
        'PATCH',
        `/apis/edgefed.io/v1alpha1/namespaces/${w.metadata.namespace}/works/${w.metadata.name}`,
        { metadata: { finalizers: ['edgefed.io/member-cleanup'] } },
        { 'content-type': 'application/merge-patch+json' },
      );
    }
    kubectlOk(hub.kubeconfig, [
      'annotate',
      'fdeploy',
      'test-deployment',
      '-n',
      'fed',
      'kubefed.io/orphan=true',
    ]);
    kubectlOk(hub.kubeconfig, ['delete', 'fdeploy', 'test-deployment', '-n', 'fed', '--wait=false']);
    const held = await waitForWorks(
      hub,
      (ws) =>
        ws.filter((w) => w.spec.source.name === 'test-deployment' && w.metadata.deletionTimestamp).length ===
        2,
      'works marked for deletion',
    );
    for (const w of held.filter((x) => x.spec.source.name === 'test-deployment'))
      assert.equal(w.spec.deletePolicy, 'Orphan');
    // The agent confirms: the Works go, then the federated object.
    for (const w of held.filter((x) => x.spec.source.name === 'test-deployment')) {
      await request(
        hub,
        'PATCH',
        `/apis/edgefed.io/v1alpha1/namespaces/${w.metadata.namespace}/works/${w.metadata.name}`,
        { metadata: { finalizers: null } },
        { 'content-type': 'application/merge-patch+json' },
      );
    }
    await waitFor('federated object gone', async () =>
      (await getFederated(hub, 'federateddeployments', 'fed', 'test-deployment')) ? undefined : true,
    );
  });

  it('a deletion waiting on an offline cluster says so, and completes when the cluster is removed', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml({ ...fedDeployment('fed', []), metadata: { name: 'stuck', namespace: 'fed' } }),
    );
    const w = await waitFor('work on cluster2', () => workFor(hub, 'cluster2', 'stuck'));
    await waitFor('work on cluster1', () => workFor(hub, 'cluster1', 'stuck'));
    await request(
      hub,
      'PATCH',
      `/apis/edgefed.io/v1alpha1/namespaces/${w.metadata.namespace}/works/${w.metadata.name}`,
      { metadata: { finalizers: ['edgefed.io/member-cleanup'] } },
      { 'content-type': 'application/merge-patch+json' },
    );
    await setClusterReady(hub, 'cluster2', false);
    kubectlOk(hub.kubeconfig, ['delete', 'fdeploy', 'stuck', '-n', 'fed', '--wait=false']);
    const fed = await waitFor('waiting status', async () => {
      const f = await getFederated(hub, 'federateddeployments', 'fed', 'stuck');
      return f?.status?.clusters?.some((c) => c.name === 'cluster2' && c.status === 'WaitingForRemoval')
        ? f
        : undefined;
    });
    assert.match(String(fed.status?.conditions?.find((c) => c.type === 'Propagation')?.message), /cluster2/);
    await deleteCluster(hub, 'cluster2');
    await waitFor(
      'deletion completes after the cluster is removed',
      async () => ((await getFederated(hub, 'federateddeployments', 'fed', 'stuck')) ? undefined : true),
      20_000,
    );
    await waitFor(
      'cluster2 namespace gone',
      async () =>
        (await request(hub, 'GET', '/api/v1/namespaces/edgefed-cluster-cluster2')).status === 404
          ? true
          : undefined,
      20_000,
    );
    await addCluster(hub, 'cluster2', { region: 'us', zone: 'us-1' });
  });

  it('ReplicaSchedulingPreference: totals add up; failover moves replicas off a NotReady cluster and back', async () => {
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        { ...fedDeployment('fed', []), metadata: { name: 'sched', namespace: 'fed' } },
        {
          apiVersion: 'scheduling.kubefed.io/v1alpha1',
          kind: 'ReplicaSchedulingPreference',
          metadata: { name: 'sched', namespace: 'fed' },
          spec: {
            targetKind: 'FederatedDeployment',
            totalReplicas: 9,
            clusters: { cluster1: { weight: 1 }, cluster2: { weight: 2 } },
          },
        },
      ),
    );
    const replicas = async (): Promise<Record<string, number>> => {
      const out: Record<string, number> = {};
      for (const w of (await works(hub)).filter(
        (x) => x.spec.source.name === 'sched' && !x.metadata.deletionTimestamp,
      )) {
        out[w.spec.cluster] = Number((w.spec.manifest.spec as { replicas: number }).replicas);
      }
      return out;
    };
    const expectReplicas = (want: Record<string, number>, what: string) =>
      waitFor(
        what,
        async () => {
          const r = await replicas();
          return JSON.stringify(r) === JSON.stringify(want) ? r : undefined;
        },
        20_000,
      );
    await expectReplicas({ cluster1: 3, cluster2: 6 }, 'kubefed weights 1:2 of 9 → 3 and 6');
    await setClusterReady(hub, 'cluster2', false);
    await expectReplicas(
      { cluster1: 9, cluster2: 0 },
      'after the 2 s grace, cluster2 replicas fail over to cluster1 (its Work stays, at 0)',
    );
    await setClusterReady(hub, 'cluster2', true);
    await expectReplicas({ cluster1: 3, cluster2: 6 }, 'back when cluster2 is Ready again');
    const rsp = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'rsp', 'sched', '-n', 'fed', '-o', 'json'])) as {
      status: { clusters: Record<string, { replicas: number }> };
    };
    assert.equal(
      Object.values(rsp.status.clusters).reduce((a, c) => a + c.replicas, 0),
      9,
    );
  });

  it('a new FederatedTypeConfig starts its sync loop at run time', async () => {
    const out = kubectlOk(hub.kubeconfig, [
      'get',
      'ftc',
      '-n',
      'kube-federation-system',
      'configmaps',
      '-o',
      'json',
    ]);
    const ftc = JSON.parse(out) as FederatedObject;
    assert.ok(ftc);
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedConfigMap',
        metadata: { name: 'cfg', namespace: 'fed' },
        spec: { template: { data: { k: 'v' } }, placement: { clusters: [{ name: 'cluster1' }] } },
      }),
    );
    const w = await waitFor('configmap work', () => workFor(hub, 'cluster1', 'cfg', 'ConfigMap'));
    assert.deepEqual(manifest(w).data, { k: 'v' });
    // Disabling the type stops propagation of new objects.
    kubectlOk(hub.kubeconfig, [
      'patch',
      'ftc',
      'configmaps',
      '-n',
      'kube-federation-system',
      '--type=merge',
      '-p',
      '{"spec":{"propagation":"Disabled"}}',
    ]);
    await new Promise((r) => setTimeout(r, 500));
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedConfigMap',
        metadata: { name: 'cfg2', namespace: 'fed' },
        spec: { template: { data: { k: 'v' } }, placement: { clusters: [{ name: 'cluster1' }] } },
      }),
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await workFor(hub, 'cluster1', 'cfg2', 'ConfigMap'), undefined);
    kubectlOk(hub.kubeconfig, [
      'patch',
      'ftc',
      'configmaps',
      '-n',
      'kube-federation-system',
      '--type=merge',
      '-p',
      '{"spec":{"propagation":"Enabled"}}',
    ]);
    await waitFor('propagated once enabled again', () => workFor(hub, 'cluster1', 'cfg2', 'ConfigMap'));
  });
});
