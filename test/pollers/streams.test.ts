import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateTableCommand, DeleteItemCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import type { DevInvoker } from '../../lib/dev/invoker';
import { StreamPoller, dynamodbSource, kinesisSource } from '../../lib/dev/pollers/streams';
import type { Moto } from '../ops/moto';
import { useMoto } from './services';

let moto: Moto;
let kinesis: KinesisClient;
let ddb: DynamoDBClient;
let streams: DynamoDBStreamsClient;

useMoto((aws) => ({ moto, kinesis, ddb, streams } = aws));

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

test('Kinesis bisection: a poison record isolated by splits still gets its MaximumRetryAttempts retries, and its on-failure record says so', async () => {
  // AWS: "Splitting a batch does not count towards the retry quota."
  const arn = await stream('clicks');
  const processed: string[] = [];
  const poisonAlone: number[] = [];
  const failures: any[] = [];
  const invoker: DevInvoker = {
    invoke: async (_t, payload) => {
      const records = JSON.parse(payload).Records;
      if (records.length === 1 && decode(records[0]) === 'bad') poisonAlone.push(Date.now());
      if (records.some((r: any) => decode(r) === 'bad')) return { payload: '{"errorType":"Error"}', functionError: 'Unhandled' };
      processed.push(...records.map(decode));
      return { payload: 'null' };
    },
    invokeAsync: async () => {},
  };
  const poller = new StreamPoller(
    kinesisSource(kinesis, arn, 'us-east-1'),
    { startingPosition: 'TRIM_HORIZON', batchSize: 8, bisectBatchOnFunctionError: true, maximumRetryAttempts: 2, functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:agg:live', onFailure: async (r) => void failures.push(r) },
    { functionPath: 'P/Agg', qualifier: 'live' },
    invoker,
  );
  const data = ['r0', 'r1', 'r2', 'bad', 'r4', 'r5', 'r6', 'r7'];
  const sequences: string[] = [];
  for (const d of data) sequences.push((await kinesis.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: 'k', Data: Buffer.from(d) }))).SequenceNumber!);
  poller.start();
  try {
    await until(() => processed.length >= 7 && failures.length === 1);
  } finally {
    await poller.stop();
  }
  const goods = data.filter((d) => d !== 'bad');
  assert.deepEqual([...new Set(processed)], goods, 'every good record delivered, in order');
  assert.equal(poisonAlone.length, 1 + 2, 'isolated, the poison record is invoked once and retried twice');
  const [failure] = failures;
  assert.equal(failure.requestContext.condition, 'RetryAttemptsExhausted');
  assert.equal(failure.requestContext.approximateInvokeCount, 3);
  assert.equal(failure.requestContext.functionArn, 'arn:aws:lambda:us-east-1:123456789012:function:agg:live');
  assert.equal(failure.responseContext.functionError, 'Unhandled');
  assert.equal(failure.version, '1.0');
  const info = failure.KinesisBatchInfo;
  assert.deepEqual(
    { shardId: info.shardId, startSequenceNumber: info.startSequenceNumber, endSequenceNumber: info.endSequenceNumber, batchSize: info.batchSize, streamArn: info.streamArn },
    { shardId: 'shardId-000000000000', startSequenceNumber: sequences[3], endSequenceNumber: sequences[3], batchSize: 1, streamArn: arn },
  );
  assert.match(info.approximateArrivalOfFirstRecord, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(info.approximateArrivalOfLastRecord, info.approximateArrivalOfFirstRecord);
});

test('DynamoDB stream: the on-failure record names the shard and sequence range, with whole-second arrival times', async () => {
  await ddb.send(
    new CreateTableCommand({
      TableName: 'payments',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: 'payments' }))).Table!.LatestStreamArn!;
  let invocations = 0;
  const failures: any[] = [];
  const invoker: DevInvoker = {
    invoke: async () => {
      invocations++;
      return { payload: '{"errorType":"Error"}', functionError: 'Unhandled' };
    },
    invokeAsync: async () => {},
  };
  const poller = new StreamPoller(
    dynamodbSource(streams, arn, 'us-east-1'),
    { startingPosition: 'TRIM_HORIZON', maximumRetryAttempts: 1, functionArn: 'fn', onFailure: async (r) => void failures.push(r) },
    { functionPath: 'P/Pay' },
    invoker,
  );
  await ddb.send(new PutItemCommand({ TableName: 'payments', Item: { pk: { S: 'P#1' } } }));
  await ddb.send(new PutItemCommand({ TableName: 'payments', Item: { pk: { S: 'P#2' } } }));
  poller.start();
  try {
    await until(() => failures.length === 1);
  } finally {
    await poller.stop();
  }
  assert.equal(invocations, 2, 'the batch is invoked once and retried once');
  const [failure] = failures;
  assert.equal(failure.requestContext.approximateInvokeCount, 2);
  const info = failure.DDBStreamBatchInfo;
  assert.equal(info.batchSize, 2);
  assert.equal(info.streamArn, arn);
  assert.match(info.shardId, /^shardId-/);
  assert.ok(BigInt(info.endSequenceNumber) > BigInt(info.startSequenceNumber));
  assert.match(info.approximateArrivalOfFirstRecord, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(info.approximateArrivalOfLastRecord, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
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

test('Kinesis tumbling windows: a window is closed once, after all its records, even when the poller falls behind the clock', async () => {
  // Windows follow the records' arrival at the stream (AWS). The puts land late in a 2 s window and each
  // invocation takes 300 ms, so the window's end passes while some of its records are still unread.
  const arn = await stream('windows');
  const calls: any[] = [];
  const invoker: DevInvoker = {
    invoke: async (_t, payload) => {
      const event = JSON.parse(payload);
      calls.push(event);
      await new Promise((r) => setTimeout(r, 300));
      return { payload: JSON.stringify({ state: { count: (event.state?.count ?? 0) + event.Records.length } }) };
    },
    invokeAsync: async () => {},
  };
  const poller = new StreamPoller(kinesisSource(kinesis, arn, 'us-east-1'), { startingPosition: 'TRIM_HORIZON', batchSize: 2, tumblingWindowInSeconds: 2, functionArn: 'fn' }, { functionPath: 'P/Agg' }, invoker);
  while (Date.now() % 2000 < 1200 || Date.now() % 2000 > 1300) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < 5; i++) await kinesis.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: 'k', Data: Buffer.from(`w${i}`) }));
  poller.start();
  const finalCount = () => calls.filter((c) => c.isFinalInvokeForWindow).reduce((n, c) => n + c.state.count, 0);
  try {
    await until(() => finalCount() >= 5, 15_000);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await poller.stop();
  }
  for (const start of new Set(calls.map((c) => c.window.start))) {
    const windowCalls = calls.filter((c) => c.window.start === start);
    const finals = windowCalls.filter((c) => c.isFinalInvokeForWindow);
    assert.equal(finals.length, 1, `window ${start} is closed exactly once`);
    assert.equal(windowCalls[windowCalls.length - 1], finals[0], 'nothing is delivered to a window after its final invocation');
    const delivered = windowCalls.reduce((n, c) => n + c.Records.length, 0);
    assert.equal(finals[0].state.count, delivered, 'the final invocation sees the state accumulated over the window');
    assert.equal(finals[0].Records.length, 0);
    assert.equal(Date.parse(finals[0].window.end) - Date.parse(start), 2000);
    assert.match(start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'whole-second window times, as Lambda writes them');
    assert.equal(finals[0].shardId, 'shardId-000000000000');
    assert.equal(finals[0].eventSourceARN, arn);
  }
  assert.equal(finalCount(), 5);
});

