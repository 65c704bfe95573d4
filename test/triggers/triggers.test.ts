import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  BucketTrigger,
  EventRuleTrigger,
  FunctionUrlTrigger,
  KinesisTrigger,
  LogSubscriptionTrigger,
  QueueTrigger,
  ScheduleTrigger,
  TableStreamTrigger,
  TopicTrigger,
  WorkQueue,
} from '../../lib';
import { newStack, template } from '../helpers';
import { fn, sources, statements } from './fixture';

function setup() {
  const { stack } = newStack('T');
  return { stack, s: sources(stack), f: fn(stack) };
}

test('SQS: partial batch responses on, batch of 10, and exactly the four consumer actions on that queue', () => {
  const { stack, s, f } = setup();
  f.addTrigger(new QueueTrigger(s.queue, { maxConcurrency: 5 }));
  const t = template(stack);
  t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Jobs'), 'Arn'] },
    BatchSize: 10,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    ScalingConfig: { MaximumConcurrency: 5 },
  });
  const consumer = statements(t.toJSON()).find((st) => [st.Action].flat().includes('sqs:ReceiveMessage'));
  assert.deepEqual(consumer?.Action, ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes']);
  assert.deepEqual(consumer?.Resource, { 'Fn::GetAtt': [Object.keys(t.toJSON().Resources).find((k) => /^Jobs[0-9A-F]{8}$/.test(k)), 'Arn'] });
  // The work queue's redrive policy sends poison messages to its dead-letter queue after 5 receives.
  t.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { maxReceiveCount: 5 }, VisibilityTimeout: 60, SqsManagedSseEnabled: true });
});

test('SQS: a visibility timeout shorter than six times the function timeout fails synth naming both values', () => {
  const { stack, f } = setup();
  const queue = new sqs.Queue(stack, 'Short', { visibilityTimeout: Duration.seconds(30) });
  assert.throws(() => f.addTrigger(new QueueTrigger(queue)), (e: Error) => {
    assert.match(e.message, /^T\/Fn: QueueTrigger on T\/Short: queue T\/Short has a visibility timeout of 30 s, shorter than six times the function timeout of 10 s \(60 s\)/);
    return true;
  });
});

test('SQS: bad options fail synth with the construct named, all problems at once', () => {
  const { stack, s, f } = setup();
  const fifo = new WorkQueue(stack, 'Ordered', { fifo: true });
  assert.throws(
    () => f.addTrigger(new QueueTrigger(fifo, { batchSize: 20, maxBatchingWindow: Duration.seconds(5) })),
    /T\/Fn: QueueTrigger on T\/Ordered: batchSize 20 is outside 1-10; maxBatchingWindow cannot be used with FIFO queue T\/Ordered/,
  );
  assert.throws(() => f.addTrigger(new QueueTrigger(s.queue, { batchSize: 0 })), /batchSize 0 is outside 1-10000/);
  assert.throws(() => f.addTrigger(new QueueTrigger(s.queue, { batchSize: 100 })), /batchSize 100 is over 10, which needs a maxBatchingWindow of at least 1 s/);
  assert.throws(() => f.addTrigger(new QueueTrigger(s.queue, { onFailure: s.failures })), /onFailure is not available for SQS mappings; failed messages go to the queue's redrive dead-letter queue/);
  assert.throws(() => f.addTrigger(new QueueTrigger(s.queue, { filters: [{ dynamodb: { Keys: {} } }] })), /filter key "dynamodb" does not exist on sqs records/);
});

test('DynamoDB stream: capped retries, bisect, one hour max age, LATEST, on-failure queue, and the stream read actions on the stream ARN only', () => {
  const { stack, s, f } = setup();
  f.addTrigger(new TableStreamTrigger(s.table, { onFailure: s.failures, filters: [{ eventName: ['INSERT'] }] }));
  const t = template(stack);
  t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Table'), 'StreamArn'] },
    StartingPosition: 'LATEST',
    BatchSize: 100,
    BisectBatchOnFunctionError: true,
    MaximumRetryAttempts: 3,
    MaximumRecordAgeInSeconds: 3600,
    ParallelizationFactor: 1,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] },
    DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Failures'), 'Arn'] } } },
  });
  const read = statements(t.toJSON()).find((st) => [st.Action].flat().includes('dynamodb:GetRecords'));
  assert.deepEqual(read?.Resource, { 'Fn::GetAtt': [Object.keys(t.toJSON().Resources).find((k) => /^Table[0-9A-F]{8}$/.test(k)), 'StreamArn'] });
  const send = statements(t.toJSON()).filter((st) => st.Action === 'sqs:SendMessage').map((st) => JSON.stringify(st.Resource));
  assert.ok(send.some((r) => r.includes('Failures')), 'the role may send failure records to the destination queue');
});

