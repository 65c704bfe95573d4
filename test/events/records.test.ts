import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import {
  cloudWatchLogsEvent,
  decodeCloudWatchLogsEvent,
  encodeS3Key,
  schedulerEvent,
  schedulerPayload,
  dynamodbStreamEvent,
  eventBridgeEvent,
  kinesisEvent,
  md5OfMessageAttributes,
  s3Event,
  scheduledEvent,
  snsEvent,
  sqsEvent,
  toAttributeMap,
} from '../../lib/events';
import { LambdakitError } from '../../lib/errors';

const fixed = { seed: 7, now: '2026-11-23T10:12:13.456Z', region: 'eu-central-1', accountId: '111122223333' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('s3Event', () => {
  it('describes a put with bucket, URL-encoded key and size', () => {
    const [record] = s3Event({ ...fixed, bucket: 'uploads-bucket', key: 'photos/red flower.jpg', size: 2048 }).Records;
    assert.equal(record.eventName, 'ObjectCreated:Put');
    assert.equal(record.eventSource, 'aws:s3');
    assert.equal(record.awsRegion, 'eu-central-1');
    assert.equal(record.eventTime, '2026-11-23T10:12:13.456Z');
    assert.equal(record.s3.bucket.name, 'uploads-bucket');
    assert.equal(record.s3.bucket.arn, 'arn:aws:s3:::uploads-bucket');
    assert.equal(record.s3.object.key, 'photos/red+flower.jpg');
    assert.equal(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')), 'photos/red flower.jpg');
    assert.equal(record.s3.object.size, 2048);
    assert.match(record.s3.object.eTag, /^[0-9a-f]{32}$/);
    assert.match(record.s3.object.sequencer, /^[0-9A-F]{18}$/);
  });

  it('encodes the key as S3 does: form-style (space "+", "(" "%28", "+" "%2B", "~" "%7E", "*" kept), slash kept', () => {
    assert.equal(encodeS3Key('dir/red flower (1)+x~*é.txt'), 'dir/red+flower+%281%29%2Bx%7E*%C3%A9.txt');
  });

  it('leaves size and eTag out of a delete, as S3 does', () => {
    const [record] = s3Event({ ...fixed, eventName: 'ObjectRemoved:Delete', key: 'a.txt' }).Records;
    assert.equal(record.eventName, 'ObjectRemoved:Delete');
    assert.equal(record.s3.object.key, 'a.txt');
    assert.equal('size' in record.s3.object, false);
    assert.equal('eTag' in record.s3.object, false);
  });

  it('rejects a bucket name S3 would refuse', () => {
    assert.throws(() => s3Event({ bucket: 'Not_A_Bucket' }), (e: LambdakitError) => e instanceof LambdakitError && /^bucket: /.test(e.message));
  });
});

describe('sqsEvent', () => {
  it('gives one record per message with real MD5s, UUID ids and the queue ARN', () => {
    const event = sqsEvent({ ...fixed, queue: 'jobs', messages: ['{"n":1}', { body: '{"n":2}', attributes: { kind: 'retry' } }] });
    assert.equal(event.Records.length, 2);
    const [first, second] = event.Records;
    assert.deepEqual(event.Records.map((r) => r.body), ['{"n":1}', '{"n":2}']);
    assert.equal(first.eventSourceARN, 'arn:aws:sqs:eu-central-1:111122223333:jobs');
    assert.equal(first.eventSource, 'aws:sqs');
    assert.match(first.messageId, UUID);
    assert.notEqual(first.messageId, second.messageId);
    assert.equal(first.md5OfBody, createHash('md5').update('{"n":1}').digest('hex'));
    assert.equal(first.attributes.ApproximateReceiveCount, '1');
    assert.ok(Number(first.attributes.SentTimestamp) <= Number(second.attributes.SentTimestamp));
    assert.deepEqual(second.messageAttributes.kind, { stringValue: 'retry', stringListValues: [], binaryListValues: [], dataType: 'String' });
    assert.equal(second.md5OfMessageAttributes, md5OfMessageAttributes({ kind: 'retry' }));
    assert.equal(first.md5OfMessageAttributes, undefined);
  });

  it('keeps the ids and times of messages a poller received', () => {
    const [record] = sqsEvent({ ...fixed, messages: [{ body: 'x', messageId: 'm-1', receiptHandle: 'rh-1', sentTimestamp: 1000, receiveCount: 3 }] }).Records;
    assert.equal(record.messageId, 'm-1');
    assert.equal(record.receiptHandle, 'rh-1');
    assert.equal(record.attributes.SentTimestamp, '1000');
    assert.equal(record.attributes.ApproximateReceiveCount, '3');
  });

  it('matches the MD5 SQS computes for String attributes', () => {
    // Computed by hand from SQS's encoding: length-prefixed name, type, transport byte 1, value.
    const expected = createHash('md5')
      .update(Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('a'), Buffer.from([0, 0, 0, 6]), Buffer.from('String'), Buffer.from([1]), Buffer.from([0, 0, 0, 1]), Buffer.from('b')]))
      .digest('hex');
    assert.equal(md5OfMessageAttributes({ a: 'b' }), expected);
  });

  it('adds group, deduplication id and growing sequence numbers on a FIFO queue, and caps its batch at 10', () => {
    const event = sqsEvent({ ...fixed, queue: 'orders.fifo', messages: [{ body: 'a', groupId: 'g1' }, 'b'] });
    const [a, b] = event.Records;
    assert.equal(a.attributes.MessageGroupId, 'g1');
    assert.equal(b.attributes.MessageGroupId, 'default');
    assert.equal(a.attributes.MessageDeduplicationId, createHash('sha256').update('a').digest('hex'));
    assert.ok(BigInt(b.attributes.SequenceNumber!) > BigInt(a.attributes.SequenceNumber!));
    assert.throws(() => sqsEvent({ queue: 'orders.fifo', messages: Array.from({ length: 11 }, () => 'x') }), /^LambdakitError: messages: a batch has 1-10 messages/);
  });
});

