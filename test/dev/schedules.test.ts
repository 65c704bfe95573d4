import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { LambdakitError } from '../../lib/errors';
import { nextFireTime, parseSchedule } from '../../lib/dev/schedules';

// Cases beyond test/devkit/patterns.test.ts: the fire times a user would check on a calendar.
const next = (expression: string, after: string, timeZone?: string) => nextFireTime(expression, new Date(after), timeZone)?.toISOString();

test('cron fire times: ranges with steps, lists, month and day names, last weekday of a month, L alone, years', () => {
  const cases: Array<[string, string, string | undefined, string | undefined]> = [
    ['cron(10-30/10 9 * * ? *)', '2026-11-23T09:15:00Z', undefined, '2026-11-23T09:20:00.000Z'],
    ['cron(0 8,18 * * ? *)', '2026-11-23T09:00:00Z', undefined, '2026-11-23T18:00:00.000Z'],
    ['cron(0 0 1 JAN,JUL ? *)', '2026-11-23T00:00:00Z', undefined, '2027-01-01T00:00:00.000Z'],
    ['cron(0 17 ? * FRIL *)', '2026-11-01T00:00:00Z', undefined, '2026-11-27T17:00:00.000Z'],
    ['cron(0 12 ? * L *)', '2026-11-23T00:00:00Z', undefined, '2026-11-28T12:00:00.000Z'],
    ['cron(0 0 29 2 ? *)', '2026-03-01T00:00:00Z', undefined, '2028-02-29T00:00:00.000Z'],
    ['cron(0 0 1 1 ? 2027-2028)', '2028-06-01T00:00:00Z', undefined, undefined],
    ['cron(0 9 ? * MON#5 *)', '2026-11-23T00:00:00Z', undefined, '2026-11-30T09:00:00.000Z'],
    ['cron(0 0 1W * ? *)', '2026-08-03T12:00:00Z', undefined, '2026-09-01T00:00:00.000Z'],
    ['cron(0 0 1W * ? *)', '2026-07-31T12:00:00Z', undefined, '2026-08-03T00:00:00.000Z'],
  ];
  for (const [expression, after, zone, expected] of cases) assert.equal(next(expression, after, zone), expected, `${expression} after ${after}`);
});

test('time zones: the wall-clock hour holds across both DST changes, and a skipped hour skips the day', () => {
  // New York: summer time ends 1 Nov 2026 (UTC-4 → UTC-5) and starts 14 Mar 2027.
  assert.equal(next('cron(0 9 * * ? *)', '2026-10-31T14:00:00Z', 'America/New_York'), '2026-11-01T14:00:00.000Z');
  assert.equal(next('cron(0 9 * * ? *)', '2026-10-30T14:00:00Z', 'America/New_York'), '2026-10-31T13:00:00.000Z');
  assert.equal(next('cron(0 9 * * ? *)', '2027-03-13T15:00:00Z', 'America/New_York'), '2027-03-14T13:00:00.000Z');
  assert.equal(next('cron(30 2 * * ? *)', '2027-03-13T12:00:00Z', 'America/New_York'), '2027-03-15T06:30:00.000Z');
  // Without a zone, UTC.
  assert.equal(next('cron(0 9 * * ? *)', '2026-10-31T14:00:00Z'), '2026-11-01T09:00:00.000Z');
  // A zone that is ahead of UTC moves the calendar day.
  assert.equal(next('cron(0 1 ? * MON *)', '2026-11-20T00:00:00Z', 'Asia/Tokyo'), '2026-11-22T16:00:00.000Z');
});

test('rates count from the given instant; at() fires once in its zone', () => {
  assert.equal(next('rate(1 hour)', '2026-11-23T10:17:00Z'), '2026-11-23T11:17:00.000Z');
  assert.equal(next('rate(2 days)', '2026-11-23T10:00:00Z'), '2026-11-25T10:00:00.000Z');
  assert.equal(next('at(2026-12-24T18:30:15)', '2026-11-23T00:00:00Z', 'Europe/London'), '2026-12-24T18:30:15.000Z');
  assert.equal(next('at(2026-07-01T00:00:00)', '2026-06-01T00:00:00Z', 'Europe/London'), '2026-06-30T23:00:00.000Z');
});

test('malformed expressions fail with a LambdakitError that names the expression and the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['rate(1 minutes)', /use the singular unit for 1: rate\(1 minute\)/],
    ['rate(5 minute)', /use the plural unit for 5: rate\(5 minutes\)/],
    ['rate(0 hours)', /at least 1/],
    ['rate(5 weeks)', /expected rate/],
    ['cron(0 12 * * ? * *)', /needs 6 fields/],
    ['cron(0 12 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 24 * * ? *)', /"24" is outside 0-23/],
    ['cron(0 12 * FOO ? *)', /"FOO" is outside 1-12/],
    ['cron(0 12 ? * MON#6 *)', /"#6" must be 1-5/],
    ['cron(0/0 12 * * ? *)', /bad step/],
    ['at(2026-02-30T10:00:00)', /not a valid date and time/],
    ['at(2026-03-29T02:30:00)', /does not exist in Europe\/Paris/],
  ];
  for (const [expression, why] of cases) {
    assert.throws(
      () => parseSchedule(expression, 'Europe/Paris'),
      (error: unknown) => error instanceof LambdakitError && error.message.startsWith(`schedule "${expression}"`) && why.test(error.message),
      expression,
    );
  }
});
