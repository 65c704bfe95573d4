import { DescribeTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, type Message, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { FunctionModel } from '../../assembly/model';
import type { QueueModel } from '../../assembly/resources';
import { LambdakitError } from '../../errors';
import type { ProvisionedResource } from '../services';
import type { ConsoleBackend } from './backend';

/** How many items, objects, messages or records the console shows of each resource. */
const FIRST = 10;

/** What sends failures to a dead-letter queue, and whether the console can send them back. */
export interface DeadLetterSource {
  readonly kind: 'queue' | 'function' | 'subscription' | 'rule' | 'schedule';
  /** The source queue's name, or the construct path of the function, subscription, rule or schedule. */
  readonly name: string;
  /** What a redrive does; undefined when dev does not deliver to this queue for this source. */
  readonly redrive?: string;
}

export interface DeadLetterQueueInfo {
  readonly name: string;
  readonly arn: string;
  readonly url: string;
  readonly sources: readonly DeadLetterSource[];
}

export interface QueueMessageView {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt?: string;
  readonly receiveCount?: number;
  /** Message attributes (a function's dead letters carry RequestID, ErrorCode and ErrorMessage). */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface DeadLetterQueueView extends DeadLetterQueueInfo {
  /** Messages waiting (ApproximateNumberOfMessages) and in flight. */
  readonly visible: number;
  readonly inFlight: number;
  readonly messages: readonly QueueMessageView[];
  readonly error?: string;
}

/** Where an app queue's model and what the services reported for it meet. */
interface LocalQueue {
  readonly model: QueueModel;
  readonly provisioned: ProvisionedResource;
}

function localQueues(backend: ConsoleBackend): LocalQueue[] {
  const byId = new Map(backend.provisioned.map((p) => [`${p.stackName}/${p.logicalId}`, p]));
  return backend.resources.queues.flatMap((model) => {
    const provisioned = byId.get(`${model.stackName}/${model.logicalId}`);
    return provisioned?.url ? [{ model, provisioned }] : [];
  });
}

function queueByArn(queues: readonly LocalQueue[], arn: string | undefined): LocalQueue | undefined {
  return arn === undefined ? undefined : queues.find((q) => q.provisioned.arn === arn || q.model.arn === arn);
}

/** The qualifier a function's triggers invoke (its first alias, `live` for LambdaFunction), else $LATEST. */
function triggerQualifier(fn: FunctionModel): string | undefined {
  return (fn.aliases.find((a) => a.name === 'live') ?? fn.aliases[0])?.name;
}

/**
 * The app's dead-letter queues, read from the assembly: queues other queues redrive to
 * (redrive moves the messages back to the source queue, as SQS's redrive does), functions'
 * `DeadLetterConfig` queues (redrive invokes the function again asynchronously with each
 * message's body, the event that failed), and the dead-letter queues of SNS subscriptions,
 * EventBridge rule targets and schedules (listed; dev does not deliver to them, so no redrive).
 */
export function deadLetterQueues(backend: ConsoleBackend): DeadLetterQueueInfo[] {
  const queues = localQueues(backend);
  const found = new Map<LocalQueue, DeadLetterSource[]>();
  const add = (queue: LocalQueue | undefined, source: DeadLetterSource) => {
    if (queue) found.set(queue, [...(found.get(queue) ?? []), source]);
  };
  for (const q of queues) {
    if (q.model.redrive) add(queueByArn(queues, q.model.redrive.deadLetterTargetArn), { kind: 'queue', name: q.model.name, redrive: `move the messages back to ${q.model.name}` });
  }
  for (const fn of backend.functions) {
    if (fn.deadLetterTarget !== undefined) add(queueByArn(queues, backend.resolve(fn.stackName, fn.deadLetterTarget)), { kind: 'function', name: fn.constructPath, redrive: `invoke ${fn.constructPath} asynchronously with each message's body` });
  }
  for (const s of backend.wiring.topicSubscriptions) {
    if (s.deadLetterTarget !== undefined) add(queueByArn(queues, backend.resolve(s.stackName, s.deadLetterTarget)), { kind: 'subscription', name: `${s.topic.name} → ${s.target.fn.constructPath}` });
  }
  for (const r of backend.wiring.rules) {
    if (r.deadLetterTarget !== undefined) add(queueByArn(queues, backend.resolve(r.stackName, r.deadLetterTarget)), { kind: 'rule', name: r.ruleName });
  }
  for (const s of backend.wiring.schedules) {
    if (s.deadLetterTarget !== undefined) add(queueByArn(queues, backend.resolve(s.stackName, s.deadLetterTarget)), { kind: 'schedule', name: s.name });
  }
  return [...found.entries()].map(([q, sources]) => ({ name: q.model.name, arn: q.provisioned.arn, url: q.provisioned.url!, sources }));
}

function attributesOf(message: Message): Record<string, string> {
  return Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue ?? (value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : '')]));
}

