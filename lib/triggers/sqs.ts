import { Duration, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledge } from '../private/acknowledgements';
import { type FilterPattern, checkFilters } from './filters';
import { type ITrigger, OptionChecks, type TriggerTarget, isFifoQueue, sourceName, uniqueId } from './trigger';

export interface QueueTriggerProps {
  /**
   * Messages per batch: 1-10 for FIFO queues, 1-10,000 for standard queues
   * (above 10 needs a batching window of at least 1 second).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long to gather messages before invoking, 0-300 s. Not available for FIFO queues.
   * @default - no window (invoke as soon as messages are available)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Most concurrent invocations this queue may cause, 2-1,000.
   * @default - no limit beyond the function's own concurrency
   */
  readonly maxConcurrency?: number;
  /**
   * Partial batch responses: the handler returns `{ batchItemFailures: [{ itemIdentifier }] }`
   * and only those messages are retried, instead of the whole batch.
   * @default true
   */
  readonly reportBatchItemFailures?: boolean;
  /**
   * Event filtering: messages that match none of these patterns are deleted
   * without invoking. Patterns address the SQS record (`body`, `attributes`,
   * `messageAttributes`, ...); other top-level keys fail synth.
   * @default - every message invokes
   */
  readonly filters?: FilterPattern[];
  /**
   * Start with the mapping disabled.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Not available for SQS: Lambda offers no on-failure destination for queue
   * mappings. Failed messages return to the queue and move to its redrive
   * dead-letter queue after `maxReceiveCount` receives (see `WorkQueue`).
   * Setting it fails synth.
   * @default - none (use the queue's redrive policy)
   */
  readonly onFailure?: unknown;
}

const MIN_VISIBILITY_FACTOR = 6;

/**
 * Invokes the function's alias with batches of messages from an SQS queue.
 * The role gets receive, delete, change-visibility and get-attributes on this
 * queue only (and decrypt on its KMS key, if it has one).
 */
export class QueueTrigger implements ITrigger {
  public mapping?: lambda.EventSourceMapping;

  constructor(public readonly queue: sqs.IQueue, private readonly props: QueueTriggerProps = {}) {}

  public bind(target: TriggerTarget): void {
    const props = this.props;
    const fifo = isFifoQueue(this.queue);
    const checks = new OptionChecks(target.node.path, `QueueTrigger on ${this.queue.node.path}`);
    const batchSize = props.batchSize ?? 10;
    checks.range('batchSize', batchSize, 1, fifo ? 10 : 10_000);
    checks.seconds('maxBatchingWindow', props.maxBatchingWindow, 0, 300);
    checks.range('maxConcurrency', props.maxConcurrency, 2, 1000);
    if (fifo && props.maxBatchingWindow !== undefined) {
      checks.fail('BatchingWindowWithFifo', `maxBatchingWindow cannot be used with FIFO queue ${this.queue.node.path}`);
    }
    if (!fifo && batchSize > 10 && !Token.isUnresolved(batchSize) && (props.maxBatchingWindow === undefined || props.maxBatchingWindow.toSeconds() < 1)) {
      checks.fail('BatchingWindowRequired', `batchSize ${batchSize} is over 10, which needs a maxBatchingWindow of at least 1 s`);
    }
    if (props.onFailure !== undefined) {
      checks.fail(
        'SqsOnFailureUnsupported',
        'onFailure is not available for SQS mappings; failed messages go to the queue\'s redrive dead-letter queue (set maxReceiveCount on the queue, e.g. with WorkQueue)',
      );
    }
    const visibility = visibilityTimeoutSeconds(this.queue);
    const timeout = !target.timeout || target.timeout.isUnresolved() ? undefined : target.timeout.toSeconds();
    if (visibility !== undefined && timeout !== undefined) {
      const window = props.maxBatchingWindow && !props.maxBatchingWindow.isUnresolved() ? props.maxBatchingWindow.toSeconds() : 0;
      const needed = MIN_VISIBILITY_FACTOR * timeout + window;
      if (visibility < needed) {
        checks.fail(
          'VisibilityTimeoutTooShort',
          `queue ${this.queue.node.path} has a visibility timeout of ${visibility} s, shorter than six times the function timeout of ${timeout} s${window ? ` plus the ${window} s batching window` : ''} (${needed} s); messages would become visible again while a batch is still running`,
        );
      }
    }
    const filters = checkFilters('sqs', props.filters, checks);
    checks.throwIfAny();

    target.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
        resources: [this.queue.queueArn],
      }),
    );
    if (this.queue.encryptionMasterKey) {
      target.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.queue.encryptionMasterKey.keyArn] }));
    }
    this.mapping = new lambda.EventSourceMapping(target, uniqueId(target, `Sqs${sourceName(this.queue)}`), {
      target: target.alias,
      eventSourceArn: this.queue.queueArn,
      batchSize,
      maxBatchingWindow: props.maxBatchingWindow,
      maxConcurrency: props.maxConcurrency,
      reportBatchItemFailures: props.reportBatchItemFailures ?? true,
      filters,
      enabled: props.enabled,
    });
    acknowledge(this.mapping, 'sqsMappingDestination');
  }
}

/** The queue's visibility timeout in seconds, when this app defines the queue (30 s is SQS's default). */
function visibilityTimeoutSeconds(queue: sqs.IQueue): number | undefined {
  const cfn = queue.node.defaultChild;
  if (!(cfn instanceof sqs.CfnQueue)) return undefined;
  const value = cfn.visibilityTimeout;
  if (value === undefined) return 30;
  return Token.isUnresolved(value) ? undefined : value;
}
