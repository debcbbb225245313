import assert from 'node:assert/strict';
import { nextTime, parseSchedule, previousTime } from '../../../../../agent/edge/controllers/cronjob/cron.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('cron schedules', () => {
  const table: [string, string | undefined, string, string][] = [
    // schedule, timeZone, after, next
    ['*/1 * * * *', undefined, '2026-03-01T10:00:30Z', '2026-03-01T10:01:00.000Z'],
    ['*/15 * * * *', undefined, '2026-03-01T10:00:00Z', '2026-03-01T10:15:00.000Z'],
    ['0 0 * * *', undefined, '2026-03-01T10:00:00Z', '2026-03-02T00:00:00.000Z'],
    ['@hourly', undefined, '2026-03-01T10:59:59Z', '2026-03-01T11:00:00.000Z'],
    ['30 9 * * MON-FRI', undefined, '2026-03-06T10:00:00Z', '2026-03-09T09:30:00.000Z'], // Fri → Mon
    ['0 12 1 JAN,JUL *', undefined, '2026-03-01T00:00:00Z', '2026-07-01T12:00:00.000Z'],
    ['0 0 29 2 *', undefined, '2026-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['0 0 13 * 5', undefined, '2026-03-01T00:00:00Z', '2026-03-06T00:00:00.000Z'], // dom OR dow: Friday 6th
    ['0 0 * * 7', undefined, '2026-03-02T00:00:00Z', '2026-03-08T00:00:00.000Z'], // 7 is Sunday
    ['0 9 * * *', 'Europe/Berlin', '2026-03-01T00:00:00Z', '2026-03-01T08:00:00.000Z'],
    ['CRON_TZ=America/New_York 0 9 * * *', undefined, '2026-03-01T00:00:00Z', '2026-03-01T14:00:00.000Z'],
    // DST: Berlin springs forward on 2026-03-29 (02:00 → 03:00): 09:00 is then 07:00 UTC.
    ['TZ=Europe/Berlin 0 9 * * *', undefined, '2026-03-29T00:00:00Z', '2026-03-29T07:00:00.000Z'],
    ['0 5 * * *', 'Asia/Kolkata', '2026-03-01T00:00:00Z', '2026-03-01T23:30:00.000Z'],
  ];
  for (const [schedule, tz, after, want] of table) {
    it(`${schedule}${tz ? ` (${tz})` : ''} after ${after} → ${want}`, () => {
      const s = parseSchedule(schedule, tz);
      const next = nextTime(s, at(after));
      assert.equal(iso(next), want);
      assert.equal(iso(previousTime(s, next as number)), want, 'previousTime finds it back');
      assert.ok((previousTime(s, (next as number) - 1) ?? 0) < (next as number));
    });
  }

  const bad: [string, string | undefined][] = [
    ['* * * *', undefined],
    ['61 * * * *', undefined],
    ['*/0 * * * *', undefined],
    ['5-1 * * * *', undefined],
    ['* * * FOO *', undefined],
    ['* * * * *', 'Mars/Olympus'],
    ['CRON_TZ=Nowhere/None * * * * *', undefined],
  ];
  for (const [schedule, tz] of bad) {
    it(`refuses ${JSON.stringify(schedule)}${tz ? ` in ${tz}` : ''}`, () =>
      assert.throws(() => parseSchedule(schedule, tz)));
  }
});
