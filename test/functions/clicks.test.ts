import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AggregateStore, aggregate, type ClickState, type ClickWindowEvent, EMPTY_STATE, type WindowAggregate } from '../../functions/clicks/handler';
import { kinesisRecord } from './events';

const WINDOW = { start: '2026-11-23T03:30:00Z', end: '2026-11-23T03:31:00Z' };

function windowEvent(records: ReturnType<typeof kinesisRecord>[], state: ClickState | Record<string, never>, final = false, terminatedEarly = false): ClickWindowEvent {
  return { Records: records, window: WINDOW, state, shardId: 'shardId-000000000000', isFinalInvokeForWindow: final, isWindowTerminatedEarly: terminatedEarly };
}

/** Aggregates by key, as the table's put keeps them. */
function memoryAggregates() {
  const saved = new Map<string, WindowAggregate>();
  const store: AggregateStore = {
    async save(a) {
      saved.set(`${a.windowStart}#${a.shardId}#${a.firstSequence}`, a);
    },
  };
  return { store, saved };
}

const click = (page: string) => JSON.stringify({ page, userId: 'u-1' });

describe('click aggregation in tumbling windows', () => {
  it('carries the state across a window and writes the aggregate on its final invocation', async () => {
    const { store, saved } = memoryAggregates();
    // Lambda starts a window with an empty state object.
    const first = await aggregate(windowEvent([kinesisRecord(click('/home'), '1'), kinesisRecord(click('/pricing'), '2')], {}), store);
    const second = await aggregate(windowEvent([kinesisRecord(click('/home'), '3')], first.state), store);
    assert.equal(saved.size, 0, 'nothing is written before the window ends');
    // The final invocation carries no records, only the state.
    const final = await aggregate(windowEvent([], second.state, true), store);
    assert.deepEqual(final.state, EMPTY_STATE);
    assert.deepEqual([...saved.values()], [
      { pages: { '/home': 2, '/pricing': 1 }, clicks: 3, invalid: 0, firstSequence: '1', windowStart: WINDOW.start, windowEnd: WINDOW.end, shardId: 'shardId-000000000000' },
    ]);
  });

  it('counts records that are not clicks as invalid instead of failing the shard', async () => {
    const { store, saved } = memoryAggregates();
    const batch = await aggregate(windowEvent([kinesisRecord('not json', '1'), kinesisRecord('{"page":""}', '2'), kinesisRecord(click('/a'), '3')], {}), store);
    assert.deepEqual(batch.state, { pages: { '/a': 1 }, clicks: 1, invalid: 2, firstSequence: '1' });
    await aggregate(windowEvent([], batch.state, true), store);
    assert.equal([...saved.values()][0].invalid, 2);
  });

  it('writes the same item when Lambda retries a failed final invocation', async () => {
    const saved = new Map<string, WindowAggregate>();
    let fail = true;
    const store: AggregateStore = {
      async save(a) {
        if (fail) {
          fail = false;
          throw new Error('table unavailable');
        }
        saved.set(`${a.windowStart}#${a.shardId}#${a.firstSequence}`, a);
      },
    };
    const { state } = await aggregate(windowEvent([kinesisRecord(click('/a'), '1')], {}), store);
    await assert.rejects(aggregate(windowEvent([], state, true), store), /table unavailable/);
    await aggregate(windowEvent([], state, true), store);
    assert.equal(saved.size, 1);
    assert.equal([...saved.values()][0].clicks, 1);
  });

  it('keeps both parts of a window Lambda terminated early', async () => {
    const { store, saved } = memoryAggregates();
    const part1 = await aggregate(windowEvent([kinesisRecord(click('/a'), '1')], {}), store);
    await aggregate(windowEvent([], part1.state, true, true), store);
    // The window continues with a fresh state.
    const part2 = await aggregate(windowEvent([kinesisRecord(click('/b'), '5')], {}), store);
    await aggregate(windowEvent([], part2.state, true), store);
    assert.deepEqual([...saved.values()].map((a) => a.pages), [{ '/a': 1 }, { '/b': 1 }]);
  });

  it('fails clearly when the trigger has no tumbling window', async () => {
    const { store } = memoryAggregates();
    const plain = { Records: [kinesisRecord(click('/a'), '1')] } as unknown as ClickWindowEvent;
    await assert.rejects(aggregate(plain, store), /must set a tumbling window/);
  });

  it('writes nothing for a window without records', async () => {
    const { store, saved } = memoryAggregates();
    assert.deepEqual(await aggregate(windowEvent([], {}, true), store), { state: EMPTY_STATE });
    assert.equal(saved.size, 0);
  });
});
