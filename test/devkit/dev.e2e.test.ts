import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DevServer } from '../../lib/dev/dev';
import { PROJECT_ROOT } from '../helpers';

// The example application, synthesized once into its own directory and run by `lambdakit dev` on free ports.
let dev: DevServer;
let ddb: DynamoDBClient;
let s3: S3Client;
let sqs: SQSClient;
const output: string[] = [];
const out = { write: (chunk: string) => void output.push(chunk) } as unknown as NodeJS.WritableStream;

const resource = (type: string, logicalPrefix: string) => {
  const r = dev.resources.find((x) => x.type === type && x.logicalId.startsWith(logicalPrefix));
  assert.ok(r, `${type} ${logicalPrefix}`);
  return r.name;
};

async function eventually<T>(probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the app');
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  const app = path.join(PROJECT_ROOT, '.test-tmp', `dev-e2e-${process.pid}`, 'cdk.out');
  fs.rmSync(path.dirname(app), { recursive: true, force: true });
  dev = await DevServer.start({ cwd: PROJECT_ROOT, app, synth: true, port: 0, lambdaPort: 0, json: true, out, err: out, fastRetries: true, visibilityTimeoutSeconds: 1, reportsFile: false });
  const config = { endpoint: dev.moto!.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  ddb = new DynamoDBClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  sqs = new SQSClient(config);
});

after(async () => {
  ddb?.destroy();
  s3?.destroy();
  sqs?.destroy();
  const motoPort = dev?.moto?.port;
  await dev?.close();
  if (motoPort) await assert.rejects(fetch(`http://127.0.0.1:${motoPort}/moto-api/`), 'the local services are stopped');
  assert.equal(dev.local!.runtime.environmentCount, 0, 'no execution environment is left running');
});

test('GET /hello is served through the gateway; an unknown route is API Gateway\'s 404', async () => {
  const hello = await fetch(`${dev.gateway!.url}/hello?name=Ada`);
  assert.equal(hello.status, 200);
  assert.equal(await hello.text(), 'Hello, Ada!');
  const missing = await fetch(`${dev.gateway!.url}/nope`);
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { message: 'Not Found' });
});

test('GET /quote runs the Python function with its repository package installed by synth', async () => {
  const quote = await fetch(`${dev.gateway!.url}/quote?items=12&unit=2.50`);
  assert.equal(quote.status, 200);
  assert.deepEqual(await quote.json(), { items: 12, unit: '2.50', discount: '0.10', total: '27.00' });
  const bad = await fetch(`${dev.gateway!.url}/quote?items=x&unit=1`);
  assert.equal(bad.status, 400);
});

test('more concurrent requests than the local environment cap are all served (they wait; Lambda would not throttle here)', async () => {
  const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => fetch(`${dev.gateway!.url}/hello?name=c${i}`).then(async (r) => [r.status, await r.text()] as const)));
  assert.deepEqual(answers.map(([status]) => status), Array(24).fill(200));
  assert.deepEqual(answers.map(([, body]) => body), Array.from({ length: 24 }, (_, i) => `Hello, c${i}!`));
  // The cap held: the function never ran more environments than it allows.
  const hello = dev.local!.runtime.functions.find((f) => f.constructPath === 'Api/Hello')!;
  const running = dev.local!.runtime.environmentsOf(hello);
  assert.ok(running >= 1 && running <= dev.maxEnvironments, `${running} environments of Api/Hello, cap ${dev.maxEnvironments}`);
  assert.ok(dev.maxEnvironments < 24);
});

test('POST /orders stores the order once; its stream record produces the audit entry, the SNS fan-out and the routed event', async () => {
  const order = { orderId: 'e2e-1', customerId: 'c-9', items: [{ sku: 'SKU-1', quantity: 3, unitPrice: 2.5 }] };
  const first = await fetch(`${dev.gateway!.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
  assert.equal(first.status, 201);
  const body = (await first.json()) as { total: number };
  assert.equal(body.total, 7.5);
  const again = await fetch(`${dev.gateway!.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
  assert.deepEqual(await again.json(), body, 'the same order sent twice gets the same response');
  const bad = await fetch(`${dev.gateway!.url}/orders`, { method: 'POST', body: '{"orderId":"x"}' });
  assert.equal(bad.status, 400);

  const table = resource('AWS::DynamoDB::Table', 'Table');
  const item = (pk: string, sk: string) => async () => (await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } } }))).Item;
  await eventually(item('NOTIFICATION#e2e-1', 'NOTIFICATION'));
  await eventually(item('FULFILMENT#e2e-1', 'FULFILMENT'));
  const day = new Date().toISOString().slice(0, 10);
  const audit = await eventually(async () => {
    const r = await ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `AUDIT#${day}` } } }));
    return r.Items?.find((i) => JSON.stringify(i).includes('ORDER#e2e-1'));
  });
  assert.equal(audit.eventName.S, 'INSERT');
});

