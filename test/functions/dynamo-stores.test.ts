/**
 * The DynamoDB (and S3, SNS, EventBridge) implementations behind the handlers'
 * seams, run against moto_server: the real SDK commands, expressions and
 * conditional writes, not the in-memory stand-ins.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoOrderCounter } from '../../functions/analytics/handler';
import { awsAuditDeps, processStream } from '../../functions/audit/handler';
import { deleteExpired, dynamoExpiryStore } from '../../functions/cleanup/handler';
import { awsImageDeps, processEvent } from '../../functions/images/handler';
import { dynamoJobStore } from '../../functions/jobs/handler';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { createOrder, dynamoOrderStore, handler as ordersHandler, orderPlacer } from '../../functions/orders/handler';
import { dynamoFulfilmentStore } from '../../functions/routing/handler';
import { documentClient } from '../../functions/shared/aws';
import { dynamoUserStore, getUser } from '../../functions/users/handler';
import { type Moto, startMoto } from '../ops/moto';
import { httpEvent, lambdaContext, memoryLog, memoryMetrics, REGION, s3Event, streamEvent, streamRecord } from './events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const TABLE = 'Table';

let moto: Moto;
let db: DynamoDBDocumentClient;

/** A fresh table per test keeps tests independent; same key schema, TTL attribute and stream as the Data stack's table. */
let tableCount = 0;
async function newTable(): Promise<string> {
  const name = `${TABLE}${++tableCount}`;
  const raw = new DynamoDBClient({ region: REGION, endpoint: moto.endpoint, credentials });
  await raw.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  raw.destroy();
  return name;
}

/** A table as Powertools' DynamoDBPersistenceLayer expects it by default: partition key `id`, TTL on `expiration`. */
async function newIdempotencyTable(): Promise<string> {
  const name = `Idempotency${++tableCount}`;
  const raw = new DynamoDBClient({ region: REGION, endpoint: moto.endpoint, credentials });
  await raw.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  raw.destroy();
  return name;
}

before(async () => {
  moto = await startMoto();
  db = documentClient({ region: REGION, endpoint: moto.endpoint, credentials });
});

after(async () => {
  db?.destroy();
  await moto?.stop();
});

