import { createHash, randomUUID } from 'node:crypto';
import {
  type AttributeValue as StreamsAttributeValue,
  DescribeStreamCommand as DescribeDdbStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand as GetDdbRecordsCommand,
  GetShardIteratorCommand as GetDdbShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { STREAM_UNLIMITED } from '../../assembly/triggers';
import { LambdakitError } from '../../errors';
import { type DynamoDBChangeOptions, type StreamAttributeValue, type StreamViewType, dynamodbStreamEvent } from '../../events/dynamodb';
import { type KinesisRecordOptions, type StreamWindowOptions, kinesisEvent } from '../../events/kinesis';
import { type DevInvokeResult, type DevInvoker, type DevTarget, type DevWorker, sleep } from '../invoker';

/** A record read from a shard: what the poller needs to order, age and describe it, and what the event builder takes. */
export interface StreamRecord {
  readonly sequenceNumber: string;
  /** Milliseconds since the epoch when the record reached the stream. */
  readonly arrivalMs: number;
  /** Records with the same key keep their order under a parallelization factor: the partition key (Kinesis) or the item's key (DynamoDB). */
  readonly orderingKey: string;
  /** The record in the event's `Records` shape (what filters see), built by `lib/events`. */
  readonly lambdaRecord: Record<string, unknown>;
  /** What the source's event builder takes for this record. */
  readonly input: unknown;
}

/** Reads one kind of stream (Kinesis or DynamoDB Streams) shard by shard, and builds its events with `lib/events`. */
export interface ShardSource {
  readonly kind: 'kinesis' | 'dynamodb';
  readonly streamArn: string;
  listShards(): Promise<string[]>;
  iterator(shardId: string, position: 'LATEST' | 'TRIM_HORIZON' | { after: string }): Promise<string | undefined>;
  /** `next` is undefined once a closed shard has been read to its end. */
  read(shardId: string, iterator: string, limit: number): Promise<{ records: StreamRecord[]; next?: string }>;
  /** The event Lambda delivers for a batch of this source's records (and their tumbling window). */
  event(records: readonly StreamRecord[], window?: StreamWindowOptions): Record<string, unknown>;
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
  /** Retries of a failed batch; {@link STREAM_UNLIMITED} retries until the records expire. Bisecting does not count. @default STREAM_UNLIMITED */
  readonly maximumRetryAttempts?: number;
  /** {@link STREAM_UNLIMITED} for no limit. @default STREAM_UNLIMITED */
  readonly maximumRecordAgeInSeconds?: number;
  /** @default false */
  readonly reportBatchItemFailures?: boolean;
  /** Tumbling window length; 0 or undefined for none. */
  readonly tumblingWindowInSeconds?: number;
  /** Concurrent batches per shard (1-10); records of one partition key (Kinesis) or item (DynamoDB) stay in order. @default 1 */
  readonly parallelizationFactor?: number;
  /** Filter: records it rejects are skipped, as Lambda's event filtering does. */
  readonly filter?: (record: Record<string, unknown>) => boolean;
  /** Delivers the failure record (Lambda's on-failure destination). */
  readonly onFailure?: (record: Record<string, unknown>) => Promise<void>;
  /** The ARN the failure record names as `functionArn`. */
  readonly functionArn: string;
  /** Idle delay between reads of a shard. @default 200 */
  readonly pollIntervalMs?: number;
}

/** Kinesis shards read through the Kinesis API of the local services. */
export function kinesisSource(client: KinesisClient, streamArn: string, region: string): ShardSource {
  const build = (records: readonly StreamRecord[], window?: StreamWindowOptions) =>
    kinesisEvent({ streamArn, region, records: records.map((r) => r.input as KinesisRecordOptions), window }) as unknown as Record<string, unknown>;
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
    read: async (shardId, iterator, limit) => {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit, StreamARN: streamArn }));
      return {
        next: out.NextShardIterator,
        records: (out.Records ?? []).map((r) => {
          const arrivalMs = r.ApproximateArrivalTimestamp?.getTime() ?? Date.now();
          const input: KinesisRecordOptions = { data: r.Data ?? new Uint8Array(), partitionKey: r.PartitionKey!, sequenceNumber: r.SequenceNumber!, arrivalTimestamp: arrivalMs, shardId };
          const record = { sequenceNumber: r.SequenceNumber!, arrivalMs, orderingKey: r.PartitionKey!, input, lambdaRecord: {} };
          return { ...record, lambdaRecord: (build([record]).Records as Record<string, unknown>[])[0] };
        }),
      };
    },
    event: build,
  };
}

