import { IdempotencyAlreadyInProgressError, IdempotencyConfig, IdempotencyValidationError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, isConditionFailure } from '../shared/aws';
import { env } from '../shared/config';
import { json } from '../shared/http';
import { type Counter, type Log, logger, MetricUnit, metrics, observed } from '../shared/observability';
import { fieldErrors, type Order, OrderSchema, orderTotal } from './order';

/** What POST /orders answers for a placed order; the idempotency store keeps it so a retry gets the same answer. */
export interface OrderResponse {
  readonly orderId: string;
  readonly status: 'PLACED';
  readonly total: number;
  readonly currency: string;
  readonly createdAt: string;
}

/** Writes a new order item; `exists` when one with the id is already stored. */
export interface OrderStore {
  put(order: Order, response: OrderResponse): Promise<'created' | 'exists'>;
}

/** Orders live at `pk=ORDER#<id>, sk=ORDER`; the put never replaces one. */
export function dynamoOrderStore(db: DynamoDBDocumentClient, tableName: string): OrderStore {
  return {
    async put(order, response) {
      const item = { pk: `ORDER#${order.orderId}`, sk: 'ORDER', type: 'order', ...order, total: response.total, status: response.status, createdAt: response.createdAt };
      try {
        await db.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
        return 'created';
      } catch (error) {
        if (isConditionFailure(error)) return 'exists';
        throw error;
      }
    },
  };
}

/** How long a placed order's response is kept for retries (the idempotency record's TTL). */
export const ORDER_IDEMPOTENCY_SECONDS = 24 * 3600;

/** An order id already stored with contents the idempotency store no longer knows (its record expired). */
export class OrderExistsError extends Error {
  constructor(readonly orderId: string) {
    super(`order ${orderId} already exists`);
    this.name = 'OrderExistsError';
  }
}

export interface PlaceOrderRequest {
  readonly order: Order;
  readonly createdAt: string;
}

/** Places an order once per order id: Powertools' idempotency utility keyed by `order.orderId`, validated on the order's contents. */
export interface OrderPlacer {
  place(request: PlaceOrderRequest, context?: Context): Promise<OrderResponse>;
}

/**
 * The order id is the idempotency key. The first request stores the order and
 * its response; a retry within ORDER_IDEMPOTENCY_SECONDS gets that stored
 * response (its `createdAt` included) without touching the order table; the id
 * reused with other contents fails payload validation (IdempotencyValidationError).
 */
export function orderPlacer(store: OrderStore, persistenceStore: BasePersistenceLayer, log: Log = logger, counter: Counter = metrics): OrderPlacer {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'order.orderId',
    payloadValidationJmesPath: 'order',
    expiresAfterSeconds: ORDER_IDEMPOTENCY_SECONDS,
    responseHook: (response, record) => {
      const orderId = typeof response === 'object' && response !== null && !Array.isArray(response) ? response.orderId : undefined;
      log.info('order served from the idempotency store', { orderId, idempotencyKey: record.idempotencyKey });
      counter.addMetric('OrderReplayed', MetricUnit.Count, 1);
      return response;
    },
  });
  const place = makeIdempotent(
    async ({ order, createdAt }: PlaceOrderRequest): Promise<OrderResponse> => {
      const response: OrderResponse = { orderId: order.orderId, status: 'PLACED', total: orderTotal(order), currency: order.currency, createdAt };
      if ((await store.put(order, response)) === 'exists') throw new OrderExistsError(order.orderId);
      log.info('order placed', { orderId: order.orderId, total: response.total, currency: response.currency });
      counter.addMetric('OrderPlaced', MetricUnit.Count, 1);
      return response;
    },
    { persistenceStore, config },
  );
  return {
    place(request, context) {
      if (context) config.registerLambdaContext(context);
      return place(request);
    },
  };
}

/** An HTTP API request whose body (text or base64) is a JSON order, read with Powertools' event schema. */
export const OrderRequestSchema = APIGatewayProxyEventV2Schema.transform((event, ctx) => {
  const text = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object', path: [] });
    return z.NEVER;
  }
}).pipe(OrderSchema);

/**
 * POST /orders: validates the body (400 with every field error), then places
 * the order once. The same order sent again gets the same response body; a
 * different order reusing the id gets 409.
 */
export async function createOrder(event: APIGatewayProxyEventV2, placer: OrderPlacer, now = () => new Date(), context?: Context): Promise<APIGatewayProxyStructuredResultV2> {
  const parsed = OrderRequestSchema.safeParse(event);
  if (!parsed.success) return json(400, { message: 'invalid order', errors: fieldErrors(parsed.error) });
  const order = parsed.data;
  try {
    return json(201, await placer.place({ order, createdAt: now().toISOString() }, context));
  } catch (error) {
    if (error instanceof IdempotencyValidationError || error instanceof OrderExistsError) {
      return json(409, { message: 'an order with this id exists with different contents', orderId: order.orderId });
    }
    if (error instanceof IdempotencyAlreadyInProgressError) {
      return json(409, { message: 'this order is being placed by another request; retry shortly', orderId: order.orderId });
    }
    throw error;
  }
}

const db = documentClient();
let placer: OrderPlacer | undefined;

export const handler = observed(async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  // Created at first use, so a missing variable fails the invocation naming it.
  placer ??= orderPlacer(dynamoOrderStore(db, env('TABLE_NAME')), new DynamoDBPersistenceLayer({ tableName: env('IDEMPOTENCY_TABLE_NAME') }));
  const response = await createOrder(event, placer, undefined, context);
  logger.info('create order', { status: response.statusCode });
  return response;
});
