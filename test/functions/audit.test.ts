import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIT_RETENTION_DAYS, type AuditDeps, type AuditEntry, type PlacedOrder, processStream } from '../../functions/audit/handler';
import { memoryLog, streamEvent, streamRecord } from './events';

const AT = 1_795_404_600; // 2026-11-23T03:30:00Z

/** The table (audit entries, first write wins), the topic and the bus as lists; `failOn` makes one call throw. */
function memoryAuditDeps(failOn?: { call: 'write' | 'publish' | 'put'; times: number }) {
  const entries = new Map<string, AuditEntry>();
  const published: PlacedOrder[] = [];
  const busEvents: PlacedOrder[] = [];
  let failures = failOn?.times ?? 0;
  const maybeFail = (call: string) => {
    if (failOn?.call === call && failures > 0) {
      failures--;
      throw new Error(`${call} unavailable`);
    }
  };
  const deps: AuditDeps = {
    async write(entry) {
      maybeFail('write');
      if (!entries.has(`${entry.pk}|${entry.sk}`)) entries.set(`${entry.pk}|${entry.sk}`, entry);
    },
    async publishOrder(order) {
      maybeFail('publish');
      published.push(order);
    },
    async putOrderPlaced(order) {
      maybeFail('put');
      busEvents.push(order);
    },
  };
  return { deps, entries, published, busEvents };
}

const orderInsert = (id: string, seq: string) =>
  streamRecord({
    eventName: 'INSERT',
    keys: { pk: `ORDER#${id}`, sk: 'ORDER' },
    newImage: { type: 'order', customerId: 'u-1', currency: 'EUR', total: 12.5, createdAt: '2026-11-23T03:29:59.000Z', fingerprint: 'f', items: [{ sku: 'a', quantity: 1, unitPrice: 12.5 }] },
    sequenceNumber: seq,
    at: AT,
  });

describe('change-stream audit', () => {
  it('writes one audit entry per INSERT, MODIFY and REMOVE, and publishes new orders to the topic and the bus', async () => {
    const { deps, entries, published, busEvents } = memoryAuditDeps();
    const response = await processStream(
      streamEvent(
        orderInsert('o-1', '100'),
        streamRecord({ eventName: 'MODIFY', keys: { pk: 'USER#u-1', sk: 'PROFILE' }, oldImage: { name: 'Ada', email: 'a@x' }, newImage: { name: 'Ada L.', email: 'a@x' }, sequenceNumber: '101', at: AT }),
        streamRecord({ eventName: 'REMOVE', keys: { pk: 'JOB#j-1', sk: 'JOB' }, oldImage: { expiresAt: AT - 5 }, sequenceNumber: '102', at: AT, byTtl: true }),
      ),
      deps,
      memoryLog().log,
    );
    assert.deepEqual(response, { batchItemFailures: [] });
    assert.deepEqual([...entries.values()], [
      { pk: 'AUDIT#2026-11-23', sk: '2026-11-23T03:30:00.000Z#evt-100', eventName: 'INSERT', item: 'ORDER#o-1|ORDER', eventId: 'evt-100', at: '2026-11-23T03:30:00.000Z', expiresAt: AT + AUDIT_RETENTION_DAYS * 86_400 },
      { pk: 'AUDIT#2026-11-23', sk: '2026-11-23T03:30:00.000Z#evt-101', eventName: 'MODIFY', item: 'USER#u-1|PROFILE', eventId: 'evt-101', at: '2026-11-23T03:30:00.000Z', changed: ['name'], expiresAt: AT + AUDIT_RETENTION_DAYS * 86_400 },
      { pk: 'AUDIT#2026-11-23', sk: '2026-11-23T03:30:00.000Z#evt-102', eventName: 'REMOVE', item: 'JOB#j-1|JOB', eventId: 'evt-102', at: '2026-11-23T03:30:00.000Z', removedBy: 'ttl', expiresAt: AT + AUDIT_RETENTION_DAYS * 86_400 },
    ]);
    const order = { orderId: 'o-1', customerId: 'u-1', total: 12.5, currency: 'EUR', createdAt: '2026-11-23T03:29:59.000Z' };
    assert.deepEqual(published, [order]);
    assert.deepEqual(busEvents, [order]);
  });

  it('does not audit its own entries or metrics, which would loop', async () => {
    const { deps, entries } = memoryAuditDeps();
    await processStream(
      streamEvent(
        streamRecord({ eventName: 'INSERT', keys: { pk: 'AUDIT#2026-11-23', sk: '2026-11-23T03:30:00.000Z#evt-1' }, newImage: { type: 'audit' }, sequenceNumber: '1' }),
        streamRecord({ eventName: 'MODIFY', keys: { pk: 'METRIC#orders-per-day', sk: '2026-11-23T00:00:00.000Z' }, oldImage: { orders: 1 }, newImage: { orders: 2 }, sequenceNumber: '2' }),
      ),
      deps,
      memoryLog().log,
    );
    assert.equal(entries.size, 0);
  });

  it('publishes only inserts of orders: an order update, a non-order insert and a removal are audited only', async () => {
    const { deps, entries, published } = memoryAuditDeps();
    await processStream(
      streamEvent(
        streamRecord({ eventName: 'MODIFY', keys: { pk: 'ORDER#o-1', sk: 'ORDER' }, oldImage: { status: 'PLACED' }, newImage: { status: 'SHIPPED' }, sequenceNumber: '1' }),
        streamRecord({ eventName: 'INSERT', keys: { pk: 'FULFILMENT#o-1', sk: 'FULFILMENT' }, newImage: { status: 'REQUESTED' }, sequenceNumber: '2' }),
        streamRecord({ eventName: 'REMOVE', keys: { pk: 'ORDER#o-2', sk: 'ORDER' }, oldImage: { status: 'PLACED' }, sequenceNumber: '3' }),
      ),
      deps,
      memoryLog().log,
    );
    assert.equal(entries.size, 3);
    assert.deepEqual(published, []);
  });

  it('reports the first failing record by sequence number and stops there, so the retry starts from it', async () => {
    const { deps, entries, published } = memoryAuditDeps({ call: 'publish', times: 1 });
    const event = streamEvent(
      streamRecord({ eventName: 'INSERT', keys: { pk: 'USER#u-9', sk: 'PROFILE' }, newImage: { name: 'Grace' }, sequenceNumber: '200' }),
      orderInsert('o-2', '201'),
      streamRecord({ eventName: 'INSERT', keys: { pk: 'USER#u-10', sk: 'PROFILE' }, newImage: { name: 'Alan' }, sequenceNumber: '202' }),
    );
    const { log, entries: logs } = memoryLog();
    assert.deepEqual(await processStream(event, deps, log), { batchItemFailures: [{ itemIdentifier: '201' }] });
    assert.equal(entries.size, 2, 'records after the failing one wait for the retry');
    assert.equal(logs.find((l) => l.level === 'ERROR')?.reason, 'publish unavailable');

    // Lambda retries from sequence number 201; the audit entry already written is not duplicated.
    const retry = streamEvent(...event.Records.slice(1));
    assert.deepEqual(await processStream(retry, deps, memoryLog().log), { batchItemFailures: [] });
    assert.equal(entries.size, 3);
    assert.deepEqual(published.map((o) => o.orderId), ['o-2']);
  });
});
