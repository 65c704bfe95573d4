import { randomUUID } from 'node:crypto';
import {
  DescribeStreamCommand as DescribeDdbStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand as GetDdbRecordsCommand,
  GetShardIteratorCommand as GetDdbShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { type DevInvoker, type DevTarget, type DevWorker, sleep } from '../invoker';

/** A record as Lambda delivers it, plus what the poller needs to order and age it. */
export interface StreamRecord {
  readonly sequenceNumber: string;
  /** Milliseconds since the epoch when the record reached the stream. */
  readonly arrivalMs: number;
  /** The record in the event's `Records` shape. */
  readonly lambdaRecord: Record<string, unknown>;
}

/** Reads one kind of stream (Kinesis or DynamoDB Streams) shard by shard. */
export interface ShardSource {
  readonly kind: 'kinesis' | 'dynamodb';
  readonly streamArn: string;
  listShards(): Promise<string[]>;
  iterator(shardId: string, position: 'LATEST' | 'TRIM_HORIZON' | { after: string }): Promise<string | undefined>;
  read(iterator: string, limit: number): Promise<{ records: StreamRecord[]; next?: string }>;
}

export interface StreamMappingConfig {
  /** @default 'LATEST' */
  readonly startingPosition?: 'LATEST' | 'TRIM_HORIZON';
  /** @default 100 */
  readonly batchSize?: number;
  /** @default 0 */
  readonly maximumBatchingWindowSeconds?: number;
  /** @default false */
  readonly bisectBatchOnFunctionError?: boolean;
  /** -1 retries until the records expire. @default -1 */
  readonly maximumRetryAttempts?: number;
  /** -1 for no limit. @default -1 */
  readonly maximumRecordAgeInSeconds?: number;
  /** @default false */
  readonly reportBatchItemFailures?: boolean;
  /** Tumbling window length; 0 or undefined for none. */
  readonly tumblingWindowInSeconds?: number;
  /** Filter: records it rejects are skipped, as Lambda's event filtering does. */
  readonly filter?: (record: Record<string, unknown>) => boolean;
  /** Delivers the failure record (Lambda's on-failure destination). */
  readonly onFailure?: (record: Record<string, unknown>) => Promise<void>;
  /** The ARN the failure record names as `functionArn`. */
  readonly functionArn: string;
  /** Idle delay between reads of a shard. @default 200 */
  readonly pollIntervalMs?: number;
}

const toSeconds = (d: Date | undefined): number => (d ? d.getTime() / 1000 : Date.now() / 1000);

/** Kinesis shards read through the Kinesis API of the local services. */
export function kinesisSource(client: KinesisClient, streamArn: string, region: string): ShardSource {
  return {
    kind: 'kinesis',
    streamArn,
    listShards: async () => ((await client.send(new ListShardsCommand({ StreamARN: streamArn }))).Shards ?? []).map((s) => s.ShardId!),
    iterator: async (shardId, position) =>
      (
        await client.send(
          new GetShardIteratorCommand({
            StreamARN: streamArn,
            ShardId: shardId,
            ShardIteratorType: typeof position === 'string' ? position : 'AFTER_SEQUENCE_NUMBER',
            StartingSequenceNumber: typeof position === 'string' ? undefined : position.after,
          }),
        )
      ).ShardIterator,
    read: async (iterator, limit) => {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit, StreamARN: streamArn }));
      return {
        next: out.NextShardIterator,
        records: (out.Records ?? []).map((r) => ({
          sequenceNumber: r.SequenceNumber!,
          arrivalMs: r.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
          lambdaRecord: {
            kinesis: {
              kinesisSchemaVersion: '1.0',
              partitionKey: r.PartitionKey,
              sequenceNumber: r.SequenceNumber,
              data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
              approximateArrivalTimestamp: toSeconds(r.ApproximateArrivalTimestamp),
            },
            eventSource: 'aws:kinesis',
            eventVersion: '1.0',
            eventID: `shardId-placeholder:${r.SequenceNumber}`,
            eventName: 'aws:kinesis:record',
            invokeIdentityArn: 'arn:aws:iam::123456789012:role/lambdakit-local',
            awsRegion: region,
            eventSourceARN: streamArn,
          },
        })),
      };
    },
  };
}

