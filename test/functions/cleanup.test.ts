import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deleteExpired } from '../../functions/cleanup/handler';
import { type ExpiringItem, memoryExpiryStore } from './memory-stores';

const NOW = 1_795_404_600;
const noWait = async () => undefined;

function items(count: number, prefix: string, expiresAt?: number): ExpiringItem[] {
  return Array.from({ length: count }, (_, i) => ({ pk: `${prefix}#${String(i).padStart(4, '0')}`, sk: 'X', expiresAt }));
}

describe('expired-item cleanup', () => {
  it('deletes every expired item across scan pages and keeps the rest', async () => {
    const table = [...items(60, 'JOB', NOW - 10), ...items(30, 'USER'), ...items(20, 'AUDIT', NOW + 3600), { pk: 'EDGE', sk: 'X', expiresAt: NOW }];
    const { store, table: left } = memoryExpiryStore(table, { pageSize: 7 });
    const result = await deleteExpired(store, NOW, { sleep: noWait });
    assert.equal(result.deleted, 60);
    assert.equal(result.pages, Math.ceil(table.length / 7));
    assert.equal(left.size, 51);
    assert.ok([...left.values()].every((i) => i.expiresAt === undefined || i.expiresAt >= NOW), 'an item expiring exactly now is kept');
  });

  it('sends deletes in batches of at most 25', async () => {
    const sizes: number[] = [];
    const { store } = memoryExpiryStore(items(60, 'JOB', NOW - 1), { throttle: (_call, keys) => (sizes.push(keys.length), 0) });
    await deleteExpired(store, NOW, { sleep: noWait });
    assert.deepEqual(sizes, [25, 25, 10]);
  });

  it('retries the items DynamoDB leaves unprocessed, backing off, until all are gone', async () => {
    const waits: number[] = [];
    // The first two calls leave 20 and then 5 items unprocessed.
    const { store, table } = memoryExpiryStore(items(25, 'JOB', NOW - 1), { throttle: (call) => [20, 5][call] ?? 0 });
    const result = await deleteExpired(store, NOW, { sleep: async (ms) => void waits.push(ms) });
    assert.equal(result.deleted, 25);
    assert.equal(table.size, 0);
    assert.deepEqual(waits, [100, 200]);
  });

  it('fails the run when deletes stay unprocessed, and a later run finishes the job', async () => {
    let throttled = true;
    const { store, table } = memoryExpiryStore(items(3, 'JOB', NOW - 1), { throttle: (_c, keys) => (throttled ? keys.length : 0) });
    await assert.rejects(deleteExpired(store, NOW, { sleep: noWait, maxRetries: 2 }), /3 expired item\(s\) still unprocessed after 2 retries/);
    assert.equal(table.size, 3);
    throttled = false;
    assert.equal((await deleteExpired(store, NOW, { sleep: noWait })).deleted, 3);
    assert.equal(table.size, 0);
  });

  it('does nothing on a table without expired items', async () => {
    const { store, deleteCalls } = memoryExpiryStore(items(5, 'USER'));
    assert.deepEqual(await deleteExpired(store, NOW, { sleep: noWait }), { deleted: 0, pages: 1 });
    assert.equal(deleteCalls(), 0);
  });
});
