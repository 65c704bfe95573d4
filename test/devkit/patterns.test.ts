import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterView, matchesFilterPolicy, matchesPattern } from '../../lib/dev/patterns';
import { nextFireTime, parseSchedule } from '../../lib/dev/schedules';

const order = { source: 'lambdakit.orders', 'detail-type': 'order.placed', detail: { orderId: 'o-1', total: 42.5, tags: ['gift', 'express'], region: 'eu-west-1', ip: '10.0.3.7' } };

test('EventBridge patterns: exact values, OR arrays, nested fields and arrays in events', () => {
  const cases: Array<[Record<string, unknown>, boolean]> = [
    [{ source: ['lambdakit.orders'] }, true],
    [{ source: ['other', 'lambdakit.orders'] }, true],
    [{ source: ['other'] }, false],
    [{ detail: { orderId: ['o-1'] } }, true],
    [{ detail: { tags: ['express'] } }, true],
    [{ detail: { tags: ['fragile'] } }, false],
    [{ detail: { missing: ['x'] } }, false],
    [{ detail: { total: [42.5] } }, true],
  ];
  for (const [pattern, expected] of cases) assert.equal(matchesPattern(pattern, order), expected, JSON.stringify(pattern));
});

test('EventBridge patterns: prefix, suffix, anything-but, numeric, exists, equals-ignore-case, wildcard, cidr, $or', () => {
  const cases: Array<[Record<string, unknown>, boolean]> = [
    [{ 'detail-type': [{ prefix: 'order.' }] }, true],
    [{ 'detail-type': [{ suffix: '.placed' }] }, true],
    [{ 'detail-type': [{ prefix: { 'equals-ignore-case': 'ORDER.' } }] }, true],
    [{ source: [{ 'anything-but': 'lambdakit.orders' }] }, false],
    [{ source: [{ 'anything-but': ['a', 'b'] }] }, true],
    [{ source: [{ 'anything-but': { prefix: 'lambdakit.' } }] }, false],
    [{ detail: { total: [{ numeric: ['>', 40, '<=', 50] }] } }, true],
    [{ detail: { total: [{ numeric: ['<', 10] }] } }, false],
    [{ detail: { orderId: [{ exists: true }] } }, true],
    [{ detail: { coupon: [{ exists: false }] } }, true],
    [{ detail: { orderId: [{ exists: false }] } }, false],
    [{ 'detail-type': [{ 'equals-ignore-case': 'ORDER.PLACED' }] }, true],
    [{ detail: { region: [{ wildcard: 'eu-*-1' }] } }, true],
    [{ detail: { ip: [{ cidr: '10.0.0.0/16' }] } }, true],
    [{ detail: { ip: [{ cidr: '10.1.0.0/16' }] } }, false],
    [{ $or: [{ source: ['x'] }, { detail: { orderId: ['o-1'] } }] }, true],
    [{ $or: [{ source: ['x'] }, { detail: { orderId: ['o-2'] } }] }, false],
  ];
  for (const [pattern, expected] of cases) assert.equal(matchesPattern(pattern, order), expected, JSON.stringify(pattern));
});

test('SNS filter policies: attribute types and the message body scope', () => {
  const message = { message: '{"kind":"order","total":12}', attributes: { kind: { Type: 'String', Value: 'order' }, size: { Type: 'Number', Value: '12' }, tags: { Type: 'String.Array', Value: '["a","b"]' } } };
  assert.equal(matchesFilterPolicy({ kind: ['order'] }, 'MessageAttributes', message), true);
  assert.equal(matchesFilterPolicy({ size: [{ numeric: ['>=', 10] }] }, 'MessageAttributes', message), true);
  assert.equal(matchesFilterPolicy({ tags: ['b'] }, 'MessageAttributes', message), true);
  assert.equal(matchesFilterPolicy({ kind: ['refund'] }, 'MessageAttributes', message), false);
  assert.equal(matchesFilterPolicy({ missing: [{ exists: false }] }, 'MessageAttributes', message), true);
  assert.equal(matchesFilterPolicy({ total: [{ numeric: ['>', 10] }] }, 'MessageBody', message), true);
  assert.equal(matchesFilterPolicy({ total: [{ numeric: ['>', 10] }] }, 'MessageBody', { ...message, message: 'plain text' }), false);
  assert.equal(matchesFilterPolicy(undefined, 'MessageAttributes', message), true);
});

