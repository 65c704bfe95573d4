import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SNSEvent } from 'aws-lambda';
import { documentClient, expiresAfterDays, isTransactionConditionFailure } from '../shared/aws';
import { env } from '../shared/config';
import { type Log, logger, observed } from '../shared/observability';
import { publishedOrder } from '../shared/orders';

/** How long an order's "counted" marker is kept; SNS redelivers within minutes, so a week is ample. */
export const MARKER_RETENTION_DAYS = 7;

/** Counts an order once into its day's counter. */
export interface OrderCounter {
  count(orderId: string, day: string, total: number, currency: string): Promise<'counted' | 'duplicate'>;
}

/**
 * The counter is `pk=METRIC#orders-per-day, sk=<day start iso>`, updated with
 * ADD (atomic under concurrent deliveries). A marker item
 * `pk=METRIC#order-counted#<orderId>` written in the same transaction makes a
 * redelivered message a no-op instead of a double count.
 */
export function dynamoOrderCounter(db: DynamoDBDocumentClient, tableName: string, now = () => new Date()): OrderCounter {
  return {
    async count(orderId, day, total, currency) {
      try {
        await db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: { pk: `METRIC#order-counted#${orderId}`, sk: 'MARKER', type: 'metric', day, expiresAt: expiresAfterDays(now(), MARKER_RETENTION_DAYS) },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Update: {
                  TableName: tableName,
                  Key: { pk: 'METRIC#orders-per-day', sk: day },
                  UpdateExpression: 'ADD orders :one, #revenue :total SET #type = :type',
                  ExpressionAttributeNames: { '#revenue': `revenue_${currency}`, '#type': 'type' },
                  ExpressionAttributeValues: { ':one': 1, ':total': total, ':type': 'metric' },
                },
              },
            ],
          }),
        );
        return 'counted';
      } catch (error) {
        if (isTransactionConditionFailure(error)) return 'duplicate';
        throw error;
      }
    },
  };
}

/** The UTC day an order belongs to: its creation time, else when SNS received it. */
export function dayOf(createdAt: string | undefined, published: string): string {
  return `${new Date(createdAt ?? published).toISOString().slice(0, 10)}T00:00:00.000Z`;
}

/**
 * Adds each published order to its day's counter. A message that is not an
 * order throws (see notifications: it ends in the dead-letter queue).
 */
export async function countOrders(event: SNSEvent, counter: OrderCounter, log: Log): Promise<number> {
  let counted = 0;
  for (const record of event.Records) {
    const order = publishedOrder(record);
    const day = dayOf(order.createdAt, record.Sns.Timestamp);
    const outcome = await counter.count(order.orderId, day, order.total ?? 0, order.currency ?? 'USD');
    if (outcome === 'counted') counted++;
    log.info('order counted', { orderId: order.orderId, day, outcome });
  }
  return counted;
}

const db = documentClient();

export const handler = observed(async (event: SNSEvent, _context: Context): Promise<void> => {
  await countOrders(event, dynamoOrderCounter(db, env('TABLE_NAME')), logger);
});
