import { randomUUID } from 'node:crypto';
import type { TemplateResolver } from '../assembly/resolve';
import type { AsyncInvokeModel } from '../assembly/model';
import type { InvocationOutcome } from './environment';
import { ThrottledError } from './pool';
import type { LocalRuntime, ResolvedTarget } from './runtime';

export interface AsyncQueueOptions {
  readonly runtime: LocalRuntime;
  readonly resolver: TemplateResolver;
  readonly region: string;
  readonly accountId: string;
  /**
   * Waits before the first and the second retry. AWS waits about one, then two minutes;
   * tests and `dev --fast-retries` shorten them.
   * @default [60000, 120000]
   */
  readonly retryDelaysMs?: readonly number[];
  /** Wait before retrying a throttled event. @default 1000 */
  readonly throttleDelayMs?: number;
  /** Endpoint of the services receiving dead letters and destination records (e.g. moto's URL). */
  readonly endpoint?: string;
  /** Told about every delivery to a DLQ or destination, and every failure to deliver. */
  readonly onDelivery?: (entry: DeliveryEntry) => void;
}

export interface DeliveryEntry {
  readonly requestId: string;
  readonly function: string;
  readonly kind: 'dead-letter' | 'on-failure' | 'on-success';
  readonly targetArn: string;
  readonly error?: string;
}

interface QueuedEvent {
  readonly requestId: string;
  readonly target: ResolvedTarget;
  readonly payload: Buffer;
  readonly trigger: string;
  readonly enqueuedAt: number;
  attempts: number;
  timer?: NodeJS.Timeout;
}

const DEFAULTS: AsyncInvokeModel = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };

function parse(buffer: Buffer | string): unknown {
  try {
    return JSON.parse(buffer.toString());
  } catch {
    return buffer.toString();
  }
}

/**
 * Lambda's asynchronous invocation queue: events accepted with 202 run in the
 * background, failures are retried as the function's (or alias's) event
 * invoke config says, and exhausted events go to the on-failure destination
 * or the dead-letter queue with the record and attributes AWS uses.
 */
export class AsyncQueue {
  private readonly pending = new Map<string, QueuedEvent>();
  private readonly running = new Set<Promise<void>>();
  private closing = false;
  private clients?: Promise<Clients>;

  constructor(private readonly options: AsyncQueueOptions) {}

  /** Events accepted and not finished (waiting, running or between retries). */
  public get size(): number {
    return this.pending.size;
  }

  public enqueue(target: ResolvedTarget, payload: Buffer, trigger: string): string {
    const event: QueuedEvent = { requestId: randomUUID(), target, payload, trigger, enqueuedAt: Date.now(), attempts: 0 };
    this.pending.set(event.requestId, event);
    this.schedule(event, 0);
    return event.requestId;
  }

  private config(target: ResolvedTarget): AsyncInvokeModel {
    const alias = target.fn.aliases.find((a) => a.name === target.qualifier);
    return alias?.asyncInvoke ?? target.fn.asyncInvoke ?? DEFAULTS;
  }

  private schedule(event: QueuedEvent, delayMs: number): void {
    event.timer = setTimeout(() => {
      event.timer = undefined;
      const run = this.run(event).finally(() => this.running.delete(run));
      this.running.add(run);
    }, delayMs);
  }

