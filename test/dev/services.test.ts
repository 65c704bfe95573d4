import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DescribeTableCommand, DescribeTimeToLiveCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { AssemblyModel, ResourceModel } from '../../lib/assembly/model';
import { TemplateResolver } from '../../lib/assembly/resolve';
import { readResources } from '../../lib/assembly/resources';
import { startMotoServer, type MotoServer } from '../../lib/dev/moto-server';
import { provisionServices as provisionModels, serviceClients, type ProvisionedResource, type ServiceClients } from '../../lib/dev/services';
import { synthFixture } from './fixture';

let moto: MotoServer;
let clients: ServiceClients;
let assembly: AssemblyModel;
let resolver: TemplateResolver;
let created: ProvisionedResource[];

// aws-cdk-lib's logical ids are the construct id plus an 8-digit hash.
const isId = (id: string, construct: string) => new RegExp(`^${construct}[0-9A-F]{8}$`).test(id);
const logicalId = (stack: string, construct: string) => assembly.stacks.find((s) => s.stackName === stack)!.resources.find((r) => isId(r.logicalId, construct))!.logicalId;
const nameOf = (stack: string, construct: string) => created.find((c) => c.stackName === stack && isId(c.logicalId, construct))!.name;

// Provisions what an assembly's models (read with the resolver's naming) describe.
const provisionServices = (model: AssemblyModel, local: TemplateResolver, services: ServiceClients, options?: { visibilityTimeoutSeconds?: number }) =>
  provisionModels(readResources(model, local), local, services, options);

before(async () => {
  assembly = synthFixture();
  moto = await startMotoServer();
  clients = serviceClients(moto.endpoint);
  resolver = new TemplateResolver(assembly);
  created = await provisionServices(assembly, resolver, clients);
});
after(async () => {
  clients?.destroy();
  await moto?.close();
});

test('every data resource of every stack is created, named from the template or from stack and logical id', () => {
  const summary = created.map((c) => `${c.stackName} ${c.type}`).sort();
  assert.deepEqual(summary, [
    'Data AWS::DynamoDB::GlobalTable',
    'Data AWS::DynamoDB::Table',
    'Data AWS::Events::EventBus',
    'Data AWS::Kinesis::Stream',
    'Data AWS::SNS::Topic',
    'Data AWS::SQS::Queue',
    'Data AWS::SQS::Queue',
    'Data AWS::SQS::Queue',
    'Fns AWS::S3::Bucket',
    'Fns AWS::SQS::Queue',
    'Fns AWS::SQS::Queue',
    'Fns AWS::SQS::Queue',
  ]);
  assert.equal(nameOf('Data', 'Notices'), 'notices');
  assert.equal(nameOf('Data', 'Bus'), 'app-bus');
  assert.equal(nameOf('Data', 'Jobs'), `Data-${logicalId('Data', 'Jobs')}`);
  assert.match(nameOf('Data', 'Ordered'), /\.fifo$/);
  assert.match(nameOf('Fns', 'Uploads'), /^[a-z0-9.-]{3,63}$/);
});

test('the table has its keys, index, stream and time to live', async () => {
  const name = nameOf('Data', 'Orders');
  const table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table!;
  assert.deepEqual(table.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
  assert.deepEqual(table.GlobalSecondaryIndexes?.map((i) => i.IndexName), ['byStatus']);
  assert.equal(table.StreamSpecification?.StreamViewType, 'NEW_AND_OLD_IMAGES');
  const ttl = (await clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription!;
  assert.deepEqual([ttl.AttributeName, ttl.TimeToLiveStatus], ['expiresAt', 'ENABLED']);
});

test('a TableV2 (AWS::DynamoDB::GlobalTable) is created like a table, with its stream ARN known', async () => {
  const name = nameOf('Data', 'Sessions');
  const table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table!;
  assert.deepEqual(table.KeySchema, [{ AttributeName: 'id', KeyType: 'HASH' }]);
  assert.equal(table.StreamSpecification?.StreamViewType, 'KEYS_ONLY');
  assert.equal(resolver.resolve('Data', { 'Fn::GetAtt': [logicalId('Data', 'Sessions'), 'StreamArn'] }), table.LatestStreamArn);
});

test("a queue's redrive policy names its dead-letter queue's real ARN; visibility timeout and FIFO are kept", async () => {
  const url = resolver.resolve('Data', { Ref: logicalId('Data', 'Jobs') })!;
  const attributes = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes!;
  const dlqArn = resolver.resolve('Data', { 'Fn::GetAtt': [logicalId('Data', 'JobsDlq'), 'Arn'] });
  assert.deepEqual(JSON.parse(attributes.RedrivePolicy!), { deadLetterTargetArn: dlqArn, maxReceiveCount: 3 });
  assert.equal(attributes.VisibilityTimeout, '90');
  const fifoUrl = resolver.resolve('Data', { Ref: logicalId('Data', 'Ordered') })!;
  const fifo = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: fifoUrl, AttributeNames: ['FifoQueue'] }))).Attributes!;
  assert.equal(fifo.FifoQueue, 'true');
});