test('Kinesis: tumbling window, parallelization, SNS on-failure destination; FIFO destinations and bad ranges are rejected by name', () => {
  const { stack, s, f } = setup();
  f.addTrigger(new KinesisTrigger(s.stream, { tumblingWindow: Duration.seconds(120), parallelizationFactor: 4, onFailure: s.topic, startingPosition: lambda.StartingPosition.TRIM_HORIZON }));
  const t = template(stack);
  t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { TumblingWindowInSeconds: 120, ParallelizationFactor: 4, StartingPosition: 'TRIM_HORIZON' });
  assert.ok(statements(t.toJSON()).some((st) => st.Action === 'sns:Publish'));
  const fifoTopic = new sns.Topic(stack, 'FifoTopic', { fifo: true, enforceSSL: true });
  const fifoQueue = new sqs.Queue(stack, 'FifoQueue', { fifo: true });
  assert.throws(() => f.addTrigger(new KinesisTrigger(s.stream, { onFailure: fifoTopic })), /onFailure topic T\/FifoTopic is a FIFO topic/);
  assert.throws(() => f.addTrigger(new TableStreamTrigger(s.table, { onFailure: fifoQueue })), /onFailure queue T\/FifoQueue is a FIFO queue, which cannot receive failure records/);
  assert.throws(
    () => f.addTrigger(new KinesisTrigger(s.stream, { batchSize: 20_000, parallelizationFactor: 11, tumblingWindow: Duration.seconds(901) })),
    /batchSize 20000 is outside 1-10000; parallelizationFactor 11 is outside 1-10; tumblingWindow 901 s is outside 0-900 s/,
  );
  assert.throws(() => f.addTrigger(new KinesisTrigger(s.stream, { filters: [{ body: { a: [1] } }] })), /filter key "body" does not exist on kinesis records/);
});

test('SNS: subscription of the alias with a filter policy and its own encrypted dead-letter queue', () => {
  const { stack, s, f } = setup();
  f.addTrigger(new TopicTrigger(s.topic, { filterPolicy: { kind: sns.SubscriptionFilter.stringFilter({ allowlist: ['order'] }) } }));
  const t = template(stack);
  t.hasResourceProperties('AWS::SNS::Subscription', {
    Protocol: 'lambda',
    FilterPolicy: { kind: ['order'] },
    RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnSnsTopicDeadLetters'), 'Arn'] } },
  });
  t.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'sns.amazonaws.com', SourceArn: { Ref: Match.stringLikeRegexp('^Topic') } });
  assert.throws(
    () => f.addTrigger(new TopicTrigger(s.topic, { filterPolicy: {}, filterPolicyWithMessageBody: {} })),
    /filterPolicy \(message attributes\) and filterPolicyWithMessageBody cannot both be set/,
  );
});

test('S3: created events under a prefix and suffix; overlapping filters on one bucket are rejected with both functions named', () => {
  const { stack, s, f } = setup();
  f.addTrigger(new BucketTrigger(s.bucket, { prefix: 'uploads/', suffix: '.jpg', events: ['created', 'removed'] }));
  const t = template(stack);
  const config = t.findResources('Custom::S3BucketNotifications');
  const lambdaConfigs = Object.values(config)[0].Properties.NotificationConfiguration.LambdaFunctionConfigurations;
  assert.deepEqual(lambdaConfigs.map((c: { Events: string[] }) => c.Events[0]).sort(), ['s3:ObjectCreated:*', 's3:ObjectRemoved:*']);
  assert.deepEqual(lambdaConfigs[0].Filter.Key.FilterRules, [{ Name: 'suffix', Value: '.jpg' }, { Name: 'prefix', Value: 'uploads/' }]);
  t.hasResourceProperties('AWS::S3::Bucket', {
    BucketEncryption: Match.anyValue(),
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'Uploads/' }),
  });
  const other = fn(stack, 'Other');
  assert.throws(() => other.addTrigger(new BucketTrigger(s.bucket, { prefix: 'uploads/photos/' })), /created notifications with prefix "uploads\/photos\/" and suffix "" overlap those of T\/Fn/);
  other.addTrigger(new BucketTrigger(s.bucket, { prefix: 'archive/' }));
});

