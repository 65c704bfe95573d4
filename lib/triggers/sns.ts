import { Duration, Fn } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledge } from '../private/acknowledgements';
import { type ITrigger, OptionChecks, type TriggerTarget, allowInvoke, sourceName, uniqueId } from './trigger';

export interface TopicTriggerProps {
  /**
   * Filter on message attributes: only matching messages invoke the function.
   * @default - every message
   */
  readonly filterPolicy?: { [attribute: string]: sns.SubscriptionFilter };
  /**
   * Filter on the message body (a JSON message). Cannot be combined with `filterPolicy`.
   * @default - no body filter
   */
  readonly filterPolicyWithMessageBody?: { [key: string]: sns.FilterOrPolicy };
  /**
   * Where SNS puts messages it could not deliver (for example when the function
   * is throttled beyond SNS's retries). Must be a standard queue.
   * @default - a new SSE, SSL-only queue with 14 days retention
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/**
 * Subscribes the function's alias to an SNS topic, with a dead-letter queue for
 * messages SNS could not deliver. The subscription and permission live with the
 * function, so a topic owned by another stack is only referenced, never modified.
 */
export class TopicTrigger implements ITrigger {
  public subscription?: sns.Subscription;
  public deadLetterQueue?: sqs.IQueue;

  constructor(public readonly topic: sns.ITopic, private readonly props: TopicTriggerProps = {}) {}

  public bind(target: TriggerTarget): void {
    const checks = new OptionChecks(target.node.path, `TopicTrigger on ${this.topic.node.path}`);
    if (this.props.filterPolicy && this.props.filterPolicyWithMessageBody) {
      checks.fail('FilterPolicyConflict', 'filterPolicy (message attributes) and filterPolicyWithMessageBody cannot both be set: a subscription filters one scope');
    }
    if (this.topic.fifo) {
      checks.fail('FifoTopicToLambda', `topic ${this.topic.node.path} is a FIFO topic; SNS delivers FIFO topics only to SQS queues`);
    }
    if (this.props.deadLetterQueue?.fifo) {
      checks.fail('FifoDeadLetterQueue', `deadLetterQueue ${this.props.deadLetterQueue.node.path} is FIFO; a standard topic needs a standard dead-letter queue`);
    }
    checks.throwIfAny();

    const base = `Sns${sourceName(this.topic)}`;
    let dlq = this.props.deadLetterQueue;
    if (!dlq) {
      const queue = new sqs.Queue(target, uniqueId(target, `${base}DeadLetters`), {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      acknowledge(queue, 'deadLetterQueue');
      dlq = queue;
    }
    this.deadLetterQueue = dlq;
    allowInvoke(target, uniqueId(target, `${base}Permission`), target, 'sns.amazonaws.com', this.topic.topicArn);
    this.subscription = new sns.Subscription(target, uniqueId(target, base), {
      topic: this.topic,
      protocol: sns.SubscriptionProtocol.LAMBDA,
      // The alias ARN spelled as `<function arn>:<alias>`: CloudFormation validators
      // expect a function reference in a lambda subscription's endpoint.
      endpoint: Fn.join(':', [target.alias.version.lambda.functionArn, target.alias.aliasName]),
      filterPolicy: this.props.filterPolicy,
      filterPolicyWithMessageBody: this.props.filterPolicyWithMessageBody,
      deadLetterQueue: dlq,
    });
    this.subscription.node.addDependency(target.alias);
  }
}
