import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { documents, isConditionFailure } from '../shared/aws';
import { env, logger, type Logger } from '../shared/log';

export interface OrderPlaced {
  readonly orderId: string;
  readonly customerId: string;
  readonly total?: number;
  readonly currency?: string;
}

/** Requests fulfilment of an order once, however often the event arrives. */
export interface FulfilmentStore {
  request(order: OrderPlaced, eventId: string): Promise<'requested' | 'duplicate'>;
}

export function dynamoFulfilmentStore(tableName: string): FulfilmentStore {
  return {
    async request(order, eventId) {
      try {
        await documents().send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: `FULFILMENT#${order.orderId}`, sk: 'FULFILMENT', type: 'fulfilment', status: 'REQUESTED', ...order, eventId, requestedAt: new Date().toISOString() },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return 'requested';
      } catch (error) {
        if (isConditionFailure(error)) return 'duplicate';
        throw error;
      }
    },
  };
}

/** Routes an `order.placed` event to fulfilment; an event without an order id is rejected (and retried to the DLQ). */
export async function route(event: EventBridgeEvent<'order.placed', OrderPlaced>, store: FulfilmentStore, log: Logger): Promise<'requested' | 'duplicate'> {
  const detail = event.detail;
  if (typeof detail?.orderId !== 'string' || typeof detail.customerId !== 'string') {
    throw new Error(`order.placed event ${event.id} has no orderId/customerId`);
  }
  const outcome = await store.request(detail, event.id);
  log.info('fulfilment', { orderId: detail.orderId, outcome });
  return outcome;
}

export const handler = async (event: EventBridgeEvent<'order.placed', OrderPlaced>, context: Context): Promise<{ outcome: string }> => ({
  outcome: await route(event, dynamoFulfilmentStore(env('TABLE_NAME')), logger(context.awsRequestId)),
});
