import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Job, type JobStore, parseJob, processBatch } from '../../functions/jobs/handler';
import { memoryLog, sqsEvent, sqsRecord } from './events';

/** Finished jobs by id, keeping the first result as the conditional put does. */
function memoryJobStore() {
  const done = new Map<string, Record<string, unknown>>();
  const store: JobStore = {
    async complete(job: Job, result) {
      if (done.has(job.jobId)) return 'already-done';
      done.set(job.jobId, result);
      return 'done';
    },
  };
  return { store, done };
}

describe('queue worker', () => {
  it('completes every job of a good batch and reports no failures', async () => {
    const { store, done } = memoryJobStore();
    const response = await processBatch(
      sqsEvent(
        sqsRecord('m1', JSON.stringify({ jobId: 'j1', type: 'resize', payload: { width: 640, height: 480 } })),
        sqsRecord('m2', JSON.stringify({ jobId: 'j2', type: 'report', payload: { rows: [1, 2, 3] } })),
        sqsRecord('m3', JSON.stringify({ jobId: 'j3', type: 'email', payload: { to: 'ada@example.com' } })),
      ),
      store,
      memoryLog().log,
    );
    assert.deepEqual(response, { batchItemFailures: [] });
    assert.deepEqual(Object.fromEntries(done), { j1: { width: 320, height: 240 }, j2: { lines: 3 }, j3: { queuedFor: 'ada@example.com' } });
  });

  it('reports only the poison messages, and the rest of their batch completes', async () => {
    const { store, done } = memoryJobStore();
    const { log, entries } = memoryLog();
    const response = await processBatch(
      sqsEvent(
        sqsRecord('good-1', JSON.stringify({ jobId: 'j1', type: 'report' })),
        sqsRecord('not-json', '{oops', 3),
        sqsRecord('unknown-type', JSON.stringify({ jobId: 'j2', type: 'launch-rocket' })),
        sqsRecord('no-recipient', JSON.stringify({ jobId: 'j3', type: 'email', payload: {} })),
        sqsRecord('good-2', JSON.stringify({ jobId: 'j4', type: 'resize', payload: { width: 2, height: 2 } })),
      ),
      store,
      log,
    );
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: 'not-json' }, { itemIdentifier: 'unknown-type' }, { itemIdentifier: 'no-recipient' }]);
    assert.deepEqual([...done.keys()], ['j1', 'j4']);
    assert.deepEqual(entries.find((e) => e.messageId === 'not-json'), { level: 'WARN', message: 'job failed', messageId: 'not-json', reason: 'message body is not JSON', receiveCount: '3' });
  });

  it('does a redelivered job once: the second delivery finds it done and succeeds', async () => {
    const { store, done } = memoryJobStore();
    const message = JSON.stringify({ jobId: 'j1', type: 'resize', payload: { width: 10, height: 10 } });
    const { log, entries } = memoryLog();
    await processBatch(sqsEvent(sqsRecord('m1', message)), store, log);
    const again = await processBatch(sqsEvent(sqsRecord('m1', message, 2)), store, log);
    assert.deepEqual(again.batchItemFailures, []);
    assert.equal(done.size, 1);
    assert.deepEqual(entries.map((e) => e.outcome), ['done', 'already-done']);
  });

  it('fails the message, not the batch, when the table is unavailable, so SQS retries it', async () => {
    const store: JobStore = {
      complete: async (job) => {
        if (job.jobId === 'j2') throw Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' });
        return 'done';
      },
    };
    const response = await processBatch(
      sqsEvent(sqsRecord('m1', JSON.stringify({ jobId: 'j1', type: 'report' })), sqsRecord('m2', JSON.stringify({ jobId: 'j2', type: 'report' }))),
      store,
      memoryLog().log,
    );
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: 'm2' }]);
  });

  it('reports a batch where every message failed message by message, rather than failing the invocation', async () => {
    const response = await processBatch(sqsEvent(sqsRecord('m1', '{oops'), sqsRecord('m2', '[]')), memoryJobStore().store, memoryLog().log);
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
  });

  it('parses jobs strictly: ids, types and payload shape', () => {
    assert.deepEqual(parseJob('{"jobId":"a-1","type":"report"}'), { jobId: 'a-1', type: 'report', payload: {} });
    assert.throws(() => parseJob('[1]'), /not a JSON object/);
    assert.throws(() => parseJob('{"jobId":"has space","type":"report"}'), /jobId/);
    assert.throws(() => parseJob('{"jobId":"a","type":"report","payload":"x"}'), /payload/);
  });
});
