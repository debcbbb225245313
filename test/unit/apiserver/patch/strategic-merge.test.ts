import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import {
  applyStrategicMergePatch,
  builtinPatchMeta,
  type PatchMetaResolver,
} from '../../../../apiserver/patch/index.js';
import { copy, deepFreeze } from './deep-freeze.js';

/** Mirrors the MergeItem test struct of k8s.io/apimachinery's strategicpatch tests. */
const mergeItem: PatchMetaResolver = (path) => {
  switch (path[path.length - 1]) {
    case 'mergingList':
      return { strategy: 'merge', mergeKey: 'name' };
    case 'mergingIntList':
      return { strategy: 'merge' };
    case 'replacingItem':
      return { strategy: 'replace' };
    case 'retainKeysMap':
      return { strategy: 'retainKeys' };
    case 'retainKeysMergingList':
      return { strategy: 'merge,retainKeys', mergeKey: 'name' };
    default:
      return undefined;
  }
};

interface Case {
  name: string;
  original: unknown;
  patch: unknown;
  want: unknown;
}

const DIRECTIVE = /^\$(patch|retainKeys|setElementOrder|deleteFromPrimitiveList)/;

function directiveKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(directiveKeys);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => [
    ...(DIRECTIVE.test(key) ? [key] : []),
    ...directiveKeys(item),
  ]);
}

function run(cases: Case[], meta: PatchMetaResolver): void {
  for (const c of cases) {
    it(c.name, () => {
      // Frozen inputs make any mutation by the merge throw.
      const got = applyStrategicMergePatch(deepFreeze(copy(c.original)), deepFreeze(copy(c.patch)), meta);
      assert.deepEqual(got, c.want);
      assert.deepEqual(directiveKeys(got), [], 'a directive leaked into the result');
    });
  }
}

function fails(
  name: string,
  original: unknown,
  patch: unknown,
  meta: PatchMetaResolver,
  code: number,
  message: RegExp,
) {
  it(name, () => {
    assert.throws(
      () => applyStrategicMergePatch(original, patch, meta),
      (err: unknown) => {
        assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
        assert.equal(err.code, code);
        assert.match(err.message, message);
        return true;
      },
    );
  });
}

