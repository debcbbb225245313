import assert from 'node:assert/strict';
import { applyMergePatch } from '../../../../apiserver/patch/index.js';
import { deepFreeze } from './deep-freeze.js';

describe('applyMergePatch (RFC 7386)', () => {
  // The examples of RFC 7386 appendix A, plus the edges we care about.
  const cases: { name: string; target: unknown; patch: unknown; want: unknown }[] = [
    { name: 'replaces a value', target: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
    { name: 'adds a key', target: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
    { name: 'null deletes a key', target: { a: 'b' }, patch: { a: null }, want: {} },
    { name: 'null deletes only that key', target: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
    { name: 'scalar replaces array', target: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
    { name: 'array replaces scalar', target: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
    {
      name: 'merges nested objects',
      target: { a: { b: 'c' } },
      patch: { a: { b: 'd', c: null } },
      want: { a: { b: 'd' } },
    },
    { name: 'arrays are replaced whole', target: { a: [{ b: 'c' }] }, patch: { a: [1] }, want: { a: [1] } },
    { name: 'array patch replaces array', target: ['a', 'b'], patch: ['c', 'd'], want: ['c', 'd'] },
    { name: 'array patch replaces object', target: { a: 'b' }, patch: ['c'], want: ['c'] },
    { name: 'null patch replaces document', target: { a: 'foo' }, patch: null, want: null },
    { name: 'string patch replaces document', target: { a: 'foo' }, patch: 'bar', want: 'bar' },
    {
      name: 'keeps nulls already in the target',
      target: { e: null },
      patch: { a: 1 },
      want: { e: null, a: 1 },
    },
    { name: 'object patch on array target', target: [1, 2], patch: { a: 'b', c: null }, want: { a: 'b' } },
    {
      name: 'nulls inside new objects are dropped',
      target: {},
      patch: { a: { bb: { ccc: null } } },
      want: { a: { bb: {} } },
    },
    { name: 'null for a missing key is a no-op', target: { a: 1 }, patch: { z: null }, want: { a: 1 } },
    { name: 'undefined target is an empty object', target: undefined, patch: { a: 1 }, want: { a: 1 } },
    {
      name: 'metadata labels and annotations',
      target: { metadata: { name: 'x', labels: { app: 'a', tier: 'web' } }, spec: { replicas: 1 } },
      patch: { metadata: { labels: { tier: null, env: 'prod' } }, spec: { replicas: 3 } },
      want: { metadata: { name: 'x', labels: { app: 'a', env: 'prod' } }, spec: { replicas: 3 } },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(applyMergePatch(deepFreeze(c.target), deepFreeze(c.patch)), c.want);
    });
  }

  it('shares no structure with its inputs', () => {
    const target = { keep: { x: 1 } };
    const patch = { add: { y: [1] } };
    const result = applyMergePatch(target, patch) as { keep: { x: number }; add: { y: number[] } };
    result.keep.x = 2;
    result.add.y.push(2);
    assert.deepEqual(target, { keep: { x: 1 } });
    assert.deepEqual(patch, { add: { y: [1] } });
  });

  it('treats "__proto__" and "constructor" as ordinary keys', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"a": 1}}') as unknown;
    const result = applyMergePatch({}, patch) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepEqual(Object.keys(result), ['__proto__', 'constructor']);
    assert.deepEqual(result['constructor'], { a: 1 });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