/** DynamoDB stream shards read through the DynamoDB Streams API of the local services. */
export function dynamodbSource(client: DynamoDBStreamsClient, streamArn: string, region: string): ShardSource {
  interface Input {
    readonly change: DynamoDBChangeOptions;
    readonly view: StreamViewType;
  }
  const build = (records: readonly StreamRecord[], window?: StreamWindowOptions) => {
    const inputs = records.map((r) => r.input as Input);
    return dynamodbStreamEvent({ streamArn, region, streamViewType: inputs[0]?.view, changes: inputs.map((i) => i.change), window }) as unknown as Record<string, unknown>;
  };
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
    read: async (_shardId, iterator, limit) => {
      const out = await client.send(new GetDdbRecordsCommand({ ShardIterator: iterator, Limit: limit }));
      return {
        next: out.NextShardIterator,
        records: (out.Records ?? []).map((r) => {
          const d = r.dynamodb ?? {};
          const arrivalMs = d.ApproximateCreationDateTime?.getTime() ?? Date.now();
          const change: DynamoDBChangeOptions = {
            eventId: r.eventID,
            eventName: r.eventName,
            eventVersion: r.eventVersion,
            keyAttributes: attributes(d.Keys) ?? {},
            newImageAttributes: attributes(d.NewImage),
            oldImageAttributes: attributes(d.OldImage),
            sequenceNumber: d.SequenceNumber,
            approximateCreationDateTime: arrivalMs,
            sizeBytes: d.SizeBytes,
          };
          const input: Input = { change, view: d.StreamViewType ?? 'NEW_AND_OLD_IMAGES' };
          const record = { sequenceNumber: d.SequenceNumber!, arrivalMs, orderingKey: '', input, lambdaRecord: {} };
          const lambdaRecord = (build([record]).Records as Array<Record<string, unknown> & { dynamodb: { Keys: Record<string, unknown> } }>)[0];
          // The item's key, partition and sort attributes, in a stable order.
          const keys = lambdaRecord.dynamodb.Keys;
          return { ...record, lambdaRecord, orderingKey: JSON.stringify(Object.keys(keys).sort().map((name) => [name, keys[name]])) };
        }),
      };
    },
    event: build,
  };
}

/** The SDK's attribute values are a union with an unknown member; the event builder takes the known ones. */
const attributes = (map: Record<string, StreamsAttributeValue> | undefined) => map as Record<string, StreamAttributeValue> | undefined;

/** The index of the first record a partial batch response reports (undefined when it reports none), or invalid. */
function reportedFailure(batch: readonly StreamRecord[], payload: string): { valid: boolean; first?: number } {
  const response = safeParse(payload);
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
  state: Record<string, unknown>;
}

/** A batch on its way through retries: a split starts a new batch (its own invocations) but keeps the retries used. */
interface PendingBatch {
  readonly records: readonly StreamRecord[];
  readonly retries: number;
  readonly invocations: number;
  readonly last?: DevInvokeResult;
}

