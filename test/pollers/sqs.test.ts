import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { DevInvoker } from '../../lib/dev/invoker';
import { SqsPoller, messagesToDelete } from '../../lib/dev/pollers/sqs';
import { type Moto, startMoto } from '../ops/moto';

let moto: Moto;
let sqs: SQSClient;

before(async () => {
  moto = await startMoto();
  sqs = new SQSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
after(async () => {
  sqs.destroy();
  await moto.stop();
});

async function queueWithDlq(name: string, maxReceiveCount: number) {
  const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl!;
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const url = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: String(maxReceiveCount) }) },
      }),
    )
  ).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url, arn, dlq };
}

async function send(url: string, bodies: string[]) {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: bodies.slice(i, i + 10).map((b, n) => ({ Id: String(n), MessageBody: b })) }));
  }
}

async function drain(url: string): Promise<string[]> {
  const out: string[] = [];
  for (let empty = 0; empty < 3; ) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!r.Messages?.length) empty++;
    for (const m of r.Messages ?? []) out.push(m.Body!);
  }
  return out.sort();
}

async function until(check: () => boolean | Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('partial batch failures: the good messages are processed once, a poison message ends in the DLQ after maxReceiveCount receives', async () => {
  const q = await queueWithDlq('jobs', 2);
  const bodies = Array.from({ length: 25 }, (_, i) => (i % 8 === 3 ? `poison-${i}` : `job-${i}`));
  const processed: string[] = [];
  const poisonSeen = new Map<string, number>();
  const invoker: DevInvoker = {
    invoke: async (_target, payload) => {
      const event = JSON.parse(payload) as SQSEvent;
      assert.ok(event.Records.length <= 5);
      const failures = [];
      for (const r of event.Records) {
        assert.equal(r.eventSource, 'aws:sqs');
        assert.equal(r.eventSourceARN, q.arn);
        if (r.body.startsWith('poison')) {
          poisonSeen.set(r.body, (poisonSeen.get(r.body) ?? 0) + 1);
          failures.push({ itemIdentifier: r.messageId });
        } else processed.push(r.body);
      }
      return { payload: JSON.stringify({ batchItemFailures: failures }) };
    },
    invokeAsync: async () => {},
  };
  const poller = new SqsPoller(sqs, { queueUrl: q.url, queueArn: q.arn, batchSize: 5, reportBatchItemFailures: true }, { functionPath: 'P/Worker', qualifier: 'live' }, invoker);
  poller.start();
  await send(q.url, bodies);
  const poison = bodies.filter((b) => b.startsWith('poison'));
  try {
    await until(() => processed.length === bodies.length - poison.length && poison.every((p) => (poisonSeen.get(p) ?? 0) >= 2));
    // SQS moves a message to the DLQ on the receive that would have delivered it a third time:
    // once every poison message is there, the poller has made that receive for each of them.
    await until(async () => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.dlq, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages === String(poison.length));
  } finally {
    await poller.stop();
  }
  assert.deepEqual(Object.fromEntries(poisonSeen), Object.fromEntries(poison.map((p) => [p, 2])), 'each poison message invoked exactly maxReceiveCount times');
  assert.deepEqual(processed.sort(), bodies.filter((b) => !b.startsWith('poison')).sort(), 'each good message processed exactly once');
  assert.deepEqual(await drain(q.dlq), poison.sort(), 'poison messages are in the dead-letter queue');
  assert.deepEqual(await drain(q.url), [], 'nothing is left in the queue');
});

test('a function error leaves the whole batch in the queue; it is processed on a later receive', async () => {
  const q = await queueWithDlq('flaky', 5);
  let calls = 0;
  const processed: string[] = [];
  const invoker: DevInvoker = {
    invoke: async (_t, payload) => {
      calls++;
      if (calls === 1) return { payload: JSON.stringify({ errorType: 'Error', errorMessage: 'boom' }), functionError: 'Unhandled' };
      processed.push(...(JSON.parse(payload) as SQSEvent).Records.map((r) => r.body));
      return { payload: 'null' };
    },
    invokeAsync: async () => {},
  };
  const poller = new SqsPoller(sqs, { queueUrl: q.url, queueArn: q.arn, batchSize: 10, concurrency: 1 }, { functionPath: 'P/Worker' }, invoker);
  await send(q.url, ['a', 'b', 'c']);
  poller.start();
  try {
    await until(() => processed.length >= 3);
  } finally {
    await poller.stop();
  }
  assert.deepEqual(processed.sort(), ['a', 'b', 'c']);
  assert.deepEqual(await drain(q.dlq), []);
});

test('messagesToDelete follows Lambda: invalid partial responses fail the whole batch', () => {
  const records = ['1', '2'].map((id) => ({ messageId: id, receiptHandle: id }) as never);
  assert.equal(messagesToDelete(records, { payload: '{"batchItemFailures":[]}' }, true).length, 2);
  assert.equal(messagesToDelete(records, { payload: '{"batchItemFailures":[{"itemIdentifier":"2"}]}' }, true).length, 1);
  assert.equal(messagesToDelete(records, { payload: '{"batchItemFailures":[{"itemIdentifier":"nope"}]}' }, true).length, 0);
  assert.equal(messagesToDelete(records, { payload: '{"batchItemFailures":[{}]}' }, true).length, 0);
  assert.equal(messagesToDelete(records, { payload: 'null' }, true).length, 2);
  assert.equal(messagesToDelete(records, { payload: '{"batchItemFailures":[{"itemIdentifier":"2"}]}' }, false).length, 2, 'ignored when the mapping does not report item failures');
  assert.equal(messagesToDelete(records, { payload: '{}', functionError: 'Unhandled' }, true).length, 0);
});

test('a receive that fails while a batch is being gathered does not drop the messages already received: they are invoked', async () => {
  // A stand-in for SQS: the first receive returns two messages, the next one fails (moto answers an HTML 500 under load).
  const received = [
    { MessageId: 'm-1', ReceiptHandle: 'r-1', Body: '{"n":1}', Attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1764500000000' } },
    { MessageId: 'm-2', ReceiptHandle: 'r-2', Body: '{"n":2}', Attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1764500000000' } },
  ];
  let receives = 0;
  const deleted: string[] = [];
  const sqs = {
    send: async (command: { constructor: { name: string }; input: { Entries?: { ReceiptHandle: string }[]; ReceiptHandle?: string } }) => {
      if (command.constructor.name === 'ReceiveMessageCommand') {
        receives++;
        if (receives === 1) return { Messages: received };
        if (receives === 2) throw new Error('Unexpected token \'<\', "<!doctype "... is not valid JSON');
        return { Messages: [] };
      }
      for (const entry of command.input.Entries ?? [{ ReceiptHandle: command.input.ReceiptHandle! }]) deleted.push(entry.ReceiptHandle);
      return { Successful: (command.input.Entries ?? []).map((e, i) => ({ Id: String(i), ...e })), Failed: [] };
    },
  } as unknown as SQSClient;
  const invoked: SQSEvent[] = [];
  const errors: string[] = [];
  const invoker: DevInvoker = {
    invoke: async (_target, payload) => {
      invoked.push(JSON.parse(payload));
      return { payload: 'null' };
    },
    invokeAsync: async () => {},
  };
  const poller = new SqsPoller(sqs, { queueUrl: 'http://127.0.0.1/123456789012/jobs', queueArn: 'arn:aws:sqs:us-east-1:123456789012:jobs', batchSize: 10, maximumBatchingWindowSeconds: 1, concurrency: 1 }, { functionPath: 'P/Worker' }, invoker, (e) => errors.push(e.message));
  poller.start();
  try {
    for (let i = 0; i < 200 && deleted.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  } finally {
    await poller.stop();
  }
  assert.deepEqual(invoked[0]?.Records.map((r) => r.messageId), ['m-1', 'm-2']);
  assert.deepEqual(deleted.sort(), ['r-1', 'r-2']);
  assert.match(errors[0] ?? '', /not valid JSON/, 'the failed receive is still reported');
});

test('an empty queue is polled with pauses between receives, with or without a batching window (no spinning)', async () => {
  for (const maximumBatchingWindowSeconds of [0, 5]) {
    const receives: number[] = [];
    const sqs = {
      send: async () => {
        receives.push(performance.now());
        return { Messages: [] };
      },
    } as unknown as SQSClient;
    const invoker: DevInvoker = { invoke: async () => ({ payload: 'null' }), invokeAsync: async () => {} };
    const poller = new SqsPoller(sqs, { queueUrl: 'http://127.0.0.1/123456789012/idle', queueArn: 'arn:aws:sqs:us-east-1:123456789012:idle', batchSize: 10, maximumBatchingWindowSeconds, concurrency: 1 }, { functionPath: 'P/Idle' }, invoker);
    poller.start();
    try {
      while (receives.length < 4) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await poller.stop();
    }
    // The poller backs off from 50 ms, doubling: every gap is at least the first pause (timers only run late).
    const gaps = receives.slice(1, 4).map((t, i) => t - receives[i]);
    assert.ok(gaps.every((gap) => gap >= 45), `window ${maximumBatchingWindowSeconds} s: gaps between empty receives ${gaps.map((g) => g.toFixed(1)).join(', ')} ms`);
  }
});
