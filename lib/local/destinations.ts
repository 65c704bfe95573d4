/**
 * Delivery to the places Lambda sends records: dead-letter queues and topics,
 * the on-success and on-failure destinations of asynchronous invocations, and
 * the on-failure destinations of stream event source mappings. The one module
 * that writes to them, for the async queue and `lambdakit dev` alike.
 */

/** What is delivered: the message body, and the attributes or detail type the target service carries. */
export interface DestinationMessage {
  readonly body: string;
  /** SQS message attributes / SNS message attributes (dead letters carry RequestID, ErrorCode, ErrorMessage). */
  readonly attributes?: Readonly<Record<string, { readonly DataType: string; readonly StringValue: string }>>;
  /** EventBridge `detail-type` of a destination record. @default 'Lambda Function Invocation Result' */
  readonly detailType?: string;
}

export interface DestinationsOptions {
  readonly region: string;
  /** Endpoint of the local services (moto) that hold the queues, topics and buses. */
  readonly endpoint?: string;
  /** Delivers to a Lambda function (an asynchronous invocation of it); without it Lambda targets fail. */
  readonly invokeFunction?: (functionArn: string, payload: Buffer, trigger: string) => void;
}

/** Why a delivery failed, in a sentence that names the target. */
export class DeliveryError extends Error {}

export class Destinations {
  private clients?: Promise<Clients>;

  constructor(private readonly options: DestinationsOptions) {}

  /**
   * Delivers `message` to the queue, topic, bus or function `arn`. `from` names the sender
   * (a construct path) for the invocation a Lambda target receives. Throws a DeliveryError.
   */
  public async send(arn: string, message: DestinationMessage, from: string): Promise<void> {
    const parts = arn.split(':');
    const service = parts[2];
    if (service === 'lambda') {
      if (!this.options.invokeFunction) throw new DeliveryError(`cannot invoke ${arn}: no local runtime to run it`);
      this.options.invokeFunction(arn, Buffer.from(message.body), `destination of ${from}`);
      return;
    }
    if (!['sqs', 'sns', 'events'].includes(service)) throw new DeliveryError(`destination service ${service} of ${arn} is not supported locally (sqs, sns, events and lambda are)`);
    if (!this.options.endpoint) throw new DeliveryError('no local services endpoint is configured for dead letters and destinations');
    const clients = await (this.clients ??= createClients(this.options.endpoint, this.options.region));
    if (service === 'sqs') {
      const { QueueUrl } = await clients.sqs.send(new clients.GetQueueUrlCommand({ QueueName: parts[5], QueueOwnerAWSAccountId: parts[4] }));
      await clients.sqs.send(new clients.SendMessageCommand({ QueueUrl, MessageBody: message.body, MessageAttributes: message.attributes }));
    } else if (service === 'sns') {
      await clients.sns.send(new clients.PublishCommand({ TopicArn: arn, Message: message.body, MessageAttributes: message.attributes }));
    } else {
      const result = await clients.events.send(
        new clients.PutEventsCommand({ Entries: [{ EventBusName: arn, Source: 'lambda', DetailType: message.detailType ?? 'Lambda Function Invocation Result', Detail: message.body }] }),
      );
      const failed = result.Entries?.find((e) => e.ErrorCode);
      if (failed) throw new DeliveryError(`${failed.ErrorCode}: ${failed.ErrorMessage ?? ''}`);
    }
  }

  /** Releases the service clients (idempotent). */
  public async close(): Promise<void> {
    const clients = await this.clients?.catch(() => undefined);
    this.clients = undefined;
    clients?.destroy();
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

/** The SDK clients are loaded on the first delivery: most local runs never dead-letter anything. */
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
