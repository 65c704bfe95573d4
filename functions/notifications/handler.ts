import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SNSEvent } from 'aws-lambda';
import { documents, isConditionFailure } from '../shared/aws';
import { env, logger, type Logger } from '../shared/log';

export interface Notification {
  readonly orderId: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
}

/** Stores a notification once per order (SNS may deliver a message more than once). */
export interface NotificationStore {
  save(notification: Notification): Promise<'saved' | 'duplicate'>;
}

export function dynamoNotificationStore(tableName: string): NotificationStore {
  return {
    async save(n) {
      try {
        await documents().send(new PutCommand({ TableName: tableName, Item: { pk: `NOTIFICATION#${n.orderId}`, sk: 'NOTIFICATION', type: 'notification', ...n, createdAt: new Date().toISOString() }, ConditionExpression: 'attribute_not_exists(pk)' }));
        return 'saved';
      } catch (error) {
        if (isConditionFailure(error)) return 'duplicate';
        throw error;
      }
    },
  };
}

/** The customer-facing text of an order confirmation. */
export function formatNotification(order: { orderId: string; customerId: string; total?: number; currency?: string }): Notification {
  const amount = typeof order.total === 'number' ? `${order.total.toFixed(2)} ${order.currency ?? 'USD'}` : 'your total';
  return {
    orderId: order.orderId,
    to: order.customerId,
    subject: `Order ${order.orderId} confirmed`,
    body: `Thank you! We received order ${order.orderId} for ${amount}.`,
  };
}

/** Formats and stores a confirmation per published order; a message that is not an order is logged and skipped. */
export async function notify(event: SNSEvent, store: NotificationStore, log: Logger): Promise<Notification[]> {
  const sent: Notification[] = [];
  for (const record of event.Records) {
    let order: { orderId?: unknown; customerId?: unknown; total?: number; currency?: string };
    try {
      order = JSON.parse(record.Sns.Message);
    } catch {
      log.warn('skipped message that is not JSON', { messageId: record.Sns.MessageId });
      continue;
    }
    if (typeof order.orderId !== 'string' || typeof order.customerId !== 'string') {
      log.warn('skipped message without orderId and customerId', { messageId: record.Sns.MessageId });
      continue;
    }
    const notification = formatNotification({ ...order, orderId: order.orderId, customerId: order.customerId });
    const outcome = await store.save(notification);
    log.info('notification', { orderId: notification.orderId, outcome });
    if (outcome === 'saved') sent.push(notification);
  }
  return sent;
}

export const handler = async (event: SNSEvent, context: Context): Promise<void> => {
  await notify(event, dynamoNotificationStore(env('TABLE_NAME')), logger(context.awsRequestId));
};
