/**
 * Cron schedules as kube's CronJob controller reads them (robfig/cron's standard parser): five
 * fields (minute hour day-of-month month day-of-week) with `*`, `?`, ranges, steps, lists and
 * month/day names; the @yearly/@monthly/@weekly/@daily/@hourly macros; a `CRON_TZ=<zone>` or
 * `TZ=<zone>` prefix, or spec.timeZone. Times are found by walking wall-clock fields in the zone
 * (skipping whole days and hours that cannot match), so DST changes are honoured. Pure.
 */

export interface CronSchedule {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  /** robfig: day-of-month and day-of-week combine with OR when both are restricted, else AND. */
  domStar: boolean;
  dowStar: boolean;
  timeZone: string;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function value(s: string, min: number, max: number, names?: string[]): number {
  const named = names?.indexOf(s.toUpperCase()) ?? -1;
  const n = named >= 0 ? named + (names === MONTHS ? 1 : 0) : /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`value ${JSON.stringify(s)} out of range [${min}, ${max}]`);
  return n;
}

function field(
  spec: string,
  min: number,
  max: number,
  names?: string[],
): { set: Set<number>; star: boolean } {
  const set = new Set<number>();
  let star = false;
  for (const part of spec.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === '') throw new Error(`invalid field ${JSON.stringify(spec)}`);
    const step = stepText === undefined ? 1 : value(stepText, 1, max - min + 1);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      [lo, hi] = [min, max];
      if (stepText === undefined) star = true;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [lo, hi] = [value(a, min, max, names), value(b, min, max, names)];
      if (lo > hi) throw new Error(`invalid range ${JSON.stringify(range)}`);
    } else {
      lo = value(range, min, max, names);
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return { set, star };
}

export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parses a schedule; throws with kube's kind of message when it cannot. */
export function parseSchedule(schedule: string, timeZone?: string): CronSchedule {
  let s = schedule.trim();
  let tz = timeZone ?? 'UTC';
  const prefix = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(s);
  if (prefix) [tz, s] = [prefix[1], prefix[2]];
  if (!validTimeZone(tz)) throw new Error(`unknown time zone ${tz}`);
  s = MACROS[s.toLowerCase()] ?? s;
  const parts = s.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected exactly 5 fields, found ${parts.length}: ${schedule}`);
  const dow = field(parts[4], 0, 7, DAYS);
  if (dow.set.delete(7)) dow.set.add(0);
  const dom = field(parts[2], 1, 31);
  return {
    minute: field(parts[0], 0, 59).set,
    hour: field(parts[1], 0, 23).set,
    dom: dom.set,
    month: field(parts[3], 1, 12, MONTHS).set,
    dow: dow.set,
    domStar: dom.star,
    dowStar: dow.star,
    timeZone: tz,
  };
}

interface Wall {
  month: number;
  day: number;
  hour: number;
  minute: number;
  dow: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wall(ms: number, tz: string): Wall {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(ms))) p[part.type] = part.value;
  return {
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    dow: DAYS.indexOf(String(p.weekday).toUpperCase()),
  };
}

function dayMatches(s: CronSchedule, w: Wall): boolean {
  const dom = s.dom.has(w.day);
  const dow = s.dow.has(w.dow);
  return s.domStar || s.dowStar ? dom && dow : dom || dow;
}

const MINUTE = 60_000;
const MAX_STEPS = 200_000;

/** The first scheduled time strictly after `afterMs` (undefined if none within ~5 years). */
export function nextTime(s: CronSchedule, afterMs: number): number | undefined {
  let t = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
  for (let i = 0; i < MAX_STEPS; i++) {
    const w = wall(t, s.timeZone);
    if (!s.month.has(w.month) || !dayMatches(s, w)) t += ((23 - w.hour) * 60 + (60 - w.minute)) * MINUTE;
    else if (!s.hour.has(w.hour)) t += (60 - w.minute) * MINUTE;
    else if (!s.minute.has(w.minute)) t += MINUTE;
    else return t;
  }
  return undefined;
}

/** The last scheduled time at or before `atMs` (undefined if none within ~5 years). */
export function previousTime(s: CronSchedule, atMs: number): number | undefined {
  let t = Math.floor(atMs / MINUTE) * MINUTE;
  for (let i = 0; i < MAX_STEPS; i++) {
    const w = wall(t, s.timeZone);
    if (!s.month.has(w.month) || !dayMatches(s, w)) t -= (w.hour * 60 + w.minute + 1) * MINUTE;
    else if (!s.hour.has(w.hour)) t -= (w.minute + 1) * MINUTE;
    else if (!s.minute.has(w.minute)) t -= MINUTE;
    else return t;
  }
  return undefined;
}