test('EventBridge: a rule on the bus with retry policy and dead-letter queue; an empty pattern is rejected', () => {
  const { stack, s, f } = setup();
  f.addTrigger(new EventRuleTrigger({ eventBus: s.bus, eventPattern: { source: ['lambdakit.orders'], detailType: ['order.placed'] }, retryAttempts: 4 }));
  const t = template(stack);
  t.hasResourceProperties('AWS::Events::Rule', {
    EventBusName: { Ref: Match.stringLikeRegexp('^Bus') },
    EventPattern: { source: ['lambdakit.orders'], 'detail-type': ['order.placed'] },
    Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 86400 }, DeadLetterConfig: { Arn: Match.anyValue() } })],
  });
  assert.throws(() => f.addTrigger(new EventRuleTrigger({ eventPattern: {} })), /eventPattern is empty/);
  assert.throws(() => f.addTrigger(new EventRuleTrigger({ eventPattern: { source: ['x'] }, retryAttempts: 200 })), /retryAttempts 200 is outside 0-185/);
});

test('Schedule: cron in a time zone through EventBridge Scheduler; malformed expressions and zones fail synth', () => {
  const { stack, f } = setup();
  f.addTrigger(new ScheduleTrigger({ schedule: 'rate(1 hour)' })).addTrigger(new ScheduleTrigger({ schedule: 'cron(0 3 * * ? *)', timeZone: 'Europe/Paris' }));
  const t = template(stack);
  t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 3 * * ? *)', ScheduleExpressionTimezone: 'Europe/Paris' });
  t.hasResourceProperties('AWS::Scheduler::Schedule', {
    ScheduleExpression: 'rate(1 hour)',
    Target: Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 }, DeadLetterConfig: Match.anyValue() }),
  });
  assert.throws(() => f.addTrigger(new ScheduleTrigger({ schedule: 'cron(0 3 * * *)' })), /has 5 cron fields; AWS cron has 6/);
  assert.throws(() => f.addTrigger(new ScheduleTrigger({ schedule: 'rate(1 hours)' })), /use the singular unit for 1/);
  assert.throws(() => f.addTrigger(new ScheduleTrigger({ schedule: 'cron(0 3 * * MON *)' })), /exactly one of day-of-month and day-of-week must be "\?"/);
  assert.throws(() => f.addTrigger(new ScheduleTrigger({ schedule: 'rate(5 minutes)', timeZone: 'Mars/Olympus' })), /timeZone "Mars\/Olympus" is not an IANA time zone/);
});

test('Logs: a subscription filter created after the permission it needs', () => {
  const { stack, s, f } = setup();
  f.addTrigger(new LogSubscriptionTrigger(s.logGroup));
  const t = template(stack).toJSON();
  const [filterId, filter] = Object.entries(t.Resources as Record<string, any>).find(([, r]) => r.Type === 'AWS::Logs::SubscriptionFilter')!;
  const [permissionId] = Object.entries(t.Resources as Record<string, any>).find(([, r]) => r.Type === 'AWS::Lambda::Permission' && r.Properties.Principal === 'logs.amazonaws.com')!;
  assert.ok(filter.DependsOn.includes(permissionId), `${filterId} depends on ${permissionId}`);
  assert.equal(filter.Properties.FilterPattern, '');
});

test('Function URL: IAM auth by default on the alias; a second URL is refused', () => {
  const { stack, f } = setup();
  f.addTrigger(new FunctionUrlTrigger());
  template(stack).hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', Qualifier: 'live' });
  assert.throws(() => f.addTrigger(new FunctionUrlTrigger({ authType: lambda.FunctionUrlAuthType.NONE })), /the alias already has a function URL/);
});

test('use* helpers grant the narrowest actions on the one resource and pass its name in the environment', () => {
  const { stack, s, f } = setup();
  f.useTable(s.table).useTopic(s.topic, { env: 'ORDERS_TOPIC' }).useEventBus(s.bus).useQueue(s.queue).useStream(s.stream).useBucket(s.bucket, { prefix: 'uploads/' });
  const t = template(stack);
  const env = t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });
  const vars = Object.values(env)[0].Properties.Environment.Variables;
  assert.deepEqual(Object.keys(vars).sort(), ['BUCKET_NAME', 'EVENT_BUS_NAME', 'NODE_OPTIONS', 'ORDERS_TOPIC', 'QUEUE_URL', 'STREAM_NAME', 'TABLE_NAME']);
  const actions = statements(t.toJSON()).map((st) => [st.Action].flat().join(','));
  assert.ok(actions.includes('dynamodb:GetItem,dynamodb:BatchGetItem,dynamodb:Query,dynamodb:Scan,dynamodb:ConditionCheckItem,dynamodb:DescribeTable'), 'read-only table access');
  assert.ok(!actions.some((a) => a.includes('dynamodb:PutItem')), 'no writes when access is read');
  assert.ok(actions.includes('s3:GetObject'));
  assert.throws(() => f.useTable(s.table, { env: '1BAD' }), /environment variable name "1BAD" must start with a letter/);
});