function viewOf(message: Message): QueueMessageView {
  const sent = message.Attributes?.SentTimestamp;
  const received = message.Attributes?.ApproximateReceiveCount;
  return {
    messageId: message.MessageId ?? '',
    body: message.Body ?? '',
    ...(sent ? { sentAt: new Date(Number(sent)).toISOString() } : {}),
    ...(received ? { receiveCount: Number(received) } : {}),
    attributes: attributesOf(message),
  };
}

/**
 * The first messages of a queue, left where they are: SQS has no peek, so they are received
 * with a visibility timeout of 0 (visible again at once). That counts as a receive, so only
 * queues nothing consumes and that redrive nowhere are read this way (their receive count
 * moves nothing).
 */
async function peek(backend: ConsoleBackend, url: string): Promise<QueueMessageView[]> {
  const { Messages = [] } = await backend.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: FIRST, VisibilityTimeout: 0, WaitTimeSeconds: 0, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'] }),
  );
  const seen = new Set<string>();
  return Messages.filter((m) => !seen.has(m.MessageId ?? '') && seen.add(m.MessageId ?? '')).map(viewOf);
}

async function counts(backend: ConsoleBackend, url: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await backend.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return { visible: Number(Attributes.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

/** Every dead-letter queue with its message counts and first messages. */
export async function deadLetterViews(backend: ConsoleBackend): Promise<DeadLetterQueueView[]> {
  return Promise.all(
    deadLetterQueues(backend).map(async (q): Promise<DeadLetterQueueView> => {
      try {
        const [n, messages] = await Promise.all([counts(backend, q.url), peek(backend, q.url)]);
        return { ...q, ...n, messages };
      } catch (error) {
        return { ...q, visible: 0, inFlight: 0, messages: [], error: (error as Error).message };
      }
    }),
  );
}

export interface RedriveRequest {
  /** The dead-letter queue's name. */
  readonly queue: string;
  /** Which source to redrive to (its name), when the queue has more than one that can be redriven. */
  readonly source?: string;
  /** Only these messages. @default - every message of the queue */
  readonly messageIds?: readonly string[];
}

/** How long a message being redriven stays hidden from other readers of the dead-letter queue. */
const REDRIVE_VISIBILITY_SECONDS = 30;
/** Receives of one redrive at most (10 messages each): a redrive ends even if messages keep arriving. */
const REDRIVE_ROUNDS = 100;

/**
 * Sends a dead-letter queue's messages back to their source: into the source queue (the body and
 * message attributes, as SQS's redrive moves them), or to the source function as an asynchronous
 * invocation; each message is deleted from the dead-letter queue once sent. Returns how many moved.
 */
export async function redrive(backend: ConsoleBackend, request: RedriveRequest): Promise<{ moved: number; to: string }> {
  const dlq = deadLetterQueues(backend).find((q) => q.name === request.queue);
  if (!dlq) throw new LambdakitError(`${request.queue} is not a dead-letter queue of the app`, { code: 'NotADeadLetterQueue', value: request.queue });
  const redrivable = dlq.sources.filter((s) => s.redrive && (request.source === undefined || s.name === request.source));
  if (redrivable.length === 0) throw new LambdakitError(`${request.queue} has no source dev can redrive to${request.source ? ` named ${request.source}` : ''}`, { code: 'NoRedriveSource', value: request.source });
  if (redrivable.length > 1) throw new LambdakitError(`${request.queue} has ${redrivable.length} sources: name one (${redrivable.map((s) => s.name).join(', ')})`, { code: 'AmbiguousRedriveSource' });
  const source = redrivable[0];
  const sqs = backend.clients.sqs;
  const send = await sender(backend, source);
  const wanted = request.messageIds ? new Set(request.messageIds) : undefined;
  const skipped: string[] = [];
  let moved = 0;
  try {
    for (let round = 0; round < REDRIVE_ROUNDS; round++) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, MaxNumberOfMessages: 10, VisibilityTimeout: REDRIVE_VISIBILITY_SECONDS, WaitTimeSeconds: 0, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'] }));
      if (Messages.length === 0) break;
      for (const message of Messages) {
        if (wanted && !wanted.has(message.MessageId ?? '')) {
          skipped.push(message.ReceiptHandle!);
          continue;
        }
        await send(message);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: dlq.url, ReceiptHandle: message.ReceiptHandle! }));
        moved++;
      }
      if (wanted && moved === wanted.size) break;
    }
  } finally {
    // Messages passed over are visible again at once, not after the redrive's visibility timeout.
    await Promise.all(skipped.map((handle) => sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: dlq.url, ReceiptHandle: handle, VisibilityTimeout: 0 })).catch(() => undefined)));
  }
  return { moved, to: source.name };
}

