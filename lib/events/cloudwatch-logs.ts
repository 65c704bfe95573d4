import { gunzipSync, gzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent } from 'aws-lambda';
import { EventContext, invalidOption, type EventEnvironment } from './context';

export interface CloudWatchLogsEventOptions extends EventEnvironment {
  /** Log group name. @default '/aws/lambda/example-function' */
  readonly logGroup?: string;
  /** Log stream name. @default - a Lambda-style stream of the event's day */
  readonly logStream?: string;
  /** The log lines, one log event each, in order. @default - two example lines */
  readonly messages?: readonly string[];
  /** Name of the subscription filter that matched. @default 'example-filter' */
  readonly filterName?: string;
}

/** The decoded payload, so callers can inspect or rebuild it. */
export function cloudWatchLogsData(options: CloudWatchLogsEventOptions = {}): CloudWatchLogsDecodedData {
  const context = new EventContext(options);
  const logGroup = options.logGroup ?? '/aws/lambda/example-function';
  if (!/^[A-Za-z0-9_\-/.#]{1,512}$/.test(logGroup)) invalidOption('logGroup', `"${logGroup}" is not a log group name`, logGroup, 'use letters, digits and _-/.#, e.g. /aws/lambda/my-function');
  const messages = options.messages ?? ['START RequestId: example Version: $LATEST', 'ERROR something failed'];
  if (messages.length === 0) invalidOption('messages', 'a subscription delivers at least one log event', 0, 'pass at least one message');
  const day = context.now.toISOString().slice(0, 10).replace(/-/g, '/');
  const start = context.now.getTime() - messages.length;
  return {
    messageType: 'DATA_MESSAGE',
    owner: context.accountId,
    logGroup,
    logStream: options.logStream ?? `${day}/[$LATEST]${context.hex(32)}`,
    subscriptionFilters: [options.filterName ?? 'example-filter'],
    // Log event ids are 56-digit decimals.
    logEvents: messages.map((message, i) => ({ id: context.digits(56), timestamp: start + i, message })),
  };
}

/** The event a CloudWatch Logs subscription filter sends: the payload gzipped and base64-encoded in `awslogs.data`. */
export function cloudWatchLogsEvent(options: CloudWatchLogsEventOptions = {}): CloudWatchLogsEvent {
  return encodeCloudWatchLogsData(cloudWatchLogsData(options));
}

/** Wraps a decoded payload the way CloudWatch Logs delivers it. */
export function encodeCloudWatchLogsData(data: CloudWatchLogsDecodedData): CloudWatchLogsEvent {
  return { awslogs: { data: gzipSync(JSON.stringify(data)).toString('base64') } };
}

/** What a handler does first: base64-decode and gunzip `awslogs.data`. */
export function decodeCloudWatchLogsEvent(event: CloudWatchLogsEvent): CloudWatchLogsDecodedData {
  return JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8')) as CloudWatchLogsDecodedData;
}
