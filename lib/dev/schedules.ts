import { LambdakitError } from '../errors';

/**
 * When EventBridge (rules and Scheduler) fires an expression: `rate(n unit)`,
 * `cron(minutes hours day-of-month month day-of-week year)` in a time zone,
 * or Scheduler's one-time `at(yyyy-mm-ddThh:mm:ss)`.
 */

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

interface WallTime {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

function fail(expression: string, why: string): never {
  throw new LambdakitError(`schedule "${expression}": ${why}`, { code: 'ScheduleExpressionInvalid', value: expression });
}

/** The wall-clock fields of an instant in a time zone. */
function wallTime(date: Date, timeZone: string): WallTime & { second: number; weekday: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    weekday: 'short',
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '0';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    weekday: DAYS.indexOf(get('weekday').toUpperCase().slice(0, 3)),
  };
}

/** The instant a wall time denotes in a zone (undefined when it falls in a DST gap). */
function instantOf(w: WallTime, timeZone: string): Date | undefined {
  const guess = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  // Offset-correct twice: the offset at the guess may differ from the offset at the answer.
  let t = guess;
  for (let i = 0; i < 2; i++) {
    const seen = wallTime(new Date(t), timeZone);
    const seenUtc = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    t += guess - seenUtc;
  }
  const check = wallTime(new Date(t), timeZone);
  if (check.year !== w.year || check.month !== w.month || check.day !== w.day || check.hour !== w.hour || check.minute !== w.minute) return undefined;
  return new Date(t);
}

function checkZone(expression: string, timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    fail(expression, `time zone "${timeZone}" is not an IANA time zone (e.g. Europe/Paris)`);
  }
}

/** Parses one cron field into the set of values it allows. */
function field(expression: string, text: string, min: number, max: number, names?: string[]): Set<number> {
  const out = new Set<number>();
  const value = (v: string) => {
    const named = names?.indexOf(v.toUpperCase());
    const n = named !== undefined && named >= 0 ? named + min : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) fail(expression, `"${v}" is outside ${min}-${max}`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) fail(expression, `bad step in "${part}"`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) [from, to] = range.split('-').map(value) as [number, number];
    else [from, to] = [value(range), stepText === undefined ? value(range) : max];
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

interface Cron {
  readonly minutes: Set<number>;
  readonly hours: Set<number>;
  readonly months: Set<number>;
  readonly years?: Set<number>;
  readonly dayMatches: (year: number, month: number, day: number, weekday: number) => boolean;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseCron(expression: string, body: string): Cron {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) fail(expression, `cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`);
  const [min, hour, dom, month, dow, year] = fields;
  if ((dom === '?') === (dow === '?')) fail(expression, 'exactly one of day-of-month and day-of-week must be "?"');
  const minutes = field(expression, min, 0, 59);
  const hours = field(expression, hour, 0, 23);
  const months = field(expression, month, 1, 12, MONTHS);
  const years = year === '*' ? undefined : field(expression, year, 1970, 2199);
  let dayMatches: Cron['dayMatches'];
  if (dom !== '?') {
    if (dom === 'L') dayMatches = (y, m, d) => d === daysInMonth(y, m);
    else if (/^\d+W$/.test(dom)) {
      const target = Number(dom.slice(0, -1));
      dayMatches = (y, m, d) => d === nearestWeekday(y, m, target);
    } else {
      const days = field(expression, dom, 1, 31);
      dayMatches = (_y, _m, d) => days.has(d);
    }
  } else if (dow.toUpperCase() === 'L') {
    // `L` alone in day-of-week is the last day of the week: Saturday.
    dayMatches = (_y, _m, _d, w) => w === 6;
  } else if (/^[1-7A-Za-z]{1,3}L$/.test(dow)) {
    const wd = field(expression, dow.slice(0, -1), 1, 7, DAYS).values().next().value! - 1;
    dayMatches = (y, m, d, w) => w === wd && d + 7 > daysInMonth(y, m);
  } else if (dow.includes('#')) {
    const [w, nth] = dow.split('#');
    const wd = field(expression, w, 1, 7, DAYS).values().next().value! - 1;
    const n = Number(nth);
    if (!Number.isInteger(n) || n < 1 || n > 5) fail(expression, `"#${nth}" must be 1-5`);
    dayMatches = (_y, _m, d, weekday) => weekday === wd && Math.ceil(d / 7) === n;
  } else {
    // AWS numbers days 1-7 from Sunday.
    const weekdays = new Set([...field(expression, dow, 1, 7, DAYS)].map((d) => d - 1));
    dayMatches = (_y, _m, _d, w) => weekdays.has(w);
  }
  return { minutes, hours, months, years, dayMatches };
}

function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  const d = Math.min(day, last);
  const w = new Date(Date.UTC(year, month - 1, d)).getUTCDay();
  if (w === 6) return d === 1 ? 3 : d - 1;
  if (w === 0) return d === last ? d - 2 : d + 1;
  return d;
}

