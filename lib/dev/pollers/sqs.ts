import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { sqsEvent, type SqsAttributeValue, type SqsMessageOptions } from '../../events';
import { type DevInvoker, type DevTarget, type DevWorker, sleep } from '../invoker';

export interface SqsMappingConfig {
  readonly queueUrl: string;
  readonly queueArn: string;
  /** @default 10 */
  readonly batchSize?: number;
  /** Seconds to gather a batch. @default 0 */
  readonly maximumBatchingWindowSeconds?: number;
  /** @default false */
  readonly reportBatchItemFailures?: boolean;
  /** Concurrent pollers (Lambda's maximum concurrency). @default 2 */
  readonly concurrency?: number;
  /** Filter: messages it rejects are deleted without invoking, as Lambda does. @default - all pass */
  readonly filter?: (record: SQSRecord) => boolean;
  readonly region?: string;
}

/** A received message as the builder takes it: what SQS returned, attributes and system attributes included. */
export function receivedMessage(message: Message): SqsMessageOptions {
  const system = (message.Attributes ?? {}) as Record<string, string | undefined>;
  const attributes: Record<string, SqsAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    attributes[name] = { dataType: value.DataType ?? 'String', stringValue: value.StringValue, binaryValue: value.BinaryValue };
  }
  const number = (text: string | undefined) => (text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined);
  return {
    body: message.Body ?? '',
    attributes,
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    receiveCount: number(system.ApproximateReceiveCount),
    sentTimestamp: number(system.SentTimestamp),
    firstReceiveTimestamp: number(system.ApproximateFirstReceiveTimestamp),
    senderId: system.SenderId,
    groupId: system.MessageGroupId,
    deduplicationId: system.MessageDeduplicationId,
    sequenceNumber: system.SequenceNumber,
  };
}

/** The event Lambda sends for received messages, built by lib/events. */
export function sqsEventFor(messages: readonly Message[], queueArn: string, region: string): SQSEvent {
  return sqsEvent({ region, accountId: queueArn.split(':')[4], queueArn, messages: messages.map(receivedMessage) });
}

/** How the poller names its invocations: `sqs <queue> (<batch size>)`. */
export function sqsTrigger(queueArn: string): string {
  return `sqs ${queueArn.split(':').pop()}`;
}

/** The batch size in a trigger the poller named, or undefined for another trigger. */
export function sqsBatchSize(trigger: string): { queue: string; size: number } | undefined {
  const match = /^sqs (\S+) \((\d+)\)$/.exec(trigger);
  return match ? { queue: match[1], size: Number(match[2]) } : undefined;
}

/**
 * Which messages of a batch to delete after an invocation, as Lambda decides:
 * none after a function error; all after success; all but the reported ones
 * with partial batch responses — and none if the response names an id that is
 * not in the batch or has no id (Lambda then treats the whole batch as failed).
 */
export function messagesToDelete(records: SQSRecord[], result: { payload: string; functionError?: string }, reportBatchItemFailures: boolean): SQSRecord[] {
  if (result.functionError) return [];
  if (!reportBatchItemFailures) return records;
  let response: unknown;
  try {
    response = JSON.parse(result.payload || 'null');
  } catch {
    return records;
  }
  const failures = (response as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined || failures === null) return records;
  if (!Array.isArray(failures)) return [];
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown })?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return [];
    failed.add(id);
  }
  return records.filter((r) => !failed.has(r.messageId));
}

/**
 * Lambda's SQS event source mapping, against a queue in the local services:
 * receive, gather a batch, invoke synchronously, delete what succeeded. What
 * fails stays in the queue and comes back after its visibility timeout; the
 * queue's redrive policy moves it to the dead-letter queue, so nothing is lost.
 */
export class SqsPoller implements DevWorker {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly sqs: SQSClient,
    private readonly config: SqsMappingConfig,
    private readonly target: DevTarget,
    private readonly invoker: DevInvoker,
    private readonly onError: (error: Error) => void = () => {},
  ) {}

  public start(): void {
    const concurrency = Math.max(1, this.config.concurrency ?? 2);
    for (let i = 0; i < concurrency; i++) this.loops.push(this.loop());
  }

  public async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    let idleMs = 0;
    while (!this.abort.signal.aborted) {
      try {
        const batch = await this.gather();
        if (batch.length > 0) {
          idleMs = 0;
          await this.process(batch);
        } else {
          idleMs = Math.min(500, idleMs ? idleMs * 2 : 50);
          await sleep(idleMs, this.abort.signal);
        }
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.onError(error as Error);
        await sleep(500, this.abort.signal);
      }
    }
  }

  /**
   * One batch: nothing when the queue has nothing (the loop then backs off before polling again);
   * else messages are gathered until the batch is full or the batching window, which starts at the
   * first message, has passed (a short pause between empty polls: never a spin).
   */
  private async gather(): Promise<Message[]> {
    const batchSize = this.config.batchSize ?? 10;
    const windowMs = (this.config.maximumBatchingWindowSeconds ?? 0) * 1000;
    const messages: Message[] = [];
    let deadline: number | undefined;
    for (;;) {
      let response;
      try {
        response = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.config.queueUrl,
            MaxNumberOfMessages: Math.min(10, batchSize - messages.length),
            // Short polls with a client-side back-off: moto serves a long poll by spinning, which starves its other requests.
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
      } catch (error) {
        // Messages already received are in flight, their receive counted: invoke with them, as Lambda
        // would, rather than drop them to come back after the visibility timeout one receive closer to the DLQ.
        if (messages.length === 0) throw error;
        this.onError(error as Error);
        return messages;
      }
      const received = response.Messages ?? [];
      messages.push(...received);
      if (messages.length === 0) return messages;
      deadline ??= Date.now() + windowMs;
      if (messages.length >= batchSize || Date.now() >= deadline || this.abort.signal.aborted) return messages;
      if (received.length === 0) await sleep(Math.min(50, deadline - Date.now()), this.abort.signal);
    }
  }

  private async process(messages: Message[]): Promise<void> {
    const region = this.config.region ?? 'us-east-1';
    const all = sqsEventFor(messages, this.config.queueArn, region).Records;
    const filter = this.config.filter;
    const records = filter ? all.filter((r) => filter(r)) : all;
    const filteredOut = filter ? all.filter((r) => !filter(r)) : [];
    await this.delete(filteredOut);
    if (records.length === 0) return;
    const event: SQSEvent = { Records: records };
    // The trigger names the batch size: dev's log line reports a partial failure as n/size.
    const result = await this.invoker.invoke(this.target, JSON.stringify(event), `${sqsTrigger(this.config.queueArn)} (${records.length})`);
    const toDelete = messagesToDelete(records, result, this.config.reportBatchItemFailures ?? false);
    await this.delete(toDelete);
    // After a failure the messages keep their visibility timeout; the queue redelivers them.
  }

  private async delete(records: SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      const chunk = records.slice(i, i + 10);
      const response = await this.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.config.queueUrl, Entries: chunk.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })) }),
      );
      if (response.Failed?.length) this.onError(new Error(`could not delete ${response.Failed.length} message(s) from ${this.config.queueUrl}: ${response.Failed[0].Message}`));
    }
  }
}
