import type { SNSEvent, SNSMessageAttribute, SNSMessageAttributes } from 'aws-lambda';
import { EventContext, invalidOption, type EventEnvironment } from './context';

/** A message attribute as SNS hands it to Lambda: its data type and its value as text (Binary in base64). */
export type SnsAttributeValue = string | { readonly Type: string; readonly Value: string };

export interface SnsEventOptions extends EventEnvironment {
  /** Topic name. @default 'example-topic' */
  readonly topic?: string;
  /** Topic ARN, when known (a topic of another region or account). @default - the topic's ARN in this event's region and account */
  readonly topicArn?: string;
  /** The subscription's ARN. @default - the topic ARN and a generated id */
  readonly subscriptionArn?: string;
  /** The id SNS gave the published message. @default - generated */
  readonly messageId?: string;
  /** Message body. @default - a small JSON document */
  readonly message?: string;
  /** Subject. @default - none (`null`, as SNS sends it) */
  readonly subject?: string;
  /** Message attributes: a string is a `String` attribute. @default - none */
  readonly attributes?: Readonly<Record<string, SnsAttributeValue>>;
}

/** The event SNS sends to a subscribed function: always one record per invocation. */
export function snsEvent(options: SnsEventOptions = {}): SNSEvent {
  const context = new EventContext(options);
  const topic = options.topic ?? options.topicArn?.split(':').pop() ?? 'example-topic';
  if (!/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(topic)) invalidOption('topic', `"${topic}" is not a topic name`, topic, 'use letters, digits, hyphens and underscores');
  const topicArn = options.topicArn ?? context.arn('sns', topic);
  const subscriptionArn = options.subscriptionArn ?? `${topicArn}:${context.uuid()}`;
  const attributes: SNSMessageAttributes = {};
  for (const [name, value] of Object.entries(options.attributes ?? {})) {
    attributes[name] = (typeof value === 'string' ? { Type: 'String', Value: value } : { Type: value.Type, Value: value.Value }) as SNSMessageAttribute;
  }
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        EventSource: 'aws:sns',
        Sns: {
          Type: 'Notification',
          MessageId: options.messageId ?? context.uuid(),
          TopicArn: topicArn,
          // SNS sends "Subject": null for a message published without one (@types/aws-lambda says string).
          Subject: options.subject ?? (null as unknown as string),
          Message: options.message ?? '{"hello":"world"}',
          Timestamp: context.now.toISOString(),
          SignatureVersion: '1',
          Signature: context.base64(256),
          SigningCertUrl: `https://sns.${context.region}.amazonaws.com/SimpleNotificationService-${context.hex(32)}.pem`,
          UnsubscribeUrl: `https://sns.${context.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
          MessageAttributes: attributes,
        },
      },
    ],
  };
}