test('topic, stream (with its shards), bucket and bus exist where the resolver says', async () => {
  const topicArn = resolver.resolve('Data', { Ref: logicalId('Data', 'Notices') })!;
  assert.equal((await clients.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes?.TopicArn, topicArn);
  const stream = (await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: resolver.resolve('Data', { Ref: logicalId('Data', 'Clicks') }) }))).StreamDescriptionSummary!;
  assert.equal(stream.OpenShardCount, 2);
  assert.equal(stream.StreamARN, resolver.resolve('Data', { 'Fn::GetAtt': [logicalId('Data', 'Clicks'), 'Arn'] }));
  await clients.s3.send(new HeadBucketCommand({ Bucket: resolver.resolve('Fns', { Ref: logicalId('Fns', 'Uploads') }) }));
  const bus = await clients.events.send(new DescribeEventBusCommand({ Name: 'app-bus' }));
  assert.equal(bus.Arn, resolver.resolve('Data', { 'Fn::GetAtt': [logicalId('Data', 'Bus'), 'Arn'] }));
});

test("another stack's imports resolve to the local values: the table's real stream ARN, the queue's URL", async () => {
  const fns = assembly.stacks.find((s) => s.stackName === 'Fns')!;
  const tableMapping = fns.resources.find((r) => r.type === 'AWS::Lambda::EventSourceMapping' && r.logicalId.includes('DynamoDB'))!;
  const streamArn = resolver.resolve('Fns', tableMapping.properties.EventSourceArn)!;
  const table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: nameOf('Data', 'Orders') }))).Table!;
  assert.equal(streamArn, table.LatestStreamArn);
  assert.ok(streamArn.includes('/stream/'));
});

test('provisioning again against the same moto changes nothing and fails on nothing', async () => {
  const again = new TemplateResolver(assembly);
  const second = await provisionServices(assembly, again, clients);
  assert.deepEqual(second, created);
  for (const c of created) {
    const ref = { Ref: c.logicalId };
    assert.equal(again.resolve(c.stackName, ref), resolver.resolve(c.stackName, ref), `${c.stackName}/${c.logicalId}`);
  }
});

test('a restarted dev provisioning against services that hold data keeps the data, and a queue takes the new attributes', async () => {
  // Given a message in the jobs queue and an item in the table
  const queueUrl = resolver.resolve('Data', { Ref: logicalId('Data', 'Jobs') })!;
  const table = nameOf('Data', 'Orders');
  await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'kept' }));
  await clients.dynamodb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'kept' }, sk: { S: 'kept' } } }));
  // When provisioning runs again with another visibility timeout (CreateQueue fails on unequal attributes)
  const again = new TemplateResolver(assembly);
  const second = await provisionServices(assembly, again, clients, { visibilityTimeoutSeconds: 7 });
  // Then nothing was recreated, the queue has the new timeout, and the message and the item are still there
  assert.deepEqual(second, created);
  assert.equal(again.resolve('Data', { Ref: logicalId('Data', 'Jobs') }), queueUrl);
  const attributes = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['VisibilityTimeout', 'RedrivePolicy', 'ApproximateNumberOfMessages'] }))).Attributes!;
  assert.equal(attributes.VisibilityTimeout, '7');
  assert.equal(JSON.parse(attributes.RedrivePolicy!).maxReceiveCount, 3);
  assert.equal(attributes.ApproximateNumberOfMessages, '1');
  assert.deepEqual((await clients.dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'kept' }, sk: { S: 'kept' } } }))).Item?.pk, { S: 'kept' });
  await provisionServices(assembly, new TemplateResolver(assembly), clients);
  const restored = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['VisibilityTimeout'] }))).Attributes!;
  assert.equal(restored.VisibilityTimeout, '90');
});

test('queues with logical ids too long for SQS are created, and the redrive policy finds the shortened DLQ', async () => {
  const stackName = 'OrderProcessingServiceStack';
  const dlqId = `IngestPipelineWorkerFunctionDeadLetterQueue${'7'.repeat(30)}`;
  const queueId = `IngestPipelineWorkerFunctionInputQueue${'8'.repeat(30)}`;
  const resources: ResourceModel[] = [
    { stackName, logicalId: dlqId, type: 'AWS::SQS::Queue', properties: {} },
    { stackName, logicalId: queueId, type: 'AWS::SQS::Queue', properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 2 } } },
  ];
  const model: AssemblyModel = { directory: '.', functions: [], stacks: [{ stackName, artifactId: stackName, templateFile: '', template: {}, resources, functions: [] }] };
  const local = new TemplateResolver(model);
  const made = await provisionServices(model, local, clients);
  assert.ok(made.every((m) => m.name.length <= 80));
  const attributes = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: local.resolve(stackName, { Ref: queueId }), AttributeNames: ['RedrivePolicy'] }))).Attributes!;
  assert.equal(JSON.parse(attributes.RedrivePolicy!).deadLetterTargetArn, local.resolve(stackName, { 'Fn::GetAtt': [dlqId, 'Arn'] }));
  assert.ok(local.resolve(stackName, { 'Fn::GetAtt': [dlqId, 'Arn'] })!.endsWith(made.find((m) => m.logicalId === dlqId)!.name));
});
