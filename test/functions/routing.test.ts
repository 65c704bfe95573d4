import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FulfilmentRequest, type FulfilmentStore, type OrderPlacedEvent, route } from '../../functions/routing/handler';
import { eventBridgeEvent, memoryLog } from './events';

function memoryFulfilment() {
  const requests = new Map<string, FulfilmentRequest>();
  const store: FulfilmentStore = {
    async request(r) {
      if (requests.has(r.orderId)) return 'duplicate';
      requests.set(r.orderId, r);
      return 'requested';
    },
  };
  return { store, requests };
}

const placed = (detail: unknown, id = 'evb-1') => eventBridgeEvent('order.placed', detail, id) as OrderPlacedEvent;

describe('order.placed routing', () => {
  it('records a fulfilment request for the order', async () => {
    const { store, requests } = memoryFulfilment();
    assert.equal(await route(placed({ orderId: 'o-1', customerId: 'u-1', total: 12.5, currency: 'EUR' }), store, memoryLog().log), 'requested');
    assert.deepEqual(requests.get('o-1'), { orderId: 'o-1', customerId: 'u-1', total: 12.5, currency: 'EUR', eventId: 'evb-1' });
  });

  it('requests fulfilment once when the event arrives again', async () => {
    const { store, requests } = memoryFulfilment();
    await route(placed({ orderId: 'o-1', customerId: 'u-1' }, 'evb-1'), store, memoryLog().log);
    assert.equal(await route(placed({ orderId: 'o-1', customerId: 'u-1' }, 'evb-2'), store, memoryLog().log), 'duplicate');
    assert.equal(requests.size, 1);
    assert.equal(requests.get('o-1')?.eventId, 'evb-1');
  });

  it('rejects an event without an order, so retries end in the dead-letter queue', async () => {
    const { store, requests } = memoryFulfilment();
    await assert.rejects(route(placed({ customerId: 'u-1' }, 'evb-9'), store, memoryLog().log), /order.placed event evb-9 has no orderId and customerId/);
    assert.equal(requests.size, 0);
  });
});
