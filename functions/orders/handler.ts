import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { documents, isConditionFailure } from '../shared/aws';
import { json } from '../shared/http';
import { env, logger } from '../shared/log';
import { fingerprint, orderTotal, validateOrder } from './order';

/** The stored order: what was asked (fingerprint) and what was answered. */
export interface StoredOrder {
  readonly fingerprint: string;
  readonly response: { readonly orderId: string; readonly status: string; readonly total: number; readonly currency: string; readonly createdAt: string };
}

/** Idempotent order storage: `create` stores only if the id is new, else returns what is stored. */
export interface OrderStore {
  create(orderId: string, item: Record<string, unknown>, stored: StoredOrder): Promise<{ created: true } | { created: false; existing: StoredOrder }>;
}

export function dynamoOrderStore(tableName: string): OrderStore {
  return {
    async create(orderId, item, stored) {
      const key = { pk: `ORDER#${orderId}`, sk: 'ORDER' };
      try {
        await documents().send(
          new PutCommand({ TableName: tableName, Item: { ...key, ...item, fingerprint: stored.fingerprint, response: stored.response }, ConditionExpression: 'attribute_not_exists(pk)' }),
        );
        return { created: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const { Item } = await documents().send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
        return { created: false, existing: { fingerprint: String(Item?.fingerprint), response: Item?.response as StoredOrder['response'] } };
      }
    },
  };
}

/**
 * POST /orders: validates the body (400 with field errors), then stores the
 * order once. The same order sent again gets the same response; a different
 * order reusing the id gets 409.
 */
export async function createOrder(event: APIGatewayProxyEventV2, store: OrderStore, now = () => new Date()): Promise<APIGatewayProxyStructuredResultV2> {
  let body: unknown;
  try {
    const raw = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    body = JSON.parse(raw ?? '');
  } catch {
    return json(400, { message: 'invalid order', errors: [{ field: 'body', message: 'must be JSON' }] });
  }
  const { order, errors } = validateOrder(body);
  if (!order) return json(400, { message: 'invalid order', errors });
  const stored: StoredOrder = {
    fingerprint: fingerprint(order),
    response: { orderId: order.orderId, status: 'PLACED', total: orderTotal(order), currency: order.currency, createdAt: now().toISOString() },
  };
  const result = await store.create(order.orderId, { type: 'order', customerId: order.customerId, currency: order.currency, items: order.items, total: stored.response.total, createdAt: stored.response.createdAt }, stored);
  if (result.created) return json(201, stored.response);
  if (result.existing.fingerprint !== stored.fingerprint) {
    return json(409, { message: `order ${order.orderId} already exists with different contents`, orderId: order.orderId });
  }
  return json(201, result.existing.response);
}

export const handler = async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  const log = logger(context.awsRequestId);
  const response = await createOrder(event, dynamoOrderStore(env('TABLE_NAME')));
  log.info('create order', { status: response.statusCode });
  return response;
};
