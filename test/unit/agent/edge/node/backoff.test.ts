import assert from 'node:assert/strict';
import {
  backoffNext,
  backoffRemaining,
  formatGoDuration,
  KUBELET_BACKOFF,
  type BackoffEntry,
} from '../../../../../agent/edge/node/backoff.js';

describe('edge node: crash back-off', () => {
  it("follows kubelet's sequence: 10s doubling to 5m", () => {
    let e: BackoffEntry | undefined;
    const delays: string[] = [];
    let t = 0;
    for (let i = 0; i < 8; i++) {
      e = backoffNext(e, t, KUBELET_BACKOFF);
      delays.push(formatGoDuration(e.delayMs));
      t += e.delayMs + 1000;
    }
    assert.deepEqual(delays, ['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s', '5m0s']);
  });

  it('resets after 2 × max (ten minutes) without a failure', () => {
    const e = { delayMs: 160_000, lastUpdateMs: 0 };
    assert.equal(backoffNext(e, 600_000, KUBELET_BACKOFF).delayMs, 300_000, 'exactly 10 min: still counts');
    assert.equal(backoffNext(e, 600_001, KUBELET_BACKOFF).delayMs, 10_000, 'longer: starts over');
  });

  const cases: [string, BackoffEntry | undefined, number, number, number][] = [
    ['no entry: restart now', undefined, 1000, 1000, 0],
    ['just failed: the whole delay', { delayMs: 10_000, lastUpdateMs: 0 }, 5000, 5000, 10_000],
    ['half way', { delayMs: 10_000, lastUpdateMs: 0 }, 5000, 10_000, 5000],
    ['waited out', { delayMs: 10_000, lastUpdateMs: 0 }, 5000, 15_000, 0],
    ['expired entry', { delayMs: 300_000, lastUpdateMs: 0 }, 700_000, 700_001, 0],
  ];
  for (const [name, entry, eventMs, nowMs, want] of cases)
    it(`remaining: ${name}`, () =>
      assert.equal(backoffRemaining(entry, eventMs, nowMs, KUBELET_BACKOFF), want));

  const durations: [number, string][] = [
    [0, '0s'],
    [200, '200ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [10_000, '10s'],
    [80_000, '1m20s'],
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
    [90_250, '1m30.25s'],
  ];
  for (const [ms, want] of durations)
    it(`formats ${ms} ms as ${want}`, () => assert.equal(formatGoDuration(ms), want));
});
