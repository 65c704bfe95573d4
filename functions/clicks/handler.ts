import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamEvent, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { documents } from '../shared/aws';
import { env, logger } from '../shared/log';

/** What a window accumulates: clicks per page, and records that were not clicks. */
export interface ClickState {
  readonly pages: Record<string, number>;
  readonly total: number;
  readonly invalid: number;
}

export interface WindowAggregate extends ClickState {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly shardId: string;
}

export interface AggregateStore {
  save(aggregate: WindowAggregate): Promise<void>;
}

export function dynamoAggregateStore(tableName: string): AggregateStore {
  return {
    async save(a) {
      // Keyed by window and shard: a retried final invocation overwrites the same item.
      await documents().send(new PutCommand({ TableName: tableName, Item: { pk: 'METRIC#clicks', sk: `${a.windowStart}#${a.shardId}`, type: 'metric', ...a } }));
    },
  };
}

/** The window event, with the shard id Lambda includes (not in @types/aws-lambda). */
export type ClickWindowEvent = KinesisStreamTumblingWindowEvent & { readonly shardId?: string };

const EMPTY: ClickState = { pages: {}, total: 0, invalid: 0 };

/** Adds a batch of click records to the window's state. */
export function addClicks(state: ClickState, event: Pick<KinesisStreamEvent, 'Records'>): ClickState {
  const pages = { ...state.pages };
  let { total, invalid } = state;
  for (const record of event.Records) {
    try {
      const click = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')) as { page?: unknown };
      if (typeof click.page !== 'string') throw new Error('no page');
      pages[click.page] = (pages[click.page] ?? 0) + 1;
      total++;
    } catch {
      invalid++;
    }
  }
  return { pages, total, invalid };
}

/**
 * Tumbling-window aggregation: Lambda carries `state` from one invocation of a
 * window to the next; the final invocation of the window writes the aggregate.
 */
export async function aggregate(event: ClickWindowEvent, store: AggregateStore): Promise<{ state: ClickState }> {
  const previous = (event.state && Object.keys(event.state).length ? event.state : EMPTY) as unknown as ClickState;
  const state = addClicks(previous, event);
  if (event.isFinalInvokeForWindow) {
    await store.save({ ...state, windowStart: event.window.start, windowEnd: event.window.end, shardId: event.shardId ?? 'shard' });
    return { state: EMPTY };
  }
  return { state };
}

export const handler = async (event: ClickWindowEvent, context: Context): Promise<{ state: ClickState }> => {
  const result = await aggregate(event, dynamoAggregateStore(env('TABLE_NAME')));
  logger(context.awsRequestId).info('clicks', { window: event.window?.start, final: event.isFinalInvokeForWindow, records: event.Records.length });
  return result as { state: ClickState };
};