/**
 * Lambda's stream event source mapping (Kinesis and DynamoDB Streams) against
 * the local services: each shard is read in order; a failing batch is bisected
 * (when enabled; a split uses no retry) and retried up to the retry limit and
 * record age, then described to the on-failure destination and skipped, as
 * Lambda does. With a parallelization factor above 1, a shard's records are
 * spread over that many lanes by key, each lane one batch at a time.
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
  ) {
    const factor = config.parallelizationFactor ?? 1;
    if (!Number.isInteger(factor) || factor < 1 || factor > 10) {
      throw new LambdakitError(`ParallelizationFactor ${factor} of the ${source.kind} mapping of ${target.functionPath} is outside 1-10`, {
        code: 'StreamParallelizationFactor',
        path: target.functionPath,
        value: factor,
        limit: '1-10',
        hint: 'set parallelizationFactor between 1 and 10',
      });
    }
  }

  public start(): void {
    this.discovery = this.discover();
  }

  public async stop(): Promise<void> {
    this.abort.abort();
    await this.discovery;
    await Promise.all(this.loops.values());
  }

  private get aborted(): boolean {
    return this.abort.signal.aborted;
  }

  private async discover(): Promise<void> {
    while (!this.aborted) {
      try {
        for (const shard of await this.source.listShards()) {
          if (!this.loops.has(shard)) this.loops.set(shard, this.readShard(shard));
        }
      } catch (error) {
        if (!this.aborted) this.onError(error as Error);
      }
      await sleep(5_000, this.abort.signal);
    }
  }

  /** Reads a shard in order and hands each record to the lane of its key. */
  private async readShard(shardId: string): Promise<void> {
    const batchSize = this.config.batchSize ?? 100;
    const idle = this.config.pollIntervalMs ?? 200;
    const factor = this.config.parallelizationFactor ?? 1;
    const lanes = Array.from({ length: factor }, () => new Lane(this, shardId));
    const running = lanes.map((lane) => lane.run());
    let iterator: string | undefined;
    try {
      while (!this.aborted) {
        try {
          iterator ??= await this.source.iterator(shardId, this.config.startingPosition ?? 'LATEST');
          if (!iterator) return; // a closed shard with nothing left
          // Read no further ahead than two batches for the busiest lane.
          if (lanes.some((lane) => lane.queued >= 2 * batchSize)) {
            await sleep(idle, this.abort.signal);
            continue;
          }
          const readStartedAt = Date.now();
          const { records, next } = await this.source.read(shardId, iterator, batchSize);
          const fresh = this.config.filter ? records.filter((r) => this.config.filter!(r.lambdaRecord)) : records;
          for (const record of fresh) lanes[laneOf(record.orderingKey, factor)].push(record);
          if (!next) return; // a closed shard, read to its end
          iterator = next;
          if (records.length === 0) {
            for (const lane of lanes) lane.caughtUp(readStartedAt);
            await sleep(idle, this.abort.signal);
          }
        } catch (error) {
          if (this.aborted) return;
          this.onError(error as Error);
          await sleep(1000, this.abort.signal);
        }
      }
    } finally {
      for (const lane of lanes) lane.finish();
      await Promise.all(running);
    }
  }

  /** @internal Sends a lane's batch through, splitting it by tumbling window when one is configured. */
  public async deliver(shardId: string, batch: readonly StreamRecord[], window: WindowState | undefined): Promise<WindowState | undefined> {
    const size = this.windowMs;
    if (!size) {
      await this.process(shardId, batch);
      return undefined;
    }
    let current = window;
    let group: StreamRecord[] = [];
    const flush = async () => {
      if (group.length && current) current.state = await this.process(shardId, group, current, false);
      group = [];
    };
    for (const record of batch) {
      // Windows follow arrival at the stream; a record never reopens a window already behind the current one.
      const start = Math.max(Math.floor(record.arrivalMs / size) * size, current?.start ?? 0);
      if (current && start !== current.start) {
        await flush();
        await this.process(shardId, [], current, true);
        current = undefined;
      }
      current ??= { start, state: {} };
      group.push(record);
    }
    await flush();
    return current;
  }

  /** @internal The invocation that closes a window with the state accumulated over it. */
  public async closeWindow(shardId: string, window: WindowState): Promise<void> {
    await this.process(shardId, [], window, true);
  }

  /** @internal Tumbling window length in milliseconds (0 for none). */
  public get windowMs(): number {
    return (this.config.tumblingWindowInSeconds ?? 0) * 1000;
  }

  /** @internal */
  public report(error: Error): void {
    this.onError(error);
  }

  /** @internal */
  public get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** @internal */
  public get settings() {
    return { batchSize: this.config.batchSize ?? 100, batchingWindowMs: (this.config.maximumBatchingWindowSeconds ?? 0) * 1000, idle: this.config.pollIntervalMs ?? 200 };
  }

  /**
   * Invokes with retries, bisection and the failure destination. Returns the
   * window state the handler returned (tumbling windows).
   */
  private async process(shardId: string, batch: readonly StreamRecord[], window?: WindowState, final = false): Promise<Record<string, unknown>> {
    const maxRetries = this.config.maximumRetryAttempts ?? STREAM_UNLIMITED;
    const maxAge = this.config.maximumRecordAgeInSeconds ?? STREAM_UNLIMITED;
    const pending: PendingBatch[] = [{ records: batch, retries: 0, invocations: 0 }];
    let state = window?.state ?? {};
    while (pending.length > 0 && !this.aborted) {
      const item = pending.shift()!;
      if (maxAge !== STREAM_UNLIMITED && item.records.length && Date.now() - item.records[0].arrivalMs > maxAge * 1000) {
        await this.fail(shardId, item, 'RecordAgeExceeded');
        continue;
      }
      const event = this.source.event(item.records, window && { start: window.start, end: window.start + this.windowMs, state, shardId, isFinalInvokeForWindow: final });
      const result = await this.invoker.invoke(this.target, JSON.stringify(event), `${this.source.kind} ${streamName(this.source.streamArn)}`);
      const invoked: PendingBatch = { ...item, invocations: item.invocations + 1, last: result };
      // The whole batch failed (an error, or a response Lambda cannot read), or only the records from `failed` on.
      let failed: readonly StreamRecord[] | undefined;
      let whole = false;
      if (result.functionError) [failed, whole] = [item.records, true];
      else {
        const response = safeParse(result.payload) as { state?: unknown } | null;
        if (window) {
          // AWS: a response without a state property is a failed invocation.
          if (response && typeof response === 'object' && 'state' in response && response.state && typeof response.state === 'object') state = response.state as Record<string, unknown>;
          else [failed, whole] = [item.records, true];
        }
        if (!failed && this.config.reportBatchItemFailures) {
          const reported = reportedFailure(item.records, result.payload);
          if (!reported.valid) [failed, whole] = [item.records, true];
          else if (reported.first !== undefined) failed = item.records.slice(reported.first);
        }
      }
      if (!failed || failed.length === 0) continue;
      if (whole && this.config.bisectBatchOnFunctionError && failed.length > 1) {
        // AWS: "Splitting a batch does not count towards the retry quota."
        const half = Math.ceil(failed.length / 2);
        pending.unshift({ records: failed.slice(0, half), retries: invoked.retries, invocations: 0, last: result }, { records: failed.slice(half), retries: invoked.retries, invocations: 0, last: result });
        continue;
      }
      if (maxRetries !== STREAM_UNLIMITED && invoked.retries >= maxRetries) {
        await this.fail(shardId, { ...invoked, records: failed }, 'RetryAttemptsExhausted');
        continue;
      }
      pending.unshift({ ...invoked, records: failed, retries: invoked.retries + 1 });
      await sleep(Math.min(1000, 100 * invoked.invocations), this.abort.signal);
    }
    return state;
  }

  /** The record Lambda sends to a stream mapping's on-failure destination (`KinesisBatchInfo` / `DDBStreamBatchInfo`). */
  private async fail(shardId: string, batch: PendingBatch, condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded'): Promise<void> {
    const { records } = batch;
    if (!this.config.onFailure || records.length === 0) return;
    // DynamoDB stream records carry whole seconds of arrival; Kinesis records milliseconds.
    const arrival = (ms: number) => (this.source.kind === 'dynamodb' ? new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z') : new Date(ms).toISOString());
    const info = {
      shardId,
      startSequenceNumber: records[0].sequenceNumber,
      endSequenceNumber: records[records.length - 1].sequenceNumber,
      approximateArrivalOfFirstRecord: arrival(records[0].arrivalMs),
      approximateArrivalOfLastRecord: arrival(records[records.length - 1].arrivalMs),
      batchSize: records.length,
      streamArn: this.source.streamArn,
    };
    await this.config.onFailure({
      requestContext: { requestId: randomUUID(), functionArn: this.config.functionArn, condition, approximateInvokeCount: batch.invocations },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(batch.last?.functionError ? { functionError: batch.last.functionError } : {}) },
      version: '1.0',
      timestamp: new Date().toISOString(),
      [this.source.kind === 'kinesis' ? 'KinesisBatchInfo' : 'DDBStreamBatchInfo']: info,
    });
  }
}

