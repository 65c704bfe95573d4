import { createHash } from 'node:crypto';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { EventContext, UPPER_ALNUM, invalidOption, type EventEnvironment } from './context';

/** One message of a batch. */
export interface SqsMessageOptions {
  /** Message body. */
  readonly body: string;
  /** String message attributes. @default - none */
  readonly attributes?: Readonly<Record<string, string>>;
  /** FIFO message group. @default 'default' on a FIFO queue */
  readonly groupId?: string;
  /** Times the message has been received, this delivery included. @default 1 */
  readonly receiveCount?: number;
  /** Message id SQS gave the message. @default - a generated UUID */
  readonly messageId?: string;
  /** Receipt handle of this receive. @default - generated */
  readonly receiptHandle?: string;
  /** When the message was sent, epoch milliseconds. @default - just before the event's time, in batch order */
  readonly sentTimestamp?: number;
}

export interface SqsEventOptions extends EventEnvironment {
  /**
   * Queue name; a name ending in `.fifo` gives FIFO attributes (group, deduplication id, sequence number).
   * @default 'example-queue'
   */
  readonly queue?: string;
  /**
   * The batch: one record per message, in order. A string is a body.
   * @default - one message with a small JSON body
   */
  readonly messages?: readonly (string | SqsMessageOptions)[];
  /** Message attributes for every message that has none of its own. @default - none */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** Lambda reads at most 10 messages per batch from a FIFO queue, 10,000 from a standard one. */
const MAX_BATCH = { standard: 10_000, fifo: 10 };

/** The event Lambda's SQS event source mapping sends for a batch of messages. */
export function sqsEvent(options: SqsEventOptions = {}): SQSEvent {
  const context = new EventContext(options);
  const queue = options.queue ?? 'example-queue';
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(queue.replace(/\.fifo$/, '')) || queue.length > 80) invalidOption('queue', `"${queue}" is not a queue name`, queue, 'use up to 80 letters, digits, hyphens and underscores (FIFO names end in .fifo)');
  const fifo = queue.endsWith('.fifo');
  const messages = (options.messages ?? ['{"hello":"world"}']).map((m) => (typeof m === 'string' ? { body: m } : m));
  const limit = fifo ? MAX_BATCH.fifo : MAX_BATCH.standard;
  if (messages.length === 0 || messages.length > limit) invalidOption('messages', `a batch has 1-${limit} messages, got ${messages.length}`, messages.length, 'pass at least one message body');
  const queueArn = context.arn('sqs', queue);
  const senderId = `AIDA${context.chars(17, UPPER_ALNUM)}`;
  let sequence = BigInt(context.digits(20));
  return {
    Records: messages.map((message, i) => {
      // Messages of one batch were sent a few milliseconds apart, oldest first.
      const sent = message.sentTimestamp ?? context.now.getTime() - (messages.length - i) * 5;
      const attributes = message.attributes ?? options.attributes ?? {};
      const messageAttributes = toMessageAttributes(attributes);
      sequence += 1n;
      const record: SQSRecord = {
        messageId: message.messageId ?? context.uuid(),
        receiptHandle: message.receiptHandle ?? `AQEB${context.base64(180)}`,
        body: message.body,
        attributes: {
          ApproximateReceiveCount: String(message.receiveCount ?? 1),
          SentTimestamp: String(sent),
          SenderId: senderId,
          ApproximateFirstReceiveTimestamp: String(sent + 3),
          ...(fifo
            ? {
                SequenceNumber: sequence.toString(),
                MessageGroupId: message.groupId ?? 'default',
                // Content-based deduplication: the SHA-256 of the body.
                MessageDeduplicationId: createHash('sha256').update(message.body).digest('hex'),
              }
            : {}),
        },
        messageAttributes,
        md5OfBody: createHash('md5').update(message.body).digest('hex'),
        ...(Object.keys(attributes).length ? { md5OfMessageAttributes: md5OfMessageAttributes(attributes) } : {}),
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: context.region,
      };
      return record;
    }),
  };
}

function toMessageAttributes(attributes: Readonly<Record<string, string>>): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = { stringValue: value, stringListValues: [], binaryListValues: [], dataType: 'String' };
  }
  return out;
}

/**
 * SQS's digest of String message attributes: for each name in order, the
 * length-prefixed name, data type, transport byte 1 and value.
 */
export function md5OfMessageAttributes(attributes: Readonly<Record<string, string>>): string {
  const hash = createHash('md5');
  const field = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    field(name);
    field('String');
    hash.update(Buffer.from([1]));
    field(attributes[name]);
  }
  return hash.digest('hex');
}
