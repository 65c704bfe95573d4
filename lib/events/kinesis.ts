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

export interface KinesisEventOptions extends EventEnvironment {
  /** Stream name. @default 'example-stream' */
  readonly stream?: string;
  /** Partition key of records that have none. @default 'partition-1' */
  readonly partitionKey?: string;
  /** The batch, one record per item, in order. @default - one record with a small JSON document */
  readonly records?: readonly (string | Uint8Array | KinesisRecordOptions)[];
  /** Role of the event source mapping (`invokeIdentityArn`). @default - a role in the event's account */
  readonly roleName?: string;
}

/** The event Lambda's Kinesis event source mapping sends for a batch of records. */
export function kinesisEvent(options: KinesisEventOptions = {}): KinesisStreamEvent {
  const context = new EventContext(options);
  const stream = options.stream ?? 'example-stream';
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(stream)) invalidOption('stream', `"${stream}" is not a stream name`, stream, 'use up to 128 letters, digits, underscores, hyphens and dots');
  const records = (options.records ?? ['{"hello":"world"}']).map((r) => (typeof r === 'string' || r instanceof Uint8Array ? { data: r } : r));
  if (records.length === 0) invalidOption('records', 'a batch has at least one record', 0, 'pass at least one record');
  const streamArn = context.arn('kinesis', `stream/${stream}`);
  const role = context.arn('iam', `role/${options.roleName ?? 'lambda-kinesis-role'}`, { region: '' });
  // Kinesis sequence numbers are 56-digit decimals that grow within a shard.
  let sequence = BigInt(`49${context.digits(54)}`);
  return {
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
}
