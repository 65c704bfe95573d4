import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  BucketTrigger,
  EventRuleTrigger,
  FunctionUrlTrigger,
  HttpApi,
  KinesisTrigger,
  LambdaFunction,
  QueueTrigger,
  ScheduleTrigger,
  SecureBucket,
  TableStreamTrigger,
  TopicTrigger,
  WorkQueue,
  type PowertoolsOptions,
} from '../lib';

/** Every example function logs and counts with Powertools for AWS Lambda under one metrics namespace. */
function powertools(serviceName: string, options: Omit<PowertoolsOptions, 'serviceName' | 'metricsNamespace'> = {}): PowertoolsOptions {
  return { serviceName, metricsNamespace: 'LambdakitExample', ...options };
}

/**
 * The example application's stacks: data (table, bucket, queue, topic,
 * stream, bus), the HTTP API, and the event processors. Data is only ever
 * referenced by the other two, so each can be deployed on its own.
 */
export class DataStack extends Stack {
  public readonly table: dynamodb.Table;
  /** Powertools' idempotency records of POST /orders (partition key `id`, TTL on `expiration`). */
  public readonly idempotency: dynamodb.Table;
  public readonly uploads: SecureBucket;
  public readonly jobs: WorkQueue;
  public readonly orders: sns.Topic;
  public readonly clicks: kinesis.Stream;
  public readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // One table for users, orders, images, jobs, audit entries and metrics (see functions/README.md).
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Records expire by themselves (Powertools writes `expiration`); nothing in them outlives a retry window.
    this.idempotency = new dynamodb.Table(this, 'Idempotency', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.uploads = new SecureBucket(this, 'Uploads');
    // Visibility: six times the worker's 10 s timeout plus its 1 s batching window, rounded up.
    this.jobs = new WorkQueue(this, 'Jobs', { maxReceiveCount: 3, visibilityTimeout: Duration.seconds(90) });
    const topicKey = new kms.Key(this, 'OrdersKey', { enableKeyRotation: true, description: 'Encrypts the orders topic' });
    this.orders = new sns.Topic(this, 'Orders', { masterKey: topicKey, enforceSSL: true });
    this.clicks = new kinesis.Stream(this, 'Clicks', { shardCount: 1, encryption: kinesis.StreamEncryption.MANAGED });
    this.bus = new events.EventBus(this, 'Bus');

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'UploadsBucketName', { value: this.uploads.bucketName });
    new CfnOutput(this, 'JobsQueueUrl', { value: this.jobs.queueUrl });
    new CfnOutput(this, 'JobsDeadLetterQueueUrl', { value: this.jobs.deadLetterQueue.queue.queueUrl });
    new CfnOutput(this, 'OrdersTopicArn', { value: this.orders.topicArn });
    new CfnOutput(this, 'ClicksStreamName', { value: this.clicks.streamName });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
  }
}

export interface ApiStackProps extends StackProps {
  readonly data: DataStack;
}

/** The HTTP API: greeting, user lookup, idempotent order intake and price quotes (Python). */
export class ApiStack extends Stack {
  public readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { table, idempotency } = props.data;
    this.api = new HttpApi(this, 'Http', { urlOutputId: 'ApiUrl' });

    const hello = new LambdaFunction(this, 'Hello', { entry: 'functions/hello/handler.ts', powertools: powertools('hello') });
    // The greeting is deliberately public; user and order routes are IAM-authorized.
    this.api.addRoute('GET /hello', hello, { auth: 'none' });

    const users = new LambdaFunction(this, 'GetUser', { entry: 'functions/users/handler.ts', powertools: powertools('users') });
    users.useTable(table, { access: 'read' });
    this.api.addRoute('GET /users/{userId}', users);

    // Powertools' idempotency utility keeps each order's response in `idempotency` (the option grants its four actions).
    const orders = new LambdaFunction(this, 'CreateOrder', { entry: 'functions/orders/handler.ts', powertools: powertools('orders', { idempotencyTable: idempotency }) });
    orders.useTable(table, { access: 'write' }); // a conditional PutItem: retries are answered by the idempotency store
    this.api.addRoute('POST /orders', orders);

