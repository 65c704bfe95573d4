import { BatchWriteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { documentClient, type Key } from '../shared/aws';
import { env } from '../shared/config';
import { logger, observed } from '../shared/observability';

/** The table operations of the cleanup, behind a seam for tests. */
export interface ExpiryStore {
  /** One page of keys whose `expiresAt` (epoch seconds) is before `now`, and where the next page starts. */
  expired(now: number, startKey?: Record<string, unknown>): Promise<{ keys: Key[]; next?: Record<string, unknown> }>;
  /** Deletes up to 25 keys; returns the ones DynamoDB left unprocessed. */
  delete(keys: Key[]): Promise<Key[]>;
}

/**
 * `pageSize` caps the items each Scan call reads (before the filter), which
 * bounds the read capacity one call takes from the table's live traffic.
 */
export function dynamoExpiryStore(db: DynamoDBDocumentClient, tableName: string, pageSize = 500): ExpiryStore {
  return {
    async expired(now, startKey) {
      const page = await db.send(
        new ScanCommand({
          TableName: tableName,
          Limit: pageSize,
          FilterExpression: 'expiresAt < :now',
          ExpressionAttributeValues: { ':now': now },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: startKey,
        }),
      );
      return { keys: (page.Items ?? []).map((i) => ({ pk: String(i.pk), sk: String(i.sk) })), next: page.LastEvaluatedKey };
    },
    async delete(keys) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: keys.map((Key) => ({ DeleteRequest: { Key } })) } }));
      return (out.UnprocessedItems?.[tableName] ?? []).map((r) => r.DeleteRequest!.Key as Key);
    },
  };
}

/** BatchWriteItem takes at most 25 requests. */
export const BATCH_SIZE = 25;

export interface CleanupOptions {
  /** Waits between retries of unprocessed deletes (tests pass one that does not wait). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Retries of a batch's unprocessed deletes before the run fails. */
  readonly maxRetries?: number;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Deletes every item whose `expiresAt` has passed. DynamoDB's own TTL also
 * deletes them, but only within days; this makes "expired" mean gone within
 * the hour. Pages through the table and retries unprocessed deletes with
 * exponential back-off; a batch still unprocessed after the retries fails the
 * run, so the scheduler's retry (or the next run) picks it up — deleting is
 * idempotent, so re-running is safe.
 */
export async function deleteExpired(store: ExpiryStore, nowSeconds: number, options: CleanupOptions = {}): Promise<{ deleted: number; pages: number }> {
  const sleep = options.sleep ?? wait;
  const maxRetries = options.maxRetries ?? 5;
  let deleted = 0;
  let pages = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await store.expired(nowSeconds, startKey);
    pages++;
    for (let i = 0; i < page.keys.length; i += BATCH_SIZE) {
      let pending = page.keys.slice(i, i + BATCH_SIZE);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > maxRetries) throw new Error(`${pending.length} expired item(s) still unprocessed after ${maxRetries} retries`);
        if (attempt > 0) await sleep(50 * 2 ** attempt);
        const left = await store.delete(pending);
        deleted += pending.length - left.length;
        pending = left;
      }
    }
    startKey = page.next;
  } while (startKey);
  return { deleted, pages };
}

const db = documentClient();

export const handler = observed(async (_event: ScheduledEvent | Record<string, unknown>, _context: Context): Promise<{ deleted: number }> => {
  const result = await deleteExpired(dynamoExpiryStore(db, env('TABLE_NAME')), Math.floor(Date.now() / 1000));
  logger.info('expired items deleted', result);
  return { deleted: result.deleted };
});
