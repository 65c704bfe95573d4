import type { SNSEvent, SNSMessageAttributes } from 'aws-lambda';
import { EventContext, invalidOption, type EventEnvironment } from './context';

export interface SnsEventOptions extends EventEnvironment {
  /** Topic name. @default 'example-topic' */
  readonly topic?: string;
  /** Message body. @default - a small JSON document */
  readonly message?: string;
  /** Subject. @default - none */
  readonly subject?: string;
  /** String message attributes. @default - none */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** The event SNS sends to a subscribed function: always one record per invocation. */
export function snsEvent(options: SnsEventOptions = {}): SNSEvent {
  const context = new EventContext(options);
  const topic = options.topic ?? 'example-topic';
  if (!/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(topic)) invalidOption('topic', `"${topic}" is not a topic name`, topic, 'use letters, digits, hyphens and underscores');
  const topicArn = context.arn('sns', topic);
  const subscriptionArn = `${topicArn}:${context.uuid()}`;
  const attributes: SNSMessageAttributes = {};
  for (const [name, value] of Object.entries(options.attributes ?? {})) attributes[name] = { Type: 'String', Value: value };
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        EventSource: 'aws:sns',
        Sns: {
          Type: 'Notification',
          MessageId: context.uuid(),
          TopicArn: topicArn,
          ...(options.subject !== undefined ? { Subject: options.subject } : {}),
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
