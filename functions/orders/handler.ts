import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { documentClient, isConditionFailure } from '../shared/aws';
import { env } from '../shared/config';
import { bodyText, json } from '../shared/http';
import { logger } from '../shared/log';
import { fingerprint, type Order, orderTotal, validateOrder } from './order';

/** What POST /orders answers for a placed order; stored with it so a retry gets the same answer. */
export interface OrderResponse {
  readonly orderId: string;
  readonly status: 'PLACED';
  readonly total: number;
  readonly currency: string;
  readonly createdAt: string;
}

/** The stored order: the request's fingerprint and the response given to it. */
export interface StoredOrder {
  readonly order: Order;
  readonly fingerprint: string;
  readonly response: OrderResponse;
}

/** Idempotent order storage: `create` stores only if the id is new, otherwise returns what is stored. */
export interface OrderStore {
  create(stored: StoredOrder): Promise<{ created: true } | { created: false; existing: Pick<StoredOrder, 'fingerprint' | 'response'> }>;
}

/** Orders live at `pk=ORDER#<id>, sk=ORDER`; the conditional put makes the id the idempotency key. */
export function dynamoOrderStore(db: DynamoDBDocumentClient, tableName: string): OrderStore {
  return {
    async create({ order, fingerprint, response }) {
      const key = { pk: `ORDER#${order.orderId}`, sk: 'ORDER' };
      const item = { ...key, type: 'order', ...order, total: response.total, status: response.status, createdAt: response.createdAt, fingerprint, response };
      // Two attempts: if the stored order vanishes between the refused put and the
      // read (deleted by an operator), the second put simply creates it.
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await db.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
          return { created: true };
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
        const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
        if (Item) return { created: false, existing: { fingerprint: String(Item.fingerprint), response: Item.response as OrderResponse } };
      }
      throw new Error(`order ${order.orderId} could not be stored or read back`);
    },
  };
}

/**
 * POST /orders: validates the body (400 with every field error), then stores
 * the order once. The same order sent again gets the same response body; a
 * different order reusing the id gets 409.
 */
export async function createOrder(event: APIGatewayProxyEventV2, store: OrderStore, now = () => new Date()): Promise<APIGatewayProxyStructuredResultV2> {
  let body: unknown;
  try {
    body = JSON.parse(bodyText(event) ?? '');
  } catch {
    return json(400, { message: 'invalid order', errors: [{ field: 'body', message: 'must be a JSON object' }] });
  }
  const { order, errors } = validateOrder(body);
  if (!order) return json(400, { message: 'invalid order', errors });
  const response: OrderResponse = { orderId: order.orderId, status: 'PLACED', total: orderTotal(order), currency: order.currency, createdAt: now().toISOString() };
  const stored: StoredOrder = { order, fingerprint: fingerprint(order), response };
  const result = await store.create(stored);
  if (result.created) return json(201, response);
  if (result.existing.fingerprint !== stored.fingerprint) {
    return json(409, { message: 'an order with this id exists with different contents', orderId: order.orderId });
  }
  return json(201, result.existing.response);
}

const db = documentClient();

export const handler = async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  const response = await createOrder(event, dynamoOrderStore(db, env('TABLE_NAME')));
  logger(context.awsRequestId).info('create order', { status: response.statusCode });
  return response;
};
