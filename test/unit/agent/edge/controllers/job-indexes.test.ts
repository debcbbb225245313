import assert from 'node:assert/strict';
import {
  completionIndexOf,
  formatIndexes,
  parseIndexes,
} from '../../../../../agent/edge/controllers/job/indexes.js';
import { pod } from './fixtures.js';

describe('completedIndexes format', () => {
  const cases: [number[], string][] = [
    [[], ''],
    [[0], '0'],
    [[0, 1, 2], '0-2'],
    [[1, 3, 4, 5, 9], '1,3-5,9'],
    [[5, 1, 3, 4, 1], '1,3-5'],
  ];
  for (const [indexes, s] of cases) {
    it(`${JSON.stringify(indexes)} ⇄ ${JSON.stringify(s)}`, () => {
      assert.equal(formatIndexes(indexes), s);
      assert.deepEqual(
        parseIndexes(s),
        [...new Set(indexes)].sort((a, b) => a - b),
      );
    });
  }
  it('skips malformed parts', () => assert.deepEqual(parseIndexes('1,x,3-,4-5'), [1, 4, 5]));
  it('reads the index from the annotation, else the label', () => {
    assert.equal(
      completionIndexOf(pod('a', { annotations: { 'batch.kubernetes.io/job-completion-index': '3' } })),
      3,
    );
    assert.equal(
      completionIndexOf(pod('b', { labels: { 'batch.kubernetes.io/job-completion-index': '2' } })),
      2,
    );
    assert.equal(
      completionIndexOf(pod('c', { annotations: { 'batch.kubernetes.io/job-completion-index': 'x' } })),
      undefined,
    );
  });
});