async function sender(backend: ConsoleBackend, source: DeadLetterSource): Promise<(message: Message) => Promise<void>> {
  if (source.kind === 'queue') {
    const target = localQueues(backend).find((q) => q.model.name === source.name)!;
    return async (message) => {
      const attributes = message.MessageAttributes as Record<string, MessageAttributeValue> | undefined;
      // A FIFO queue takes each message back into its group; without content-based deduplication it needs an id, the message's own.
      const fifo = target.model.fifo ? { MessageGroupId: message.Attributes?.MessageGroupId ?? 'redrive', ...(target.model.contentBasedDeduplication ? {} : { MessageDeduplicationId: message.Attributes?.MessageDeduplicationId ?? message.MessageId }) } : {};
      await backend.clients.sqs.send(new SendMessageCommand({ QueueUrl: target.provisioned.url!, MessageBody: message.Body ?? '', ...(attributes && Object.keys(attributes).length ? { MessageAttributes: attributes } : {}), ...fifo }));
    };
  }
  const fn = backend.functions.find((f) => f.constructPath === source.name)!;
  return async (message) => {
    backend.invokeAsync(fn.constructPath, triggerQualifier(fn), Buffer.from(message.Body ?? ''), `redrive ${source.name}`);
  };
}

/** One of the app's resources as the console's Resources tab shows it. */
export interface ResourceView {
  readonly kind: 'table' | 'queue' | 'bucket' | 'topic' | 'stream';
  readonly name: string;
  readonly construct: string;
  /** Items, objects, messages (visible + in flight), records, or subscriptions. */
  readonly count?: number;
  /** Whether `count` is a lower bound (a bucket with more than 1,000 objects). */
  readonly countIsMinimum?: boolean;
  readonly countLabel: string;
  /** The first items, objects, messages or records, as JSON values. */
  readonly first: readonly unknown[];
  readonly note?: string;
  readonly error?: string;
}

const constructOf = (m: { readonly cdkPath?: string; readonly stackName: string; readonly logicalId: string }) => m.cdkPath?.replace(/\/Resource$/, '') ?? `${m.stackName}/${m.logicalId}`;

async function guarded(base: Omit<ResourceView, 'first' | 'countLabel'> & { countLabel: string }, read: () => Promise<Partial<ResourceView>>): Promise<ResourceView> {
  try {
    return { first: [], ...base, ...(await read()) };
  } catch (error) {
    return { first: [], ...base, error: (error as Error).message };
  }
}

