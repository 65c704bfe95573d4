import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type FilterPattern, type FilterSource, checkFilters } from './filters';
import { type FailureDestination, type ITrigger, OptionChecks, type TriggerTarget, bindFailureDestination, sourceName, uniqueId } from './trigger';

/** Options shared by DynamoDB Streams and Kinesis mappings. */
export interface StreamTriggerProps {
  /**
   * Where reading starts when the mapping is created.
   * @default lambda.StartingPosition.LATEST
   */
  readonly startingPosition?: lambda.StartingPosition;
  /**
   * Records per batch, 1-10,000.
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * How long to gather records before invoking, 0-300 s.
   * @default - no window
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Split a failing batch in two and retry the halves, isolating the bad record.
   * @default true
   */
  readonly bisectBatchOnError?: boolean;
  /**
   * Retries of a failing batch, 0-10,000 (-1 retries until the record expires).
   * The AWS default is infinite, which blocks the shard; lambdakit caps it.
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * Oldest record age still sent to the function, 60 s-7 days.
   * @default Duration.hours(1)
   */
  readonly maxRecordAge?: Duration;
  /**
   * Concurrent batches per shard, 1-10 (order is kept per partition key).
   * @default 1
   */
  readonly parallelizationFactor?: number;
  /**
   * Where records that exhausted their retries are described: a standard SQS queue
   * or SNS topic (FIFO ones are rejected). Strongly advised: without it, dropped
   * records leave no trace.
   * @default - none
   */
  readonly onFailure?: FailureDestination;
  /**
   * Event filtering patterns on the stream record.
   * @default - every record invokes
   */
  readonly filters?: FilterPattern[];
  /**
   * Partial batch responses: return `{ batchItemFailures: [{ itemIdentifier: sequenceNumber }] }`
   * so only the failed record and those after it are retried.
   * @default true
   */
  readonly reportBatchItemFailures?: boolean;
  /**
   * Tumbling window: state is carried between invocations of one window, 0-900 s.
   * @default - no window
   */
  readonly tumblingWindow?: Duration;
  /**
   * Start with the mapping disabled.
   * @default true
   */
  readonly enabled?: boolean;
}

interface StreamSource {
  readonly kind: FilterSource;
  readonly label: string;
  readonly arn: string;
  readonly readActions: string[];
  readonly keyArn?: string;
}

function bindStream(target: TriggerTarget, source: StreamSource, sourceId: string, props: StreamTriggerProps): lambda.EventSourceMapping {
  const checks = new OptionChecks(target.node.path, `${source.kind === 'dynamodb' ? 'TableStreamTrigger' : 'KinesisTrigger'} on ${source.label}`);
  checks.range('batchSize', props.batchSize, 1, 10_000);
  checks.seconds('maxBatchingWindow', props.maxBatchingWindow, 0, 300);
  checks.range('parallelizationFactor', props.parallelizationFactor, 1, 10);
  if (props.retryAttempts !== -1) checks.range('retryAttempts', props.retryAttempts, 0, 10_000);
  checks.seconds('maxRecordAge', props.maxRecordAge, 60, 604_800);
  checks.seconds('tumblingWindow', props.tumblingWindow, 0, 900);
  const filters = checkFilters(source.kind, props.filters, checks);
  const onFailure = props.onFailure ? bindFailureDestination(target, props.onFailure, checks) : undefined;
  checks.throwIfAny();

  target.addToRolePolicy(new iam.PolicyStatement({ actions: source.readActions, resources: [source.arn] }));
  if (source.keyArn) target.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [source.keyArn] }));
  return new lambda.EventSourceMapping(target, uniqueId(target, sourceId), {
    target: target.alias,
    eventSourceArn: source.arn,
    startingPosition: props.startingPosition ?? lambda.StartingPosition.LATEST,
    batchSize: props.batchSize ?? 100,
    maxBatchingWindow: props.maxBatchingWindow,
    bisectBatchOnError: props.bisectBatchOnError ?? true,
    retryAttempts: props.retryAttempts ?? 3,
    maxRecordAge: props.maxRecordAge ?? Duration.hours(1),
    parallelizationFactor: props.parallelizationFactor ?? 1,
    onFailure,
    filters,
    reportBatchItemFailures: props.reportBatchItemFailures ?? true,
    tumblingWindow: props.tumblingWindow,
    enabled: props.enabled,
  });
}

/**
 * Invokes the function's alias with the change records of a DynamoDB table's
 * stream. The role gets the four stream read actions on this stream's ARN only.
 */
export class TableStreamTrigger implements ITrigger {
  public mapping?: lambda.EventSourceMapping;

  constructor(public readonly table: dynamodb.ITable, private readonly props: StreamTriggerProps = {}) {}

  public bind(target: TriggerTarget): void {
    const arn = this.table.tableStreamArn;
    if (!arn) {
      new OptionChecks(target.node.path, `TableStreamTrigger on ${this.table.node.path}`)
        .fail('TableHasNoStream', `table ${this.table.node.path} has no stream; create it with \`stream: StreamViewType.NEW_AND_OLD_IMAGES\` (or import it with tableStreamArn)`)
        .throwIfAny();
      return;
    }
    this.mapping = bindStream(
      target,
      {
        kind: 'dynamodb',
        label: this.table.node.path,
        arn,
        readActions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
        keyArn: this.table.encryptionKey?.keyArn,
      },
      `Stream${sourceName(this.table)}`,
      this.props,
    );
  }
}

/**
 * Invokes the function's alias with records of a Kinesis data stream. The role
 * gets the stream read actions on this stream's ARN only (and decrypt on its key).
 */
export class KinesisTrigger implements ITrigger {
  public mapping?: lambda.EventSourceMapping;

  constructor(public readonly stream: kinesis.IStream, private readonly props: StreamTriggerProps = {}) {}

  public bind(target: TriggerTarget): void {
    this.mapping = bindStream(
      target,
      {
        kind: 'kinesis',
        label: this.stream.node.path,
        arn: this.stream.streamArn,
        readActions: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
          'kinesis:SubscribeToShard',
        ],
        keyArn: this.stream.encryptionKey?.keyArn,
      },
      `Kinesis${sourceName(this.stream)}`,
      this.props,
    );
  }
}
