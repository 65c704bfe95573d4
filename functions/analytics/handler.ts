import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SNSEvent } from 'aws-lambda';
import { documents, isConditionFailure } from '../shared/aws';
import { env, logger, type Logger } from '../shared/log';

/** Counts an order once per day, atomically with a marker that makes redelivery harmless. */
export interface OrderCounter {
  count(orderId: string, day: string, total: number): Promise<'counted' | 'duplicate'>;
}

export function dynamoOrderCounter(tableName: string): OrderCounter {
  return {
    async count(orderId, day, total) {
      try {
        await documents().send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: tableName, Item: { pk: `METRIC#order-seen`, sk: orderId, type: 'metric' }, ConditionExpression: 'attribute_not_exists(pk)' } },
              {
                Update: {
                  TableName: tableName,
                  Key: { pk: 'METRIC#orders-per-day', sk: day },
                  UpdateExpression: 'ADD orders :one, revenue :total SET #type = :type',
                  ExpressionAttributeNames: { '#type': 'type' },
                  ExpressionAttributeValues: { ':one': 1, ':total': total, ':type': 'metric' },
                },
              },
            ],
          }),
        );
        return 'counted';
      } catch (error) {
        if (isConditionFailure(error)) return 'duplicate';
        throw error;
      }
    },
  };
}

/** Adds each published order to its day's counter (by the order's creation date). */
export async function countOrders(event: SNSEvent, counter: OrderCounter, log: Logger): Promise<number> {
  let counted = 0;
  for (const record of event.Records) {
    let order: { orderId?: unknown; total?: unknown; createdAt?: unknown };
    try {
      order = JSON.parse(record.Sns.Message);
    } catch {
      log.warn('skipped message that is not JSON', { messageId: record.Sns.MessageId });
      continue;
    }
    if (typeof order.orderId !== 'string') {
      log.warn('skipped message without orderId', { messageId: record.Sns.MessageId });
      continue;
    }
    const day = (typeof order.createdAt === 'string' ? order.createdAt : record.Sns.Timestamp).slice(0, 10);
    const outcome = await counter.count(order.orderId, day, typeof order.total === 'number' ? order.total : 0);
    if (outcome === 'counted') counted++;
    log.info('order counted', { orderId: order.orderId, day, outcome });
  }
  return counted;
}

export const handler = async (event: SNSEvent, context: Context): Promise<void> => {
  await countOrders(event, dynamoOrderCounter(env('TABLE_NAME')), logger(context.awsRequestId));
};