test('event-source filters see JSON bodies and Kinesis data parsed', () => {
  assert.equal(matchesPattern({ body: { type: ['job'] } }, filterView({ body: '{"type":"job"}' })), true);
  assert.equal(matchesPattern({ body: { type: ['job'] } }, filterView({ body: 'type=job' })), false);
  const data = Buffer.from('{"page":"/home"}').toString('base64');
  assert.equal(matchesPattern({ data: { page: [{ prefix: '/h' }] } }, filterView({ kinesis: { data, partitionKey: 'k' } })), true);
});

test('schedules: rate, cron with names, L, W and #, time zones across a DST change, and at()', () => {
  const t = (iso: string) => new Date(iso);
  assert.equal(nextFireTime('rate(5 minutes)', t('2026-11-23T10:00:00Z'))?.toISOString(), '2026-11-23T10:05:00.000Z');
  assert.equal(nextFireTime('cron(0 12 * * ? *)', t('2026-11-23T12:00:00Z'))?.toISOString(), '2026-11-24T12:00:00.000Z');
  assert.equal(nextFireTime('cron(15 9 ? * MON-FRI *)', t('2026-11-21T00:00:00Z'))?.toISOString(), '2026-11-23T09:15:00.000Z', 'Saturday → Monday');
  assert.equal(nextFireTime('cron(0 0 L * ? *)', t('2026-02-10T00:00:00Z'))?.toISOString(), '2026-02-28T00:00:00.000Z');
  assert.equal(nextFireTime('cron(0 0 15W * ? *)', t('2026-11-01T00:00:00Z'))?.toISOString(), '2026-11-16T00:00:00.000Z', '15 Nov 2026 is a Sunday');
  assert.equal(nextFireTime('cron(0 10 ? * 2#1 *)', t('2026-11-23T00:00:00Z'))?.toISOString(), '2026-12-07T10:00:00.000Z', 'first Monday');
  assert.equal(nextFireTime('cron(0/20 * * * ? *)', t('2026-11-23T10:41:00Z'))?.toISOString(), '2026-11-23T11:00:00.000Z');
  // 03:00 in Paris: UTC+2 before the end of summer time (25 Oct 2026), UTC+1 after.
  assert.equal(nextFireTime('cron(0 3 * * ? *)', t('2026-10-24T12:00:00Z'), 'Europe/Paris')?.toISOString(), '2026-10-25T02:00:00.000Z');
  assert.equal(nextFireTime('cron(0 3 * * ? *)', t('2026-10-25T12:00:00Z'), 'Europe/Paris')?.toISOString(), '2026-10-26T02:00:00.000Z');
  // 02:30 does not exist in Paris on 29 March 2026: that day is skipped.
  assert.equal(nextFireTime('cron(30 2 * * ? *)', t('2026-03-28T12:00:00Z'), 'Europe/Paris')?.toISOString(), '2026-03-30T00:30:00.000Z');
  assert.equal(nextFireTime('at(2026-12-01T09:00:00)', t('2026-11-23T00:00:00Z'), 'America/New_York')?.toISOString(), '2026-12-01T14:00:00.000Z');
  assert.equal(nextFireTime('at(2026-12-01T09:00:00)', t('2026-12-02T00:00:00Z')), undefined);
  for (const [bad, why] of [
    ['cron(0 12 * * *)', /needs 6 fields/],
    ['cron(0 12 * * MON *)', /exactly one of day-of-month and day-of-week/],
    ['cron(61 * * * ? *)', /"61" is outside 0-59/],
    ['every hour', /expected rate/],
  ] as const) assert.throws(() => parseSchedule(bad), why);
  assert.throws(() => parseSchedule('rate(1 hour)', 'Mars/Base'), /not an IANA time zone/);
});
