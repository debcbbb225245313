import assert from 'node:assert/strict';
import { humanDuration, translateTimestampSince } from '../../../../apiserver/table/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

describe('table/duration humanDuration', () => {
  const cases: [number, string][] = [
    [-3 * S, '<invalid>'],
    [-2 * S, '<invalid>'],
    [-1999, '0s'],
    [-1 * S, '0s'],
    [0, '0s'],
    [999, '0s'],
    [5 * S, '5s'],
    [90 * S, '90s'],
    [119 * S + 999, '119s'],
    [2 * M, '2m'],
    [5 * M + 30 * S, '5m30s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [10 * M + 30 * S, '10m'],
    [75 * M, '75m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [47 * H + 59 * M, '47h'],
    [2 * D, '2d'],
    [2 * D + 5 * H, '2d5h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [729 * D, '729d'],
    [2 * Y, '2y'],
    [2 * Y + 10 * D, '2y10d'],
    [7 * Y + 364 * D, '7y364d'],
    [8 * Y, '8y'],
    [20 * Y + 100 * D, '20y'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));
  }
});

describe('table/duration translateTimestampSince', () => {
  const now = Date.parse('2024-06-01T12:00:00Z');
  const cases: [string | undefined, string][] = [
    [undefined, '<unknown>'],
    ['', '<unknown>'],
    ['2024-06-01T11:59:30Z', '30s'],
    ['2024-06-01T11:55:00.5Z', '4m59s'],
    ['2024-06-01T13:00:00+02:00', '60m'],
    ['2024-05-30T12:00:00Z', '2d'],
    ['yesterday', '<invalid>'],
  ];
  for (const [ts, want] of cases) {
    it(`${String(ts)} → ${want}`, () => assert.equal(translateTimestampSince(ts, now), want));
  }
});
