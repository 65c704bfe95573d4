import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { documentClient, isConditionFailure } from '../shared/aws';
import { env } from '../shared/config';
import { type Log, logger, observed } from '../shared/observability';
import type { PublishedOrder } from '../shared/orders';

export type OrderPlacedEvent = EventBridgeEvent<'order.placed', PublishedOrder>;

export interface FulfilmentRequest {
  readonly orderId: string;
  readonly customerId: string;
  readonly total?: number;
  readonly currency?: string;
  /** The EventBridge event that asked for it. */
  readonly eventId: string;
}

/** Requests fulfilment of an order once, however often the event arrives. */
export interface FulfilmentStore {
  request(request: FulfilmentRequest): Promise<'requested' | 'duplicate'>;
}

/** Fulfilment requests live at `pk=FULFILMENT#<orderId>, sk=FULFILMENT`, status REQUESTED. */
export function dynamoFulfilmentStore(db: DynamoDBDocumentClient, tableName: string, now = () => new Date()): FulfilmentStore {
  return {
    async request(r) {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: `FULFILMENT#${r.orderId}`, sk: 'FULFILMENT', type: 'fulfilment', status: 'REQUESTED', ...r, requestedAt: now().toISOString() },
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

/**
 * Turns an `order.placed` event into a fulfilment request. An event without
 * an order throws: Lambda's asynchronous retries then put it in the
 * function's dead-letter queue, where it stays visible.
 */
export async function route(event: OrderPlacedEvent, store: FulfilmentStore, log: Log): Promise<'requested' | 'duplicate'> {
  const detail = event.detail as Partial<PublishedOrder> | undefined;
  if (typeof detail?.orderId !== 'string' || detail.orderId === '' || typeof detail.customerId !== 'string' || detail.customerId === '') {
    throw new Error(`${event['detail-type']} event ${event.id} has no orderId and customerId`);
  }
  const outcome = await store.request({ orderId: detail.orderId, customerId: detail.customerId, total: detail.total, currency: detail.currency, eventId: event.id });
  log.info('fulfilment', { orderId: detail.orderId, eventId: event.id, outcome });
  return outcome;
}

const db = documentClient();

export const handler = observed(async (event: OrderPlacedEvent, _context: Context): Promise<{ outcome: 'requested' | 'duplicate' }> => ({
  outcome: await route(event, dynamoFulfilmentStore(db, env('TABLE_NAME')), logger),
}));
