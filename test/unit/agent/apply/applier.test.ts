/**
 * The Applier against a real (in-process) member API server: namespace first, the managed label,
 * kubefed's adoption rule, retained member fields, no write when nothing changed, drift put back,
 * deletion (member finalizers) and orphaning, and the member refusing a write.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { KubeObject } from '../../../../api/kubernetes.js';
import { MANAGED_LABEL } from '../../../../api/federation.js';
import { KubeClient } from '../../../../client/client.js';
import { Applier, type ApplyOutcome } from '../../../../agent/apply/applier.js';
import { Discovery } from '../../../../agent/apply/discovery.js';
import { kubeConfigAt, startInProcessApi, type InProcessApi } from '../../../helpers/inprocess-api.js';

type Obj = KubeObject & { data?: Record<string, string>; spec?: Record<string, unknown> };

let seq = 0;
/** A fresh namespace per test, so tests do not see each other's objects. */
const freshNs = (): string => `apply-${++seq}-${Date.now() % 100000}`;

const configMap = (
  ns: string,
  name: string,
  data: Record<string, string>,
  labels?: Record<string, string>,
): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  data,
});

function okOutcome(o: ApplyOutcome): Extract<ApplyOutcome, { ok: true }> {
  assert.ok(o.ok, `apply failed: ${o.ok ? '' : `${o.clusterStatus}: ${o.message}`}`);
  return o;
}

