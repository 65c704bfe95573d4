import { BatchWriteCommand, type BatchWriteCommandOutput, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { documents, type Key } from '../shared/aws';
import { env, logger } from '../shared/log';

/** The table operations of the cleanup, behind a seam for tests. */
export interface ExpiryStore {
  /** One page of keys whose `expiresAt` (epoch seconds) is before `now`. */
  expired(now: number, startKey?: Record<string, unknown>): Promise<{ keys: Key[]; next?: Record<string, unknown> }>;
  /** Deletes up to 25 keys; returns the ones DynamoDB left unprocessed. */
  delete(keys: Key[]): Promise<Key[]>;
}

export function dynamoExpiryStore(tableName: string): ExpiryStore {
  return {
    async expired(now, startKey) {
      const page = await documents().send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'attribute_exists(expiresAt) AND expiresAt < :now',
          ExpressionAttributeValues: { ':now': now },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: startKey,
        }),
      );
      return { keys: (page.Items ?? []) as Key[], next: page.LastEvaluatedKey };
    },
    async delete(keys) {
      const out: BatchWriteCommandOutput = await documents().send(new BatchWriteCommand({ RequestItems: { [tableName]: keys.map((Key) => ({ DeleteRequest: { Key } })) } }));
      return (out.UnprocessedItems?.[tableName] ?? []).map((r) => r.DeleteRequest!.Key as Key);
    },
  };
}

const BATCH = 25;

/**
 * Deletes every item whose `expiresAt` has passed (DynamoDB's own TTL may take
 * up to days). Pages through the table and retries unprocessed deletes with
 * back-off; a batch still unprocessed after the retries fails the run, so the
 * schedule's next run (or the async retry) picks it up.
 */
export async function deleteExpired(store: ExpiryStore, nowSeconds: number, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)), maxRetries = 5): Promise<{ deleted: number; scannedPages: number }> {
  let deleted = 0;
  let pages = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await store.expired(nowSeconds, startKey);
    pages++;
    for (let i = 0; i < page.keys.length; i += BATCH) {
      let pending = page.keys.slice(i, i + BATCH);
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
  return { deleted, scannedPages: pages };
}

export const handler = async (_event: ScheduledEvent | Record<string, unknown>, context: Context): Promise<{ deleted: number }> => {
  const result = await deleteExpired(dynamoExpiryStore(env('TABLE_NAME')), Math.floor(Date.now() / 1000));
  logger(context.awsRequestId).info('expired items deleted', result);
  return { deleted: result.deleted };
};
