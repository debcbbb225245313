import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import { applyServerSide } from '../../../../apiserver/fieldmanager/index.js';
import type { KubeObject } from '../../../../api/kubernetes.js';
import { containers, deployment, entries, listType, run } from './helpers.js';

const opts = (manager: string, now = '2024-01-01T00:00:00Z') => ({
  manager,
  apiVersion: 'apps/v1',
  now,
  listType,
  force: false,
});

function applied(live: KubeObject | undefined, obj: KubeObject, manager: string, now?: string): KubeObject {
  const r = applyServerSide(live, obj, opts(manager, now));
  assert.ok('object' in r, 'unexpected conflicts');
  return r.object;
}

describe('fieldmanager: applyServerSide edges', () => {
  it('is idempotent: re-applying the same configuration changes nothing, time included', () => {
    const cfg = deployment(
      { replicas: 2, ...containers({ name: 'nginx', image: 'nginx' }) },
      { labels: { a: 'b' } },
    );
    const first = applied(undefined, cfg, 'kubectl', '2024-01-01T00:00:00Z');
    const second = applied(first, cfg, 'kubectl', '2024-02-02T00:00:00Z');
    assert.deepEqual(second, first);
  });

  it('bumps the applier’s time only when the object changes', () => {
    const first = applied(undefined, deployment({ replicas: 1 }), 'kubectl', '2024-01-01T00:00:00Z');
    const second = applied(first, deployment({ replicas: 2 }), 'kubectl', '2024-02-02T00:00:00Z');
    assert.equal(entries(second)[0].time, '2024-02-02T00:00:00Z');
  });

  it('takes apiVersion, kind, name and namespace from the configuration; keeps server metadata', () => {
    const live = applied(undefined, deployment({ replicas: 1 }), 'a');
    live.metadata.uid = 'u-1';
    live.metadata.creationTimestamp = '2024-01-01T00:00:00Z';
    live.metadata.resourceVersion = '5';
    const cfg = deployment({ replicas: 1 }, { creationTimestamp: null, uid: 'spoofed' });
    const out = applied(live, cfg, 'a');
    assert.equal(out.metadata.uid, 'u-1');
    assert.equal(out.metadata.creationTimestamp, '2024-01-01T00:00:00Z');
    assert.equal(out.metadata.resourceVersion, '5');
    assert.equal(out.kind, 'Deployment');
  });

  it('keeps live list order for untouched items and the configuration’s order for its own', () => {
    const { object } = run([
      { manager: 'a', apply: deployment(containers({ name: 'x' }, { name: 'y' }, { name: 'z' })) },
      { manager: 'b', apply: deployment(containers({ name: 'z' }, { name: 'x' }, { name: 'w' })) },
    ]);
    const names = (
      object.spec as { template: { spec: { containers: Array<{ name: string }> } } }
    ).template.spec.containers.map((c) => c.name);
    assert.deepEqual(names, ['y', 'z', 'x', 'w']);
  });

  it('does not modify its inputs', () => {
    const live = applied(undefined, deployment({ replicas: 1 }), 'a');
    const cfg = deployment({ replicas: 1, paused: true });
    const before = structuredClone([live, cfg]);
    applied(live, cfg, 'b');
    assert.deepEqual([live, cfg], before);
  });

  const rejects: Array<{ name: string; cfg: KubeObject; code: number; message: RegExp }> = [
    {
      name: 'managedFields in the configuration',
      cfg: deployment({}, { managedFields: [] }),
      code: 400,
      message: /^metadata\.managedFields must be nil$/,
    },
    {
      name: 'a configuration in another version',
      cfg: { ...deployment({}), apiVersion: 'apps/v1beta2' },
      code: 400,
      message:
        /^Incorrect version specified in apply patch\. Specified patch version: apps\/v1beta2, expected: apps\/v1$/,
    },
    {
      name: 'a map-list item without its key',
      cfg: deployment(containers({ image: 'nginx' })),
      code: 400,
      message:
        /\.spec\.template\.spec\.containers: element 0: associative list with keys has an element that omits key field "name"/,
    },
    {
      name: 'duplicate keys',
      cfg: deployment(containers({ name: 'a' }, { name: 'a' })),
      code: 400,
      message: /duplicate entries for key \[name="a"\]/,
    },
  ];
  for (const r of rejects) {
    it(`rejects ${r.name}`, () => {
      assert.throws(
        () => applyServerSide(undefined, r.cfg, opts('a')),
        (e: unknown) => e instanceof ApiError && e.code === r.code && r.message.test(e.message),
      );
    });
  }
});
