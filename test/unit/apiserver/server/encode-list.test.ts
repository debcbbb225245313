import assert from 'node:assert/strict';
import { encodeList } from '../../../../apiserver/server/encode.js';

describe('encodeList: a list encoded item by item is the JSON of the whole list', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['no items', { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items: [] }],
    [
      'items with every JSON type',
      {
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '9', continue: 'abc' },
        items: [{ a: 1, b: 'x"y', c: null, d: [true, { e: '☃' }] }, { metadata: { name: 'two' } }],
      },
    ],
    ['items is the only field', { items: [1, 2, 3] }],
  ];
  for (const [name, body] of cases)
    it(name, () => {
      const pieces = [...encodeList(body, body.items as unknown[])];
      assert.equal(pieces.join(''), JSON.stringify(body));
      assert.equal(pieces.length, (body.items as unknown[]).length + 2, 'head, one piece per item, tail');
    });
});
