import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handler as hello } from '../../functions/hello/handler';
import { createOrder, orderPlacer } from '../../functions/orders/handler';
import { getUser } from '../../functions/users/handler';
import { handler as usersHandler } from '../../functions/users/handler';
import { httpEvent, lambdaContext, memoryLog, memoryMetrics } from './events';
import { MemoryPersistenceLayer, memoryOrderStore, memoryUserStore } from './memory-stores';

const body = (r: { body?: string }) => JSON.parse(r.body ?? 'null');

describe('GET /hello', () => {
  it('greets the name given, and the World without one', async () => {
    const named = await hello(httpEvent({ method: 'GET', path: '/hello', routeKey: 'GET /hello', query: { name: 'Ada' } }), lambdaContext());
    const plain = await hello(httpEvent({ method: 'GET', path: '/hello', routeKey: 'GET /hello' }), lambdaContext());
    const blank = await hello(httpEvent({ method: 'GET', path: '/hello', routeKey: 'GET /hello', query: { name: '  ' } }), lambdaContext());
    assert.deepEqual([named.statusCode, named.body], [200, 'Hello, Ada!']);
    assert.equal(plain.body, 'Hello, World!');
    assert.equal(blank.body, 'Hello, World!');
  });
});

describe('GET /users/{userId}', () => {
  const store = memoryUserStore([{ userId: 'u-1', name: 'Ada Lovelace', email: 'ada@example.com' }]);
  const get = (userId: string) => getUser(httpEvent({ method: 'GET', path: `/users/${userId}`, routeKey: 'GET /users/{userId}', pathParameters: { userId } }), store);

  it('returns the user as JSON', async () => {
    const response = await get('u-1');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers?.['content-type'], 'application/json');
    assert.deepEqual(body(response), { userId: 'u-1', name: 'Ada Lovelace', email: 'ada@example.com' });
  });

  it('answers 404 with a JSON error for an unknown user', async () => {
    const response = await get('nobody');
    assert.equal(response.statusCode, 404);
    assert.deepEqual(body(response), { message: 'user not found', userId: 'nobody' });
  });

  it('answers 400 naming the field for a malformed id', async () => {
    const response = await get('a b/c');
    assert.equal(response.statusCode, 400);
    assert.equal(body(response).errors[0].field, 'userId');
  });

  it('fails with a message naming TABLE_NAME when the stack did not pass it', async () => {
    const saved = process.env.TABLE_NAME;
    delete process.env.TABLE_NAME;
    try {
      await assert.rejects(usersHandler(httpEvent({ method: 'GET', path: '/users/u-1', routeKey: 'GET /users/{userId}', pathParameters: { userId: 'u-1' } }), lambdaContext()), /TABLE_NAME is not set/);
    } finally {
      if (saved !== undefined) process.env.TABLE_NAME = saved;
    }
  });
});

describe('POST /orders', () => {
  const order = { orderId: 'ord-1', customerId: 'u-1', currency: 'EUR', items: [{ sku: 'book', quantity: 3, unitPrice: 0.1 }, { sku: 'pen', quantity: 1, unitPrice: 2.2 }] };
  /** The order store behind Powertools' idempotency utility, with its records in memory. */
  const orders = () => {
    const store = memoryOrderStore();
    const { log, entries } = memoryLog();
    const { counter, added } = memoryMetrics();
    return { store, entries, added, placer: orderPlacer(store, new MemoryPersistenceLayer(), log, counter) };
  };
  const post = (placer: ReturnType<typeof orders>['placer'], payload: unknown, at = '2026-11-23T03:30:00.000Z', raw?: string) =>
    createOrder(httpEvent({ method: 'POST', path: '/orders', routeKey: 'POST /orders', body: raw ?? JSON.stringify(payload) }), placer, () => new Date(at));

  it('places a valid order with its total in the response', async () => {
    const { store, placer } = orders();
    const response = await post(placer, order);
    assert.equal(response.statusCode, 201);
    assert.deepEqual(body(response), { orderId: 'ord-1', status: 'PLACED', total: 2.5, currency: 'EUR', createdAt: '2026-11-23T03:30:00.000Z' });
    assert.equal(store.items.size, 1);
  });

  it('accepts a base64-encoded body, as HTTP APIs send non-text content types', async () => {
    const { placer } = orders();
    const response = await createOrder(
      httpEvent({ method: 'POST', path: '/orders', routeKey: 'POST /orders', body: Buffer.from(JSON.stringify(order)).toString('base64'), isBase64Encoded: true }),
      placer,
    );
    assert.equal(response.statusCode, 201);
  });

  it('answers 400 with every field error and stores nothing', async () => {
    const { store, placer } = orders();
    const response = await post(placer, { orderId: 'bad id!', currency: 'XXX', items: [{ sku: 'ok', quantity: 0, unitPrice: -1 }, 'not an item'] });
    assert.equal(response.statusCode, 400);
    const fields = body(response).errors.map((e: { field: string }) => e.field);
    assert.deepEqual(fields, ['orderId', 'customerId', 'currency', 'items[0].quantity', 'items[0].unitPrice', 'items[1].sku', 'items[1].quantity', 'items[1].unitPrice']);
    assert.equal(store.items.size, 0);
  });

  it('answers 400 for a body that is not JSON, or is empty', async () => {
    const { placer } = orders();
    for (const raw of ['{"orderId":', '']) {
      const response = await post(placer, undefined, undefined, raw);
      assert.equal(response.statusCode, 400);
      assert.deepEqual(body(response).errors, [{ field: 'body', message: 'must be a JSON object' }]);
    }
  });

  it('creates one order when the same order is sent twice, and answers both with the same body', async () => {
    const { store, placer, entries, added } = orders();
    const first = await post(placer, order, '2026-11-23T03:30:00.000Z');
    const retry = await post(placer, order, '2026-11-23T03:31:00.000Z');
    assert.equal(retry.statusCode, 201);
    assert.equal(retry.body, first.body); // createdAt of the first attempt, not of the retry
    assert.equal(store.items.size, 1);
    // The retry never reached the order store: the idempotency store answered it.
    assert.deepEqual(entries.map((e) => e.message), ['order placed', 'order served from the idempotency store']);
    assert.deepEqual(added.map((m) => m.name), ['OrderPlaced', 'OrderReplayed']);
  });

  it('answers 409 when a different order reuses an id, and keeps the first', async () => {
    const { store, placer } = orders();
    await post(placer, order);
    const conflict = await post(placer, { ...order, items: [{ sku: 'book', quantity: 4, unitPrice: 0.1 }] });
    assert.equal(conflict.statusCode, 409);
    assert.equal(body(conflict).orderId, 'ord-1');
    assert.equal(store.items.get('ord-1')?.order.items.length, 2);
  });
});
