import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EventBridgeClient, CreateEventBusCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ScheduleTimer, bridgeQueueName, startBucketBridge, startBusBridge, startTopicBridge, s3EventMatches } from '../../lib/dev/bridges';
import type { DevWorker } from '../../lib/dev/invoker';
import type { Moto } from '../ops/moto';
import { recordingInvoker, useMoto } from './services';

let moto: Moto;
let sqs: SQSClient;
let s3: S3Client;
let sns: SNSClient;
let events: EventBridgeClient;
const workers: DevWorker[] = [];
const calls: Array<{ fn: string; payload: any; trigger: string }> = [];
const invoker = recordingInvoker(calls);

// The bridges stop before moto does.
after(() => Promise.all(workers.map((w) => w.stop())));
useMoto((aws) => ({ moto, sqs, s3, sns, events } = aws));

async function until(check: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Whether a bridge has handled everything sent to it: its queue holds no message, visible or in flight
 * (the bridge deletes a message once every matching function has been invoked).
 */
async function drained(kind: 's3' | 'sns' | 'events', source: string): Promise<boolean> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: bridgeQueueName(kind, source) }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Attributes?.ApproximateNumberOfMessages === '0' && Attributes?.ApproximateNumberOfMessagesNotVisible === '0';
}

test('S3: an object put or deleted through the S3 API reaches the functions whose event and key filters match', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'uploads-bucket' }));
  workers.push(
    await startBucketBridge({ s3, sqs }, 'uploads-bucket', [
      { target: { functionPath: 'P/Images' }, events: ['s3:ObjectCreated:*'], prefix: 'uploads/', suffix: '.png' },
      { target: { functionPath: 'P/Cleanup' }, events: ['s3:ObjectRemoved:*'] },
    ], invoker),
  );
  await s3.send(new PutObjectCommand({ Bucket: 'uploads-bucket', Key: 'uploads/my cat.png', Body: 'x' }));
  await s3.send(new PutObjectCommand({ Bucket: 'uploads-bucket', Key: 'other/dog.png', Body: 'x' }));
  await s3.send(new DeleteObjectCommand({ Bucket: 'uploads-bucket', Key: 'other/dog.png' }));
  await until(() => calls.some((c) => c.fn === 'P/Cleanup'));
  // Every notification has been handled (the put of other/dog.png included) before counting what did not happen.
  await until(() => drained('s3', 'uploads-bucket'));
  const images = calls.filter((c) => c.fn === 'P/Images');
  assert.equal(images.length, 1);
  assert.equal(images[0].payload.Records[0].s3.bucket.name, 'uploads-bucket');
  assert.match(images[0].payload.Records[0].eventName, /^ObjectCreated:/);
  assert.equal(calls.filter((c) => c.fn === 'P/Cleanup').length, 1);
  assert.ok(s3EventMatches('s3:ObjectCreated:*', 'ObjectCreated:Put'));
  assert.ok(!s3EventMatches('s3:ObjectCreated:Copy', 'ObjectCreated:Put'));
});

test('SNS: a published message reaches each subscriber whose filter accepts it, as an SNS event record', async () => {
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'orders' }))).TopicArn!;
  workers.push(
    await startTopicBridge({ sns, sqs }, topicArn, [
      { target: { functionPath: 'P/Notify' }, subscriptionArn: `${topicArn}:sub-1` },
      { target: { functionPath: 'P/Big' }, subscriptionArn: `${topicArn}:sub-2`, accepts: (m) => m.attributes.size?.Value === 'big' },
    ], invoker),
  );
  await sns.send(new PublishCommand({ TopicArn: topicArn, Message: '{"orderId":"o-1"}', Subject: 'new', MessageAttributes: { size: { DataType: 'String', StringValue: 'small' } } }));
  await until(() => calls.some((c) => c.fn === 'P/Notify'));
  await until(() => drained('sns', 'orders'));
  const notify = calls.find((c) => c.fn === 'P/Notify')!;
  assert.equal(notify.payload.Records[0].EventSource, 'aws:sns');
  assert.equal(notify.payload.Records[0].Sns.Message, '{"orderId":"o-1"}');
  assert.equal(notify.payload.Records[0].Sns.MessageAttributes.size.Value, 'small');
  assert.equal(calls.filter((c) => c.fn === 'P/Big').length, 0, 'filtered out');
});

test('EventBridge: an event put on the bus reaches the targets of matching rules', async () => {
  await events.send(new CreateEventBusCommand({ Name: 'orders-bus' }));
  workers.push(
    await startBusBridge({ events, sqs }, 'orders-bus', [
      { target: { functionPath: 'P/Router' }, ruleName: 'placed', matches: (e) => e['detail-type'] === 'order.placed' },
      { target: { functionPath: 'P/Detail' }, ruleName: 'detail', matches: () => true, inputPath: '$.detail' },
    ], invoker),
  );
  await events.send(new PutEventsCommand({ Entries: [{ EventBusName: 'orders-bus', Source: 'lambdakit.orders', DetailType: 'order.placed', Detail: '{"orderId":"o-9"}' }] }));
  await until(() => calls.some((c) => c.fn === 'P/Router') && calls.some((c) => c.fn === 'P/Detail'));
  assert.equal(calls.find((c) => c.fn === 'P/Router')!.payload.detail.orderId, 'o-9');
  assert.deepEqual(calls.find((c) => c.fn === 'P/Detail')!.payload, { orderId: 'o-9' });
});

test('schedules fire at the times their expression gives, with a clock the test controls', async () => {
  let now = new Date('2026-11-23T10:00:00Z');
  const fired: string[] = [];
  const every50ms = (after: Date) => new Date(after.getTime() + 50);
  const timer = new ScheduleTimer('tick', every50ms, { functionPath: 'P/Cleanup' }, (at) => JSON.stringify({ time: at.toISOString() }), {
    invoke: async () => ({ payload: 'null' }),
    invokeAsync: async (_t, payload) => void fired.push(JSON.parse(payload).time),
  }, undefined, () => now);
  timer.start();
  now = new Date(now.getTime() + 50);
  await until(() => fired.length >= 1, 2_000);
  await timer.stop();
  assert.equal(fired[0], '2026-11-23T10:00:00.050Z');
});
