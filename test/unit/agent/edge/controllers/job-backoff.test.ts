import assert from 'node:assert/strict';
import {
  DEFAULT_JOB_BACKOFF_BASE_MS,
  DEFAULT_JOB_BACKOFF_MAX_MS,
  jobBackoffDelayMs,
  jobBackoffRemainingMs,
  podFinishedAtMs,
} from '../../../../../agent/edge/controllers/job/backoff.js';
import { T0, at, pod } from './fixtures.js';

describe('jobBackoffDelayMs (kube: 10 s doubling, capped at 6 min)', () => {
  const cases: [number, number][] = [
    [0, 0],
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [4, 80_000],
    [5, 160_000],
    [6, 320_000],
    [7, 360_000],
    [50, 360_000],
  ];
  for (const [failures, want] of cases) {
    it(`${failures} failures → ${want / 1000} s`, () =>
      assert.equal(
        jobBackoffDelayMs(failures, DEFAULT_JOB_BACKOFF_BASE_MS, DEFAULT_JOB_BACKOFF_MAX_MS),
        want,
      ));
  }
});

describe('jobBackoffRemainingMs', () => {
  const failed = (name: string, s: number) => pod(name, { phase: 'Failed', finishedAt: s });
  const succeeded = (name: string, s: number) => ({ ...pod(name, { phase: 'Succeeded', finishedAt: s }) });
  const cases: { name: string; pods: ReturnType<typeof pod>[]; nowS: number; want: number }[] = [
    { name: 'no failure: none', pods: [succeeded('a', 0)], nowS: 1, want: 0 },
    { name: 'one failure 4 s ago: 6 s left of 10', pods: [failed('a', 0)], nowS: 4, want: 6_000 },
    {
      name: 'two failures: 20 s from the last',
      pods: [failed('a', 0), failed('b', 10)],
      nowS: 15,
      want: 15_000,
    },
    { name: 'waited long enough', pods: [failed('a', 0)], nowS: 11, want: 0 },
    {
      name: 'a later success resets the count',
      pods: [failed('a', 0), failed('b', 5), succeeded('c', 6), failed('d', 8)],
      nowS: 10,
      want: 8_000,
    },
    {
      name: 'running pods do not count',
      pods: [failed('a', 0), pod('r', { phase: 'Running' })],
      nowS: 5,
      want: 5_000,
    },
  ];
  for (const c of cases) {
    it(c.name, () =>
      assert.equal(jobBackoffRemainingMs(c.pods, T0 + c.nowS * 1000, 10_000, 360_000), c.want),
    );
  }
});

describe('podFinishedAtMs', () => {
  it('prefers the containers’ finishedAt, then Ready=False, then deletion, then creation', () => {
    assert.equal(podFinishedAtMs(pod('a', { finishedAt: 7, ready: false, readySince: 3 })), T0 + 7000);
    assert.equal(podFinishedAtMs(pod('b', { ready: false, readySince: 3 })), T0 + 3000);
    assert.equal(podFinishedAtMs(pod('c', { deleting: true })), Date.parse(at(100)));
    assert.equal(podFinishedAtMs(pod('d', { created: 2 })), T0 + 2000);
  });
});
