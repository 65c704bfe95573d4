import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SNSEvent } from 'aws-lambda';
import { documentClient, expiresAfterDays, isConditionFailure } from '../shared/aws';
import { env } from '../shared/config';
import { type Log, logger, observed } from '../shared/observability';
import { type PublishedOrder, publishedOrder } from '../shared/orders';

/** Notifications are kept this long, then the cleanup schedule deletes them. */
export const NOTIFICATION_RETENTION_DAYS = 30;

export interface Notification {
  readonly orderId: string;
  readonly customerId: string;
  readonly subject: string;
  readonly body: string;
}

/** Stores a notification once per order (SNS may deliver a message more than once). */
export interface NotificationStore {
  save(notification: Notification): Promise<'saved' | 'duplicate'>;
}

/** Notifications live at `pk=NOTIFICATION#<orderId>, sk=NOTIFICATION`. */
export function dynamoNotificationStore(db: DynamoDBDocumentClient, tableName: string, now = () => new Date()): NotificationStore {
  return {
    async save(n) {
      const at = now();
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: `NOTIFICATION#${n.orderId}`, sk: 'NOTIFICATION', type: 'notification', ...n, createdAt: at.toISOString(), expiresAt: expiresAfterDays(at, NOTIFICATION_RETENTION_DAYS) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return 'saved';
      } catch (error) {
        if (isConditionFailure(error)) return 'duplicate';
        throw error;
      }
    },
  };
}

/** The customer-facing text of an order confirmation. */
export function formatNotification(order: PublishedOrder): Notification {
  const amount = order.total === undefined ? '' : ` totalling ${order.total.toFixed(2)} ${order.currency ?? ''}`.trimEnd();
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    subject: `Order ${order.orderId} confirmed`,
    body: `Thank you! We received your order ${order.orderId}${amount}.`,
  };
}

/**
 * Formats and stores a confirmation per published order. A message that is
 * not an order throws, so Lambda's asynchronous retries end with it in the
 * function's dead-letter queue (whose alarm tells someone) rather than lost.
 */
export async function notify(event: SNSEvent, store: NotificationStore, log: Log): Promise<Notification[]> {
  const saved: Notification[] = [];
  for (const record of event.Records) {
    const notification = formatNotification(publishedOrder(record));
    const outcome = await store.save(notification);
    log.info('notification', { orderId: notification.orderId, messageId: record.Sns.MessageId, outcome, subject: notification.subject });
    if (outcome === 'saved') saved.push(notification);
  }
  return saved;
}

const db = documentClient();

export const handler = observed(async (event: SNSEvent, _context: Context): Promise<void> => {
  await notify(event, dynamoNotificationStore(db, env('TABLE_NAME')), logger);
});
