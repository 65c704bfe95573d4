import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledge } from '../private/acknowledgements';
import { type ITrigger, OptionChecks, type TriggerTarget, isFifoQueue, uniqueId } from './trigger';

/** Delivery settings shared by EventBridge rules and schedules. */
export interface TargetDeliveryProps {
  /**
   * Times EventBridge retries an invocation it could not make (throttling,
   * service errors), 0-185.
   * @default 185 (the EventBridge default, kept explicit)
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps retrying an event, 60 s-24 h.
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;
  /**
   * Where events that could not be delivered go. Must be a standard queue.
   * @default - a new SSE, SSL-only queue with 14 days retention
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

export interface EventRuleTriggerProps extends TargetDeliveryProps {
  /** The events that invoke the function (EventBridge pattern syntax: prefix, anything-but, numeric, exists...). */
  readonly eventPattern: events.EventPattern;
  /**
   * The bus the rule listens on.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * Rule description.
   * @default - none
   */
  readonly description?: string;
}

/** Checks the delivery options and returns the dead-letter queue to use (created in the target when not given). */
export function deliveryDeadLetterQueue(target: TriggerTarget, base: string, props: TargetDeliveryProps, checks: OptionChecks): sqs.IQueue {
  checks.range('retryAttempts', props.retryAttempts, 0, 185);
  checks.seconds('maxEventAge', props.maxEventAge, 60, 86_400);
  if (props.deadLetterQueue && isFifoQueue(props.deadLetterQueue)) {
    checks.fail('FifoDeadLetterQueue', `deadLetterQueue ${props.deadLetterQueue.node.path} is a FIFO queue; EventBridge dead-letter queues must be standard queues`);
  }
  checks.throwIfAny();
  if (props.deadLetterQueue) return props.deadLetterQueue;
  const queue = new sqs.Queue(target, uniqueId(target, `${base}DeadLetters`), {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(queue, 'deadLetterQueue');
  return queue;
}

/**
 * An EventBridge rule that sends matching events to the function's alias, with
 * a retry policy and a dead-letter queue. The rule lives with the function and
 * only references the bus, so a bus owned by another stack works both ways.
 */
export class EventRuleTrigger implements ITrigger {
  public rule?: events.Rule;
  public deadLetterQueue?: sqs.IQueue;

  constructor(private readonly props: EventRuleTriggerProps) {}

  public bind(target: TriggerTarget): void {
    const busName = this.props.eventBus ? this.props.eventBus.node.id : 'Default';
    const base = `Rule${busName}`;
    const checks = new OptionChecks(target.node.path, `EventRuleTrigger on ${this.props.eventBus?.node.path ?? 'the default bus'}`);
    if (Object.keys(this.props.eventPattern).length === 0) checks.fail('EmptyEventPattern', 'eventPattern is empty; it would match no event');
    const dlq = deliveryDeadLetterQueue(target, base, this.props, checks);
    this.deadLetterQueue = dlq;
    this.rule = new events.Rule(target, uniqueId(target, base), {
      eventBus: this.props.eventBus,
      eventPattern: this.props.eventPattern,
      description: this.props.description,
      targets: [
        new targets.LambdaFunction(target.alias, {
          deadLetterQueue: dlq,
          retryAttempts: this.props.retryAttempts ?? 185,
          maxEventAge: this.props.maxEventAge ?? Duration.hours(24),
        }),
      ],
    });
  }
}
