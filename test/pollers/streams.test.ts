import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateTableCommand, DeleteItemCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DevInvoker } from '../../lib/dev/invoker';
import { StreamPoller, dynamodbSource, kinesisSource } from '../../lib/dev/pollers/streams';
import { type Moto, startMoto } from '../ops/moto';

let moto: Moto;
let kinesis: KinesisClient;
let ddb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

before(async () => {
  moto = await startMoto();
  // The Kinesis client speaks HTTP/2 by default (for SubscribeToShard); the local services speak HTTP/1.1.
  kinesis = new KinesisClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials, requestHandler: new NodeHttpHandler() });
  ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials });
  streams = new DynamoDBStreamsClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials });
});
after(async () => {
  kinesis.destroy();
  ddb.destroy();
  streams.destroy();
  await moto.stop();
});

async function until(check: () => boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stream(name: string): Promise<string> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  return (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.StreamARN!;
}

const decode = (r: any) => Buffer.from(r.kinesis.data, 'base64').toString();

test('Kinesis: records arrive in order; a bad record is isolated by bisection and described to the on-failure destination after its retries', async () => {
  const arn = await stream('clicks');
  const processed: string[] = [];
  const failures: any[] = [];
  const invoker: DevInvoker = {
    invoke: async (_t, payload) => {
      const records = JSON.parse(payload).Records;
      if (records.some((r: any) => decode(r) === 'bad')) return { payload: '{"errorType":"Error"}', functionError: 'Unhandled' };
      processed.push(...records.map(decode));
      return { payload: 'null' };
    },
    invokeAsync: async () => {},
  };
  const poller = new StreamPoller(
    kinesisSource(kinesis, arn, 'us-east-1'),
    { startingPosition: 'TRIM_HORIZON', batchSize: 8, bisectBatchOnFunctionError: true, maximumRetryAttempts: 1, functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:agg:live', onFailure: async (r) => void failures.push(r) },
    { functionPath: 'P/Agg', qualifier: 'live' },
    invoker,
  );
  const data = ['r0', 'r1', 'r2', 'bad', 'r4', 'r5', 'r6', 'r7'];
  for (const d of data) await kinesis.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: 'k', Data: Buffer.from(d) }));
  poller.start();
  try {
    await until(() => processed.length === 7 && failures.length === 1);
  } finally {
    await poller.stop();
  }
  assert.deepEqual(processed, data.filter((d) => d !== 'bad'), 'in order, each once');
  assert.equal(failures[0].requestContext.condition, 'RetryAttemptsExhausted');
  assert.equal(failures[0].KinesisBatchInfo.batchSize, 1);
  assert.equal(failures[0].KinesisBatchInfo.streamArn, arn);
  assert.equal(failures[0].version, '1.0');
});

test('DynamoDB stream: INSERT, MODIFY and REMOVE records with their images, in order', async () => {
  await ddb.send(
    new CreateTableCommand({
      TableName: 'orders',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: 'orders' }))).Table!.LatestStreamArn!;
  const seen: any[] = [];
  const invoker: DevInvoker = {
    invoke: async (_t, payload) => {
      seen.push(...JSON.parse(payload).Records);
      return { payload: 'null' };
    },
    invokeAsync: async () => {},
  };
  const poller = new StreamPoller(dynamodbSource(streams, arn, 'us-east-1'), { startingPosition: 'TRIM_HORIZON', functionArn: 'fn' }, { functionPath: 'P/Audit' }, invoker);
  poller.start();
  try {
    await ddb.send(new PutItemCommand({ TableName: 'orders', Item: { pk: { S: 'ORDER#1' }, total: { N: '10' } } }));
    await ddb.send(new PutItemCommand({ TableName: 'orders', Item: { pk: { S: 'ORDER#1' }, total: { N: '12' } } }));
    await ddb.send(new DeleteItemCommand({ TableName: 'orders', Key: { pk: { S: 'ORDER#1' } } }));
    await until(() => seen.length === 3);
  } finally {
    await poller.stop();
  }
  assert.deepEqual(seen.map((r) => r.eventName), ['INSERT', 'MODIFY', 'REMOVE']);
  assert.deepEqual(seen[1].dynamodb.OldImage.total, { N: '10' });
  assert.deepEqual(seen[1].dynamodb.NewImage.total, { N: '12' });
  assert.equal(seen[0].eventSource, 'aws:dynamodb');
  assert.equal(seen[0].eventSourceARN, arn);
});

test('Kinesis tumbling windows: state carries across invocations of a window and a final invocation closes it', async () => {
  const arn = await stream('windows');
  const calls: any[] = [];
  const invoker: DevInvoker = {
    invoke: async (_t, payload) => {
      const event = JSON.parse(payload);
      calls.push(event);
      const count = (event.state?.count ?? 0) + event.Records.length;
      return { payload: JSON.stringify({ state: { count } }) };
    },
    invokeAsync: async () => {},
  };
  const poller = new StreamPoller(kinesisSource(kinesis, arn, 'us-east-1'), { startingPosition: 'TRIM_HORIZON', batchSize: 2, tumblingWindowInSeconds: 2, functionArn: 'fn' }, { functionPath: 'P/Agg' }, invoker);
  for (let i = 0; i < 5; i++) await kinesis.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: 'k', Data: Buffer.from(`w${i}`) }));
  poller.start();
  try {
    await until(() => calls.some((c) => c.isFinalInvokeForWindow), 10_000);
  } finally {
    await poller.stop();
  }
  const final = calls.find((c) => c.isFinalInvokeForWindow);
  const windowCalls = calls.filter((c) => c.window.start === final.window.start);
  const delivered = windowCalls.reduce((n, c) => n + c.Records.length, 0);
  assert.equal(final.state.count, delivered, 'the final invocation sees the state accumulated over the window');
  assert.ok(Date.parse(final.window.end) - Date.parse(final.window.start) === 2000);
  assert.equal(final.Records.length, 0);
});