  private async run(event: QueuedEvent): Promise<void> {
    const config = this.config(event.target);
    const ageMs = Date.now() - event.enqueuedAt;
    if (ageMs > config.maximumEventAgeSeconds * 1000) {
      await this.exhausted(event, 'EventAgeExceeded', undefined);
      return;
    }
    let outcome: InvocationOutcome;
    try {
      outcome = await this.options.runtime.invoke(event.target, event.payload, { trigger: event.trigger, requestId: event.requestId });
    } catch (error) {
      if (error instanceof ThrottledError && !this.closing) {
        // Throttled events are retried until they are too old; they do not use up retry attempts.
        this.schedule(event, this.options.throttleDelayMs ?? 1000);
        return;
      }
      await this.exhausted(event, 'RetriesExhausted', { ok: false, payload: Buffer.from(JSON.stringify({ errorType: 'Error', errorMessage: (error as Error).message })), errorType: 'Error' } as InvocationOutcome);
      return;
    }
    event.attempts++;
    if (outcome.ok) {
      this.pending.delete(event.requestId);
      await this.deliverRecord(event, 'on-success', this.destination(event.target, 'onSuccess'), 'Success', outcome);
      return;
    }
    const retriesLeft = config.maximumRetryAttempts - (event.attempts - 1);
    if (retriesLeft > 0 && !this.closing) {
      const delays = this.options.retryDelaysMs ?? [60_000, 120_000];
      this.schedule(event, delays[Math.min(event.attempts - 1, delays.length - 1)] ?? 0);
      return;
    }
    await this.exhausted(event, 'RetriesExhausted', outcome);
  }

  private destination(target: ResolvedTarget, kind: 'onSuccess' | 'onFailure'): string | undefined {
    const config = this.config(target);
    const raw = config[kind];
    return raw === undefined ? undefined : this.options.resolver.resolve(target.fn.stackName, raw);
  }

  private async exhausted(event: QueuedEvent, condition: string, outcome: InvocationOutcome | undefined): Promise<void> {
    this.pending.delete(event.requestId);
    const onFailure = this.destination(event.target, 'onFailure');
    if (onFailure) {
      await this.deliverRecord(event, 'on-failure', onFailure, condition, outcome);
      return;
    }
    const dlq = event.target.fn.deadLetterTarget === undefined ? undefined : this.options.resolver.resolve(event.target.fn.stackName, event.target.fn.deadLetterTarget);
    if (dlq) await this.deadLetter(event, dlq, outcome);
  }

