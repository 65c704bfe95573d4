import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FunctionModel } from '../../lib/assembly/model';
import { invocationLine } from '../../lib/dev/dev';
import type { InvocationLogEntry } from '../../lib/local';

const entry = (trigger: string, payload: unknown, ok = true): InvocationLogEntry =>
  ({
    fn: { constructPath: 'Fns/Worker' } as FunctionModel,
    version: '$LATEST',
    trigger,
    outcome: { requestId: 'r-1', ok, payload: Buffer.from(JSON.stringify(payload)), errorType: ok ? undefined : 'Error', log: '', durationMs: 12.3, billedDurationMs: 13, maxMemoryUsedMb: 60, memoryMb: 128, cold: false, version: '$LATEST' },
  }) as InvocationLogEntry;
const reports = (queue: string) => queue === 'jobs';
const now = new Date('2026-11-23T10:00:00Z');

test('an SQS batch whose response reports failed items logs as a partial failure, in text and JSON', () => {
  const failed = entry('sqs jobs (10)', { batchItemFailures: [{ itemIdentifier: 'm-3' }] });
  assert.match(invocationLine(failed, { reportsItemFailures: reports, now }), /  partial 1\/10 failed\n$/);
  const json = JSON.parse(invocationLine(failed, { json: true, reportsItemFailures: reports, now }));
  assert.equal(json.status, 'partial');
  assert.equal(json.failedItems, 1);
  assert.equal(json.batchSize, 10);
});

test('a batch with no failed items, a mapping that does not report them, and other triggers log ok; errors log their type', () => {
  assert.match(invocationLine(entry('sqs jobs (10)', { batchItemFailures: [] }), { reportsItemFailures: reports, now }), /  ok\n$/);
  assert.match(invocationLine(entry('sqs other (4)', { batchItemFailures: [{ itemIdentifier: 'x' }] }), { reportsItemFailures: reports, now }), /  ok\n$/);
  assert.equal(JSON.parse(invocationLine(entry('GET /users', { batchItemFailures: [{}] }), { json: true, reportsItemFailures: reports, now })).status, 'ok');
  assert.match(invocationLine(entry('sqs jobs (2)', { errorMessage: 'boom' }, false), { reportsItemFailures: reports, now }), /  Error\n$/);
});
