import assert from 'node:assert/strict';
import { jsonEqual, sameObject, specChanged } from '../../../../apiserver/rest/object-meta.js';
import type { KubeObject } from '../../../../api/kubernetes.js';

describe('object-meta: equality as stored (JSON)', () => {
  const cases: [string, unknown, unknown, boolean][] = [
    ['undefined property = absent', { a: 1, b: undefined }, { a: 1 }, true],
    ['nested undefined', { m: { labels: undefined } }, { m: {} }, true],
    ['null is a value', { a: null }, {}, false],
    ['array order matters', [1, 2], [2, 1], false],
    ['array vs object', [], {}, false],
    ['different scalar', { a: '1' }, { a: 1 }, false],
    ['deep equal', { a: [{ b: 'c' }] }, { a: [{ b: 'c' }] }, true],
  ];
  for (const [name, a, b, want] of cases) {
    it(name, () => {
      assert.equal(jsonEqual(a, b), want);
      assert.equal(jsonEqual(b, a), want);
    });
  }

  it('sameObject ignores managedFields and resourceVersion, not labels', () => {
    const base: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', resourceVersion: '1', managedFields: [] },
      data: { a: 'b' },
    };
    assert.equal(
      sameObject(base, { ...base, metadata: { name: 'x', resourceVersion: '2', labels: undefined } }),
      true,
    );
    assert.equal(sameObject(base, { ...base, metadata: { name: 'x', labels: { l: 'v' } } }), false);
  });

  it('specChanged ignores metadata, and status when it is a subresource', () => {
    const a: KubeObject = { metadata: { name: 'x' }, spec: { r: 1 }, status: { s: 1 } };
    assert.equal(specChanged(a, { ...a, metadata: { name: 'x', labels: { a: 'b' } } }, true), false);
    assert.equal(specChanged(a, { ...a, status: { s: 2 } }, true), false);
    assert.equal(specChanged(a, { ...a, status: { s: 2 } }, false), true);
    assert.equal(specChanged(a, { ...a, spec: { r: 2 } }, true), true);
  });
});
