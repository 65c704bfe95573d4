import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue as DynamoValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { documents, isConditionFailure } from '../shared/aws';
import { env, logger, type Logger } from '../shared/log';

export interface AuditEntry {
  readonly pk: string;
  readonly sk: string;
  readonly eventName: string;
  readonly key: string;
  readonly eventId: string;
  readonly at: string;
}

/** The AWS calls of the audit function, behind a seam for tests. */
export interface AuditDeps {
  /** Writes an audit entry once (a redelivered record finds it and does not write it twice). */
  write(entry: AuditEntry): Promise<void>;
  publishOrder(order: Record<string, unknown>): Promise<void>;
  orderPlaced(order: Record<string, unknown>): Promise<void>;
}

let sns: SNSClient | undefined;
let events: EventBridgeClient | undefined;

export function awsAuditDeps(tableName: string, topicArn: string, busName: string): AuditDeps {
  sns ??= new SNSClient({});
  events ??= new EventBridgeClient({});
  const [snsClient, eventsClient] = [sns, events];
  return {
    async write(entry) {
      try {
        await documents().send(new PutCommand({ TableName: tableName, Item: { ...entry, type: 'audit' }, ConditionExpression: 'attribute_not_exists(pk)' }));
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },
    async publishOrder(order) {
      await snsClient.send(
        new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(order), MessageAttributes: { eventType: { DataType: 'String', StringValue: 'order.placed' } } }),
      );
    },
    async orderPlaced(order) {
      const out = await eventsClient.send(new PutEventsCommand({ Entries: [{ EventBusName: busName, Source: 'lambdakit.orders', DetailType: 'order.placed', Detail: JSON.stringify(order) }] }));
      if (out.FailedEntryCount) throw new Error(`PutEvents failed: ${out.Entries?.[0]?.ErrorMessage ?? 'unknown error'}`);
    },
  };
}

/** Items the audit writes itself (and metrics) are not audited, or every audit entry would create another. */
export function isAudited(pk: string): boolean {
  return !pk.startsWith('AUDIT#') && !pk.startsWith('METRIC#');
}

export function auditEntry(record: DynamoDBRecord): AuditEntry {
  const seconds = record.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000;
  const at = new Date(seconds * 1000).toISOString();
  const keys = unmarshall((record.dynamodb?.Keys ?? {}) as Record<string, DynamoValue>);
  return {
    pk: `AUDIT#${at.slice(0, 10)}`,
    sk: `${at}#${record.eventID}`,
    eventName: String(record.eventName),
    key: `${keys.pk}|${keys.sk}`,
    eventId: String(record.eventID),
    at,
  };
}

/**
 * One audit entry per INSERT, MODIFY and REMOVE; a new order is also published
 * to the orders topic and put on the bus as `order.placed`. A failing record
 * is reported by sequence number so only it and the records after it are retried.
 */
export async function processStream(event: DynamoDBStreamEvent, deps: AuditDeps, log: Logger): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const pk = record.dynamodb?.Keys?.pk?.S ?? '';
    if (!isAudited(pk)) continue;
    try {
      await deps.write(auditEntry(record));
      if (record.eventName === 'INSERT' && pk.startsWith('ORDER#') && record.dynamodb?.NewImage) {
        const image = unmarshall(record.dynamodb.NewImage as Record<string, DynamoValue>);
        const order = { orderId: pk.slice('ORDER#'.length), customerId: image.customerId, total: image.total, currency: image.currency, createdAt: image.createdAt };
        await deps.publishOrder(order);
        await deps.orderPlaced(order);
        log.info('order published', { orderId: order.orderId });
      }
    } catch (error) {
      log.error('audit failed', { eventID: record.eventID, reason: (error as Error).message });
      return { batchItemFailures: [{ itemIdentifier: String(record.dynamodb?.SequenceNumber) }] };
    }
  }
  return { batchItemFailures: [] };
}

export const handler = async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
  processStream(event, awsAuditDeps(env('TABLE_NAME'), env('TOPIC_ARN'), env('EVENT_BUS_NAME')), logger(context.awsRequestId));
