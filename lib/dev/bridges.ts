import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutBucketNotificationConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { PutRuleCommand, PutTargetsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3EventRecord, SNSEventRecord } from 'aws-lambda';
import { type DevInvoker, type DevTarget, type DevWorker, sleep } from './invoker';
import { type InputTransformer, selectPath, transformInput } from './input-transformer';

/**
 * Push sources (S3 notifications, SNS subscriptions, EventBridge rules) reach
 * functions in `lambdakit dev` through a bridge: the local services deliver
 * every event of the source to an internal SQS queue, and the bridge matches
 * each one against the app's subscriptions with AWS's own rules (key filters,
 * filter policies, event patterns) and invokes the matching functions
 * asynchronously, as the services do. A message is deleted from the bridge
 * queue only once every matching invocation was accepted, so nothing is lost.
 */

/** Internal queue names: recognisable, and within SQS's 80 characters. */
export function bridgeQueueName(kind: 's3' | 'sns' | 'events', source: string): string {
  return `lambdakit-${kind}-${source.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 80);
}

async function createBridgeQueue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '30' } }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  // The services' principals may send to it (moto does not check; AWS would).
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: url,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: ['s3.amazonaws.com', 'sns.amazonaws.com', 'events.amazonaws.com'] }, Action: 'sqs:SendMessage', Resource: arn }],
        }),
      },
    }),
  );
  return { url, arn };
}

/** Polls a bridge queue and hands every message body to `dispatch`; deletes it when dispatch resolves. */
class QueueBridge implements DevWorker {
  private readonly abort = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly dispatch: (body: string) => Promise<void>,
    private readonly onError: (error: Error) => void,
  ) {}

  public start(): void {
    this.loop = this.run();
  }

  public async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let idleMs = 0;
    while (!this.abort.signal.aborted) {
      try {
        // Short polls with a client-side back-off (see SqsPoller).
        const received = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        if (!received.Messages?.length) {
          idleMs = Math.min(500, idleMs ? idleMs * 2 : 50);
          await sleep(idleMs, this.abort.signal);
          continue;
        }
        idleMs = 0;
        const done: string[] = [];
        for (const message of received.Messages ?? []) {
          try {
            await this.dispatch(message.Body ?? '');
            done.push(message.ReceiptHandle!);
          } catch (error) {
            // Left in the queue: it comes back after the visibility timeout.
            this.onError(error as Error);
          }
        }
        if (done.length) {
          await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: done.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle })) }));
        }
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.onError(error as Error);
        await sleep(500, this.abort.signal);
      }
    }
  }
}

/** A function's S3 notification: which events and keys invoke it. */
export interface BucketSubscription {
  readonly target: DevTarget;
  /** S3 event names as in the notification, e.g. `s3:ObjectCreated:*`. */
  readonly events: readonly string[];
  readonly prefix?: string;
  readonly suffix?: string;
}

/** True when an S3 event name (e.g. `ObjectCreated:Put`) is covered by a configured one (e.g. `s3:ObjectCreated:*`). */
export function s3EventMatches(configured: string, eventName: string): boolean {
  const want = configured.replace(/^s3:/, '');
  if (want.endsWith(':*')) return eventName.startsWith(want.slice(0, -1));
  return want === eventName;
}

/** The object key of an S3 event record, decoded as S3 encodes it (URL encoding, `+` for spaces). */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** Delivers a bucket's object events to the functions whose notification filters match. */
export async function startBucketBridge(
  clients: { s3: S3Client; sqs: SQSClient },
  bucketName: string,
  subscriptions: readonly BucketSubscription[],
  invoker: DevInvoker,
  onError: (error: Error) => void = () => {},
): Promise<DevWorker> {
  const queue = await createBridgeQueue(clients.sqs, bridgeQueueName('s3', bucketName));
  await clients.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucketName,
      NotificationConfiguration: { QueueConfigurations: [{ QueueArn: queue.arn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }] },
    }),
  );
  const bridge = new QueueBridge(
    clients.sqs,
    queue.url,
    async (body) => {
      const parsed = JSON.parse(body) as { Records?: S3EventRecord[]; Event?: string };
      for (const record of parsed.Records ?? []) {
        const key = decodeS3Key(record.s3.object.key);
        for (const sub of subscriptions) {
          if (!sub.events.some((e) => s3EventMatches(e, record.eventName))) continue;
          if (sub.prefix && !key.startsWith(sub.prefix)) continue;
          if (sub.suffix && !key.endsWith(sub.suffix)) continue;
          await invoker.invokeAsync(sub.target, JSON.stringify({ Records: [record] }), `s3 ${bucketName}/${key}`);
        }
      }
    },
    onError,
  );
  bridge.start();
  return bridge;
}

/** A function's SNS subscription, with its filter (policy evaluation is the caller's). */
export interface TopicSubscription {
  readonly target: DevTarget;
  readonly subscriptionArn: string;
  /** Whether the message passes the subscription's filter policy. @default - every message */
  readonly accepts?: (message: { message: string; attributes: Record<string, { Type: string; Value: string }> }) => boolean;
}

interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  SignatureVersion?: string;
  Signature?: string;
  SigningCertURL?: string;
  UnsubscribeURL?: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** The record SNS gives a Lambda subscriber, from the envelope it gives a queue. */
export function snsRecord(envelope: SnsEnvelope, subscriptionArn: string): SNSEventRecord {
  return {
    EventVersion: '1.0',
    EventSubscriptionArn: subscriptionArn,
    EventSource: 'aws:sns',
    Sns: {
      SignatureVersion: envelope.SignatureVersion ?? '1',
      Timestamp: envelope.Timestamp,
      Signature: envelope.Signature ?? '',
      SigningCertUrl: envelope.SigningCertURL ?? '',
      MessageId: envelope.MessageId,
      Message: envelope.Message,
      MessageAttributes: envelope.MessageAttributes ?? {},
      Type: envelope.Type,
      UnsubscribeUrl: envelope.UnsubscribeURL ?? '',
      TopicArn: envelope.TopicArn,
      Subject: envelope.Subject ?? (null as unknown as string),
    },
  };
}

/** Delivers a topic's messages to the functions subscribed to it whose filter policy matches. */
export async function startTopicBridge(
  clients: { sns: SNSClient; sqs: SQSClient },
  topicArn: string,
  subscriptions: readonly TopicSubscription[],
  invoker: DevInvoker,
  onError: (error: Error) => void = () => {},
): Promise<DevWorker> {
  const queue = await createBridgeQueue(clients.sqs, bridgeQueueName('sns', topicArn.split(':').pop()!));
  await clients.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn, Attributes: { RawMessageDelivery: 'false' } }));
  const bridge = new QueueBridge(
    clients.sqs,
    queue.url,
    async (body) => {
      const envelope = JSON.parse(body) as SnsEnvelope;
      for (const sub of subscriptions) {
        if (sub.accepts && !sub.accepts({ message: envelope.Message, attributes: envelope.MessageAttributes ?? {} })) continue;
        await invoker.invokeAsync(sub.target, JSON.stringify({ Records: [snsRecord(envelope, sub.subscriptionArn)] }), `sns ${topicArn.split(':').pop()}`);
      }
    },
    onError,
  );
  bridge.start();
  return bridge;
}

/** A rule's function target: the pattern test (the caller's) and what the target sends. */
export interface RuleSubscription {
  readonly target: DevTarget;
  readonly ruleName: string;
  readonly matches: (event: Record<string, unknown>) => boolean;
  /** Constant JSON the target sends instead of the event (`Input`). */
  readonly input?: string;
  /** JSONPath-like `$.detail` selecting part of the event (`InputPath`). */
  readonly inputPath?: string;
  /** `InputTransformer`: the target receives the filled template. */
  readonly inputTransformer?: InputTransformer;
  /** The rule's ARN, for the transformer's `aws.events.rule-arn`. */
  readonly ruleArn?: string;
}

/** Applies a target's `Input`, `InputPath` or `InputTransformer` to an event. */
export function targetPayload(sub: RuleSubscription, event: Record<string, unknown>): string {
  if (sub.input !== undefined) return sub.input;
  if (sub.inputTransformer) {
    const text = transformInput(sub.inputTransformer, event, { ruleName: sub.ruleName, ruleArn: sub.ruleArn ?? `arn:aws:events:us-east-1:123456789012:rule/${sub.ruleName}` });
    // Lambda takes a JSON payload: a text template reaches the handler as a JSON string.
    return isJson(text) ? text : JSON.stringify(text);
  }
  if (sub.inputPath && sub.inputPath !== '$') return JSON.stringify(selectPath(event, sub.inputPath) ?? null);
  return JSON.stringify(event);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Delivers events put on a bus to the functions of the rules whose pattern matches. */
export async function startBusBridge(
  clients: { events: EventBridgeClient; sqs: SQSClient },
  busName: string,
  subscriptions: readonly RuleSubscription[],
  invoker: DevInvoker,
  onError: (error: Error) => void = () => {},
): Promise<DevWorker> {
  const queue = await createBridgeQueue(clients.sqs, bridgeQueueName('events', busName));
  const rule = 'lambdakit-dev-bridge';
  // Every event has a source: a prefix of "" matches all of them.
  await clients.events.send(new PutRuleCommand({ Name: rule, EventBusName: busName, EventPattern: JSON.stringify({ source: [{ prefix: '' }] }), State: 'ENABLED' }));
  await clients.events.send(new PutTargetsCommand({ Rule: rule, EventBusName: busName, Targets: [{ Id: 'bridge', Arn: queue.arn }] }));
  const bridge = new QueueBridge(
    clients.sqs,
    queue.url,
    async (body) => {
      const event = JSON.parse(body) as Record<string, unknown>;
      for (const sub of subscriptions) {
        if (!sub.matches(event)) continue;
        await invoker.invokeAsync(sub.target, targetPayload(sub, event), `rule ${sub.ruleName}`);
      }
    },
    onError,
  );
  bridge.start();
  return bridge;
}

/** Fires a schedule's target at each time `next` gives, until stopped. */
export class ScheduleTimer implements DevWorker {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly name: string,
    private readonly next: (after: Date) => Date | undefined,
    private readonly target: DevTarget,
    private readonly payload: (fireTime: Date) => string,
    private readonly invoker: DevInvoker,
    private readonly onError: (error: Error) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  public start(): void {
    this.arm(this.now());
  }

  /** When the schedule fires next (undefined once a one-time schedule has fired). */
  public nextFireTime?: Date;

  private arm(after: Date): void {
    if (this.stopped) return;
    const at = this.next(after);
    this.nextFireTime = at;
    if (!at) return;
    // setTimeout holds at most ~24.8 days; re-arm in steps for longer waits.
    const wait = Math.min(Math.max(0, at.getTime() - this.now().getTime()), 2_000_000_000);
    this.timer = setTimeout(() => {
      if (this.now().getTime() < at.getTime()) return this.arm(after);
      this.fire(at);
      this.arm(at);
    }, wait);
    this.timer.unref?.();
  }

  /** Fires now (used by `dev` when a user asks to run a schedule, and by tests). */
  public fire(at: Date = this.now()): void {
    this.inFlight = this.inFlight
      .then(() => this.invoker.invokeAsync(this.target, this.payload(at), `schedule ${this.name}`))
      .catch((error: unknown) => this.onError(error as Error));
  }

  public async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
  }
}
