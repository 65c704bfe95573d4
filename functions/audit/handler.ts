import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { documentClient, expiresAfterDays, isConditionFailure } from '../shared/aws';
import { env } from '../shared/config';
import { type Log, logger, observed, reason } from '../shared/observability';

/** Audit entries are kept this long, then the cleanup schedule deletes them. */
export const AUDIT_RETENTION_DAYS = 90;

export const ORDER_SOURCE = 'lambdakit.orders';
export const ORDER_PLACED = 'order.placed';

export interface AuditEntry {
  readonly pk: string;
  readonly sk: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** The changed item's key, `<pk>|<sk>`. */
  readonly item: string;
  readonly eventId: string;
  readonly at: string;
  /** Attributes that differ between the old and new image (MODIFY only). */
  readonly changed?: string[];
  /** `ttl` when DynamoDB's time-to-live removed the item rather than a caller. */
  readonly removedBy?: 'ttl';
  readonly expiresAt: number;
}

/** What `order.placed` carries, on the topic and on the bus. */
export interface PlacedOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly total?: number;
  readonly currency?: string;
  readonly createdAt?: string;
}

/** The AWS calls of the audit function, behind a seam for tests. */
export interface AuditDeps {
  /** Writes an audit entry once (a redelivered record finds it and does not write it twice). */
  write(entry: AuditEntry): Promise<void>;
  publishOrder(order: PlacedOrder): Promise<void>;
  putOrderPlaced(order: PlacedOrder): Promise<void>;
}

export interface AuditClients {
  readonly db: DynamoDBDocumentClient;
  readonly sns: SNSClient;
  readonly events: EventBridgeClient;
}

export interface AuditConfig {
  readonly tableName: string;
  readonly topicArn: string;
  readonly eventBusName: string;
}

export function awsAuditDeps({ db, sns, events }: AuditClients, config: AuditConfig): AuditDeps {
  return {
    async write(entry) {
      try {
        await db.send(new PutCommand({ TableName: config.tableName, Item: { ...entry, type: 'audit' }, ConditionExpression: 'attribute_not_exists(pk)' }));
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },
    async publishOrder(order) {
      await sns.send(
        new PublishCommand({ TopicArn: config.topicArn, Message: JSON.stringify(order), MessageAttributes: { eventType: { DataType: 'String', StringValue: ORDER_PLACED } } }),
      );
    },
    async putOrderPlaced(order) {
      const out = await events.send(
        new PutEventsCommand({ Entries: [{ EventBusName: config.eventBusName, Source: ORDER_SOURCE, DetailType: ORDER_PLACED, Detail: JSON.stringify(order) }] }),
      );
      // PutEvents answers 200 even when an entry is refused; the count says so.
      if (out.FailedEntryCount) throw new Error(`PutEvents refused the event: ${out.Entries?.[0]?.ErrorCode ?? ''} ${out.Entries?.[0]?.ErrorMessage ?? ''}`.trim());
    },
  };
}

/** Audit entries and metrics are not audited: each audit write would otherwise cause another. */
export function isAudited(pk: string): boolean {
  return !pk.startsWith('AUDIT#') && !pk.startsWith('METRIC#');
}

type Image = Record<string, unknown>;

function image(value: unknown): Image | undefined {
  return value ? unmarshall(value as Record<string, AttributeValue>) : undefined;
}

function changedAttributes(before: Image, after: Image): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => JSON.stringify(before[n]) !== JSON.stringify(after[n])).sort();
}

/**
 * The audit entry of a stream record: `pk=AUDIT#<yyyy-mm-dd>, sk=<iso time>#<eventID>`.
 * Both parts come from the record, so a redelivered record maps to the same key.
 */
export function auditEntry(record: DynamoDBRecord, now = () => new Date()): AuditEntry {
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  const at = seconds === undefined ? now() : new Date(seconds * 1000);
  const iso = at.toISOString();
  const keys = image(record.dynamodb?.Keys) ?? {};
  const before = image(record.dynamodb?.OldImage);
  const after = image(record.dynamodb?.NewImage);
  const byTtl = record.eventName === 'REMOVE' && record.userIdentity?.type === 'Service' && record.userIdentity?.principalId === 'dynamodb.amazonaws.com';
  return {
    pk: `AUDIT#${iso.slice(0, 10)}`,
    sk: `${iso}#${record.eventID}`,
    eventName: record.eventName as AuditEntry['eventName'],
    item: `${keys.pk}|${keys.sk}`,
    eventId: String(record.eventID),
    at: iso,
    ...(record.eventName === 'MODIFY' && before && after ? { changed: changedAttributes(before, after) } : {}),
    ...(byTtl ? { removedBy: 'ttl' as const } : {}),
    expiresAt: expiresAfterDays(at, AUDIT_RETENTION_DAYS),
  };
}

/** The placed order of an INSERT of `pk=ORDER#<id>, sk=ORDER`, or undefined for any other record. */
export function placedOrder(record: DynamoDBRecord): PlacedOrder | undefined {
  if (record.eventName !== 'INSERT') return undefined;
  const item = image(record.dynamodb?.NewImage);
  if (!item || typeof item.pk !== 'string' || !item.pk.startsWith('ORDER#') || item.sk !== 'ORDER') return undefined;
  return {
    orderId: item.pk.slice('ORDER#'.length),
    customerId: String(item.customerId),
    total: typeof item.total === 'number' ? item.total : undefined,
    currency: typeof item.currency === 'string' ? item.currency : undefined,
    createdAt: typeof item.createdAt === 'string' ? item.createdAt : undefined,
  };
}

/**
 * One audit entry per INSERT, MODIFY and REMOVE; a new order is also published
 * to the orders topic and put on the bus as `order.placed`. Records are
 * handled in order; the first that fails is reported by its sequence number,
 * so Lambda retries from it and the records before it are not redone.
 */
export async function processStream(event: DynamoDBStreamEvent, deps: AuditDeps, log: Log): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const pk = record.dynamodb?.Keys?.pk?.S ?? '';
    if (!isAudited(pk)) continue;
    try {
      await deps.write(auditEntry(record));
      const order = placedOrder(record);
      if (order) {
        await deps.publishOrder(order);
        await deps.putOrderPlaced(order);
        log.info('order published', { orderId: order.orderId });
      }
    } catch (error) {
      log.error('audit failed', { eventID: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber, reason: reason(error) });
      return { batchItemFailures: [{ itemIdentifier: String(record.dynamodb?.SequenceNumber) }] };
    }
  }
  return { batchItemFailures: [] };
}

const clients: AuditClients = { db: documentClient(), sns: new SNSClient({}), events: new EventBridgeClient({}) };

export const handler = observed(async (event: DynamoDBStreamEvent, _context: Context): Promise<DynamoDBBatchResponse> => {
  const config = { tableName: env('TABLE_NAME'), topicArn: env('TOPIC_ARN'), eventBusName: env('EVENT_BUS_NAME') };
  return processStream(event, awsAuditDeps(clients, config), logger);
});
