import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { EventBridgeSchema, S3Schema, SnsSchema, SqsSchema } from '@aws-lambda-powertools/parser/schemas';
import { resourceModelOf, type RuleModel, type ScheduleModel } from '../../lib/assembly/resources';
import type { ScheduleWiring } from '../../lib/assembly/triggers';
import { ScheduleTimer, startBucketBridge, startBusBridge, startTopicBridge } from '../../lib/dev/bridges';
import { schedulePayload } from '../../lib/dev/dev';
import type { DevWorker } from '../../lib/dev/invoker';
import { SqsPoller } from '../../lib/dev/pollers/sqs';
import { eventBridgeEvent, md5OfMessageAttributes, s3Event, sampleEvent, snsEvent, sqsEvent } from '../../lib/events';
import type { Moto } from '../ops/moto';
import { recordingInvoker, useMoto } from './services';

/**
 * The events `lambdakit dev` delivers, captured as functions receive them from the bridges,
 * the SQS poller and the schedules against moto, checked against Powertools for AWS Lambda's
 * parser schemas (an independent reading of AWS's shapes), field by field against AWS's
 * documented values, and key for key against `lambdakit event`'s builders.
 */

let moto: Moto;
let sqs: SQSClient;
let s3: S3Client;
let sns: SNSClient;
let events: EventBridgeClient;
const workers: DevWorker[] = [];
const delivered: Array<{ fn: string; payload: any; trigger: string }> = [];
const invoker = recordingInvoker(delivered);

// The bridges stop before moto does.
after(() => Promise.all(workers.map((w) => w.stop())));
useMoto((aws) => ({ moto, sqs, s3, sns, events } = aws));