function failed(o: ApplyOutcome): Extract<ApplyOutcome, { ok: false }> {
  assert.ok(!o.ok, `apply succeeded (${o.ok ? o.action : ''}) where it should not`);
  return o;
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('agent/apply/applier (in-process member API)', function () {
  this.timeout(20_000);
  let api: InProcessApi;
  let member: KubeClient;
  let applier: Applier;

  const cmPath = (ns: string, name: string): string => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  const getCm = (ns: string, name: string): Promise<Obj | undefined> =>
    member.getIfExists<Obj>(cmPath(ns, name));

  before(async () => {
    api = await startInProcessApi({ prefix: 'applier-' });
    member = new KubeClient(api.kc, { fieldManager: 'edgefed-agent', timeoutMs: 10_000 });
    applier = new Applier(member, new Discovery(member));
  });
  after(async () => {
    await api?.close();
  });

  describe('create', () => {
    it('creates the namespace first (labelled managed), then the object with the managed label', async () => {
      const ns = freshNs();
      const o = okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      assert.equal(o.action, 'created');
      assert.equal(o.adopted, false);
      const nsObj = await member.get<KubeObject>(`/api/v1/namespaces/${ns}`);
      assert.equal(nsObj.metadata.labels?.[MANAGED_LABEL], 'true');
      const cm = await getCm(ns, 'cfg');
      assert.deepEqual(cm?.data, { a: '1' });
      assert.equal(cm?.metadata.labels?.[MANAGED_LABEL], 'true');
    });

    it('leaves an existing namespace as it is (no managed label added)', async () => {
      const ns = freshNs();
      await member.create('/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      });
      okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      const nsObj = await member.get<KubeObject>(`/api/v1/namespaces/${ns}`);
      assert.equal(nsObj.metadata.labels?.[MANAGED_LABEL], undefined);
    });

    it('does not write when the member already matches (unchanged, same resourceVersion)', async () => {
      const ns = freshNs();
      const first = okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      const again = okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      assert.equal(again.action, 'unchanged');
      assert.equal(again.object.metadata.resourceVersion, first.object.metadata.resourceVersion);
      assert.equal((await getCm(ns, 'cfg'))?.metadata.resourceVersion, first.object.metadata.resourceVersion);
    });

    it('writes anyway when forced (the Work changed since the last apply)', async () => {
      const ns = freshNs();
      okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      // The member covers the manifest, so only `force` makes this a write (a no-op one for the
      // member: like kube, it keeps the resourceVersion of an identical object).
      const forced = okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' }), { force: true }));
      assert.equal(forced.action, 'updated');
    });
  });

  describe('adoption (kubefed rule)', () => {
    it('adopts an existing unlabelled object: updated, adopted, labelled managed', async () => {
      const ns = freshNs();
      await applier.apply(configMap(ns, 'seed', {}));
      await member.create(`/api/v1/namespaces/${ns}/configmaps`, configMap(ns, 'cfg', { a: 'by-hand' }));
      const o = okOutcome(await applier.apply(configMap(ns, 'cfg', { a: 'federated' })));
      assert.equal(o.action, 'updated');
      assert.equal(o.adopted, true);
      const cm = await getCm(ns, 'cfg');
      assert.deepEqual(cm?.data, { a: 'federated' });
      assert.equal(cm?.metadata.labels?.[MANAGED_LABEL], 'true');
    });

    it('adopts even when the member object already matches the manifest (the label must be written)', async () => {
      const ns = freshNs();
      await applier.apply(configMap(ns, 'seed', {}));
      await member.create(`/api/v1/namespaces/${ns}/configmaps`, configMap(ns, 'cfg', { a: '1' }));
      const o = okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      assert.equal(o.adopted, true);
      assert.equal((await getCm(ns, 'cfg'))?.metadata.labels?.[MANAGED_LABEL], 'true');
    });

    it('leaves an object labelled managed "false": ManagedLabelFalse, not retried, no write', async () => {
      const ns = freshNs();
      await applier.apply(configMap(ns, 'seed', {}));
      const mine = await member.create<Obj>(
        `/api/v1/namespaces/${ns}/configmaps`,
        configMap(ns, 'cfg', { a: 'mine' }, { [MANAGED_LABEL]: 'false' }),
      );
      const o = failed(await applier.apply(configMap(ns, 'cfg', { a: 'federated' })));
      assert.equal(o.clusterStatus, 'ManagedLabelFalse');
      assert.equal(o.retry, false);
      assert.equal(o.object?.metadata.name, 'cfg');
      const cm = await getCm(ns, 'cfg');
      assert.deepEqual(cm?.data, { a: 'mine' });
      assert.equal(cm?.metadata.resourceVersion, mine.metadata.resourceVersion);
    });
  });

  describe('drift and retention', () => {
    it('puts back a field changed by hand in the member', async () => {
      const ns = freshNs();
      okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1', b: '2' })));
      await member.mergePatch(cmPath(ns, 'cfg'), { data: { a: 'hand-edited' } });
      const o = okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1', b: '2' })));
      assert.equal(o.action, 'updated');
      assert.deepEqual((await getCm(ns, 'cfg'))?.data, { a: '1', b: '2' });
    });

    it('re-creates an object deleted by hand in the member', async () => {
      const ns = freshNs();
      okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      await member.delete(cmPath(ns, 'cfg'));
      const o = okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      assert.equal(o.action, 'created');
      assert.deepEqual((await getCm(ns, 'cfg'))?.data, { a: '1' });
    });

    it('keeps annotations and finalizers the member added, across an update', async () => {
      const ns = freshNs();
      okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      await member.mergePatch(cmPath(ns, 'cfg'), {
        metadata: { annotations: { 'member.example/owner': 'ops' }, finalizers: ['member.example/hold'] },
      });
      const o = okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '2' })));
      assert.equal(o.action, 'updated');
      const cm = await getCm(ns, 'cfg');
      assert.deepEqual(cm?.data, { a: '2' });
      assert.equal(cm?.metadata.annotations?.['member.example/owner'], 'ops');
      assert.deepEqual(cm?.metadata.finalizers, ['member.example/hold']);
      await member.mergePatch(cmPath(ns, 'cfg'), { metadata: { finalizers: null } });
    });

    it('an extra member annotation alone is no drift (no write)', async () => {
      const ns = freshNs();
      okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      const patched = await member.mergePatch<Obj>(cmPath(ns, 'cfg'), {
        metadata: { annotations: { 'member.example/seen': 'yes' } },
      });
      const o = okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      assert.equal(o.action, 'unchanged');
      assert.equal((await getCm(ns, 'cfg'))?.metadata.resourceVersion, patched.metadata.resourceVersion);
    });

    it('keeps the Service clusterIP and nodePort the member allocated', async () => {
      const ns = freshNs();
      const svc = (selector: string): Obj => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: ns },
        spec: {
          type: 'NodePort',
          selector: { app: selector },
          ports: [{ name: 'http', port: 80, targetPort: 8080 }],
        },
      });
      const created = okOutcome(await applier.apply(svc('web')));
      const spec = created.object.spec as { clusterIP?: string; ports: { nodePort?: number }[] };
      assert.ok(spec.clusterIP, 'the member allocated a clusterIP');
      assert.ok(spec.ports[0]?.nodePort, 'the member allocated a nodePort');
      // A manifest change: the PUT must carry the allocated values (or the member refuses / reallocates).
      const updated = okOutcome(await applier.apply(svc('web2')));
      assert.equal(updated.action, 'updated');
      const after = updated.object.spec as typeof spec & { selector: Record<string, string> };
      assert.deepEqual(after.selector, { app: 'web2' });
      assert.equal(after.clusterIP, spec.clusterIP);
      assert.equal(after.ports[0]?.nodePort, spec.ports[0]?.nodePort);
    });

    it('retainReplicas keeps the member spec.replicas (an HPA owns it); without it the manifest wins', async () => {
      const ns = freshNs();
      const deploy = (image: string, replicas: number): Obj => ({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: ns },
        spec: {
          replicas,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'app', image }] },
          },
        },
      });
      const path = `/apis/apps/v1/namespaces/${ns}/deployments/web`;
      okOutcome(await applier.apply(deploy('nginx:1', 2), { retainReplicas: true }));
      await member.mergePatch(path, { spec: { replicas: 7 } });
      // Replicas alone differ: retained, so nothing to write.
      const same = okOutcome(await applier.apply(deploy('nginx:1', 2), { retainReplicas: true }));
      assert.equal(same.action, 'unchanged');
      const changed = okOutcome(await applier.apply(deploy('nginx:2', 2), { retainReplicas: true }));
      assert.equal(changed.action, 'updated');
      let d = await member.get<Obj>(path);
      assert.equal(d.spec?.replicas, 7);
      okOutcome(await applier.apply(deploy('nginx:2', 2)));
      d = await member.get<Obj>(path);
      assert.equal(d.spec?.replicas, 2);
    });
  });

  describe('deletion and orphaning', () => {
    it('deletes our object and answers true once it is gone', async () => {
      const ns = freshNs();
      okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      assert.equal(await applier.delete(configMap(ns, 'cfg', {})), true);
      assert.equal(await getCm(ns, 'cfg'), undefined);
      assert.equal(await applier.delete(configMap(ns, 'cfg', {})), true, 'already gone counts as done');
    });

    it('waits (false) while a member finalizer holds the object; apply meanwhile waits, retrying', async () => {
      const ns = freshNs();
      okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      await member.mergePatch(cmPath(ns, 'cfg'), { metadata: { finalizers: ['member.example/hold'] } });
      assert.equal(await applier.delete(configMap(ns, 'cfg', {})), false);
      const held = await getCm(ns, 'cfg');
      assert.ok(held?.metadata.deletionTimestamp, 'the member marked it for deletion');
      const o = failed(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      assert.equal(o.clusterStatus, 'UpdateFailed');
      assert.equal(o.retry, true);
      assert.equal(await applier.delete(configMap(ns, 'cfg', {})), false, 'still held');
      await member.mergePatch(cmPath(ns, 'cfg'), { metadata: { finalizers: null } });
      assert.equal(await applier.delete(configMap(ns, 'cfg', {})), true);
    });

    it('does not delete an object that is not ours (no managed label, or managed "false")', async () => {
      const ns = freshNs();
      await applier.apply(configMap(ns, 'seed', {}));
      await member.create(`/api/v1/namespaces/${ns}/configmaps`, configMap(ns, 'theirs', { a: '1' }));
      await member.create(
        `/api/v1/namespaces/${ns}/configmaps`,
        configMap(ns, 'optout', { a: '1' }, { [MANAGED_LABEL]: 'false' }),
      );
      assert.equal(await applier.delete(configMap(ns, 'theirs', {})), true);
      assert.equal(await applier.delete(configMap(ns, 'optout', {})), true);
      assert.ok(await getCm(ns, 'theirs'));
      assert.ok(await getCm(ns, 'optout'));
    });

    it('orphan leaves the object and strips only the managed label', async () => {
      const ns = freshNs();
      okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' }, { app: 'web' })));
      await applier.orphan(configMap(ns, 'cfg', {}));
      const cm = await getCm(ns, 'cfg');
      assert.deepEqual(cm?.data, { a: '1' });
      assert.deepEqual(cm?.metadata.labels, { app: 'web' });
    });

    it('orphan leaves a managed "false" label as it is', async () => {
      const ns = freshNs();
      await applier.apply(configMap(ns, 'seed', {}));
      await member.create(
        `/api/v1/namespaces/${ns}/configmaps`,
        configMap(ns, 'optout', { a: '1' }, { [MANAGED_LABEL]: 'false' }),
      );
      await applier.orphan(configMap(ns, 'optout', {}));
      assert.equal((await getCm(ns, 'optout'))?.metadata.labels?.[MANAGED_LABEL], 'false');
    });
  });

  describe('errors', () => {
    it('the member refusing a create (422): CreationFailed with its message, not retried', async () => {
      const ns = freshNs();
      const o = failed(await applier.apply(configMap(ns, 'cfg', { a: '1' }, { bad: 'not a label value!' })));
      assert.equal(o.clusterStatus, 'CreationFailed');
      assert.equal(o.retry, false);
      assert.match(o.message, /not a label value!|label/i);
      assert.equal(await getCm(ns, 'cfg'), undefined);
    });

    it('the member refusing an update (422): UpdateFailed with its message, not retried, object reported', async () => {
      const ns = freshNs();
      okOutcome(await applier.apply(configMap(ns, 'cfg', { a: '1' })));
      const o = failed(await applier.apply(configMap(ns, 'cfg', { a: '2' }, { bad: 'not a label value!' })));
      assert.equal(o.clusterStatus, 'UpdateFailed');
      assert.equal(o.retry, false);
      assert.equal(o.object?.metadata.name, 'cfg');
      assert.deepEqual((await getCm(ns, 'cfg'))?.data, { a: '1' });
    });

    it('a kind the member does not serve: CreationFailed naming it', async () => {
      const ns = freshNs();
      const o = failed(
        await applier.apply({
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { name: 'w', namespace: ns },
        }),
      );
      assert.equal(o.clusterStatus, 'CreationFailed');
      assert.match(o.message, /Widget/);
      assert.equal(
        await applier.delete({
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { name: 'w', namespace: ns },
        }),
        true,
      );
    });

    it('an unreachable member: CreationFailed, retried (transient)', async () => {
      const down = new KubeClient(kubeConfigAt(api.kc, `https://127.0.0.1:${await closedPort()}`), {
        timeoutMs: 5_000,
      });
      const o = failed(await new Applier(down, new Discovery(down)).apply(configMap('x', 'cfg', { a: '1' })));
      assert.equal(o.clusterStatus, 'CreationFailed');
      assert.equal(o.retry, true);
    });
  });
});
