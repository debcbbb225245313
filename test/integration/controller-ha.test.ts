import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  ROOT,
  cleanup,
  kubectlOk,
  request,
  startHub,
  toYaml,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';
import { addCluster, works } from '../helpers/federation.js';

interface Lease {
  spec: { holderIdentity?: string };
}

function startControllers(hub: HubProcess, identity: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'edgefed'),
      'controllers',
      '--kubeconfig',
      hub.kubeconfig,
      '--identity',
      identity,
      '--lease-duration',
      '3',
      '--renew-deadline',
      '2',
      '--retry-period',
      '0.5',
      '--log-level',
      'warn',
    ],
    { stdio: 'ignore' },
  );
}

describe('two controller processes on one hub: leader election', function () {
  this.timeout(60_000);
  let hub: HubProcess;
  const procs: ChildProcess[] = [];
  before(async () => {
    hub = await startHub({ extraArgs: ['--no-controllers'] });
    await addCluster(hub, 'c1');
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ha' } },
        {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: 'FederatedNamespace',
          metadata: { name: 'ha', namespace: 'ha' },
          spec: { placement: { clusterSelector: {} } },
        },
      ),
    );
  });
  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await hub.stop();
    cleanup(hub.dataDir);
  });

  const holder = async (): Promise<string | undefined> => {
    const r = await request(
      hub,
      'GET',
      '/apis/coordination.k8s.io/v1/namespaces/kube-federation-system/leases/edgefed-controller-manager',
    );
    return r.status === 200 ? r.json<Lease>().spec.holderIdentity || undefined : undefined;
  };
  const fedConfigMap = (name: string) =>
    toYaml({
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedConfigMap',
      metadata: { name, namespace: 'ha' },
      spec: { template: { data: { n: name } }, placement: { clusters: [{ name: 'c1' }] } },
    });

  it('only the leader reconciles; when it dies the other takes over within the lease duration', async () => {
    const a = startControllers(hub, 'ctrl-a');
    procs.push(a);
    await waitFor('a leads', async () => ((await holder()) === 'ctrl-a' ? true : undefined));
    const b = startControllers(hub, 'ctrl-b');
    procs.push(b);
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], fedConfigMap('one'));
    await waitFor('work for one', async () =>
      (await works(hub, 'c1')).some((w) => w.spec.source.name === 'one') ? true : undefined,
    );
    // b stays a follower while a renews: sample the holder for a while.
    for (let i = 0; i < 10; i++) {
      assert.equal(await holder(), 'ctrl-a');
      await new Promise((r) => setTimeout(r, 200));
    }
    const killedAt = Date.now();
    a.kill('SIGKILL');
    await waitFor(
      'b takes over',
      async () => ((await holder()) === 'ctrl-b' ? true : undefined),
      10_000,
      100,
    );
    const takeover = Date.now() - killedAt;
    assert.ok(takeover < 3000 + 2000, `took over in ${takeover} ms (lease 3 s)`);
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], fedConfigMap('two'));
    await waitFor('the new leader reconciles', async () =>
      (await works(hub, 'c1')).some((w) => w.spec.source.name === 'two') ? true : undefined,
    );
    // The Work written by the first leader was not rewritten by the second: it reconciles to the same answer.
    const one = (await works(hub, 'c1')).find((w) => w.spec.source.name === 'one');
    assert.ok(one);
  });
});