describe('snsEvent', () => {
  it('gives one notification with topic, subscription and attributes', () => {
    const event = snsEvent({ ...fixed, topic: 'alerts', message: 'disk full', subject: 'Alarm', attributes: { severity: 'high' } });
    assert.equal(event.Records.length, 1);
    const [record] = event.Records;
    assert.equal(record.EventSource, 'aws:sns');
    assert.equal(record.Sns.TopicArn, 'arn:aws:sns:eu-central-1:111122223333:alerts');
    assert.ok(record.EventSubscriptionArn.startsWith(`${record.Sns.TopicArn}:`));
    assert.match(record.EventSubscriptionArn.split(':').pop()!, UUID);
    assert.equal(record.Sns.Message, 'disk full');
    assert.equal(record.Sns.Subject, 'Alarm');
    assert.equal(record.Sns.Type, 'Notification');
    assert.deepEqual(record.Sns.MessageAttributes, { severity: { Type: 'String', Value: 'high' } });
    assert.equal(record.Sns.Timestamp, '2026-11-23T10:12:13.456Z');
    assert.equal(snsEvent(fixed).Records[0].Sns.Subject, null, 'SNS sends null without a subject');
  });
});

describe('dynamodbStreamEvent', () => {
  it('converts plain JSON images to attribute values and adds the keys to them', () => {
    assert.deepEqual(toAttributeMap({ s: 'x', n: 1.5, b: true, z: null, l: [1, 'a'], m: { k: 'v' } }), {
      s: { S: 'x' },
      n: { N: '1.5' },
      b: { BOOL: true },
      z: { NULL: true },
      l: { L: [{ N: '1' }, { S: 'a' }] },
      m: { M: { k: { S: 'v' } } },
    });
    const [record] = dynamodbStreamEvent({ ...fixed, table: 'Users', changes: [{ keys: { pk: 'u#1' }, newImage: { name: 'Ada' }, oldImage: { name: 'Ad' } }] }).Records;
    assert.equal(record.eventName, 'MODIFY');
    assert.equal(record.eventSource, 'aws:dynamodb');
    assert.deepEqual(record.dynamodb?.Keys, { pk: { S: 'u#1' } });
    assert.deepEqual(record.dynamodb?.NewImage, { pk: { S: 'u#1' }, name: { S: 'Ada' } });
    assert.deepEqual(record.dynamodb?.OldImage, { pk: { S: 'u#1' }, name: { S: 'Ad' } });
    assert.match(record.eventSourceARN!, /^arn:aws:dynamodb:eu-central-1:111122223333:table\/Users\/stream\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
    assert.equal(record.dynamodb?.ApproximateCreationDateTime, Math.floor(Date.parse(fixed.now) / 1000));
    assert.ok((record.dynamodb?.SizeBytes ?? 0) > 0);
  });

  it('infers INSERT and REMOVE from the images and keeps only what the stream view type carries', () => {
    const event = dynamodbStreamEvent({ ...fixed, changes: [{ keys: { id: '1' }, newImage: { a: 1 } }, { keys: { id: '2' }, oldImage: { a: 2 } }] });
    assert.deepEqual(event.Records.map((r) => r.eventName), ['INSERT', 'REMOVE']);
    assert.equal(event.Records[0].dynamodb?.OldImage, undefined);
    assert.equal(event.Records[1].dynamodb?.NewImage, undefined);
    assert.ok(BigInt(event.Records[1].dynamodb!.SequenceNumber!) > BigInt(event.Records[0].dynamodb!.SequenceNumber!));
    const keysOnly = dynamodbStreamEvent({ ...fixed, streamViewType: 'KEYS_ONLY', changes: [{ keys: { id: '1' }, newImage: { a: 1 }, oldImage: { a: 0 } }] }).Records[0];
    assert.equal(keysOnly.dynamodb?.NewImage, undefined);
    assert.equal(keysOnly.dynamodb?.OldImage, undefined);
    assert.equal(keysOnly.dynamodb?.StreamViewType, 'KEYS_ONLY');
  });

  it('keeps what a stream returned: ids, sequence, size, time, attribute values (binary as base64) and the stream ARN', () => {
    const streamArn = 'arn:aws:dynamodb:eu-west-1:210987654321:table/orders/stream/2026-01-01T00:00:00.000';
    const [record] = dynamodbStreamEvent({
      streamArn,
      streamViewType: 'NEW_IMAGE',
      changes: [{ eventId: 'e-1', eventName: 'MODIFY', eventVersion: '1.0', keyAttributes: { pk: { S: 'o#1' } }, newImageAttributes: { pk: { S: 'o#1' }, blob: { B: new Uint8Array([1, 2]) }, tags: { BS: [new Uint8Array([3])] } }, sequenceNumber: '1100000000017454423009', sizeBytes: 292, approximateCreationDateTime: 1_700_000_000_999 }],
    }).Records;
    assert.equal(record.eventID, 'e-1');
    assert.equal(record.eventVersion, '1.0');
    assert.equal(record.awsRegion, 'eu-west-1');
    assert.equal(record.eventSourceARN, streamArn);
    assert.deepEqual(record.dynamodb, {
      ApproximateCreationDateTime: 1_700_000_000,
      Keys: { pk: { S: 'o#1' } },
      NewImage: { pk: { S: 'o#1' }, blob: { B: 'AQI=' }, tags: { BS: ['Aw=='] } },
      SequenceNumber: '1100000000017454423009',
      SizeBytes: 292,
      StreamViewType: 'NEW_IMAGE',
    });
    assert.throws(() => dynamodbStreamEvent({ streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/x' }), /^LambdakitError: streamArn: /);
  });

  it('adds the tumbling window, and takes an empty batch only for the final invocation of a window', () => {
    const window = { start: Date.parse('2026-11-23T10:12:00Z'), end: Date.parse('2026-11-23T10:14:00Z'), state: { n: '3' }, shardId: 'shardId-1', isFinalInvokeForWindow: true };
    const event = dynamodbStreamEvent({ ...fixed, changes: [], window });
    assert.deepEqual(event.Records, []);
    assert.deepEqual(event.window, { start: '2026-11-23T10:12:00Z', end: '2026-11-23T10:14:00Z' });
    assert.deepEqual([event.state, event.shardId, event.isFinalInvokeForWindow, event.isWindowTerminatedEarly], [{ n: '3' }, 'shardId-1', true, false]);
    assert.throws(() => dynamodbStreamEvent({ changes: [], window: { ...window, isFinalInvokeForWindow: false } }), /changes: a batch has at least one record/);
  });

  it('rejects an image whose key differs from the keys, and an INSERT with an old image', () => {
    assert.throws(() => dynamodbStreamEvent({ changes: [{ keys: { id: '1' }, newImage: { id: '2' } }] }), /newImage: key attribute "id"/);
    assert.throws(() => dynamodbStreamEvent({ changes: [{ eventName: 'INSERT', oldImage: { a: 1 } }] }), /oldImage: an INSERT has no old image/);
  });
});

describe('kinesisEvent', () => {
  it('base64-encodes each record with its partition key and growing sequence numbers', () => {
    const event = kinesisEvent({ ...fixed, stream: 'clicks', partitionKey: 'user-1', records: ['first', { data: new Uint8Array([1, 2]), partitionKey: 'user-2' }] });
    const [a, b] = event.Records;
    assert.equal(Buffer.from(a.kinesis.data, 'base64').toString(), 'first');
    assert.deepEqual([...Buffer.from(b.kinesis.data, 'base64')], [1, 2]);
    assert.equal(a.kinesis.partitionKey, 'user-1');
    assert.equal(b.kinesis.partitionKey, 'user-2');
    assert.equal(a.eventSourceARN, 'arn:aws:kinesis:eu-central-1:111122223333:stream/clicks');
    assert.equal(a.eventName, 'aws:kinesis:record');
    assert.match(a.kinesis.sequenceNumber, /^\d{56}$/);
    assert.ok(BigInt(b.kinesis.sequenceNumber) > BigInt(a.kinesis.sequenceNumber));
    assert.equal(a.eventID, `shardId-000000000000:${a.kinesis.sequenceNumber}`);
    assert.equal(a.invokeIdentityArn, 'arn:aws:iam::111122223333:role/lambda-kinesis-role');
  });

  it('keeps what the stream returned, and takes region and account from the stream ARN', () => {
    const streamArn = 'arn:aws:kinesis:eu-west-1:210987654321:stream/clicks';
    const event = kinesisEvent({ streamArn, records: [{ data: 'x', partitionKey: 'k', sequenceNumber: '7', arrivalTimestamp: 1_700_000_000_123, shardId: 'shardId-000000000003' }] });
    const [record] = event.Records;
    assert.deepEqual(record.kinesis, { kinesisSchemaVersion: '1.0', partitionKey: 'k', sequenceNumber: '7', data: 'eA==', approximateArrivalTimestamp: 1_700_000_000.123 });
    assert.equal(record.eventID, 'shardId-000000000003:7');
    assert.equal(record.eventSourceARN, streamArn);
    assert.equal(record.awsRegion, 'eu-west-1');
    assert.equal(record.invokeIdentityArn, 'arn:aws:iam::210987654321:role/lambda-kinesis-role');
    assert.equal(event.window, undefined);
    assert.throws(() => kinesisEvent({ streamArn: 'arn:aws:kinesis:us-east-1:123456789012:table/x' }), /^LambdakitError: streamArn: /);
  });
});

describe('eventBridgeEvent and scheduledEvent', () => {
  it('carries source, detail-type and detail with whole-second time', () => {
    const event = eventBridgeEvent({ ...fixed, source: 'com.shop', detailType: 'Order Placed', detail: { orderId: 'o-9' }, resources: ['arn:aws:s3:::b'] });
    assert.equal(event.source, 'com.shop');
    assert.equal(event['detail-type'], 'Order Placed');
    assert.deepEqual(event.detail, { orderId: 'o-9' });
    assert.deepEqual(event.resources, ['arn:aws:s3:::b']);
    assert.equal(event.time, '2026-11-23T10:12:13Z');
    assert.equal(event.account, '111122223333');
    assert.match(event.id, UUID);
  });

  it('names the schedule rule in resources', () => {
    const event = scheduledEvent({ ...fixed, rule: 'nightly' });
    assert.equal(event.source, 'aws.events');
    assert.equal(event['detail-type'], 'Scheduled Event');
    assert.deepEqual(event.resources, ['arn:aws:events:eu-central-1:111122223333:rule/nightly']);
    assert.deepEqual(event.detail, {});
  });
});

describe('schedulerEvent', () => {
  it('is the event Scheduler sends without input: its source, the schedule ARN and "{}" as detail', () => {
    const event = schedulerEvent({ ...fixed, schedule: 'daily-report', group: 'reports' });
    assert.equal(event.source, 'aws.scheduler');
    assert.equal(event['detail-type'], 'Scheduled Event');
    assert.equal(event.time, '2026-11-23T10:12:13Z');
    assert.deepEqual(event.resources, ['arn:aws:scheduler:eu-central-1:111122223333:schedule/reports/daily-report']);
    assert.equal(event.detail, '{}');
    assert.equal(schedulerPayload({ ...fixed, schedule: 'daily-report', input: '{"t":"<aws.scheduler.scheduled-time>","n":<aws.scheduler.attempt-number>}' }), '{"t":"2026-11-23T10:12:13Z","n":1}');
  });
});

describe('cloudWatchLogsEvent', () => {
  it('gzips and base64-encodes the payload, which decodes back to the messages', () => {
    const event = cloudWatchLogsEvent({ ...fixed, logGroup: '/aws/lambda/orders', messages: ['one', 'two'], filterName: 'errors' });
    const raw = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'));
    assert.deepEqual(raw, decodeCloudWatchLogsEvent(event));
    assert.equal(raw.messageType, 'DATA_MESSAGE');
    assert.equal(raw.owner, '111122223333');
    assert.equal(raw.logGroup, '/aws/lambda/orders');
    assert.match(raw.logStream, /^2026\/11\/23\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.deepEqual(raw.subscriptionFilters, ['errors']);
    assert.deepEqual(raw.logEvents.map((e: { message: string }) => e.message), ['one', 'two']);
    for (const e of raw.logEvents) assert.match(e.id, /^\d{56}$/);
    assert.ok(raw.logEvents[0].timestamp <= raw.logEvents[1].timestamp);
  });
});

describe('environment', () => {
  it('rejects a bad region, account and time, naming each', () => {
    assert.throws(() => sqsEvent({ region: 'mars' }), /region: "mars"/);
    assert.throws(() => sqsEvent({ accountId: '42' }), /accountId: "42" is not 12 digits/);
    assert.throws(() => sqsEvent({ now: 'yesterday' }), /now: "yesterday" is not a date/);
  });
});
