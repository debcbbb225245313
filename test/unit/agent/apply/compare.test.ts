import assert from 'node:assert/strict';
import { coveredBy, manifestHash, needsUpdate } from '../../../../agent/apply/compare.js';
import type { KubeObject } from '../../../../api/kubernetes.js';

describe('agent: when the member needs a write', () => {
  const cases: [string, unknown, unknown, boolean][] = [
    ['equal scalars', 1, 1, true],
    ['different scalars', 1, 2, false],
    ['extra keys in the member (defaults) are fine', { a: 1 }, { a: 1, b: 2 }, true],
    ['missing key in the member', { a: 1, b: 2 }, { a: 1 }, false],
    ['lists must match in length', [1, 2], [1, 2, 3], false],
    ['list elements are compared as objects', [{ a: 1 }], [{ a: 1, d: 0 }], true],
    ['empty map matches an absent field', { m: {} }, {}, true],
    ['empty list matches an absent field', { l: [] }, {}, true],
    ['null matches an absent field', { n: null }, {}, true],
    ['an object is not a list', { a: [] }, { a: {} }, true],
    ['nested difference', { s: { t: { u: 'x' } } }, { s: { t: { u: 'y' } } }, false],
    ['type mismatch', { a: '1' }, { a: 1 }, false],
  ];
  for (const [name, desired, actual, want] of cases) {
    it(`coveredBy: ${name}`, () => assert.equal(coveredBy(desired, actual), want));
  }

  const member: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'c',
      namespace: 'n',
      resourceVersion: '5',
      uid: 'u',
      labels: { 'kubefed.io/managed': 'true' },
    },
    data: { a: '1' },
  } as KubeObject;
  it('needsUpdate ignores resourceVersion and server metadata', () => {
    const desired = {
      ...member,
      metadata: { name: 'c', namespace: 'n', resourceVersion: '4', labels: { 'kubefed.io/managed': 'true' } },
    } as KubeObject;
    assert.equal(needsUpdate(desired, member), false);
  });
  it('needsUpdate sees a label removed in the member', () => {
    const desired = {
      ...member,
      metadata: { name: 'c', namespace: 'n', labels: { 'kubefed.io/managed': 'true', x: 'y' } },
    } as KubeObject;
    assert.equal(needsUpdate(desired, member), true);
  });
  it('manifestHash is key-order independent and sees retainReplicas', () => {
    const a = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a' } } as KubeObject;
    const b = { metadata: { name: 'a' }, kind: 'X', apiVersion: 'v1' } as KubeObject;
    assert.equal(manifestHash(a, false), manifestHash(b, undefined));
    assert.notEqual(manifestHash(a, false), manifestHash(a, true));
    assert.notEqual(manifestHash(a, false), manifestHash({ ...a, metadata: { name: 'b' } }, false));
  });
});
