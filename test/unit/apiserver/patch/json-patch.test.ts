import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from '../../../../apiserver/patch/index.js';
import { deepFreeze } from './deep-freeze.js';

const pod = {
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a', 'b'] },
  spec: { containers: [{ name: 'app', image: 'app:v1' }] },
};

function rejects(fn: () => unknown, code: number, reason: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.reason, reason);
    assert.match(err.message, message);
    return true;
  });
}

describe('applyJsonPatch (RFC 6902)', () => {
  const applies: { name: string; ops: unknown[]; want: unknown; target?: unknown }[] = [
    {
      name: 'replace a nested value',
      ops: [{ op: 'replace', path: '/spec/containers/0/image', value: 'app:v2' }],
      want: { ...pod, spec: { containers: [{ name: 'app', image: 'app:v2' }] } },
    },
    {
      name: 'add a map key, escaped with ~1',
      ops: [{ op: 'add', path: '/metadata/labels/example.com~1tier', value: 'web' }],
      want: { ...pod, metadata: { ...pod.metadata, labels: { app: 'web', 'example.com/tier': 'web' } } },
    },
    {
      name: 'append with "-" and insert at an index',
      ops: [
        { op: 'add', path: '/metadata/finalizers/-', value: 'c' },
        { op: 'add', path: '/metadata/finalizers/0', value: 'z' },
      ],
      want: { ...pod, metadata: { ...pod.metadata, finalizers: ['z', 'a', 'b', 'c'] } },
    },
    {
      name: 'remove a list item',
      ops: [{ op: 'remove', path: '/metadata/finalizers/0' }],
      want: { ...pod, metadata: { ...pod.metadata, finalizers: ['b'] } },
    },
    {
      name: 'test then act',
      ops: [
        { op: 'test', path: '/metadata/labels', value: { app: 'web' } },
        { op: 'remove', path: '/metadata/labels/app' },
      ],
      want: { ...pod, metadata: { ...pod.metadata, labels: {} } },
    },
    {
      name: 'move and copy',
      ops: [
        { op: 'copy', from: '/metadata/name', path: '/metadata/generateName' },
        { op: 'move', from: '/metadata/labels', path: '/metadata/annotations' },
      ],
      want: {
        ...pod,
        metadata: { name: 'web', generateName: 'web', annotations: { app: 'web' }, finalizers: ['a', 'b'] },
      },
    },
    {
      name: 'replace the whole document',
      ops: [{ op: 'replace', path: '', value: { a: 1 } }],
      want: { a: 1 },
    },
    { name: 'an empty patch changes nothing', ops: [], want: pod },
  ];
  for (const c of applies) {
    it(`applies: ${c.name}`, () => {
      assert.deepEqual(applyJsonPatch(deepFreeze(c.target ?? pod), deepFreeze(c.ops)), c.want);
    });
  }

  const malformed: { name: string; ops: unknown; message: RegExp }[] = [
    { name: 'not an array', ops: { op: 'add' }, message: /must be a JSON array of operations/ },
    { name: 'null document', ops: null, message: /must be a JSON array/ },
    { name: 'operation not an object', ops: ['add'], message: /operation 0 must be a JSON object/ },
    {
      name: 'unknown op',
      ops: [{ op: 'merge', path: '/a' }],
      message: /operation 0 has invalid "op" "merge"/,
    },
    { name: 'missing op', ops: [{ path: '/a' }], message: /invalid "op" undefined/ },
    { name: 'missing path', ops: [{ op: 'remove' }], message: /\(remove\) is missing a string "path"/ },
    {
      name: 'path without leading slash',
      ops: [{ op: 'remove', path: 'a/b' }],
      message: /invalid path "a\/b": must be empty or start with "\/"/,
    },
    {
      name: 'add without value',
      ops: [{ op: 'add', path: '/a' }],
      message: /\(add \/a\) is missing "value"/,
    },
    {
      name: 'move without from',
      ops: [{ op: 'move', path: '/a' }],
      message: /\(move\) is missing a string "from"/,
    },
    {
      name: 'later operation is reported by index',
      ops: [
        { op: 'test', path: '/a', value: 1 },
        { op: 'copy', path: '/b' },
      ],
      message: /operation 1 \(copy\)/,
    },
    {
      name: '__proto__ in a path',
      ops: [{ op: 'add', path: '/__proto__/x', value: 1 }],
      message: /__proto__/,
    },
  ];
  for (const c of malformed) {
    it(`400 for a malformed patch: ${c.name}`, () => {
      rejects(() => applyJsonPatch(pod, c.ops), 400, 'BadRequest', c.message);
    });
  }

  const notApplicable: { name: string; ops: unknown[]; message: RegExp }[] = [
    {
      name: 'replace of a missing path',
      ops: [{ op: 'replace', path: '/spec/foo', value: 1 }],
      message: /^json patch replace operation does not apply: doc is missing path: \/spec\/foo$/,
    },
    {
      name: 'remove of a missing key',
      ops: [{ op: 'remove', path: '/metadata/labels/nope' }],
      message: /^json patch remove operation does not apply: doc is missing path: \/metadata\/labels\/nope$/,
    },
    {
      name: 'remove past the end of a list',
      ops: [{ op: 'remove', path: '/metadata/finalizers/5' }],
      message: /remove operation does not apply: doc is missing path: \/metadata\/finalizers\/5/,
    },
    {
      name: 'add under a missing parent',
      ops: [{ op: 'add', path: '/spec/missing/deep', value: 1 }],
      message: /^json patch add operation does not apply: doc is missing path: \/spec\/missing\/deep$/,
    },
    {
      name: 'add past the end of a list',
      ops: [{ op: 'add', path: '/metadata/finalizers/9', value: 'x' }],
      message: /add operation does not apply: array index out of bounds at path: \/metadata\/finalizers\/9/,
    },
    {
      name: 'non-numeric list index',
      ops: [{ op: 'add', path: '/metadata/finalizers/first', value: 'x' }],
      message: /add operation does not apply: invalid array index in path: \/metadata\/finalizers\/first/,
    },
    {
      name: 'replace at a non-numeric list index',
      ops: [{ op: 'replace', path: '/metadata/finalizers/first', value: 'x' }],
      message: /replace operation does not apply: doc is missing path: \/metadata\/finalizers\/first/,
    },
    {
      name: 'failed test',
      ops: [{ op: 'test', path: '/metadata/name', value: 'db' }],
      message:
        /^json patch test operation failed: value at path \/metadata\/name does not equal the expected value$/,
    },
    {
      name: 'move from a missing path',
      ops: [{ op: 'move', from: '/nope', path: '/spec/x' }],
      message: /^json patch move operation does not apply: doc is missing from path: \/nope$/,
    },
    {
      name: 'move into its own child',
      ops: [{ op: 'move', from: '/spec', path: '/spec/inner' }],
      message: /cannot move \/spec into its own child \/spec\/inner/,
    },
    {
      name: 'remove of the whole document',
      ops: [{ op: 'remove', path: '' }],
      message: /cannot remove the whole document/,
    },
    {
      name: 'path through a scalar',
      ops: [{ op: 'add', path: '/metadata/name/x', value: 1 }],
      message: /add operation does not apply: doc is missing path: \/metadata\/name\/x/,
    },
  ];
  for (const c of notApplicable) {
    it(`422 when an operation does not apply: ${c.name}`, () => {
      rejects(() => applyJsonPatch(deepFreeze(pod), deepFreeze(c.ops)), 422, 'Invalid', c.message);
    });
  }

  it('413 past the operation limit', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
      op: 'test',
      path: '',
      value: {},
    }));
    rejects(
      () => applyJsonPatch({}, ops),
      413,
      'RequestEntityTooLarge',
      /maximum operations in a JSON patch/,
    );
  });

  it('shares no structure with its inputs', () => {
    const value = { nested: ['x'] };
    const target = { list: [] as unknown[] };
    const result = applyJsonPatch(target, [{ op: 'add', path: '/list/-', value }]) as {
      list: { nested: string[] }[];
    };
    result.list[0].nested.push('y');
    assert.deepEqual(value, { nested: ['x'] });
    assert.deepEqual(target, { list: [] });
  });

  it('a failing operation leaves the target untouched', () => {
    const target = { a: 1 };
    assert.throws(() =>
      applyJsonPatch(target, [
        { op: 'replace', path: '/a', value: 2 },
        { op: 'remove', path: '/b' },
      ]),
    );
    assert.deepEqual(target, { a: 1 });
  });
});