describe('applyStrategicMergePatch', () => {
  describe('maps and replaced values', () => {
    run(
      [
        {
          name: 'merges maps recursively',
          original: { simpleMap: { a: '1', b: '2' }, name: 'x' },
          patch: { simpleMap: { b: '3', c: '4' } },
          want: { simpleMap: { a: '1', b: '3', c: '4' }, name: 'x' },
        },
        {
          name: 'null deletes a key and is ignored for a missing one',
          original: { name: 'x', value: 'v' },
          patch: { value: null, other: null },
          want: { name: 'x' },
        },
        {
          name: 'lists without a strategy are replaced',
          original: { nonMergingList: [{ name: 'a' }, { name: 'b' }], nonMergingIntList: [1, 2] },
          patch: { nonMergingList: [{ name: 'c' }], nonMergingIntList: [3] },
          want: { nonMergingList: [{ name: 'c' }], nonMergingIntList: [3] },
        },
        {
          name: 'a map with strategy replace is replaced',
          original: { replacingItem: { a: 1, b: 2 } },
          patch: { replacingItem: { c: 3 } },
          want: { replacingItem: { c: 3 } },
        },
        {
          name: 'a value of another type replaces',
          original: { simpleMap: { a: '1' }, mergingList: [{ name: 'a' }] },
          patch: { simpleMap: 'flat', mergingList: { name: 'a' } },
          want: { simpleMap: 'flat', mergingList: { name: 'a' } },
        },
        {
          name: 'null original is an empty object',
          original: null,
          patch: { name: 'x', value: null },
          want: { name: 'x' },
        },
        {
          name: 'new values are cleaned of nulls and directives',
          original: {},
          patch: {
            simpleMap: { a: '1', b: null },
            mergingList: [
              { name: 'gone', $patch: 'delete' },
              { name: 'y', value: null },
            ],
            nonMergingList: [{ $patch: 'replace' }, { name: 'z', other: null }],
          },
          want: { simpleMap: { a: '1' }, mergingList: [{ name: 'y' }], nonMergingList: [{ name: 'z' }] },
        },
        {
          name: '"$" keys that are not directives are ordinary fields',
          original: { schema: { $ref: '#/a' } },
          patch: { schema: { $ref: '#/b', $schema: 'x' } },
          want: { schema: { $ref: '#/b', $schema: 'x' } },
        },
      ],
      mergeItem,
    );
  });

  describe('$patch on maps', () => {
    run(
      [
        {
          name: 'replace keeps only the patch keys',
          original: { simpleMap: { a: '1', b: '2' } },
          patch: { simpleMap: { $patch: 'replace', c: '3', d: null } },
          want: { simpleMap: { c: '3' } },
        },
        {
          name: 'replace at the root',
          original: { name: '1', value: '1' },
          patch: { $patch: 'replace', other: 'a' },
          want: { other: 'a' },
        },
        {
          name: 'delete removes the map',
          original: { simpleMap: { a: '1' }, name: 'x' },
          patch: { simpleMap: { $patch: 'delete' } },
          want: { name: 'x' },
        },
        {
          name: 'delete of a map that is not there',
          original: { name: 'x' },
          patch: { simpleMap: { $patch: 'delete' } },
          want: { name: 'x' },
        },
        {
          name: 'delete at the root empties the object',
          original: { name: 'x' },
          patch: { $patch: 'delete' },
          want: {},
        },
        {
          name: 'merge is the default, stated',
          original: { simpleMap: { a: '1' } },
          patch: { simpleMap: { $patch: 'merge', b: '2' } },
          want: { simpleMap: { a: '1', b: '2' } },
        },
      ],
      mergeItem,
    );
    fails(
      'unknown $patch on a map is a 400',
      { simpleMap: {} },
      { simpleMap: { $patch: 'explode' } },
      mergeItem,
      400,
      /unknown patch type: "explode"/,
    );
    fails('non-string $patch is a 400', {}, { $patch: 1 }, mergeItem, 400, /unknown patch type: 1/);
  });

  describe('lists merged by key', () => {
    run(
      [
        {
          name: 'merges items with the same key and keeps the others',
          original: {
            mergingList: [
              { name: 'a', value: '1' },
              { name: 'b', value: '2' },
            ],
          },
          patch: { mergingList: [{ name: 'b', value: '3', other: 'x' }] },
          want: {
            mergingList: [
              { name: 'a', value: '1' },
              { name: 'b', value: '3', other: 'x' },
            ],
          },
        },
        {
          name: 'null inside an item deletes that field',
          original: { mergingList: [{ name: 'a', value: '1', other: 'o' }] },
          patch: { mergingList: [{ name: 'a', value: null }] },
          want: { mergingList: [{ name: 'a', other: 'o' }] },
        },
        {
          name: 'a new item with no live item before it goes first, as upstream',
          original: { mergingList: [{ name: 'a' }, { name: 'b' }] },
          patch: { mergingList: [{ name: 'c' }] },
          want: { mergingList: [{ name: 'c' }, { name: 'a' }, { name: 'b' }] },
        },
        {
          name: 'a new item lands after the patched item before it',
          original: { mergingList: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
          patch: { mergingList: [{ name: 'b', value: 'x' }, { name: 'd' }] },
          want: { mergingList: [{ name: 'a' }, { name: 'b', value: 'x' }, { name: 'd' }, { name: 'c' }] },
        },
        {
          name: 'preserves the order from the patch',
          original: { mergingList: [{ name: '1' }, { name: '2', value: 'b' }, { name: '3' }] },
          patch: {
            mergingList: [
              { name: '3', value: 'c' },
              { name: '1', value: 'a' },
              { name: '2', other: 'x' },
            ],
          },
          want: {
            mergingList: [
              { name: '3', value: 'c' },
              { name: '1', value: 'a' },
              { name: '2', value: 'b', other: 'x' },
            ],
          },
        },
        {
          name: 'preserves the order from the patch 2',
          original: { mergingList: [{ name: '1' }, { name: '2', value: 'b' }, { name: '3' }] },
          patch: {
            mergingList: [
              { name: '3', value: 'c' },
              { name: '1', value: 'a' },
            ],
          },
          want: {
            mergingList: [
              { name: '2', value: 'b' },
              { name: '3', value: 'c' },
              { name: '1', value: 'a' },
            ],
          },
        },
        {
          name: '$patch: delete removes every item with that key',
          original: {
            mergingList: [
              { name: '1' },
              { name: '1' },
              { name: '2', value: 'a' },
              { name: '3' },
              { name: '3' },
            ],
          },
          patch: {
            mergingList: [
              { name: '1', $patch: 'delete' },
              { name: '3', $patch: 'delete' },
            ],
          },
          want: { mergingList: [{ name: '2', value: 'a' }] },
        },
        {
          name: '$patch: replace as the only element empties the list',
          original: { mergingList: [{ name: '1' }, { name: '2' }] },
          patch: { mergingList: [{ $patch: 'replace' }] },
          want: { mergingList: [] },
        },
        {
          name: '$patch: replace with items replaces the list',
          original: { mergingList: [{ name: '1', value: 'a' }, { name: '2' }] },
          patch: { mergingList: [{ name: '3' }, { $patch: 'replace' }, { name: '1' }] },
          want: { mergingList: [{ name: '3' }, { name: '1' }] },
        },
        {
          name: 'an empty patch list changes nothing',
          original: { mergingList: [{ name: '1' }] },
          patch: { mergingList: [] },
          want: { mergingList: [{ name: '1' }] },
        },
        {
          name: 'a $patch: merge element restates the default',
          original: { mergingList: [{ name: '1' }] },
          patch: { mergingList: [{ $patch: 'merge' }, { name: '2' }] },
          want: { mergingList: [{ name: '2' }, { name: '1' }] },
        },
        {
          name: 'merge lists nested in merge lists',
          original: { mergingList: [{ name: 'a', mergingList: [{ name: 'x', value: '1' }] }] },
          patch: { mergingList: [{ name: 'a', mergingList: [{ name: 'x', value: '2' }] }] },
          want: { mergingList: [{ name: 'a', mergingList: [{ name: 'x', value: '2' }] }] },
        },
        {
          name: 'merge keys compare by type: 1 and "1" differ',
          original: { mergingList: [{ name: 1, value: 'num' }] },
          patch: { mergingList: [{ name: '1', value: 'str' }] },
          want: {
            mergingList: [
              { name: '1', value: 'str' },
              { name: 1, value: 'num' },
            ],
          },
        },
      ],
      mergeItem,
    );
    fails(
      'an item without the merge key is a 400',
      { mergingList: [{ name: 'a' }] },
      { mergingList: [{ value: 'v' }] },
      mergeItem,
      400,
      /does not contain declared merge key: name/,
    );
    fails(
      'a delete without the merge key is a 400',
      { mergingList: [{ name: 'a' }] },
      { mergingList: [{ $patch: 'delete', value: 'v' }] },
      mergeItem,
      400,
      /does not contain declared merge key: name/,
    );
    fails(
      'a live item without the merge key is a 400',
      { mergingList: [{ value: 'a' }] },
      { mergingList: [{ name: 'b' }] },
      mergeItem,
      400,
      /does not contain declared merge key/,
    );
    fails(
      'unknown $patch in a list is a 400',
      { mergingList: [] },
      { mergingList: [{ name: 'a', $patch: 'upsert' }] },
      mergeItem,
      400,
      /unknown patch type: "upsert"/,
    );
    fails(
      'mixed element types are a 400',
      { mergingList: [{ name: 'a' }] },
      { mergingList: ['b'] },
      mergeItem,
      400,
      /list element types are not identical/,
    );
    fails(
      'lists of lists are a 422',
      {},
      { mergingIntList: [[1]] },
      mergeItem,
      422,
      /lists of lists are not supported/,
    );
    fails(
      'a merge list of maps without a merge key is a 400',
      {},
      { mergingIntList: [{ a: 1 }] },
      mergeItem,
      400,
      /without a merge key/,
    );
  });

  describe('lists of scalars with strategy merge', () => {
    run(
      [
        {
          name: 'union without duplicates',
          original: { mergingIntList: [1, 2] },
          patch: { mergingIntList: [2, 3] },
          want: { mergingIntList: [1, 2, 3] },
        },
        {
          name: 'a new value with no live value before it goes first, as upstream',
          original: { mergingIntList: [1, 2] },
          patch: { mergingIntList: [3] },
          want: { mergingIntList: [3, 1, 2] },
        },
        {
          name: 'preserves the order from the patch',
          original: { mergingIntList: [1, 2, 3] },
          patch: { mergingIntList: [3, 1] },
          want: { mergingIntList: [2, 3, 1] },
        },
        {
          name: '$deleteFromPrimitiveList removes values',
          original: { mergingIntList: [1, 2, 3, 2] },
          patch: { '$deleteFromPrimitiveList/mergingIntList': [2, 9] },
          want: { mergingIntList: [1, 3] },
        },
        {
          name: '$deleteFromPrimitiveList with an addition',
          original: { mergingIntList: [1, 2] },
          patch: { '$deleteFromPrimitiveList/mergingIntList': [1], mergingIntList: [2, 3] },
          want: { mergingIntList: [2, 3] },
        },
        {
          name: '$deleteFromPrimitiveList of a missing list is a no-op',
          original: { name: 'x' },
          patch: { '$deleteFromPrimitiveList/mergingIntList': [1] },
          want: { name: 'x' },
        },
        {
          name: '$patch: replace element replaces the list',
          original: { mergingIntList: [1, 2] },
          patch: { mergingIntList: [{ $patch: 'replace' }, 5] },
          want: { mergingIntList: [5] },
        },
      ],
      mergeItem,
    );
    fails(
      '$deleteFromPrimitiveList must be a list',
      { mergingIntList: [1] },
      { '$deleteFromPrimitiveList/mergingIntList': 1 },
      mergeItem,
      400,
      /invalid patch format of primitive list/,
    );
    fails(
      '$deleteFromPrimitiveList needs a field',
      {},
      { $deleteFromPrimitiveList: [1] },
      mergeItem,
      400,
      /invalid patch format of primitive list/,
    );
    fails(
      '$patch: delete in a scalar list is a 400',
      { mergingIntList: [1] },
      { mergingIntList: [{ $patch: 'delete' }] },
      mergeItem,
      400,
      /\$deleteFromPrimitiveList/,
    );
  });

  describe('$retainKeys', () => {
    run(
      [
        {
          name: 'drops live keys it does not name',
          original: { retainKeysMap: { name: 'foo', value: 'a', other: 'b' } },
          patch: { retainKeysMap: { $retainKeys: ['name', 'simpleMap'], simpleMap: { k: 'v' } } },
          want: { retainKeysMap: { name: 'foo', simpleMap: { k: 'v' } } },
        },
        {
          name: 'without the directive a retainKeys map merges',
          original: { retainKeysMap: { name: 'foo' } },
          patch: { retainKeysMap: { value: 'bar' } },
          want: { retainKeysMap: { name: 'foo', value: 'bar' } },
        },
        {
          name: 'inside items of a merge,retainKeys list',
          original: { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'a' }] },
          patch: { retainKeysMergingList: [{ name: 'foo', $retainKeys: ['name', 'other'], other: 'b' }] },
          want: { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', other: 'b' }] },
        },
        {
          name: 'nulls and directives need not be retained',
          original: { retainKeysMap: { name: 'foo', value: 'a', mergingIntList: [1] } },
          patch: {
            retainKeysMap: {
              $retainKeys: ['name', 'mergingIntList'],
              value: null,
              '$setElementOrder/mergingIntList': [1],
            },
          },
          want: { retainKeysMap: { name: 'foo', mergingIntList: [1] } },
        },
      ],
      mergeItem,
    );
    fails(
      'a patched key outside $retainKeys is a 400',
      {},
      { retainKeysMap: { $retainKeys: ['name'], value: 'v' } },
      mergeItem,
      400,
      /invalid patch format of retainKeys: "value"/,
    );
    fails(
      '$retainKeys must be a list',
      {},
      { retainKeysMap: { $retainKeys: 'name' } },
      mergeItem,
      400,
      /invalid patch format of retainKeys/,
    );
  });

  describe('$setElementOrder', () => {
    run(
      [
        {
          name: 'orders merged items, ignoring names that are not there',
          original: { mergingList: [{ name: '1' }, { name: '3' }] },
          patch: {
            '$setElementOrder/mergingList': [{ name: '3' }, { name: '2' }, { name: '1' }],
            mergingList: [
              { name: '3', value: '3' },
              { name: '1', value: '1' },
            ],
          },
          want: {
            mergingList: [
              { name: '3', value: '3' },
              { name: '1', value: '1' },
            ],
          },
        },
        {
          name: 'orders a scalar list with no patch list',
          original: { mergingIntList: [1, 3] },
          patch: { '$setElementOrder/mergingIntList': [3, 2, 1] },
          want: { mergingIntList: [3, 1] },
        },
        {
          name: 'live items it does not name stay ahead of patch items that followed them live',
          original: { mergingList: [{ name: 'a' }, { name: 'live-only' }, { name: 'b' }] },
          patch: { '$setElementOrder/mergingList': [{ name: 'b' }, { name: 'a' }] },
          want: { mergingList: [{ name: 'live-only' }, { name: 'b' }, { name: 'a' }] },
        },
        {
          name: 'with deletions in the patch list',
          original: { mergingList: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
          patch: {
            '$setElementOrder/mergingList': [{ name: 'c' }, { name: 'a' }],
            mergingList: [{ name: 'b', $patch: 'delete' }],
          },
          want: { mergingList: [{ name: 'c' }, { name: 'a' }] },
        },
        {
          name: 'for a list the live object lacks',
          original: {},
          patch: {
            '$setElementOrder/mergingList': [{ name: 'b' }, { name: 'a' }],
            mergingList: [{ name: 'b' }, { name: 'a' }],
          },
          want: { mergingList: [{ name: 'b' }, { name: 'a' }] },
        },
        {
          name: 'of a list the patch deletes',
          original: { mergingList: [{ name: 'a' }] },
          patch: { '$setElementOrder/mergingList': [], mergingList: null },
          want: {},
        },
      ],
      mergeItem,
    );
    fails(
      'a patch list out of its order is a 400',
      { mergingList: [{ name: '1' }, { name: '3' }, { name: '2' }] },
      {
        '$setElementOrder/mergingList': [{ name: '1' }, { name: '2' }, { name: '3' }],
        mergingList: [
          { name: '3', value: '3' },
          { name: '1', value: '1' },
        ],
      },
      mergeItem,
      400,
      /doesn't match \$setElementOrder list/,
    );
    fails(
      '$setElementOrder must be a list',
      {},
      { '$setElementOrder/mergingList': { name: 'a' } },
      mergeItem,
      400,
      /invalid patch format of setElementOrder list/,
    );
    fails(
      '$setElementOrder needs a field',
      {},
      { $setElementOrder: [] },
      mergeItem,
      400,
      /invalid patch format of setElementOrder list/,
    );
    fails(
      '$setElementOrder entries need the merge key',
      { mergingList: [{ name: 'a' }] },
      { '$setElementOrder/mergingList': [{ value: 'a' }] },
      mergeItem,
      400,
      /merge key: name/,
    );
  });

  describe('kubectl three-way patches of a Deployment', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web', team: 'a' }, finalizers: ['example.com/a'] },
      spec: {
        replicas: 2,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'app:v1',
                env: [{ name: 'A', value: '1' }],
                ports: [{ containerPort: 8080, protocol: 'TCP' }],
              },
              { name: 'sidecar', image: 'proxy:v1' },
            ],
            volumes: [{ name: 'data', emptyDir: {} }],
            tolerations: [{ key: 'a', operator: 'Exists' }],
          },
        },
      },
    };
    type Editable = {
      metadata: Record<string, unknown>;
      spec: Record<string, unknown> & { template: { spec: Record<string, unknown> } };
    };
    const edit = (change: (d: Editable) => void): unknown => {
      const d = copy(deployment) as unknown as Editable;
      change(d);
      return d;
    };
    const withPodSpec = (changes: Record<string, unknown>): unknown =>
      edit((d) => Object.assign(d.spec.template.spec, changes));
    const [app, sidecar] = deployment.spec.template.spec.containers;
    const podSpecPatch = (spec: Record<string, unknown>) => ({ spec: { template: { spec } } });

    run(
      [
        {
          name: 'change the image of one container while the other stays',
          original: deployment,
          patch: podSpecPatch({
            '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
            containers: [{ name: 'app', image: 'app:v2' }],
          }),
          want: withPodSpec({ containers: [{ ...app, image: 'app:v2' }, sidecar] }),
        },
        {
          name: 'remove a container with $patch: delete',
          original: deployment,
          patch: podSpecPatch({
            '$setElementOrder/containers': [{ name: 'app' }],
            containers: [{ $patch: 'delete', name: 'sidecar' }],
          }),
          want: withPodSpec({ containers: [app] }),
        },
        {
          name: 'add an env var',
          original: deployment,
          patch: podSpecPatch({
            '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }],
                env: [{ name: 'B', value: '2' }],
                name: 'app',
              },
            ],
          }),
          want: withPodSpec({
            containers: [
              {
                ...app,
                env: [
                  { name: 'A', value: '1' },
                  { name: 'B', value: '2' },
                ],
              },
              sidecar,
            ],
          }),
        },
        {
          name: 'reorder containers with $setElementOrder alone',
          original: deployment,
          patch: podSpecPatch({ '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }] }),
          want: withPodSpec({ containers: [sidecar, app] }),
        },
        {
          name: 'add a container in the declared position',
          original: deployment,
          patch: podSpecPatch({
            '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }, { name: 'log' }],
            containers: [{ name: 'log', image: 'log:v1' }],
          }),
          want: withPodSpec({ containers: [app, sidecar, { name: 'log', image: 'log:v1' }] }),
        },
        {
          name: 'add a container port, merged by containerPort',
          original: deployment,
          patch: podSpecPatch({
            '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
            containers: [
              {
                name: 'app',
                '$setElementOrder/ports': [{ containerPort: 8080 }, { containerPort: 9090 }],
                ports: [{ containerPort: 9090, protocol: 'TCP' }],
              },
            ],
          }),
          want: withPodSpec({
            containers: [
              {
                ...app,
                ports: [
                  { containerPort: 8080, protocol: 'TCP' },
                  { containerPort: 9090, protocol: 'TCP' },
                ],
              },
              sidecar,
            ],
          }),
        },
        {
          name: 'switch a volume source with $retainKeys',
          original: deployment,
          patch: podSpecPatch({
            '$setElementOrder/volumes': [{ name: 'data' }],
            volumes: [{ $retainKeys: ['hostPath', 'name'], hostPath: { path: '/srv' }, name: 'data' }],
          }),
          want: withPodSpec({ volumes: [{ name: 'data', hostPath: { path: '/srv' } }] }),
        },
        {
          name: 'tolerations are atomic and replaced',
          original: deployment,
          patch: podSpecPatch({ tolerations: [{ key: 'b', operator: 'Exists' }] }),
          want: withPodSpec({ tolerations: [{ key: 'b', operator: 'Exists' }] }),
        },
      ],
      builtinPatchMeta('apps', 'Deployment'),
    );

    const strategy = edit((d) => (d.spec.strategy = { type: 'Recreate' }));
    const finalizers = edit((d) => (d.metadata.finalizers = ['example.com/b']));
    const labels = edit((d) => (d.metadata.labels = { app: 'web', tier: 'front' }));
    const added = withPodSpec({ containers: [{ name: 'log', image: 'log:v1' }, app, sidecar] });
    run(
      [
        {
          name: 'switch the rollout strategy (spec.strategy is retainKeys)',
          original: deployment,
          patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } },
          want: strategy,
        },
        {
          name: 'replace a finalizer (merge strategy on a primitive list)',
          original: deployment,
          patch: {
            metadata: {
              '$deleteFromPrimitiveList/finalizers': ['example.com/a'],
              '$setElementOrder/finalizers': ['example.com/b'],
              finalizers: ['example.com/b'],
            },
          },
          want: finalizers,
        },
        {
          name: 'change labels',
          original: deployment,
          patch: { metadata: { labels: { team: null, tier: 'front' } } },
          want: labels,
        },
        {
          name: 'kubectl patch adding a container without order puts it first, as kube-apiserver does',
          original: deployment,
          patch: podSpecPatch({ containers: [{ name: 'log', image: 'log:v1' }] }),
          want: added,
        },
      ],
      builtinPatchMeta('apps', 'Deployment'),
    );
  });

  describe('other built-in kinds', () => {
    run(
      [
        {
          name: 'CronJob containers merge at spec.jobTemplate.spec.template.spec',
          original: {
            spec: {
              jobTemplate: {
                spec: { template: { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b' }] } } },
              },
            },
          },
          patch: {
            spec: {
              jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'a:2' }] } } } },
            },
          },
          want: {
            spec: {
              jobTemplate: {
                spec: { template: { spec: { containers: [{ name: 'a', image: 'a:2' }, { name: 'b' }] } } },
              },
            },
          },
        },
      ],
      builtinPatchMeta('batch', 'CronJob'),
    );
    run(
      [
        {
          name: 'Node status conditions merge by type',
          original: {
            status: {
              conditions: [
                { type: 'Ready', status: 'False' },
                { type: 'MemoryPressure', status: 'False' },
              ],
              addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
            },
          },
          patch: {
            status: {
              '$setElementOrder/conditions': [{ type: 'Ready' }, { type: 'MemoryPressure' }],
              conditions: [{ type: 'Ready', status: 'True' }],
              addresses: [{ type: 'Hostname', address: 'n1' }],
            },
          },
          want: {
            status: {
              conditions: [
                { type: 'Ready', status: 'True' },
                { type: 'MemoryPressure', status: 'False' },
              ],
              addresses: [
                { type: 'Hostname', address: 'n1' },
                { type: 'InternalIP', address: '10.0.0.1' },
              ],
            },
          },
        },
      ],
      builtinPatchMeta('', 'Node'),
    );
    run(
      [
        {
          name: 'ClusterRole rules are atomic',
          original: { rules: [{ verbs: ['get'], resources: ['pods'], apiGroups: [''] }] },
          patch: { rules: [{ verbs: ['list'], resources: ['pods'], apiGroups: [''] }] },
          want: { rules: [{ verbs: ['list'], resources: ['pods'], apiGroups: [''] }] },
        },
      ],
      builtinPatchMeta('rbac.authorization.k8s.io', 'ClusterRole'),
    );
    run(
      [
        {
          name: 'ServiceAccount secrets merge by name; ownerReferences by uid',
          original: {
            metadata: { ownerReferences: [{ uid: '1', name: 'a' }] },
            secrets: [{ name: 's1' }],
          },
          patch: {
            metadata: { ownerReferences: [{ uid: '1', name: 'renamed' }] },
            secrets: [{ name: 's2' }],
          },
          want: {
            metadata: { ownerReferences: [{ uid: '1', name: 'renamed' }] },
            secrets: [{ name: 's2' }, { name: 's1' }],
          },
        },
      ],
      builtinPatchMeta('', 'ServiceAccount'),
    );
  });

  describe('inputs', () => {
    fails('a patch that is not an object is a 400', {}, [{ a: 1 }], mergeItem, 400, /must be a JSON object/);
    fails('an original that is not an object is a 400', [1], {}, mergeItem, 400, /applied to a JSON object/);

    it('shares no structure with its inputs', () => {
      const original = { mergingList: [{ name: 'a', simpleMap: { k: 'v' } }] };
      const patch = { mergingList: [{ name: 'b', simpleMap: { k: 'w' } }], nonMergingList: [{ name: 'x' }] };
      const result = applyStrategicMergePatch(original, patch, mergeItem) as typeof patch;
      for (const item of result.mergingList) item.simpleMap.k = 'changed';
      result.nonMergingList[0].name = 'changed';
      assert.deepEqual(original, { mergingList: [{ name: 'a', simpleMap: { k: 'v' } }] });
      assert.deepEqual(patch, {
        mergingList: [{ name: 'b', simpleMap: { k: 'w' } }],
        nonMergingList: [{ name: 'x' }],
      });
    });

    it('stores "__proto__" as a field, never as a prototype', () => {
      const patch = JSON.parse('{"simpleMap": {"__proto__": {"polluted": true}}}') as unknown;
      const result = applyStrategicMergePatch({}, patch, mergeItem) as { simpleMap: object };
      assert.equal(Object.getPrototypeOf(result.simpleMap), Object.prototype);
      assert.deepEqual(Object.keys(result.simpleMap), ['__proto__']);
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    });
  });
});
