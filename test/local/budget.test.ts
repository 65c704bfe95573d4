import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConcurrencyBudget, ThrottledError } from '../../lib/local/pool';

test('a local cap with waitWhenFull queues invocations in arrival order instead of throttling', async () => {
  const budget = new ConcurrencyBudget(2, false, true);
  await budget.take();
  await budget.take();
  const order: number[] = [];
  const third = budget.take().then(() => order.push(3));
  const fourth = budget.take().then(() => order.push(4));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'nothing runs past the cap');
  budget.release();
  await third;
  assert.deepEqual(order, [3]);
  assert.equal(budget.inFlight, 2, 'the freed slot was handed over, not given back');
  budget.release();
  await fourth;
  assert.deepEqual(order, [3, 4]);
  budget.release();
  budget.release();
  assert.equal(budget.inFlight, 0);
});

test('reserved concurrency throttles even when waiting is allowed; a plain local cap throttles by default', async () => {
  const reserved = new ConcurrencyBudget(1, true, true);
  await reserved.take();
  await assert.rejects(reserved.take(), (e: unknown) => e instanceof ThrottledError && e.reason === 'ReservedFunctionConcurrentInvocationLimitExceeded');
  const local = new ConcurrencyBudget(1, false);
  await local.take();
  await assert.rejects(local.take(), (e: unknown) => e instanceof ThrottledError && e.reason === 'ConcurrentInvocationLimitExceeded');
});