describe('DynamoDB stores against moto', () => {
  it('orders: the same order twice makes one item and the same response; a different body with the id gets 409', async () => {
    const table = await newTable();
    const idempotency = await newIdempotencyTable();
    const client = new DynamoDBClient({ region: REGION, endpoint: moto.endpoint, credentials });
    const { log, entries } = memoryLog();
    const placer = orderPlacer(dynamoOrderStore(db, table), new DynamoDBPersistenceLayer({ tableName: idempotency, awsSdkV3Client: client }), log, memoryMetrics().counter);
    const order = { orderId: 'ord-7', customerId: 'u-1', items: [{ sku: 'book', quantity: 2, unitPrice: 9.99 }] };
    const post = (payload: unknown, at: string) => createOrder(httpEvent({ method: 'POST', path: '/orders', routeKey: 'POST /orders', body: JSON.stringify(payload) }), placer, () => new Date(at));

    const first = await post(order, '2026-11-23T03:30:00.000Z');
    const retry = await post(order, '2026-11-23T03:35:00.000Z');
    const conflict = await post({ ...order, customerId: 'u-2' }, '2026-11-23T03:36:00.000Z');

    assert.equal(first.statusCode, 201);
    assert.deepEqual([retry.statusCode, retry.body], [201, first.body]);
    assert.equal(conflict.statusCode, 409);
    const items = await db.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'ORDER#ord-7' } }));
    assert.equal(items.Count, 1);
    assert.deepEqual(
      { customerId: items.Items![0].customerId, total: items.Items![0].total, status: items.Items![0].status, createdAt: items.Items![0].createdAt },
      { customerId: 'u-1', total: 19.98, status: 'PLACED', createdAt: '2026-11-23T03:30:00.000Z' },
    );
    // Powertools' record of the first request holds the response the retry was given.
    assert.equal(entries.filter((e) => e.message === 'order served from the idempotency store').length, 1);
    const records = await client.send(new ScanCommand({ TableName: idempotency }));
    assert.deepEqual(records.Items?.map((i) => i.status.S), ['COMPLETED']);
    client.destroy();
  });

  it('cleanup: deletes the expired items page by page in batches, and only those', async () => {
    const table = await newTable();
    const now = 1_795_404_600;
    for (let i = 0; i < 40; i++) await db.send(new PutCommand({ TableName: table, Item: { pk: `JOB#${i}`, sk: 'JOB', expiresAt: now - 60 } }));
    for (let i = 0; i < 5; i++) await db.send(new PutCommand({ TableName: table, Item: { pk: `AUDIT#${i}`, sk: 'A', expiresAt: now + 60 } }));
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'USER#u-1', sk: 'PROFILE', name: 'Ada' } }));

    const result = await deleteExpired(dynamoExpiryStore(db, table, 10), now);
    assert.equal(result.deleted, 40);
    assert.ok(result.pages >= 5, `scanned ${result.pages} pages of at most 10 items`);
    const left = await deleteExpired(dynamoExpiryStore(db, table), now + 3600);
    assert.equal(left.deleted, 5, 'the audit items expire an hour later');
    assert.ok((await db.send(new GetCommand({ TableName: table, Key: { pk: 'USER#u-1', sk: 'PROFILE' } }))).Item, 'items without expiresAt stay');
  });

  it('the handler entry itself: reads TABLE_NAME and reaches the endpoint in AWS_ENDPOINT_URL, as under lambdakit dev', async () => {
    const table = await newTable();
    const env = { TABLE_NAME: table, IDEMPOTENCY_TABLE_NAME: await newIdempotencyTable(), AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const body = JSON.stringify({ orderId: 'ord-h', customerId: 'u-1', items: [{ sku: 'a', quantity: 1, unitPrice: 1 }] });
      const response = await ordersHandler(httpEvent({ method: 'POST', path: '/orders', routeKey: 'POST /orders', body }), lambdaContext());
      assert.equal(response.statusCode, 201);
      assert.ok((await db.send(new GetCommand({ TableName: table, Key: { pk: 'ORDER#ord-h', sk: 'ORDER' } }))).Item);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('users: reads a profile, 404 for an absent one', async () => {
    const table = await newTable();
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'USER#u-1', sk: 'PROFILE', name: 'Ada', email: 'ada@example.com', passwordHash: 'secret' } }));
    const get = (userId: string) => getUser(httpEvent({ method: 'GET', path: `/users/${userId}`, routeKey: 'GET /users/{userId}', pathParameters: { userId } }), dynamoUserStore(db, table));
    const found = await get('u-1');
    assert.deepEqual(JSON.parse(found.body!), { userId: 'u-1', name: 'Ada', email: 'ada@example.com' });
    assert.equal((await get('u-2')).statusCode, 404);
  });

  it('jobs, fulfilment: the conditional put turns a redelivery into "already done"', async () => {
    const table = await newTable();
    const jobs = dynamoJobStore(db, table);
    const job = { jobId: 'j-1', type: 'report' as const, payload: {} };
    assert.deepEqual([await jobs.complete(job, { lines: 1 }), await jobs.complete(job, { lines: 1 })], ['done', 'already-done']);
    const fulfilment = dynamoFulfilmentStore(db, table);
    const request = { orderId: 'o-1', customerId: 'u-1', eventId: 'e-1' };
    assert.deepEqual([await fulfilment.request(request), await fulfilment.request({ ...request, eventId: 'e-2' })], ['requested', 'duplicate']);
  });

  it('analytics: the transaction counts an order once and adds revenue atomically', async () => {
    const table = await newTable();
    const counter = dynamoOrderCounter(db, table);
    const day = '2026-11-23T00:00:00.000Z';
    const outcomes = [await counter.count('o-1', day, 10.1, 'EUR'), await counter.count('o-2', day, 20.2, 'EUR'), await counter.count('o-1', day, 10.1, 'EUR')];
    assert.deepEqual(outcomes, ['counted', 'counted', 'duplicate']);
    const { Item } = await db.send(new GetCommand({ TableName: table, Key: { pk: 'METRIC#orders-per-day', sk: day } }));
    assert.deepEqual({ orders: Item?.orders, revenue: Item?.revenue_EUR }, { orders: 2, revenue: 30.3 });
  });

  it('audit: writes the entry once and publishes the new order to a real topic and bus', async () => {
    const table = await newTable();
    const clientConfig = { region: REGION, endpoint: moto.endpoint, credentials };
    const sns = new SNSClient(clientConfig);
    const events = new EventBridgeClient(clientConfig);
    try {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'Orders' }));
      await events.send(new CreateEventBusCommand({ Name: 'Bus' }));
      const deps = awsAuditDeps({ db, sns, events }, { tableName: table, topicArn: TopicArn!, eventBusName: 'Bus' });
      const insert = streamRecord({ eventName: 'INSERT', keys: { pk: 'ORDER#o-1', sk: 'ORDER' }, newImage: { customerId: 'u-1', total: 5, currency: 'USD' }, sequenceNumber: '1' });
      const event = streamEvent(insert);
      assert.deepEqual(await processStream(event, deps, memoryLog().log), { batchItemFailures: [] });
      assert.deepEqual(await processStream(event, deps, memoryLog().log), { batchItemFailures: [] }, 'a redelivered record is not an error');
      const audit = await db.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'AUDIT#2026-11-23' } }));
      assert.equal(audit.Count, 1);

      // A topic that does not exist fails the record, reported by its sequence number.
      const broken = awsAuditDeps({ db, sns, events }, { tableName: table, topicArn: `${TopicArn}-missing`, eventBusName: 'Bus' });
      assert.deepEqual(await processStream(event, broken, memoryLog().log), { batchItemFailures: [{ itemIdentifier: '1' }] });
    } finally {
      sns.destroy();
      events.destroy();
    }
  });

  it('images: reads the upload from S3, writes the sidecar under processed/ and the record', async () => {
    const table = await newTable();
    const s3 = new S3Client({ region: REGION, endpoint: moto.endpoint, credentials, forcePathStyle: true });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }));
      const png = readFileSync(join(__dirname, 'fixtures', 'red-3x2.png'));
      await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'uploads/my cat.png', Body: png, ContentType: 'image/png' }));
      await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'uploads/notes.txt', Body: 'hello', ContentType: 'text/plain' }));
      const deps = awsImageDeps(s3, db, table);
      await processEvent(s3Event('uploads', [{ key: 'uploads/my+cat.png', size: png.length }, { key: 'uploads/notes.txt', size: 5 }]), deps, memoryLog().log);

      const sidecar = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'processed/my cat.png.json' }));
      assert.equal(sidecar.ContentType, 'application/json');
      assert.deepEqual(JSON.parse(await sidecar.Body!.transformToString()), { source: 'uploads/my cat.png', contentType: 'image/png', width: 3, height: 2, size: png.length });
      const record = (key: string) => db.send(new GetCommand({ TableName: table, Key: { pk: `IMAGE#${key}`, sk: 'IMAGE' } }));
      assert.equal((await record('uploads/my cat.png')).Item?.status, 'PROCESSED');
      assert.deepEqual(
        { status: (await record('uploads/notes.txt')).Item?.status, declared: (await record('uploads/notes.txt')).Item?.declaredContentType },
        { status: 'REJECTED', declared: 'text/plain' },
      );
    } finally {
      s3.destroy();
    }
  });
});