async function until<T>(find: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every key path of a JSON value (array elements as `[]`), so two events compare by shape. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => keyPaths(v, `${prefix}[]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...keyPaths(v, `${prefix}.${k}`)]);
}
const shape = (value: unknown) => [...new Set(keyPaths(value))].sort();

const ISO_MS_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ISO_S_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('S3 notifications', () => {
  it('deliver what S3 sends for a put and a delete of a key with a space and a slash', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'photos-bucket' }));
    workers.push(await startBucketBridge({ s3, sqs }, 'photos-bucket', [{ target: { functionPath: 'P/Photos' }, events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'], prefix: 'dir/' }], invoker));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'photos-bucket', Key: 'dir/red flower (1).txt', Body: 'hello' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'photos-bucket', Key: 'dir/red flower (1).txt' }));
    const created = await until(() => delivered.find((d) => d.fn === 'P/Photos' && d.payload.Records[0].eventName === 'ObjectCreated:Put'));
    const removed = await until(() => delivered.find((d) => d.fn === 'P/Photos' && d.payload.Records[0].eventName === 'ObjectRemoved:Delete'));

    for (const event of [created.payload, removed.payload]) {
      S3Schema.parse(event);
      const [record] = event.Records;
      assert.equal(record.eventSource, 'aws:s3');
      assert.equal(record.awsRegion, 'us-east-1');
      assert.match(record.eventTime, ISO_MS_Z, 'ISO 8601 with milliseconds and Z, as S3 documents');
      assert.match(record.userIdentity.principalId, /\S/);
      assert.ok(record.requestParameters.sourceIPAddress);
      assert.match(record.responseElements['x-amz-request-id'], /\S/);
      assert.match(record.responseElements['x-amz-id-2'], /\S/);
      assert.match(record.s3.bucket.ownerIdentity.principalId, /\S/);
      assert.equal(record.s3.bucket.arn, 'arn:aws:s3:::photos-bucket');
      // Form-encoded, slash kept: a space is "+", "(" is "%28".
      assert.equal(record.s3.object.key, 'dir/red+flower+%281%29.txt');
      assert.match(record.s3.object.sequencer, /^[0-9A-F]{18}$/);
    }
    const [c] = created.payload.Records;
    const [r] = removed.payload.Records;
    assert.equal(c.s3.object.size, 5);
    assert.equal(`"${c.s3.object.eTag}"`, put.ETag);
    assert.equal('size' in r.s3.object, false, 'S3 leaves size out of removal events');
    assert.equal('eTag' in r.s3.object, false, 'and the eTag');
    assert.ok(r.s3.object.sequencer > c.s3.object.sequencer, 'a later event of the key has a greater sequencer');
    assert.equal(c.s3.configurationId, r.s3.configurationId, 'one notification configuration, one id');

    assert.deepEqual(shape(created.payload), shape(s3Event({ eventName: 'ObjectCreated:Put', key: 'dir/red flower (1).txt' })));
    assert.deepEqual(shape(removed.payload), shape(s3Event({ eventName: 'ObjectRemoved:Delete', key: 'dir/red flower (1).txt' })));
    assert.deepEqual(shape(created.payload), shape(sampleEvent('s3-put', { key: 'dir/red flower (1).txt' })));
  });
});

describe('SNS subscriptions', () => {
  it('deliver what SNS sends a function, message attributes of each type included', async () => {
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn!;
    const subscriptionArn = `${topicArn}:0b5e1f3c-2a8e-4c55-9d6a-5f0a3c8e7b21`;
    workers.push(await startTopicBridge({ sns, sqs }, topicArn, [{ target: { functionPath: 'P/Alerts' }, subscriptionArn }], invoker));
    const published = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'disk full',
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'high' }, count: { DataType: 'Number', StringValue: '3' }, raw: { DataType: 'Binary', BinaryValue: Buffer.from('ab') } },
      }),
    );
    const { payload } = await until(() => delivered.find((d) => d.fn === 'P/Alerts'));
    SnsSchema.parse(payload);
    const [record] = payload.Records;
    assert.equal(record.EventSource, 'aws:sns');
    assert.equal(record.EventVersion, '1.0');
    assert.equal(record.EventSubscriptionArn, subscriptionArn);
    assert.equal(record.Sns.Type, 'Notification');
    assert.equal(record.Sns.MessageId, published.MessageId);
    assert.equal(record.Sns.TopicArn, topicArn);
    assert.equal(record.Sns.Message, 'disk full');
    assert.equal(record.Sns.Subject, null, 'SNS sends a null Subject when none was given');
    assert.match(record.Sns.Timestamp, ISO_MS_Z);
    assert.deepEqual(record.Sns.MessageAttributes, {
      severity: { Type: 'String', Value: 'high' },
      count: { Type: 'Number', Value: '3' },
      raw: { Type: 'Binary', Value: Buffer.from('ab').toString('base64') },
    });
    assert.equal(record.Sns.UnsubscribeUrl, `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`);
    assert.match(record.Sns.SigningCertUrl, /^https:\/\/sns\.us-east-1\.amazonaws\.com\/SimpleNotificationService-[0-9a-f]+\.pem$/);
    assert.deepEqual(shape(payload), shape(snsEvent({ attributes: { severity: 'high', count: { Type: 'Number', Value: '3' }, raw: { Type: 'Binary', Value: 'YWI=' } } })));
    // The command line takes String attributes only: compare the rest.
    const outsideAttributes = (paths: string[]) => paths.filter((p) => !p.includes('.MessageAttributes.'));
    assert.deepEqual(outsideAttributes(shape(payload)), outsideAttributes(shape(sampleEvent('sns', { attribute: ['severity=high'] }))));
  });
});

describe('EventBridge rules', () => {
  it('deliver the event as put, with the account EventBridge adds', async () => {
    await events.send(new CreateEventBusCommand({ Name: 'shop-bus' }));
    workers.push(await startBusBridge({ events, sqs }, 'shop-bus', [{ target: { functionPath: 'P/Orders' }, ruleName: 'placed', matches: (e) => e.source === 'com.shop' }], invoker));
    const put = await events.send(new PutEventsCommand({ Entries: [{ EventBusName: 'shop-bus', Source: 'com.shop', DetailType: 'Order Placed', Detail: '{"orderId":"o-1"}', Resources: ['arn:aws:s3:::b'] }] }));
    const { payload } = await until(() => delivered.find((d) => d.fn === 'P/Orders'));
    EventBridgeSchema.parse(payload);
    assert.equal(payload.version, '0');
    assert.equal(payload.id, put.Entries![0].EventId);
    assert.equal(payload.account, '123456789012');
    assert.equal(payload.region, 'us-east-1');
    assert.equal(payload.source, 'com.shop');
    assert.equal(payload['detail-type'], 'Order Placed');
    assert.match(payload.time, ISO_S_Z);
    assert.deepEqual(payload.resources, ['arn:aws:s3:::b']);
    assert.deepEqual(payload.detail, { orderId: 'o-1' });
    assert.deepEqual(shape(payload), shape(eventBridgeEvent({ detail: { orderId: 'o-1' }, resources: ['arn:aws:s3:::b'] })));
  });
});

describe('schedules', () => {
  const fire = async (wiring: Partial<ScheduleWiring> & { properties?: Record<string, string> }, at: Date) => {
    const fired: any[] = [];
    // The rule or schedule at construct path Fns/Report, named by lib/assembly as dev names it.
    const type = wiring.source === 'scheduler' ? 'AWS::Scheduler::Schedule' : 'AWS::Events::Rule';
    const naming = { region: 'eu-west-1', accountId: '123456789012', partition: 'aws', resolve: () => undefined };
    const schedule = resourceModelOf({ stackName: 'Fns', logicalId: 'Report8C3A5B2E', type, properties: wiring.properties ?? {}, cdkPath: 'Fns/Report/Resource' }, naming) as RuleModel | ScheduleModel;
    const s = { name: 'Fns/Report', schedule, expression: 'rate(1 hour)', stackName: 'Fns', ...wiring } as ScheduleWiring;
    const timer = new ScheduleTimer(s.name, () => undefined, { functionPath: 'P/Report' }, (when) => schedulePayload(s, when, 'eu-west-1'), {
      invoke: async () => ({ payload: 'null' }),
      invokeAsync: async (_t, payload) => void fired.push(JSON.parse(payload)),
    });
    timer.fire(at);
    await timer.stop();
    return fired[0];
  };

  it('Scheduler without input sends its own Scheduled Event naming the schedule', async () => {
    const payload = await fire({ source: 'scheduler' }, new Date('2026-11-23T08:30:00.120Z'));
    EventBridgeSchema.parse(payload);
    assert.equal(payload.source, 'aws.scheduler');
    assert.equal(payload['detail-type'], 'Scheduled Event');
    assert.equal(payload.account, '123456789012');
    assert.equal(payload.region, 'eu-west-1');
    assert.equal(payload.time, '2026-11-23T08:30:00Z');
    assert.deepEqual(payload.resources, ['arn:aws:scheduler:eu-west-1:123456789012:schedule/default/Fns-Report']);
    // Scheduler's detail is the JSON text "{}", not an object as a rule's is.
    assert.equal(payload.detail, '{}');
    assert.deepEqual(shape(payload), shape(sampleEvent('scheduler', { schedule: 'Fns-Report' })));
  });

  it("Scheduler names the schedule by the template's Name and GroupName when it has them", async () => {
    const payload = await fire({ source: 'scheduler', properties: { Name: 'daily-report', GroupName: 'reports' } }, new Date('2026-11-23T08:30:00Z'));
    EventBridgeSchema.parse(payload);
    assert.deepEqual(payload.resources, ['arn:aws:scheduler:eu-west-1:123456789012:schedule/reports/daily-report']);
    const rule = await fire({ source: 'rule', properties: { Name: 'nightly-cleanup' } }, new Date('2026-11-23T03:00:00Z'));
    assert.deepEqual(rule.resources, ['arn:aws:events:eu-west-1:123456789012:rule/nightly-cleanup']);
  });

  it('Scheduler with input sends the input, context attributes filled in', async () => {
    const payload = await fire({ source: 'scheduler', input: '{"report":"daily","at":"<aws.scheduler.scheduled-time>","arn":"<aws.scheduler.schedule-arn>"}' }, new Date('2026-11-23T08:30:00Z'));
    assert.deepEqual(payload, { report: 'daily', at: '2026-11-23T08:30:00Z', arn: 'arn:aws:scheduler:eu-west-1:123456789012:schedule/default/Fns-Report' });
    assert.deepEqual(sampleEvent('scheduler', { schedule: 'Fns-Report', region: 'eu-west-1', time: '2026-11-23T08:30:00Z', input: '{"report":"daily","at":"<aws.scheduler.scheduled-time>","arn":"<aws.scheduler.schedule-arn>"}' }), payload);
  });

  it('a rule schedule sends a Scheduled Event naming the rule, or its target input', async () => {
    const payload = await fire({ source: 'rule' }, new Date('2026-11-23T03:00:00Z'));
    EventBridgeSchema.parse(payload);
    assert.equal(payload.source, 'aws.events');
    assert.deepEqual(payload.resources, ['arn:aws:events:eu-west-1:123456789012:rule/Fns-Report']);
    assert.deepEqual(payload.detail, {});
    assert.deepEqual(shape(payload), shape(sampleEvent('schedule', { rule: 'Fns-Report' })));
    assert.deepEqual(await fire({ source: 'rule', input: '{"job":"nightly"}' }, new Date()), { job: 'nightly' });
  });
});

describe('SQS event source mappings', () => {
  const attributes: Record<string, MessageAttributeValue> = {
    kind: { DataType: 'String', StringValue: 'retry' },
    attempt: { DataType: 'Number', StringValue: '2' },
    blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
    'trace.id': { DataType: 'String.uuid', StringValue: 'c0ffee' },
  };

  async function queue(name: string, extra: Record<string, string> = {}) {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: extra }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    return { url, arn };
  }

  async function pollOnce(q: { url: string; arn: string }) {
    const batches: any[] = [];
    const poller = new SqsPoller(sqs, { queueUrl: q.url, queueArn: q.arn, concurrency: 1 }, { functionPath: 'P/Worker' }, {
      invoke: async (_t, payload) => {
        batches.push(JSON.parse(payload));
        return { payload: 'null' };
      },
      invokeAsync: async () => {},
    });
    poller.start();
    try {
      return await until(() => batches[0]);
    } finally {
      await poller.stop();
    }
  }

  it('deliver a standard queue message with its attributes and the MD5 SQS gives them', async () => {
    // SQS's own digest of these attributes, as ReceiveMessage returns it.
    const probe = await queue('attributes-probe');
    await sqs.send(new SendMessageCommand({ QueueUrl: probe.url, MessageBody: 'x', MessageAttributes: attributes }));
    const received = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: probe.url, MessageAttributeNames: ['All'] }))).Messages![0];

    const q = await queue('work');
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{"job":1}', MessageAttributes: attributes }));
    const event = await pollOnce(q);
    SqsSchema.parse(event);
    const [record] = event.Records;
    assert.equal(record.messageId, sent.MessageId);
    assert.equal(record.body, '{"job":1}');
    assert.equal(record.md5OfBody, createHash('md5').update('{"job":1}').digest('hex'));
    assert.equal(record.md5OfMessageAttributes, received.MD5OfMessageAttributes);
    assert.equal(record.md5OfMessageAttributes, sent.MD5OfMessageAttributes);
    assert.deepEqual(record.messageAttributes, {
      kind: { stringValue: 'retry', stringListValues: [], binaryListValues: [], dataType: 'String' },
      attempt: { stringValue: '2', stringListValues: [], binaryListValues: [], dataType: 'Number' },
      blob: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      'trace.id': { stringValue: 'c0ffee', stringListValues: [], binaryListValues: [], dataType: 'String.uuid' },
    });
    assert.equal(record.attributes.ApproximateReceiveCount, '1');
    assert.match(record.attributes.SentTimestamp, /^\d{13}$/);
    assert.match(record.attributes.ApproximateFirstReceiveTimestamp, /^\d{13}$/);
    assert.match(record.attributes.SenderId, /\S/);
    assert.equal(record.eventSource, 'aws:sqs');
    assert.equal(record.eventSourceARN, q.arn);
    assert.equal(record.awsRegion, 'us-east-1');
    const same = { kind: 'retry', attempt: { dataType: 'Number', stringValue: '2' }, blob: { dataType: 'Binary', binaryValue: new Uint8Array([1, 2, 3]) }, 'trace.id': { dataType: 'String.uuid', stringValue: 'c0ffee' } };
    assert.deepEqual(shape(event), shape(sqsEvent({ attributes: same })));
    assert.equal(md5OfMessageAttributes(same), received.MD5OfMessageAttributes);
  });

  it('deliver a FIFO message with its group, deduplication id and a sequence number', async () => {
    const q = await queue('orders.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'first', MessageGroupId: 'customer-7', MessageAttributes: { kind: attributes.kind } }));
    const event = await pollOnce(q);
    SqsSchema.parse(event);
    const [record] = event.Records;
    assert.equal(record.attributes.MessageGroupId, 'customer-7');
    assert.equal(record.attributes.MessageDeduplicationId, createHash('sha256').update('first').digest('hex'));
    assert.match(record.attributes.SequenceNumber, /^\d+$/);
    assert.equal(record.md5OfMessageAttributes, md5OfMessageAttributes({ kind: 'retry' }));
    assert.deepEqual(shape(event), shape(sqsEvent({ queue: 'orders.fifo', attributes: { kind: 'retry' } })));
    assert.deepEqual(shape(event), shape(sampleEvent('sqs', { queue: 'orders.fifo', attribute: ['kind=retry'] })));
  });
});
