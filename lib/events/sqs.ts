import { createHash } from 'node:crypto';
import type { SQSEvent, SQSMessageAttribute, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { EventContext, UPPER_ALNUM, invalidOption, type EventEnvironment } from './context';

/**
 * A message attribute as SQS holds it: a string is a `String` attribute; otherwise the
 * data type (`String`, `Number`, `Binary`, or one of them with a custom suffix such as
 * `Number.int`) and the value, as text or (Binary) bytes.
 */
export type SqsAttributeValue = string | { readonly dataType: string; readonly stringValue?: string; readonly binaryValue?: Uint8Array };

/** One message of a batch. */
export interface SqsMessageOptions {
  /** Message body. */
  readonly body: string;
  /** Message attributes. @default - none */
  readonly attributes?: Readonly<Record<string, SqsAttributeValue>>;
  /** FIFO message group. @default 'default' on a FIFO queue */
  readonly groupId?: string;
  /** FIFO deduplication id. @default - the SHA-256 of the body, as content-based deduplication gives */
  readonly deduplicationId?: string;
  /** FIFO sequence number. @default - growing within the batch */
  readonly sequenceNumber?: string;
  /** Times the message has been received, this delivery included. @default 1 */
  readonly receiveCount?: number;
  /** Message id SQS gave the message. @default - a generated UUID */
  readonly messageId?: string;
  /** Receipt handle of this receive. @default - generated */
  readonly receiptHandle?: string;
  /** When the message was sent, epoch milliseconds. @default - just before the event's time, in batch order */
  readonly sentTimestamp?: number;
  /** When the message was first received, epoch milliseconds. @default - 3 ms after it was sent */
  readonly firstReceiveTimestamp?: number;
  /** Who sent it (`SenderId`). @default - one generated IAM user id for the batch */
  readonly senderId?: string;
}

export interface SqsEventOptions extends EventEnvironment {
  /**
   * Queue name; a name ending in `.fifo` gives FIFO attributes (group, deduplication id, sequence number).
   * @default 'example-queue'
   */
  readonly queue?: string;
  /** Queue ARN, when known (its name is the queue's). @default - the queue's ARN in this event's region and account */
  readonly queueArn?: string;
  /**
   * The batch: one record per message, in order. A string is a body.
   * @default - one message with a small JSON body
   */
  readonly messages?: readonly (string | SqsMessageOptions)[];
  /** Message attributes for every message that has none of its own. @default - none */
  readonly attributes?: Readonly<Record<string, SqsAttributeValue>>;
}

/** Lambda reads at most 10 messages per batch from a FIFO queue, 10,000 from a standard one. */
const MAX_BATCH = { standard: 10_000, fifo: 10 };

/** The event Lambda's SQS event source mapping sends for a batch of messages. */
export function sqsEvent(options: SqsEventOptions = {}): SQSEvent {
  const context = new EventContext(options);
  const queue = options.queue ?? options.queueArn?.split(':').pop() ?? 'example-queue';
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(queue.replace(/\.fifo$/, '')) || queue.length > 80) invalidOption('queue', `"${queue}" is not a queue name`, queue, 'use up to 80 letters, digits, hyphens and underscores (FIFO names end in .fifo)');
  const fifo = queue.endsWith('.fifo');
  const messages = (options.messages ?? ['{"hello":"world"}']).map((m) => (typeof m === 'string' ? { body: m } : m));
  const limit = fifo ? MAX_BATCH.fifo : MAX_BATCH.standard;
  if (messages.length === 0 || messages.length > limit) invalidOption('messages', `a batch has 1-${limit} messages, got ${messages.length}`, messages.length, 'pass at least one message body');
  const queueArn = options.queueArn ?? context.arn('sqs', queue);
  const senderId = `AIDA${context.chars(17, UPPER_ALNUM)}`;
  let sequence = BigInt(context.digits(20));
  return {
    Records: messages.map((message, i) => {
      // Messages of one batch were sent a few milliseconds apart, oldest first.
      const sent = message.sentTimestamp ?? context.now.getTime() - (messages.length - i) * 5;
      const attributes = message.attributes ?? options.attributes ?? {};
      sequence += 1n;
      const record: SQSRecord = {
        messageId: message.messageId ?? context.uuid(),
        receiptHandle: message.receiptHandle ?? `AQEB${context.base64(180)}`,
        body: message.body,
        attributes: {
          ApproximateReceiveCount: String(message.receiveCount ?? 1),
          SentTimestamp: String(sent),
          SenderId: message.senderId ?? senderId,
          ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? sent + 3),
          ...(fifo
            ? {
                SequenceNumber: message.sequenceNumber ?? sequence.toString(),
                MessageGroupId: message.groupId ?? 'default',
                // Content-based deduplication: the SHA-256 of the body.
                MessageDeduplicationId: message.deduplicationId ?? createHash('sha256').update(message.body).digest('hex'),
              }
            : {}),
        },
        messageAttributes: toMessageAttributes(attributes),
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

type NormalAttribute = { readonly dataType: string; readonly stringValue?: string; readonly binaryValue?: Uint8Array };

function normal(value: SqsAttributeValue): NormalAttribute {
  return typeof value === 'string' ? { dataType: 'String', stringValue: value } : value;
}

function isBinary(dataType: string): boolean {
  return dataType === 'Binary' || dataType.startsWith('Binary.');
}

function toMessageAttributes(attributes: Readonly<Record<string, SqsAttributeValue>>): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    const a = normal(value);
    // Lambda gives a Binary attribute's bytes in base64, and empty list values on every attribute.
    out[name] = (
      isBinary(a.dataType)
        ? { binaryValue: Buffer.from(a.binaryValue ?? []).toString('base64'), stringListValues: [], binaryListValues: [], dataType: a.dataType }
        : { stringValue: a.stringValue ?? '', stringListValues: [], binaryListValues: [], dataType: a.dataType }
    ) as SQSMessageAttribute;
  }
  return out;
}

/**
 * SQS's MD5 of message attributes (MD5OfMessageAttributes), as the SQS developer guide
 * gives it: for each attribute in ascending order of name, the length-prefixed (4 bytes,
 * big-endian) UTF-8 name, the length-prefixed data type, one transport byte (1 for
 * String and Number types, 2 for Binary ones) and the length-prefixed value (the UTF-8
 * text, or the bytes of a Binary value).
 */
export function md5OfMessageAttributes(attributes: Readonly<Record<string, SqsAttributeValue>>): string {
  const hash = createHash('md5');
  const field = (bytes: Uint8Array) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const a = normal(attributes[name]);
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(a.dataType, 'utf8'));
    if (isBinary(a.dataType)) {
      hash.update(Buffer.from([2]));
      field(a.binaryValue ?? new Uint8Array());
    } else {
      hash.update(Buffer.from([1]));
      field(Buffer.from(a.stringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}