test('the ExportOrders function URL (RESPONSE_STREAM) streams every order as NDJSON with the headers its handler set', async () => {
  const table = resource('AWS::DynamoDB::Table', 'Table');
  for (const orderId of ['e2e-export-1', 'e2e-export-2']) {
    const item = { pk: `ORDER#${orderId}`, sk: 'ORDER', type: 'order', orderId, customerId: 'c-x', total: 8, currency: 'EUR', status: 'PLACED', createdAt: new Date().toISOString() };
    await ddb.send(new PutItemCommand({ TableName: table, Item: marshall(item) }));
  }
  const res = await fetch(`${dev.gateway!.url}/url/Api/ExportOrders/`);
  assert.equal(res.status, 200);
  // Set by awslambda.HttpResponseStream.from in the handler, and sent as a chunked stream.
  assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('transfer-encoding'), 'chunked');
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { orderId: string; total: number; status: string });
  for (const orderId of ['e2e-export-1', 'e2e-export-2']) {
    assert.deepEqual(lines.filter((l) => l.orderId === orderId).map((l) => [l.total, l.status]), [[8, 'PLACED']], orderId);
  }
});

test('an image uploaded under uploads/ produces its processed record and sidecar', async () => {
  const bucket = resource('AWS::S3::Bucket', 'Uploads4');
  const png = fs.readFileSync(path.join(PROJECT_ROOT, 'test', 'functions', 'fixtures', fs.readdirSync(path.join(PROJECT_ROOT, 'test', 'functions', 'fixtures')).find((f) => f.endsWith('.png'))!));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'uploads/e2e.png', Body: png }));
  const table = resource('AWS::DynamoDB::Table', 'Table');
  const record = await eventually(async () => (await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'IMAGE#uploads/e2e.png' }, sk: { S: 'IMAGE' } } }))).Item);
  assert.equal(record.status.S, 'PROCESSED');
  const sidecar = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'processed/e2e.png.json' }));
  assert.equal(JSON.parse(await sidecar.Body!.transformToString()).contentType, 'image/png');
});

test('a poison SQS message lands in the dead-letter queue while a good one is processed', async () => {
  const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: resource('AWS::SQS::Queue', 'JobsDF') }))).QueueUrl!;
  const dlqUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: resource('AWS::SQS::Queue', 'JobsDeadLetters') }))).QueueUrl!;
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'not a job' }));
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ jobId: 'e2e-job', type: 'report', payload: { rows: [1, 2] } }) }));
  const table = resource('AWS::DynamoDB::Table', 'Table');
  await eventually(async () => (await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'JOB#e2e-job' }, sk: { S: 'JOB' } } }))).Item);
  const dead = await eventually(async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }))).Messages?.[0]);
  assert.equal(dead.Body, 'not a job');
});

test('the hourly schedule fires on request and deletes expired items', async () => {
  const table = resource('AWS::DynamoDB::Table', 'Table');
  await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'TEMP#e2e' }, sk: { S: 'X' }, expiresAt: { N: String(Math.floor(Date.now() / 1000) - 60) } } }));
  dev.fireSchedule('Processing/Cleanup');
  await eventually(async () => ((await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'TEMP#e2e' }, sk: { S: 'X' } } }))).Item ? undefined : true));
});

test('the local Lambda API lists the event source mappings dev runs, Enabled, with the ARNs of the local sources', async () => {
  const lambda = new LambdaClient({ endpoint: dev.local!.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  try {
    const { EventSourceMappings = [] } = await lambda.send(new ListEventSourceMappingsCommand({}));
    assert.equal(EventSourceMappings.length, dev.wiring.queueMappings.length + dev.wiring.streamMappings.length);
    const queueArns = dev.resources.filter((r) => r.type === 'AWS::SQS::Queue').map((r) => r.arn);
    const queue = EventSourceMappings.find((m) => m.EventSourceArn?.includes(':sqs:'));
    assert.ok(queue && queueArns.includes(queue.EventSourceArn!), JSON.stringify(EventSourceMappings));
    assert.ok(EventSourceMappings.every((m) => m.State === 'Enabled'), JSON.stringify(EventSourceMappings.map((m) => m.State)));
    assert.ok(EventSourceMappings.some((m) => /:dynamodb:.*\/stream\//.test(m.EventSourceArn ?? '')), 'a table stream by the ARN the services gave it');
  } finally {
    lambda.destroy();
  }
});

test('one JSON line per invocation names the function, trigger, duration, cold/warm and status', () => {
  const lines = output.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const invocation = lines.find((l) => l.type === 'invocation' && l.function === 'Api/Hello');
  assert.ok(invocation);
  assert.equal(invocation.trigger, 'GET /hello');
  assert.equal(invocation.status, 'ok');
  assert.equal(typeof invocation.durationMs, 'number');
  assert.equal(typeof invocation.cold, 'boolean');
});

test('a second dev on the same ports fails with a message naming the port', async () => {
  await assert.rejects(DevServer.start({ cwd: PROJECT_ROOT, app: 'cdk.out', synth: false, port: dev.gateway!.port, lambdaPort: 0 }), new RegExp(`port ${dev.gateway!.port} on 127.0.0.1 is already in use`));
});
