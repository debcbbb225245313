import assert from 'node:assert/strict';
import { rotationDelayMs } from '../../../agent/rotation.js';

const DAY = 86_400_000;

describe('agent: certificate rotation schedule', () => {
  const v = { notBefore: 0, notAfter: 100 * DAY };
  const cases: [string, number, number, number][] = [
    ['no jitter (random 0.5): at 75 %', 0, 0.5, 75 * DAY],
    ['earliest (random 0): at 70 %', 0, 0, 70 * DAY],
    ['latest (random → 1): at 80 %', 0, 0.999999999, 80 * DAY],
    ['counts from now', 50 * DAY, 0.5, 25 * DAY],
    ['overdue: now', 90 * DAY, 0.5, 0],
    ['expired: now', 200 * DAY, 0.5, 0],
  ];
  for (const [name, now, r, want] of cases) {
    it(name, () =>
      assert.ok(
        Math.abs(rotationDelayMs(v, now, r) - want) < 1_000,
        `${rotationDelayMs(v, now, r)} vs ${want}`,
      ),
    );
  }
});
