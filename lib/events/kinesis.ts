import type { KinesisStreamEvent } from 'aws-lambda';
import { EventContext, invalidOption, type EventEnvironment } from './context';

/** One record put on the stream. */
export interface KinesisRecordOptions {
  /** Record data; the event carries it base64-encoded. */
  readonly data: string | Uint8Array;
  /** Partition key. @default - the event's partitionKey */
  readonly partitionKey?: string;
  /** Sequence number the stream gave the record. @default - one above the previous record's */
  readonly sequenceNumber?: string;
  /** When the record arrived, epoch milliseconds. @default - just before the event's time, in batch order */
  readonly arrivalTimestamp?: number;
  /** Shard the record was read from. @default 'shardId-000000000000' */
  readonly shardId?: string;
}

/**
 * The tumbling window a stream batch belongs to (`TumblingWindowInSeconds`): Lambda adds the
 * window, the state the function returned last and the shard to the event.
 */
export interface StreamWindowOptions {
  /** Window start, epoch milliseconds. */
  readonly start: number;
  /** Window end, epoch milliseconds. */
  readonly end: number;
  /** The state the function returned for this window so far. @default {} */
  readonly state?: Record<string, unknown>;
  /** Shard the batch was read from. */
  readonly shardId: string;
  /** The invocation that closes the window (it carries no records). @default false */
  readonly isFinalInvokeForWindow?: boolean;
  /** The window was closed before its end (the state grew past 1 MB). @default false */
  readonly isWindowTerminatedEarly?: boolean;
}

/** The fields a tumbling window adds to a stream event, as Lambda writes them (whole-second times). */
export interface StreamWindowFields {
  window: { start: string; end: string };
  state: Record<string, unknown>;
  shardId: string;
  eventSourceARN: string;
  isFinalInvokeForWindow: boolean;
  isWindowTerminatedEarly: boolean;
}

/** The window part of a stream event; shared by the Kinesis and DynamoDB Streams builders. */
export function streamWindowFields(window: StreamWindowOptions, eventSourceARN: string): StreamWindowFields {
  if (!(window.end > window.start)) invalidOption('window', 'a window ends after it starts', window, 'pass start and end in epoch milliseconds, end later');
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
  return {
    window: { start: iso(window.start), end: iso(window.end) },
    state: window.state ?? {},
    shardId: window.shardId,
    eventSourceARN,
    isFinalInvokeForWindow: window.isFinalInvokeForWindow ?? false,
    isWindowTerminatedEarly: window.isWindowTerminatedEarly ?? false,
  };
}

/** The environment, with region and account taken from a source's ARN where the options name none. */
export function withArnEnvironment(options: EventEnvironment, arn: string | undefined): EventEnvironment {
  const parts = arn?.split(':') ?? [];
  if (parts.length < 6) return options;
  return { ...options, region: options.region ?? parts[3], accountId: options.accountId ?? parts[4] };
}

export interface KinesisEventOptions extends EventEnvironment {
  /** Stream name. @default 'example-stream' */
  readonly stream?: string;
  /**
   * The stream's ARN, as the event source mapping names it (region and account default to the ARN's).
   * @default - the ARN of `stream` in the event's region and account
   */
  readonly streamArn?: string;
  /** Partition key of records that have none. @default 'partition-1' */
  readonly partitionKey?: string;
  /** The batch, one record per item, in order. @default - one record with a small JSON document */
  readonly records?: readonly (string | Uint8Array | KinesisRecordOptions)[];
  /** Role of the event source mapping (`invokeIdentityArn`). @default - a role in the event's account */
  readonly roleName?: string;
  /** The tumbling window the batch belongs to. @default - no window fields */
  readonly window?: StreamWindowOptions;
}

/** The event Lambda's Kinesis event source mapping sends for a batch of records. */
export function kinesisEvent(options: KinesisEventOptions = {}): KinesisStreamEvent & Partial<StreamWindowFields> {
  const context = new EventContext(withArnEnvironment(options, options.streamArn));
  const stream = options.stream ?? 'example-stream';
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(stream)) invalidOption('stream', `"${stream}" is not a stream name`, stream, 'use up to 128 letters, digits, underscores, hyphens and dots');
  if (options.streamArn !== undefined && !/^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]{1,128}$/.test(options.streamArn)) {
    invalidOption('streamArn', `"${options.streamArn}" is not a Kinesis stream ARN`, options.streamArn, 'pass an ARN like arn:aws:kinesis:us-east-1:123456789012:stream/clicks');
  }
  const records = (options.records ?? ['{"hello":"world"}']).map((r) => (typeof r === 'string' || r instanceof Uint8Array ? { data: r } : r));
  // The final invocation of a tumbling window carries the state and no records.
  if (records.length === 0 && !options.window?.isFinalInvokeForWindow) invalidOption('records', 'a batch has at least one record', 0, 'pass at least one record');
  const streamArn = options.streamArn ?? context.arn('kinesis', `stream/${stream}`);
  const role = context.arn('iam', `role/${options.roleName ?? 'lambda-kinesis-role'}`, { region: '' });
  // Kinesis sequence numbers are 56-digit decimals that grow within a shard.
  let sequence = BigInt(`49${context.digits(54)}`);
  const event: KinesisStreamEvent = {
    Records: records.map((record, i) => {
      const partitionKey = record.partitionKey ?? options.partitionKey ?? 'partition-1';
      if (partitionKey.length === 0 || partitionKey.length > 256) invalidOption('partitionKey', 'a partition key has 1-256 characters', partitionKey, 'pass a partition key like user-42');
      if (record.sequenceNumber !== undefined && !/^\d+$/.test(record.sequenceNumber)) invalidOption('sequenceNumber', `"${record.sequenceNumber}" is not a decimal sequence number`, record.sequenceNumber, 'pass the number the stream gave the record');
      sequence = record.sequenceNumber !== undefined ? BigInt(record.sequenceNumber) : sequence + BigInt(1 + context.bytes(1)[0]) * 1_000_000_000n;
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey,
          sequenceNumber: sequence.toString(),
          data: Buffer.from(record.data).toString('base64'),
          // Seconds with millisecond precision; records of a batch arrived in order.
          approximateArrivalTimestamp: (record.arrivalTimestamp ?? context.now.getTime() - (records.length - i) * 10) / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${record.shardId ?? 'shardId-000000000000'}:${sequence.toString()}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: role,
        awsRegion: context.region,
        eventSourceARN: streamArn,
      };
    }),
  };
  return options.window ? { ...event, ...streamWindowFields(options.window, streamArn) } : event;
}