/** DynamoDB stream shards read through the DynamoDB Streams API of the local services. */
export function dynamodbSource(client: DynamoDBStreamsClient, streamArn: string, region: string): ShardSource {
  return {
    kind: 'dynamodb',
    streamArn,
    listShards: async () => ((await client.send(new DescribeDdbStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards ?? []).map((s) => s.ShardId!),
    iterator: async (shardId, position) =>
      (
        await client.send(
          new GetDdbShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shardId,
            ShardIteratorType: typeof position === 'string' ? position : 'AFTER_SEQUENCE_NUMBER',
            SequenceNumber: typeof position === 'string' ? undefined : position.after,
          }),
        )
      ).ShardIterator,
    read: async (iterator, limit) => {
      const out = await client.send(new GetDdbRecordsCommand({ ShardIterator: iterator, Limit: limit }));
      return {
        next: out.NextShardIterator,
        records: (out.Records ?? []).map((r) => {
          const d = r.dynamodb ?? {};
          return {
            sequenceNumber: d.SequenceNumber!,
            arrivalMs: d.ApproximateCreationDateTime?.getTime() ?? Date.now(),
            lambdaRecord: {
              eventID: r.eventID,
              eventName: r.eventName,
              eventVersion: r.eventVersion ?? '1.1',
              eventSource: 'aws:dynamodb',
              awsRegion: region,
              dynamodb: {
                ApproximateCreationDateTime: Math.floor(toSeconds(d.ApproximateCreationDateTime)),
                Keys: d.Keys,
                NewImage: d.NewImage,
                OldImage: d.OldImage,
                SequenceNumber: d.SequenceNumber,
                SizeBytes: d.SizeBytes,
                StreamViewType: d.StreamViewType,
              },
              eventSourceARN: streamArn,
            },
          };
        }),
      };
    },
  };
}

/** The sequence numbers a partial batch response reports, or undefined when it reports none (or is invalid). */
function reportedFailure(batch: StreamRecord[], payload: string): { valid: boolean; first?: number } {
  let response: unknown;
  try {
    response = JSON.parse(payload || 'null');
  } catch {
    return { valid: true };
  }
  const failures = (response as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined || failures === null || (Array.isArray(failures) && failures.length === 0)) return { valid: true };
  if (!Array.isArray(failures)) return { valid: false };
  let first: number | undefined;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown })?.itemIdentifier;
    const index = batch.findIndex((r) => r.sequenceNumber === id);
    if (index < 0) return { valid: false };
    first = first === undefined ? index : Math.min(first, index);
  }
  return { valid: true, first };
}

interface WindowState {
  start: number;
  state: unknown;
}

/**
 * Lambda's stream event source mapping (Kinesis and DynamoDB Streams) against
 * the local services: each shard is read in order; a failing batch is bisected
 * (when enabled) and retried up to the retry limit and record age, then
 * described to the on-failure destination and skipped, as Lambda does.
 */
export class StreamPoller implements DevWorker {
  private readonly abort = new AbortController();
  private readonly loops = new Map<string, Promise<void>>();
  private discovery?: Promise<void>;

  constructor(
    private readonly source: ShardSource,
    private readonly config: StreamMappingConfig,
    private readonly target: DevTarget,
    private readonly invoker: DevInvoker,
    private readonly onError: (error: Error) => void = () => {},
  ) {}

  public start(): void {
    this.discovery = this.discover();
  }

  public async stop(): Promise<void> {
    this.abort.abort();
    await this.discovery;
    await Promise.all(this.loops.values());
  }

