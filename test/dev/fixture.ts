import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as logsDestinations from 'aws-cdk-lib/aws-logs-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { readAssembly } from '../../lib/assembly/read';
import type { AssemblyModel } from '../../lib/assembly/model';

/**
 * An app of two stacks built only from aws-cdk-lib's own constructs: `Data`
 * holds the queue (with its DLQ), tables (Table and TableV2, with streams), Kinesis stream,
 * topic and bus; `Fns` holds one function with a `live` alias, triggered by
 * every source dev wires, each reaching `Data` through cross-stack exports.
 */
export function synthFixture(): AssemblyModel {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-dev-'));
  const app = new App({ outdir, context: { 'aws:cdk:disable-stack-trace': true }, builtinCloudFormationValidation: false });

  const data = new Stack(app, 'Data');
  const dlq = new sqs.Queue(data, 'JobsDlq');
  const jobs = new sqs.Queue(data, 'Jobs', { visibilityTimeout: Duration.seconds(90), deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
  const orders = new dynamodb.Table(data, 'Orders', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    timeToLiveAttribute: 'expiresAt',
  });
  orders.addGlobalSecondaryIndex({ indexName: 'byStatus', partitionKey: { name: 'status', type: dynamodb.AttributeType.STRING } });
  const clicks = new kinesis.Stream(data, 'Clicks', { shardCount: 2 });
  const topic = new sns.Topic(data, 'Notices', { topicName: 'notices' });
  const bus = new events.EventBus(data, 'Bus', { eventBusName: 'app-bus' });
  new sqs.Queue(data, 'Ordered', { fifo: true });
  new dynamodb.TableV2(data, 'Sessions', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, dynamoStream: dynamodb.StreamViewType.KEYS_ONLY, timeToLiveAttribute: 'ttl' });

  const fns = new Stack(app, 'Fns');
  const fn = new lambda.Function(fns, 'Worker', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
  const live = new lambda.Alias(fns, 'Live', { aliasName: 'live', version: fn.currentVersion });
  const failures = new sqs.Queue(fns, 'StreamFailures');

  live.addEventSource(new sources.SqsEventSource(jobs, { batchSize: 5, maxBatchingWindow: Duration.seconds(2), reportBatchItemFailures: true, maxConcurrency: 4 }));
  live.addEventSource(
    new sources.DynamoEventSource(orders, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 50,
      bisectBatchOnError: true,
      retryAttempts: 2,
      maxRecordAge: Duration.hours(1),
      parallelizationFactor: 3,
      tumblingWindow: Duration.seconds(30),
      reportBatchItemFailures: true,
      onFailure: new sources.SqsDlq(failures),
      filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
    }),
  );
  live.addEventSource(new sources.KinesisEventSource(clicks, { startingPosition: lambda.StartingPosition.LATEST }));
  const topicDlq = new sqs.Queue(fns, 'TopicDlq');
  live.addEventSource(
    new sources.SnsEventSource(topic, {
      filterPolicy: { kind: sns.SubscriptionFilter.stringFilter({ allowlist: ['order'] }) },
      deadLetterQueue: topicDlq,
    }),
  );

  const uploads = new s3.Bucket(fns, 'Uploads');
  uploads.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(live), { prefix: 'uploads/', suffix: '.jpg' });

  const ruleDlq = new sqs.Queue(fns, 'RuleDlq');
  new events.Rule(fns, 'OrderPlaced', {
    eventBus: bus,
    eventPattern: { source: ['app.orders'], detailType: ['order.placed'] },
    targets: [new targets.LambdaFunction(live, { retryAttempts: 4, maxEventAge: Duration.hours(2), deadLetterQueue: ruleDlq, event: events.RuleTargetInput.fromObject({ id: events.EventField.fromPath('$.detail.id') }) })],
  });
  // A version as target: the rule invokes that exact version.
  new events.Rule(fns, 'Nightly', { schedule: events.Schedule.cron({ minute: '0', hour: '3' }), targets: [new targets.LambdaFunction(fn.currentVersion)] });
  new scheduler.Schedule(fns, 'Report', {
    schedule: scheduler.ScheduleExpression.cron({ minute: '30', hour: '8', weekDay: 'MON-FRI', timeZone: TimeZone.EUROPE_PARIS }),
    target: new schedulerTargets.LambdaInvoke(live, { input: scheduler.ScheduleTargetInput.fromObject({ report: 'daily' }), retryAttempts: 5 }),
  });

  const http = new apigwv2.HttpApi(fns, 'Http');
  http.addRoutes({ path: '/users/{id}', methods: [apigwv2.HttpMethod.GET], integration: new HttpLambdaIntegration('Users', live) });
  http.addRoutes({ path: '/legacy', methods: [apigwv2.HttpMethod.POST], integration: new HttpLambdaIntegration('Legacy', fn, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_1_0 }) });

  const rest = new apigw.RestApi(fns, 'Rest', { deployOptions: { stageName: 'v1' } });
  rest.root.addMethod('GET', new apigw.LambdaIntegration(live));
  rest.root.addResource('items').addResource('{id}').addMethod('PUT', new apigw.LambdaIntegration(live));

  live.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

  const appLogs = new logs.LogGroup(fns, 'AppLogs');
  new logs.SubscriptionFilter(fns, 'Errors', { logGroup: appLogs, destination: new logsDestinations.LambdaDestination(live), filterPattern: logs.FilterPattern.anyTerm('ERROR') });

  app.synth();
  return readAssembly(outdir);
}
