import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countOrders, type OrderCounter } from '../../functions/analytics/handler';
import { type Notification, type NotificationStore, notify } from '../../functions/notifications/handler';
import { InvalidMessageError } from '../../functions/shared/orders';
import { memoryLog, snsEvent } from './events';

const ORDER = { orderId: 'o-1', customerId: 'u-1', total: 12.5, currency: 'EUR', createdAt: '2026-11-22T23:59:59.000Z' };

function memoryNotifications() {
  const saved = new Map<string, Notification>();
  const store: NotificationStore = {
    async save(n) {
      if (saved.has(n.orderId)) return 'duplicate';
      saved.set(n.orderId, n);
      return 'saved';
    },
  };
  return { store, saved };
}

/** Per-day counters with a seen-set, as the transaction keeps them. */
function memoryCounter() {
  const days = new Map<string, { orders: number; revenue: Record<string, number> }>();
  const seen = new Set<string>();
  const counter: OrderCounter = {
    async count(orderId, day, total, currency) {
      if (seen.has(orderId)) return 'duplicate';
      seen.add(orderId);
      const d = days.get(day) ?? { orders: 0, revenue: {} };
      d.orders++;
      d.revenue[currency] = (d.revenue[currency] ?? 0) + total;
      days.set(day, d);
      return 'counted';
    },
  };
  return { counter, days };
}

describe('notification subscriber', () => {
  it('formats and stores a confirmation for a published order', async () => {
    const { store, saved } = memoryNotifications();
    await notify(snsEvent(JSON.stringify(ORDER)), store, memoryLog().log);
    assert.deepEqual(saved.get('o-1'), { orderId: 'o-1', customerId: 'u-1', subject: 'Order o-1 confirmed', body: 'Thank you! We received your order o-1 totalling 12.50 EUR.' });
  });

  it('stores one notification when SNS delivers the message twice', async () => {
    const { store, saved } = memoryNotifications();
    const first = await notify(snsEvent(JSON.stringify(ORDER), 'm-1'), store, memoryLog().log);
    const again = await notify(snsEvent(JSON.stringify(ORDER), 'm-1'), store, memoryLog().log);
    assert.equal(first.length, 1);
    assert.equal(again.length, 0);
    assert.equal(saved.size, 1);
  });

  it('rejects a message that is not an order, so it ends in the dead-letter queue', async () => {
    const { store, saved } = memoryNotifications();
    await assert.rejects(notify(snsEvent('not json', 'm-bad'), store, memoryLog().log), (e: Error) => e instanceof InvalidMessageError && /m-bad is not JSON/.test(e.message));
    await assert.rejects(notify(snsEvent('{"orderId":"o-1"}'), store, memoryLog().log), /has no orderId and customerId/);
    assert.equal(saved.size, 0);
  });
});

describe('analytics subscriber', () => {
  it('adds orders to the counter of the UTC day they were created, revenue per currency', async () => {
    const { counter, days } = memoryCounter();
    const { log } = memoryLog();
    await countOrders(snsEvent(JSON.stringify(ORDER)), counter, log);
    await countOrders(snsEvent(JSON.stringify({ ...ORDER, orderId: 'o-2', total: 7.5 })), counter, log);
    await countOrders(snsEvent(JSON.stringify({ ...ORDER, orderId: 'o-3', currency: 'USD', total: 3 })), counter, log);
    // Without createdAt, the day SNS received the message.
    await countOrders(snsEvent(JSON.stringify({ orderId: 'o-4', customerId: 'u-2', total: 1, currency: 'USD' }), 'm-4', '2026-11-23T00:00:01.000Z'), counter, log);
    assert.deepEqual(Object.fromEntries(days), {
      '2026-11-22T00:00:00.000Z': { orders: 3, revenue: { EUR: 20, USD: 3 } },
      '2026-11-23T00:00:00.000Z': { orders: 1, revenue: { USD: 1 } },
    });
  });

  it('counts a redelivered order once', async () => {
    const { counter, days } = memoryCounter();
    assert.equal(await countOrders(snsEvent(JSON.stringify(ORDER)), counter, memoryLog().log), 1);
    assert.equal(await countOrders(snsEvent(JSON.stringify(ORDER)), counter, memoryLog().log), 0);
    assert.equal(days.get('2026-11-22T00:00:00.000Z')?.orders, 1);
  });

  it('rejects a message that is not an order and counts nothing', async () => {
    const { counter, days } = memoryCounter();
    await assert.rejects(countOrders(snsEvent('[]'), counter, memoryLog().log), InvalidMessageError);
    assert.equal(days.size, 0);
  });
});
