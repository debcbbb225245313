import assert from 'node:assert/strict';
import { scanJson } from '../../../../apiserver/server/json-scan.js';

describe('apiserver/server/json-scan: depth and repeated keys without recursion', () => {
  const cases: [string, string, number, string[]][] = [
    ['scalar', '1', 0, []],
    ['empty object', '{}', 1, []],
    ['nested', '{"a":{"b":[1,[2]]}}', 4, []],
    ['brackets inside strings do not count', '{"a":"{[{[","b":"\\"}"}', 1, []],
    ['duplicate at the top', '{"a":1,"a":2}', 1, ['a']],
    [
      'duplicate nested, with its path',
      '{"metadata":{"labels":{"x":"1","x":"2"}}}',
      3,
      ['metadata.labels.x'],
    ],
    ['duplicate inside a list item', '{"spec":{"ports":[{"p":1},{"p":1,"p":2}]}}', 4, ['spec.ports[1].p']],
    ['escaped keys compare decoded', '{"a":1,"\\u0061":2}', 1, ['a']],
    ['same key in sibling objects is fine', '[{"a":1},{"a":2}]', 2, []],
    ['values equal to keys are not keys', '{"a":"a","b":"a"}', 1, []],
    ['non-Latin-1 key', '{"x\u2603":1,"x\u2603":2}', 1, ['x\u2603']],
  ];
  for (const [name, text, depth, dups] of cases) {
    it(name, () => {
      const r = scanJson(text, 100);
      assert.equal(r.tooDeep, false);
      assert.equal(r.depth, depth);
      assert.deepEqual(r.duplicates, dups);
    });
  }

  it('stops at the limit: limit levels pass, limit+1 does not', () => {
    const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
    assert.equal(scanJson(nest(100), 100).tooDeep, false);
    assert.equal(scanJson(nest(101), 100).tooDeep, true);
  });

  it('scans 100,000 levels in one pass without overflowing the stack', () => {
    const text = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    assert.equal(scanJson(text, 1_000_000).depth, 100_000);
  });
});