  private async discover(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        for (const shard of await this.source.listShards()) {
          if (!this.loops.has(shard)) this.loops.set(shard, this.readShard(shard));
        }
      } catch (error) {
        if (!this.abort.signal.aborted) this.onError(error as Error);
      }
      await sleep(5_000, this.abort.signal);
    }
  }

  private async readShard(shardId: string): Promise<void> {
    const batchSize = this.config.batchSize ?? 100;
    const windowMs = (this.config.maximumBatchingWindowSeconds ?? 0) * 1000;
    const idle = this.config.pollIntervalMs ?? 200;
    let iterator: string | undefined;
    let buffer: StreamRecord[] = [];
    let bufferSince = 0;
    let windowState: WindowState | undefined;
    while (!this.abort.signal.aborted) {
      try {
        iterator ??= await this.source.iterator(shardId, this.config.startingPosition ?? 'LATEST');
        if (!iterator) return; // closed shard, fully read
        const { records, next } = await this.source.read(iterator, batchSize);
        iterator = next;
        const fresh = this.config.filter ? records.filter((r) => this.config.filter!(r.lambdaRecord)) : records;
        if (fresh.length && buffer.length === 0) bufferSince = Date.now();
        buffer.push(...fresh.map((r) => withShard(r, shardId, this.source.kind)));
        const due = buffer.length >= batchSize || (buffer.length > 0 && Date.now() - bufferSince >= windowMs);
        if (due) {
          const batch = buffer.slice(0, batchSize);
          buffer = buffer.slice(batchSize);
          bufferSince = Date.now();
          windowState = await this.deliver(shardId, batch, windowState);
        } else {
          windowState = await this.closeWindowIfOver(shardId, windowState);
          if (records.length === 0) await sleep(idle, this.abort.signal);
        }
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.onError(error as Error);
        await sleep(1000, this.abort.signal);
      }
    }
  }

  /** Sends a batch through, splitting it by tumbling window when one is configured. */
  private async deliver(shardId: string, batch: StreamRecord[], windowState: WindowState | undefined): Promise<WindowState | undefined> {
    const size = (this.config.tumblingWindowInSeconds ?? 0) * 1000;
    if (!size) {
      await this.process(shardId, batch);
      return undefined;
    }
    let current = windowState;
    let group: StreamRecord[] = [];
    const flush = async () => {
      if (group.length && current) current.state = await this.process(shardId, group, current, false);
      group = [];
    };
    for (const record of batch) {
      const start = Math.floor(record.arrivalMs / size) * size;
      if (current && start !== current.start) {
        await flush();
        await this.process(shardId, [], current, true);
        current = undefined;
      }
      current ??= { start, state: {} };
      group.push(record);
    }
    await flush();
    return this.closeWindowIfOver(shardId, current);
  }

  private async closeWindowIfOver(shardId: string, windowState: WindowState | undefined): Promise<WindowState | undefined> {
    const size = (this.config.tumblingWindowInSeconds ?? 0) * 1000;
    if (!windowState || !size || Date.now() < windowState.start + size) return windowState;
    await this.process(shardId, [], windowState, true);
    return undefined;
  }

  /**
   * Invokes with retries, bisection and the failure destination. Returns the
   * window state the handler returned (tumbling windows).
   */
  private async process(shardId: string, batch: StreamRecord[], window?: WindowState, final = false): Promise<unknown> {
    const maxRetries = this.config.maximumRetryAttempts ?? -1;
    const maxAgeMs = (this.config.maximumRecordAgeInSeconds ?? -1) * 1000;
    const pending: Array<{ records: StreamRecord[]; attempts: number }> = [{ records: batch, attempts: 0 }];
    let state: unknown = window?.state;
    while (pending.length > 0 && !this.abort.signal.aborted) {
      const item = pending.shift()!;
      if (maxAgeMs > 0 && item.records.length && Date.now() - item.records[0].arrivalMs > maxAgeMs) {
        await this.fail(shardId, item.records, 'RecordAgeExceeded', item.attempts);
        continue;
      }
      const event: Record<string, unknown> = { Records: item.records.map((r) => r.lambdaRecord) };
      if (window) {
        const size = (this.config.tumblingWindowInSeconds ?? 0) * 1000;
        Object.assign(event, {
          window: { start: new Date(window.start).toISOString(), end: new Date(window.start + size).toISOString() },
          state,
          shardId,
          eventSourceARN: this.source.streamArn,
          isFinalInvokeForWindow: final,
          isWindowTerminatedEarly: false,
        });
      }
      const result = await this.invoker.invoke(this.target, JSON.stringify(event), `${this.source.kind} ${streamName(this.source.streamArn)}`);
      item.attempts++;
      let failed: StreamRecord[] | undefined;
      if (result.functionError) failed = item.records;
      else {
        if (window) state = (safeParse(result.payload) as { state?: unknown } | null)?.state ?? state;
        if (this.config.reportBatchItemFailures) {
          const reported = reportedFailure(item.records, result.payload);
          if (!reported.valid) failed = item.records;
          else if (reported.first !== undefined) failed = item.records.slice(reported.first);
        }
      }
      if (!failed || failed.length === 0) continue;
      if (this.config.bisectBatchOnFunctionError && failed.length > 1) {
        const half = Math.ceil(failed.length / 2);
        pending.unshift({ records: failed.slice(0, half), attempts: item.attempts }, { records: failed.slice(half), attempts: item.attempts });
        continue;
      }
      if (maxRetries >= 0 && item.attempts > maxRetries) {
        await this.fail(shardId, failed, 'RetryAttemptsExhausted', item.attempts);
        continue;
      }
      pending.unshift({ records: failed, attempts: item.attempts });
      await sleep(Math.min(1000, 100 * item.attempts), this.abort.signal);
    }
    return state;
  }

  private async fail(shardId: string, records: StreamRecord[], condition: string, attempts: number): Promise<void> {
    if (!this.config.onFailure || records.length === 0) return;
    const info = {
      shardId,
      startSequenceNumber: records[0].sequenceNumber,
      endSequenceNumber: records[records.length - 1].sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(records[0].arrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(records[records.length - 1].arrivalMs).toISOString(),
      batchSize: records.length,
      streamArn: this.source.streamArn,
    };
    await this.config.onFailure({
      requestContext: { requestId: randomUUID(), functionArn: this.config.functionArn, condition, approximateInvokeCount: attempts },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      [this.source.kind === 'kinesis' ? 'KinesisBatchInfo' : 'DDBStreamBatchInfo']: info,
    });
  }
}

/** `table/Orders/stream/2026...` or `stream/Clicks` → the table or stream name. */
function streamName(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  return resource.startsWith('table/') ? resource.split('/')[1] : resource.replace(/^stream\//, '');
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text || 'null');
  } catch {
    return null;
  }
}

function withShard(record: StreamRecord, shardId: string, kind: 'kinesis' | 'dynamodb'): StreamRecord {
  if (kind !== 'kinesis') return record;
  return { ...record, lambdaRecord: { ...record.lambdaRecord, eventID: `${shardId}:${record.sequenceNumber}` } };
}