/** Validates an expression (and zone); throws a LambdakitError naming the problem. */
export function parseSchedule(expression: string, timeZone = 'UTC'): (after: Date) => Date | undefined {
  checkZone(expression, timeZone);
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) fail(expression, 'the rate must be at least 1');
    // EventBridge rejects `rate(1 minutes)` and `rate(5 minute)` at deploy time; say so now.
    if ((n === 1) !== !rate[2].endsWith('s')) fail(expression, n === 1 ? `use the singular unit for 1: rate(1 ${rate[2].replace(/s$/, '')})` : `use the plural unit for ${n}: rate(${n} ${rate[2].replace(/s?$/, 's')})`);
    const period = n * UNIT_MS[rate[2].replace(/s$/, '')];
    // Rates count from when the schedule starts; `dev` starts it with the app.
    return (after) => new Date(after.getTime() + period);
  }
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression);
  if (at) {
    const [year, month, day] = [+at[1], +at[2], +at[3]];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || +at[4] > 23 || +at[5] > 59 || +at[6] > 59) fail(expression, 'not a valid date and time');
    const when = instantOf({ year: +at[1], month: +at[2], day: +at[3], hour: +at[4], minute: +at[5] }, timeZone);
    if (!when) fail(expression, `the time does not exist in ${timeZone}`);
    const fire = new Date(when.getTime() + Number(at[6]) * 1000);
    return (after) => (fire.getTime() > after.getTime() ? fire : undefined);
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (!cron) fail(expression, 'expected rate(...), cron(...) or at(yyyy-mm-ddThh:mm:ss)');
  const spec = parseCron(expression, cron[1]);
  return (after) => nextCron(spec, after, timeZone);
}

function nextCron(spec: Cron, after: Date, timeZone: string): Date | undefined {
  const start = wallTime(new Date(after.getTime() + 60_000 - (after.getTime() % 60_000)), timeZone);
  let { year, month, day } = start;
  const first = { hour: start.hour, minute: start.minute };
  // Look up to five years ahead: enough for any valid expression (e.g. 29 February).
  for (let scanned = 0; scanned < 366 * 5; scanned++) {
    const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
    if ((!spec.years || spec.years.has(year)) && spec.months.has(month) && spec.dayMatches(year, month, day, weekday)) {
      for (const hour of [...spec.hours].sort((a, b) => a - b)) {
        if (scanned === 0 && hour < first.hour) continue;
        for (const minute of [...spec.minutes].sort((a, b) => a - b)) {
          if (scanned === 0 && hour === first.hour && minute < first.minute) continue;
          const when = instantOf({ year, month, day, hour, minute }, timeZone);
          if (when && when.getTime() > after.getTime()) return when;
        }
      }
    }
    day++;
    if (day > daysInMonth(year, month)) {
      day = 1;
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
    }
  }
  return undefined;
}

/** The next time an expression fires after `after`, in `timeZone` (default UTC). */
export function nextFireTime(expression: string, after: Date, timeZone = 'UTC'): Date | undefined {
  return parseSchedule(expression, timeZone)(after);
}
