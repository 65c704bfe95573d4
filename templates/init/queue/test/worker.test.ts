import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqsEvent } from 'lambdakit';
import { handler } from '../functions/worker';

test('a bad message is reported alone; the rest of the batch is done', async () => {
  // The same event SQS (and lambdakit dev's poller) delivers.
  const event = sqsEvent({ messages: ['{"id":"a"}', 'not json', '{"id":"c"}'] });
  const response = await handler(event);
  assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: event.Records[1].messageId }]);
});
