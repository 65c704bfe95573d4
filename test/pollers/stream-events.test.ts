import * as assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { DynamoDBStreamSchema, KinesisDataStreamSchema } from '@aws-lambda-powertools/parser/schemas';
import type { DevInvoker } from '../../lib/dev/invoker';
import { StreamPoller, dynamodbSource, kinesisSource } from '../../lib/dev/pollers/streams';
import { sampleEvent } from '../../lib/events';
import type { Moto } from '../ops/moto';
import { useMoto } from './services';

/**
 * The Kinesis and DynamoDB Streams events `lambdakit dev` delivers, captured from a poller against moto,
 * checked against Powertools for AWS Lambda's parser schemas (an independent reading of AWS's shapes)
 * and field for field against `lambdakit event`'s builders.
 */

let moto: Moto;
let kinesis: KinesisClient;
let ddb: DynamoDBClient;
let streams: DynamoDBStreamsClient;

useMoto((aws) => ({ moto, kinesis, ddb, streams } = aws));

/** Runs a poller until `count` records were delivered; returns the events it delivered. */
async function capture(poller: (invoker: DevInvoker) => StreamPoller, count: number): Promise<any[]> {
  const events: any[] = [];
  const invoker: DevInvoker = {
    invoke: async (_t, payload) => {
      events.push(JSON.parse(payload));
      return { payload: 'null' };
    },
    invokeAsync: async () => {},
  };
  const running = poller(invoker);
  running.start();
  try {
    const deadline = Date.now() + 20_000;
    while (events.reduce((n, e) => n + e.Records.length, 0) < count) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await running.stop();
  }
  return events;
}

/** Every path of an object's fields (array items as []), to compare the shape of two events. */
function paths(value: unknown, prefix = '', stopAt: (path: string) => boolean = () => false): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => paths(v, `${prefix}[]`, stopAt));
  if (value === null || typeof value !== 'object' || stopAt(prefix)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => paths(v, prefix ? `${prefix}.${k}` : k, stopAt));
}
const shape = (value: unknown, stopAt?: (path: string) => boolean) => [...new Set(paths(value, '', stopAt))].sort();

test('Kinesis: what dev delivers parses with Powertools, carries what the stream returned, and has the fields of `lambdakit event kinesis`', async () => {
  await kinesis.send(new CreateStreamCommand({ StreamName: 'shapes', ShardCount: 1 }));
  const arn = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'shapes' }))).StreamDescriptionSummary!.StreamARN!;
  const put = await kinesis.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: 'user-7', Data: Buffer.from('{"page":"/"}') }));
  const [event] = await capture((invoker) => new StreamPoller(kinesisSource(kinesis, arn, 'us-east-1'), { startingPosition: 'TRIM_HORIZON', functionArn: 'fn' }, { functionPath: 'P/Shapes' }, invoker), 1);

  const parsed = KinesisDataStreamSchema.parse(event);
  assert.deepEqual(parsed.Records[0].kinesis.data, { page: '/' }, 'Powertools decodes the base64 data');
  const [record] = event.Records;
  assert.equal(record.kinesis.sequenceNumber, put.SequenceNumber);
  assert.equal(record.kinesis.partitionKey, 'user-7');
  assert.equal(record.eventID, `${put.ShardId}:${put.SequenceNumber}`);
  assert.equal(record.eventSourceARN, arn);
  assert.equal(record.awsRegion, 'us-east-1');
  assert.ok(Math.abs(record.kinesis.approximateArrivalTimestamp * 1000 - Date.now()) < 60_000, 'arrival in seconds since the epoch');
  assert.match(record.invokeIdentityArn, /^arn:aws:iam::123456789012:role\//);

  const sample = sampleEvent('kinesis', { 'partition-key': 'user-7', data: '{"page":"/"}' }) as any;
  KinesisDataStreamSchema.parse(sample);
  assert.deepEqual(shape(event), shape(sample), 'the same fields as the sample event');
});

test('DynamoDB stream: what dev delivers parses with Powertools (binary attributes base64) and has the fields of `lambdakit event dynamodb`', async () => {
  await ddb.send(
    new CreateTableCommand({
      TableName: 'shapes',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: 'shapes' }))).Table!.LatestStreamArn!;
  await ddb.send(new PutItemCommand({ TableName: 'shapes', Item: { pk: { S: 'u#1' }, sk: { N: '1' }, photo: { B: new Uint8Array([1, 2, 255]) }, tags: { SS: ['a', 'b'] } } }));
  await ddb.send(new PutItemCommand({ TableName: 'shapes', Item: { pk: { S: 'u#1' }, sk: { N: '1' }, name: { S: 'Ada' } } }));
  const events = await capture((invoker) => new StreamPoller(dynamodbSource(streams, arn, 'us-east-1'), { startingPosition: 'TRIM_HORIZON', functionArn: 'fn' }, { functionPath: 'P/Shapes' }, invoker), 2);
  const records = events.flatMap((e) => e.Records);

  for (const event of events) DynamoDBStreamSchema.parse(event);
  const [insert, modify] = records;
  assert.deepEqual([insert.eventName, modify.eventName], ['INSERT', 'MODIFY']);
  assert.deepEqual(insert.dynamodb.NewImage.photo, { B: Buffer.from([1, 2, 255]).toString('base64') }, 'binary as base64, as Lambda delivers it');
  assert.deepEqual(modify.dynamodb.OldImage.photo, { B: Buffer.from([1, 2, 255]).toString('base64') });
  assert.deepEqual(insert.dynamodb.Keys, { pk: { S: 'u#1' }, sk: { N: '1' } });
  assert.equal(insert.eventSourceARN, arn);
  assert.equal(insert.dynamodb.StreamViewType, 'NEW_AND_OLD_IMAGES');
  assert.ok(Number.isInteger(insert.dynamodb.ApproximateCreationDateTime), 'whole seconds');
  assert.ok(BigInt(modify.dynamodb.SequenceNumber) > BigInt(insert.dynamodb.SequenceNumber));
  const parsed = DynamoDBStreamSchema.parse({ Records: [modify] });
  assert.deepEqual(parsed.Records[0].dynamodb.NewImage, { pk: 'u#1', sk: 1, name: 'Ada' });

  const sample = sampleEvent('dynamodb', { keys: '{"pk":"u#1","sk":1}', 'old-image': '{"photo":"x"}', 'new-image': '{"name":"Ada"}' }) as any;
  DynamoDBStreamSchema.parse(sample);
  // Attribute names inside keys and images are the data; the fields around them are the shape.
  const image = (path: string) => /\.(Keys|NewImage|OldImage)$/.test(path);
  assert.deepEqual(shape({ Records: [modify] }, image), shape(sample, image), 'the same fields as the sample event');
});