/**
 * One of a shard's concurrent batch streams (ParallelizationFactor): its records, batched by size and
 * batching window, delivered one batch at a time, with its tumbling window state.
 */
class Lane {
  private queue: StreamRecord[] = [];
  private since = 0;
  private window?: WindowState;
  /** When the latest read that found the shard empty began: every record that arrived before is in a lane. */
  private caughtUpAt = 0;
  private finishing = false;
  private wake?: () => void;

  constructor(
    private readonly poller: StreamPoller,
    private readonly shardId: string,
  ) {}

  public get queued(): number {
    return this.queue.length;
  }

  public push(record: StreamRecord): void {
    if (this.queue.length === 0) this.since = Date.now();
    this.queue.push(record);
    this.wake?.();
  }

  public caughtUp(at: number): void {
    this.caughtUpAt = at;
    this.wake?.();
  }

  /** The shard ended or the poller stops: deliver what is queued (unless stopping), close the window, end. */
  public finish(): void {
    this.finishing = true;
    this.wake?.();
  }

  public async run(): Promise<void> {
    const { batchSize, batchingWindowMs, idle } = this.poller.settings;
    const signal = this.poller.signal;
    while (!signal.aborted) {
      try {
        const waited = Date.now() - this.since;
        if (this.queue.length >= batchSize || (this.queue.length > 0 && (waited >= batchingWindowMs || this.finishing))) {
          const batch = this.queue.splice(0, batchSize);
          this.since = Date.now();
          this.window = await this.poller.deliver(this.shardId, batch, this.window);
          continue;
        }
        if (this.finishing) {
          // AWS: when the shard ends, Lambda considers the window closed.
          if (this.window) await this.poller.closeWindow(this.shardId, this.window);
          return;
        }
        // A window closes once its end has passed and the shard has been read past it (records of the
        // window may still be unread while the poller is behind: closing by the clock alone would split it).
        const end = this.window ? this.window.start + this.poller.windowMs : Infinity;
        if (this.window && this.queue.length === 0 && this.caughtUpAt >= end) {
          const closing = this.window;
          this.window = undefined;
          await this.poller.closeWindow(this.shardId, closing);
          continue;
        }
        await this.sleep(this.queue.length ? Math.max(1, batchingWindowMs - waited) : idle, signal);
      } catch (error) {
        // A failing destination or an event the builder refuses: reported, and this lane goes on.
        if (signal.aborted) return;
        this.poller.report(error as Error);
        await this.sleep(1000, signal);
      }
    }
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}

/** The lane of a key: a stable hash, so one key always goes to one lane. */
function laneOf(key: string, lanes: number): number {
  return lanes === 1 ? 0 : createHash('md5').update(key).digest().readUInt32BE(0) % lanes;
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