  private record(event: QueuedEvent, condition: string, outcome: InvocationOutcome | undefined): Record<string, unknown> {
    return {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: event.requestId,
        functionArn: this.options.runtime.functionArn(event.target.fn, event.target.version),
        condition,
        approximateInvokeCount: event.attempts,
      },
      requestPayload: parse(event.payload),
      responseContext: {
        statusCode: 200,
        executedVersion: event.target.version,
        ...(outcome && !outcome.ok ? { functionError: 'Unhandled' } : {}),
      },
      responsePayload: outcome ? parse(outcome.payload) : null,
    };
  }

  private async deliverRecord(event: QueuedEvent, kind: 'on-success' | 'on-failure', arn: string | undefined, condition: string, outcome: InvocationOutcome | undefined): Promise<void> {
    if (!arn) return;
    const record = this.record(event, condition, outcome);
    await this.send(event, kind, arn, JSON.stringify(record), undefined, kind === 'on-success' ? 'Lambda Function Invocation Result - Success' : 'Lambda Function Invocation Result - Failure');
  }

  private async deadLetter(event: QueuedEvent, arn: string, outcome: InvocationOutcome | undefined): Promise<void> {
    const error = outcome ? (parse(outcome.payload) as { errorMessage?: string }) : undefined;
    await this.send(event, 'dead-letter', arn, event.payload.toString(), {
      RequestID: { DataType: 'String', StringValue: event.requestId },
      ErrorCode: { DataType: 'Number', StringValue: '200' },
      ErrorMessage: { DataType: 'String', StringValue: String(error?.errorMessage ?? outcome?.errorType ?? 'Unhandled').slice(0, 1024) },
    });
  }

  private async send(
    event: QueuedEvent,
    kind: DeliveryEntry['kind'],
    arn: string,
    body: string,
    attributes?: Record<string, { DataType: string; StringValue: string }>,
    detailType?: string,
  ): Promise<void> {
    const entry = { requestId: event.requestId, function: event.target.fn.constructPath, kind, targetArn: arn };
    try {
      const service = arn.split(':')[2];
      if (service === 'lambda') {
        const target = this.options.runtime.resolve(arn);
        this.options.runtime.invokeAsync(target, Buffer.from(body), `destination of ${event.target.fn.constructPath}`);
      } else {
        if (!this.options.endpoint) throw new Error('no local services endpoint is configured for dead letters and destinations');
        const clients = await (this.clients ??= createClients(this.options.endpoint, this.options.region));
        if (service === 'sqs') {
          const name = arn.split(':').pop()!;
          const { QueueUrl } = await clients.sqs.send(new clients.GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: arn.split(':')[4] }));
          await clients.sqs.send(new clients.SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes: attributes }));
        } else if (service === 'sns') {
          await clients.sns.send(new clients.PublishCommand({ TopicArn: arn, Message: body, MessageAttributes: attributes }));
        } else if (service === 'events') {
          await clients.events.send(new clients.PutEventsCommand({ Entries: [{ EventBusName: arn, Source: 'lambda', DetailType: detailType ?? 'Lambda Function Invocation Result', Detail: body }] }));
        } else {
          throw new Error(`destination service ${service} is not supported locally`);
        }
      }
      this.options.onDelivery?.(entry);
    } catch (error) {
      this.options.onDelivery?.({ ...entry, error: (error as Error).message });
    }
  }

  /**
   * Stops accepting retries, waits up to `drainMs` for running events, and
   * reports what is left (events waiting for a retry are not lost silently:
   * their count is returned and their ids logged by the caller).
   */
  public async close(drainMs: number): Promise<{ undelivered: number; requestIds: string[] }> {
    this.closing = true;
    // Events waiting for a retry delay run now, once, so they reach their DLQ.
    for (const event of this.pending.values()) {
      if (event.timer) {
        clearTimeout(event.timer);
        this.schedule(event, 0);
      }
    }
    const deadline = Date.now() + drainMs;
    while ((this.running.size > 0 || [...this.pending.values()].some((e) => e.timer)) && Date.now() < deadline) {
      // A real timer each round: Promise.all([]) alone would resolve at once and starve the retry timers.
      await Promise.race([...this.running, new Promise((r) => setTimeout(r, 20))]);
    }
    const left = [...this.pending.keys()];
    for (const event of this.pending.values()) if (event.timer) clearTimeout(event.timer);
    const clients = await this.clients;
    clients?.destroy();
    return { undelivered: left.length, requestIds: left };
  }
}

interface Clients {
  readonly sqs: import('@aws-sdk/client-sqs').SQSClient;
  readonly sns: import('@aws-sdk/client-sns').SNSClient;
  readonly events: import('@aws-sdk/client-eventbridge').EventBridgeClient;
  readonly GetQueueUrlCommand: typeof import('@aws-sdk/client-sqs').GetQueueUrlCommand;
  readonly SendMessageCommand: typeof import('@aws-sdk/client-sqs').SendMessageCommand;
  readonly PublishCommand: typeof import('@aws-sdk/client-sns').PublishCommand;
  readonly PutEventsCommand: typeof import('@aws-sdk/client-eventbridge').PutEventsCommand;
  destroy(): void;
}

async function createClients(endpoint: string, region: string): Promise<Clients> {
  const [sqsModule, snsModule, eventsModule] = await Promise.all([import('@aws-sdk/client-sqs'), import('@aws-sdk/client-sns'), import('@aws-sdk/client-eventbridge')]);
  const config = {
    endpoint,
    region,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'lambdakit-local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'lambdakit-local' },
  };
  const sqs = new sqsModule.SQSClient(config);
  const sns = new snsModule.SNSClient(config);
  const events = new eventsModule.EventBridgeClient(config);
  return {
    sqs,
    sns,
    events,
    GetQueueUrlCommand: sqsModule.GetQueueUrlCommand,
    SendMessageCommand: sqsModule.SendMessageCommand,
    PublishCommand: snsModule.PublishCommand,
    PutEventsCommand: eventsModule.PutEventsCommand,
    destroy: () => {
      sqs.destroy();
      sns.destroy();
      events.destroy();
    },
  };
}
