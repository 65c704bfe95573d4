import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamRecord, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { documentClient } from '../shared/aws';
import { env } from '../shared/config';
import { logger, observed } from '../shared/observability';

/** What a window accumulates per shard: clicks per page, and records that were not clicks. */
export interface ClickState {
  readonly pages: Record<string, number>;
  readonly clicks: number;
  readonly invalid: number;
  /** Sequence number of the first record in this state: names the aggregate (see WindowAggregate). */
  readonly firstSequence?: string;
}

export interface WindowAggregate extends ClickState {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly shardId: string;
}

export interface AggregateStore {
  save(aggregate: WindowAggregate): Promise<void>;
}

/**
 * Aggregates live at `pk=METRIC#clicks, sk=<window start>#<shard>#<first sequence>`.
 * Keyed this way, a retried final invocation (same state) overwrites its own
 * item, and a window Lambda ended early (state over 1 MB; it continues with a
 * fresh state) adds a second item instead of replacing the first. A window's
 * total is the sum of the items whose sk begins with its start.
 */
export function dynamoAggregateStore(db: DynamoDBDocumentClient, tableName: string): AggregateStore {
  return {
    async save(a) {
      await db.send(new PutCommand({ TableName: tableName, Item: { pk: 'METRIC#clicks', sk: `${a.windowStart}#${a.shardId}#${a.firstSequence ?? '-'}`, type: 'metric', ...a } }));
    },
  };
}

/** Lambda's window event; `shardId` is sent by Lambda though @types/aws-lambda leaves it out. */
export type ClickWindowEvent = KinesisStreamTumblingWindowEvent & { readonly shardId?: string };

export const EMPTY_STATE: ClickState = { pages: {}, clicks: 0, invalid: 0 };

/** The click a record carries (`{"page": "/home", ...}` as base64 JSON), or undefined. */
export function clickPage(record: KinesisStreamRecord): string | undefined {
  try {
    const click = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')) as { page?: unknown };
    return typeof click?.page === 'string' && click.page !== '' ? click.page : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Adds records to the window's state. Records that are not clicks are counted
 * as invalid, not thrown: on a stream a failing record would hold up its shard.
 */
export function addClicks(state: ClickState, records: KinesisStreamRecord[]): ClickState {
  const pages = { ...state.pages };
  let { clicks, invalid } = state;
  for (const record of records) {
    const page = clickPage(record);
    if (page === undefined) invalid++;
    else {
      pages[page] = (pages[page] ?? 0) + 1;
      clicks++;
    }
  }
  return { pages, clicks, invalid, firstSequence: state.firstSequence ?? records[0]?.kinesis.sequenceNumber };
}

/** The state Lambda hands back, or an empty one at the start of a window. */
function currentState(event: ClickWindowEvent): ClickState {
  const s = event.state as Partial<ClickState> | undefined;
  if (!s || typeof s.clicks !== 'number') return EMPTY_STATE;
  return { pages: s.pages ?? {}, clicks: s.clicks, invalid: s.invalid ?? 0, firstSequence: s.firstSequence };
}

/**
 * Tumbling-window aggregation: Lambda carries `state` from one invocation of
 * a window to the next and marks the last one `isFinalInvokeForWindow`; that
 * invocation writes the aggregate. An empty window writes nothing.
 */
export async function aggregate(event: ClickWindowEvent, store: AggregateStore): Promise<{ state: ClickState }> {
  // Without a window the final invocation never comes and nothing would ever be written: say so instead.
  if (!event.window) throw new Error('the Kinesis trigger of this function must set a tumbling window (tumblingWindow)');
  const state = addClicks(currentState(event), event.Records ?? []);
  if (!event.isFinalInvokeForWindow) return { state };
  if (state.clicks + state.invalid > 0) {
    await store.save({ ...state, windowStart: event.window.start, windowEnd: event.window.end, shardId: event.shardId ?? 'unknown-shard' });
  }
  return { state: EMPTY_STATE };
}

const db = documentClient();

export const handler = observed(async (event: ClickWindowEvent, _context: Context): Promise<{ state: ClickState }> => {
  const result = await aggregate(event, dynamoAggregateStore(db, env('TABLE_NAME')));
  logger.info('clicks', {
    windowStart: event.window?.start,
    shardId: event.shardId,
    final: event.isFinalInvokeForWindow,
    terminatedEarly: event.isWindowTerminatedEarly,
    records: event.Records?.length ?? 0,
  });
  return result;
});
