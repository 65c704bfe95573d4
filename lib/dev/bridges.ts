import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutBucketNotificationConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { PutRuleCommand, PutTargetsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { randomUUID } from 'node:crypto';
import { eventBridgeEvent, isS3EventName, s3Event, s3Sequencer, snsEvent } from '../events';
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
  /** The notification configuration's id (`s3.configurationId`). @default - one generated for the bridge's lifetime */
  readonly configurationId?: string;
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

/** What the local services' notification says happened to an object (their record, whatever its encoding). */
export interface ObjectChange {
  readonly region: string;
  readonly bucket: string;
  /** The key, decoded. */
  readonly key: string;
  readonly eventName: string;
  /** When it happened. */
  readonly time: Date;
  /** Microseconds since the epoch, for the sequencer. */
  readonly micros: bigint;
  readonly size?: number;
  readonly eTag?: string;
  readonly versionId?: string;
}

/**
 * Reads a record of the local services' S3 notification. moto's record has the time
 * without a zone (UTC, to the microsecond) and the key encoded as Python's quote_plus does.
 */
export function objectChange(record: unknown): ObjectChange | undefined {
  const r = record as { awsRegion?: string; eventTime?: string; eventName?: string; s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; eTag?: string; versionId?: string } } };
  const name = r.s3?.bucket?.name;
  const key = r.s3?.object?.key;
  if (!name || key === undefined || !r.eventName || !r.eventTime) return undefined;
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)?$/.exec(r.eventTime);
  if (!match) return undefined;
  const fraction = (match[2] ?? '').padEnd(6, '0');
  const seconds = Date.parse(`${match[1]}${match[3] ?? 'Z'}`);
  const micros = BigInt(seconds) * 1000n + BigInt(fraction);
  const object = r.s3!.object!;
  return {
    region: r.awsRegion ?? 'us-east-1',
    bucket: name,
    key: decodeS3Key(key),
    eventName: r.eventName,
    time: new Date(Number(micros / 1000n)),
    micros,
    size: typeof object.size === 'number' ? object.size : undefined,
    eTag: object.eTag || undefined,
    versionId: object.versionId || undefined,
  };
}

/** The event S3 sends a function for a change, built by lib/events from what the local services reported. */
export function s3EventFor(change: ObjectChange, configurationId: string): string {
  if (!isS3EventName(change.eventName)) throw new Error(`S3 event ${change.eventName} of ${change.bucket}/${change.key} is not one lambdakit dev delivers`);
  return JSON.stringify(
    s3Event({
      region: change.region,
      now: change.time,
      eventName: change.eventName,
      bucket: change.bucket,
      key: change.key,
      size: change.size,
      eTag: change.eTag,
      versionId: change.versionId,
      configurationId,
      sequencer: s3Sequencer(change.micros),
      // The request came from this machine; who sent it the local services do not say.
      sourceIPAddress: '127.0.0.1',
    }),
  );
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
  // S3 names a configuration without an Id itself, once: every event of it carries that id.
  const configurationIds = subscriptions.map((sub) => sub.configurationId ?? Buffer.from(randomUUID()).toString('base64').replace(/=+$/, ''));
  const bridge = new QueueBridge(
    clients.sqs,
    queue.url,
    async (body) => {
      const parsed = JSON.parse(body) as { Records?: unknown[]; Event?: string };
      for (const record of parsed.Records ?? []) {
        const change = objectChange(record);
        if (!change) throw new Error(`unreadable S3 notification record: ${JSON.stringify(record).slice(0, 200)}`);
        for (const [i, sub] of subscriptions.entries()) {
          if (!sub.events.some((e) => s3EventMatches(e, change.eventName))) continue;
          if (sub.prefix && !change.key.startsWith(sub.prefix)) continue;
          if (sub.suffix && !change.key.endsWith(sub.suffix)) continue;
          await invoker.invokeAsync(sub.target, s3EventFor(change, configurationIds[i]), `s3 ${bucketName}/${change.key}`);
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

/** The envelope SNS gives a queue subscriber (raw message delivery off). */
export interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** The event SNS gives a Lambda subscriber, built by lib/events from the message as it arrived. */
export function snsEventFor(envelope: SnsEnvelope, subscriptionArn: string): string {
  return JSON.stringify(
    snsEvent({
      region: envelope.TopicArn.split(':')[3],
      accountId: envelope.TopicArn.split(':')[4],
      now: envelope.Timestamp,
      topicArn: envelope.TopicArn,
      subscriptionArn,
      messageId: envelope.MessageId,
      message: envelope.Message,
      subject: envelope.Subject ?? undefined,
      attributes: envelope.MessageAttributes,
    }),
  );
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
        await invoker.invokeAsync(sub.target, snsEventFor(envelope, sub.subscriptionArn), `sns ${topicArn.split(':').pop()}`);
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
  /** The rule's construct path, for dev's log lines. */
  readonly ruleName: string;
  /** The rule's name as AWS has it (the template's Name, else lib/assembly's local name), for `aws.events.rule-name`. @default ruleName */
  readonly awsRuleName?: string;
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

/** An event as the local services' bus delivered it to the bridge. */
interface PutEvent {
  id?: string;
  time?: string;
  region?: string;
  account?: string;
  source?: string;
  'detail-type'?: string;
  resources?: string[];
  detail?: unknown;
}

/**
 * The event a rule's target receives, built by lib/events from the event as it was put
 * (moto's copy has no `account`: the local services run as one account, 123456789012).
 */
export function busEvent(put: Record<string, unknown>, region: string): Record<string, unknown> {
  const e = put as PutEvent;
  return eventBridgeEvent({
    region: e.region ?? region,
    accountId: e.account ?? '123456789012',
    now: e.time,
    id: e.id,
    source: e.source,
    detailType: e['detail-type'],
    detail: e.detail ?? {},
    resources: e.resources ?? [],
  }) as unknown as Record<string, unknown>;
}

/** Applies a target's `Input`, `InputPath` or `InputTransformer` to an event. */
export function targetPayload(sub: RuleSubscription, event: Record<string, unknown>): string {
  if (sub.input !== undefined) return sub.input;
  if (sub.inputTransformer) {
    const ruleName = sub.awsRuleName ?? sub.ruleName;
    const text = transformInput(sub.inputTransformer, event, { ruleName, ruleArn: sub.ruleArn ?? `arn:aws:events:us-east-1:123456789012:rule/${ruleName}` });
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
  const region = await clients.events.config.region();
  const rule = 'lambdakit-dev-bridge';
  // Every event has a source: a prefix of "" matches all of them.
  await clients.events.send(new PutRuleCommand({ Name: rule, EventBusName: busName, EventPattern: JSON.stringify({ source: [{ prefix: '' }] }), State: 'ENABLED' }));
  await clients.events.send(new PutTargetsCommand({ Rule: rule, EventBusName: busName, Targets: [{ Id: 'bridge', Arn: queue.arn }] }));
  const bridge = new QueueBridge(
    clients.sqs,
    queue.url,
    async (body) => {
      const event = busEvent(JSON.parse(body) as Record<string, unknown>, region);
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