/** The app's tables, queues, buckets, topics and streams, with counts and their first entries, read from the local services. */
export async function resourceViews(backend: ConsoleBackend): Promise<ResourceView[]> {
  const { clients, resources, wiring } = backend;
  const consumed = new Set(wiring.queueMappings.map((m) => `${m.queue.stackName}/${m.queue.logicalId}`));
  const queues = localQueues(backend);
  const views: Array<Promise<ResourceView>> = [];
  for (const t of resources.tables) {
    views.push(
      guarded({ kind: 'table', name: t.name, construct: constructOf(t), countLabel: 'items' }, async () => {
        const [described, scanned] = await Promise.all([clients.dynamodb.send(new DescribeTableCommand({ TableName: t.name })), clients.dynamodb.send(new ScanCommand({ TableName: t.name, Limit: FIRST }))]);
        return { count: described.Table?.ItemCount ?? 0, first: (scanned.Items ?? []).map((item) => unmarshall(item)) };
      }),
    );
  }
  for (const q of queues) {
    const peekable = !q.model.redrive && !consumed.has(`${q.model.stackName}/${q.model.logicalId}`);
    views.push(
      guarded({ kind: 'queue', name: q.model.name, construct: constructOf(q.model), countLabel: 'messages' }, async () => {
        const n = await counts(backend, q.provisioned.url!);
        // Receiving a message of a queue that is polled or redrives would count against its maxReceiveCount.
        const first = peekable ? (await peek(backend, q.provisioned.url!)).map(({ messageId, body, attributes }) => ({ messageId, body: parseJson(body), ...(Object.keys(attributes).length ? { attributes } : {}) })) : [];
        return { count: n.visible + n.inFlight, first, note: peekable ? `${n.inFlight} in flight` : `${n.inFlight} in flight; messages not shown: reading them would count as a receive of a queue that is polled or redrives` };
      }),
    );
  }
  for (const b of resources.buckets) {
    views.push(
      guarded({ kind: 'bucket', name: b.name, construct: constructOf(b), countLabel: 'objects' }, async () => {
        const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: b.name, MaxKeys: 1000 }));
        return { count: listed.KeyCount ?? 0, countIsMinimum: Boolean(listed.IsTruncated), first: (listed.Contents ?? []).slice(0, FIRST).map((o) => ({ key: o.Key, size: o.Size, lastModified: o.LastModified?.toISOString() })) };
      }),
    );
  }
  for (const t of resources.topics) {
    const subscriptions = wiring.topicSubscriptions.filter((s) => s.topic.stackName === t.stackName && s.topic.logicalId === t.logicalId);
    views.push(
      Promise.resolve({
        kind: 'topic',
        name: t.name,
        construct: constructOf(t),
        count: subscriptions.length,
        countLabel: 'subscriptions',
        first: subscriptions.map((s) => ({ function: s.target.fn.constructPath, ...(s.filterPolicy ? { filterPolicy: s.filterPolicy } : {}) })),
        note: 'SNS keeps no messages: each one is delivered to the subscriptions',
      }),
    );
  }
  for (const s of resources.streams) {
    views.push(
      guarded({ kind: 'stream', name: s.name, construct: constructOf(s), countLabel: 'shards' }, async () => {
        const summary = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: s.name }));
        const shards = (await clients.kinesis.send(new ListShardsCommand({ StreamName: s.name }))).Shards ?? [];
        const first: unknown[] = [];
        if (shards[0]?.ShardId) {
          const iterator = (await clients.kinesis.send(new GetShardIteratorCommand({ StreamName: s.name, ShardId: shards[0].ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
          const records = iterator ? ((await clients.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: FIRST }))).Records ?? []) : [];
          for (const r of records) first.push({ partitionKey: r.PartitionKey, sequenceNumber: r.SequenceNumber, data: parseJson(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8')) });
        }
        return { count: summary.StreamDescriptionSummary?.OpenShardCount ?? shards.length, first, note: 'first records of the first shard' };
      }),
    );
  }
  return Promise.all(views);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