test('Kinesis tumbling windows: a response without a state is a failed invocation (AWS), retried', async () => {
  const arn = await stream('stateless');
  const calls: any[] = [];
  const invoker: DevInvoker = {
    invoke: async (_t, payload) => {
      const event = JSON.parse(payload);
      calls.push(event);
      return { payload: calls.length === 1 ? 'null' : JSON.stringify({ state: { n: event.Records.length } }) };
    },
    invokeAsync: async () => {},
  };
  const poller = new StreamPoller(kinesisSource(kinesis, arn, 'us-east-1'), { startingPosition: 'TRIM_HORIZON', tumblingWindowInSeconds: 60, functionArn: 'fn' }, { functionPath: 'P/Agg' }, invoker);
  await kinesis.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: 'k', Data: Buffer.from('x') }));
  poller.start();
  try {
    await until(() => calls.length >= 2);
  } finally {
    await poller.stop();
  }
  assert.deepEqual(calls.slice(0, 2).map((c) => c.Records.map(decode)), [['x'], ['x']]);
});

test('ParallelizationFactor 2: batches of different partition keys run at once, and each key stays in order with one batch at a time', async () => {
  const arn = await stream('parallel');
  const inFlight = new Set<string>();
  let running = 0;
  let mostAtOnce = 0;
  const order = new Map<string, number[]>();
  const overlaps: string[] = [];
  const invoker: DevInvoker = {
    invoke: async (_t, payload) => {
      const records = JSON.parse(payload).Records;
      const keys = [...new Set<string>(records.map((r: any) => r.kinesis.partitionKey))];
      for (const key of keys) if (inFlight.has(key)) overlaps.push(key);
      for (const key of keys) inFlight.add(key);
      mostAtOnce = Math.max(mostAtOnce, ++running);
      for (const r of records) {
        const [key, n] = decode(r).split(':');
        order.set(key, [...(order.get(key) ?? []), Number(n)]);
      }
      await new Promise((r) => setTimeout(r, 150));
      running--;
      for (const key of keys) inFlight.delete(key);
      return { payload: 'null' };
    },
    invokeAsync: async () => {},
  };
  const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  for (let n = 0; n < 3; n++) for (const key of keys) await kinesis.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: key, Data: Buffer.from(`${key}:${n}`) }));
  const poller = new StreamPoller(kinesisSource(kinesis, arn, 'us-east-1'), { startingPosition: 'TRIM_HORIZON', batchSize: 2, parallelizationFactor: 2, functionArn: 'fn' }, { functionPath: 'P/Par' }, invoker);
  poller.start();
  try {
    await until(() => [...order.values()].reduce((n, l) => n + l.length, 0) >= 24);
  } finally {
    await poller.stop();
  }
  assert.ok(mostAtOnce >= 2, `two batches of one shard at once (most at once: ${mostAtOnce})`);
  assert.ok(mostAtOnce <= 2, 'never more batches at once than the factor');
  assert.deepEqual(overlaps, [], 'a key is never in two batches at once');
  for (const key of keys) assert.deepEqual(order.get(key), [0, 1, 2], `records of ${key} in order, each once`);
});

test('ParallelizationFactor outside 1-10 is refused with the reason', () => {
  const invoker: DevInvoker = { invoke: async () => ({ payload: 'null' }), invokeAsync: async () => {} };
  assert.throws(() => new StreamPoller(kinesisSource(kinesis, 'arn:aws:kinesis:us-east-1:123456789012:stream/x', 'us-east-1'), { parallelizationFactor: 11, functionArn: 'fn' }, { functionPath: 'P/Par' }, invoker), /ParallelizationFactor 11 .* outside 1-10/);
});
