/**
 * Events as AWS sends them to Lambda, trimmed to realistic minimal records.
 * Shapes follow the Lambda developer guide's examples for each source.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type {
  APIGatewayProxyEventV2,
  Context,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  KinesisStreamRecord,
  S3Event,
  SNSEvent,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import type { Counter, Log } from '../../functions/shared/observability';

export const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

export function lambdaContext(requestId = 'req-1'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'test-fn',
    functionVersion: '1',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:test-fn:live`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/test-fn',
    logStreamName: '2026/11/23/[1]abc',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A stand-in for Powertools' Logger that keeps its entries for assertions instead of printing them. */
export function memoryLog(): { log: Log; entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  const push = (level: string) => (message: unknown, ...fields: unknown[]) => {
    entries.push(Object.assign({ level, message }, ...fields.filter((f) => typeof f === 'object')));
  };
  return { log: { info: push('INFO'), warn: push('WARN'), error: push('ERROR') } as Log, entries };
}

/** A stand-in for Powertools' Metrics that keeps what was added. */
export function memoryMetrics(): { counter: Counter; added: Array<{ name: string; unit: string; value: number }> } {
  const added: Array<{ name: string; unit: string; value: number }> = [];
  return { counter: { addMetric: (name, unit, value) => added.push({ name, unit, value }) }, added };
}

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly routeKey: string;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
}

/** An HTTP API payload 2.0 event. */
export function httpEvent(r: HttpRequest): APIGatewayProxyEventV2 {
  const rawQueryString = new URLSearchParams(r.query ?? {}).toString();
  return {
    version: '2.0',
    routeKey: r.routeKey,
    rawPath: r.path,
    rawQueryString,
    headers: { 'content-type': 'application/json', host: 'abc123.execute-api.us-east-1.amazonaws.com' },
    queryStringParameters: r.query,
    pathParameters: r.pathParameters,
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method: r.method, path: r.path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId: 'Ab1Cd2=',
      routeKey: r.routeKey,
      stage: '$default',
      time: '23/Nov/2026:03:30:00 +0000',
      timeEpoch: 1_795_404_600_000,
    },
    body: r.body,
    isBase64Encoded: r.isBase64Encoded ?? false,
  };
}

/** An S3 ObjectCreated:Put notification; `key` is given as S3 sends it (URL-encoded, + for spaces). */
export function s3Event(bucket: string, objects: Array<{ key: string; size: number }>): S3Event {
  return {
    Records: objects.map((o, i) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: REGION,
      eventTime: '2026-11-23T03:30:00.000Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
      requestParameters: { sourceIPAddress: '203.0.113.9' },
      responseElements: { 'x-amz-request-id': `REQ${i}`, 'x-amz-id-2': 'id2' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'uploads',
        bucket: { name: bucket, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:aws:s3:::${bucket}` },
        object: { key: o.key, size: o.size, eTag: 'etag', sequencer: `00${i}` },
      },
    })),
  };
}

export function sqsRecord(messageId: string, body: string, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1795404600000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1795404600100',
    },
    messageAttributes: {},
    md5OfBody: 'md5',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:Jobs`,
    awsRegion: REGION,
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export interface StreamChange {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly keys: { pk: string; sk: string };
  readonly newImage?: Record<string, unknown>;
  readonly oldImage?: Record<string, unknown>;
  readonly sequenceNumber: string;
  /** Seconds since the epoch. */
  readonly at?: number;
  readonly byTtl?: boolean;
}

/** A DynamoDB stream record of a NEW_AND_OLD_IMAGES stream. */
export function streamRecord(c: StreamChange): DynamoDBRecord {
  return {
    eventID: `evt-${c.sequenceNumber}`,
    eventName: c.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: REGION,
    dynamodb: {
      ApproximateCreationDateTime: c.at ?? 1_795_404_600,
      Keys: marshall(c.keys) as never,
      ...(c.newImage ? { NewImage: marshall({ ...c.keys, ...c.newImage }) as never } : {}),
      ...(c.oldImage ? { OldImage: marshall({ ...c.keys, ...c.oldImage }) as never } : {}),
      SequenceNumber: c.sequenceNumber,
      SizeBytes: 100,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    ...(c.byTtl ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
    eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Table/stream/2026-11-23T00:00:00.000`,
  };
}

export function streamEvent(...records: DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: records };
}

/** An SNS notification as delivered to a Lambda subscriber. */
export function snsEvent(message: string, messageId = 'msg-1', timestamp = '2026-11-23T03:30:00.000Z'): SNSEvent {
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:Orders`;
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:sub-1`,
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: '1',
          Timestamp: timestamp,
          Signature: 'sig',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/cert.pem',
          MessageId: messageId,
          Message: message,
          MessageAttributes: { eventType: { Type: 'String', Value: 'order.placed' } },
          Type: 'Notification',
          UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/unsubscribe',
          TopicArn: topicArn,
          Subject: '',
        },
      },
    ],
  };
}

export function kinesisRecord(data: string, sequenceNumber: string, shardId = 'shardId-000000000000'): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: 'user-1',
      sequenceNumber,
      data: Buffer.from(data).toString('base64'),
      approximateArrivalTimestamp: 1_795_404_600.5,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/clicks`,
    awsRegion: REGION,
    eventSourceARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/Clicks`,
  };
}

export function eventBridgeEvent<T>(detailType: string, detail: T, id = 'evb-1'): EventBridgeEvent<string, T> {
  return { version: '0', id, 'detail-type': detailType, source: 'lambdakit.orders', account: ACCOUNT, time: '2026-11-23T03:30:00Z', region: REGION, resources: [], detail };
}