    // Python, with a package of this repository as its dependency (functions/pricing).
    const quote = new LambdaFunction(this, 'Quote', { entry: 'functions/quote/handler.py' });
    this.api.addRoute('GET /quote', quote, { auth: 'none' });

    // Every order as newline-delimited JSON, streamed (awslambda.streamifyResponse) through an
    // IAM-authorized function URL in RESPONSE_STREAM mode.
    const exportOrders = new LambdaFunction(this, 'ExportOrders', {
      entry: 'functions/export/handler.ts',
      triggers: [new FunctionUrlTrigger({ invokeMode: lambda.InvokeMode.RESPONSE_STREAM })],
    });
    exportOrders.useTable(table, { access: 'read' });
  }
}

export interface ProcessingStackProps extends StackProps {
  readonly data: DataStack;
}

/** Everything that reacts to data: uploads, jobs, the schedule, the change stream, fan-out, clicks and routed events. */
export class ProcessingStack extends Stack {
  constructor(scope: Construct, id: string, props: ProcessingStackProps) {
    super(scope, id, props);
    const { table, uploads, jobs, orders, clicks, bus } = props.data;

    new LambdaFunction(this, 'ProcessImage', {
      entry: 'functions/images/handler.ts', powertools: powertools('images'),
      timeout: Duration.seconds(30),
      memorySize: 1024,
      triggers: [new BucketTrigger(uploads, { prefix: 'uploads/' })],
    })
      .useBucket(uploads, { access: 'read', prefix: 'uploads/' })
      .useBucket(uploads, { access: 'write', prefix: 'processed/' })
      .useTable(table, { access: 'write' });

    new LambdaFunction(this, 'Worker', {
      entry: 'functions/jobs/handler.ts', powertools: powertools('jobs'),
      triggers: [new QueueTrigger(jobs, { batchSize: 10, maxBatchingWindow: Duration.seconds(1) })],
    }).useTable(table, { access: 'write' });

    new LambdaFunction(this, 'Cleanup', {
      entry: 'functions/cleanup/handler.ts', powertools: powertools('cleanup'),
      timeout: Duration.minutes(5),
      triggers: [new ScheduleTrigger({ schedule: 'rate(1 hour)' })],
    }).useTable(table, { access: 'readWrite' });

    const auditFailures = new WorkQueue(this, 'AuditFailures');
    new LambdaFunction(this, 'Audit', {
      entry: 'functions/audit/handler.ts', powertools: powertools('audit'),
      triggers: [new TableStreamTrigger(table, { startingPosition: lambda.StartingPosition.TRIM_HORIZON, onFailure: auditFailures })],
    })
      .useTable(table, { access: 'write' })
      .useTopic(orders)
      .useEventBus(bus);

    new LambdaFunction(this, 'Notify', {
      entry: 'functions/notifications/handler.ts', powertools: powertools('notifications'),
      triggers: [new TopicTrigger(orders)],
    }).useTable(table, { access: 'write' });

    new LambdaFunction(this, 'Analytics', {
      entry: 'functions/analytics/handler.ts', powertools: powertools('analytics'),
      triggers: [new TopicTrigger(orders)],
    }).useTable(table, { access: 'write' });

    const clickFailures = new WorkQueue(this, 'ClickFailures');
    new LambdaFunction(this, 'Clicks', {
      entry: 'functions/clicks/handler.ts', powertools: powertools('clicks'),
      triggers: [
        new KinesisTrigger(clicks, {
          startingPosition: lambda.StartingPosition.TRIM_HORIZON,
          tumblingWindow: Duration.minutes(1),
          batchSize: 500,
          maxBatchingWindow: Duration.seconds(5),
          onFailure: clickFailures,
        }),
      ],
    }).useTable(table, { access: 'write' });

    new LambdaFunction(this, 'RouteOrder', {
      entry: 'functions/routing/handler.ts', powertools: powertools('routing'),
      triggers: [new EventRuleTrigger({ eventBus: bus, eventPattern: { source: ['lambdakit.orders'], detailType: ['order.placed'] } })],
    }).useTable(table, { access: 'write' });
  }
}
