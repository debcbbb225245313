import assert from 'node:assert/strict';
import { parseDuration } from '../../../agent/duration.js';

describe('agent: durations', () => {
  const cases: [string, number][] = [
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['10', 10_000],
    ['1.5s', 1_500],
  ];
  for (const [s, ms] of cases) it(`${s} = ${ms} ms`, () => assert.equal(parseDuration(s), ms));
  for (const s of ['', 'soon', '5 m', '5d', 's', '1h x']) {
    it(`rejects ${JSON.stringify(s)}`, () => assert.throws(() => parseDuration(s), /invalid duration/));
  }
});
