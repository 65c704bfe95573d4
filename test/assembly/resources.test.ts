import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AssemblyModel, ResourceModel, TemplateValue } from '../../lib/assembly/model';
import { TemplateResolver } from '../../lib/assembly/resolve';
import { findResource, localName, readResources, type AppResources, type DataResourceModel } from '../../lib/assembly/resources';
import { readWiring } from '../../lib/assembly/triggers';
import { synthFixture } from '../dev/fixture';

const assemblyOf = (stackName: string, resources: Record<string, { Type: string; Properties?: Record<string, TemplateValue>; cdkPath?: string }>): AssemblyModel => {
  const models: ResourceModel[] = Object.entries(resources).map(([logicalId, r]) => ({ stackName, logicalId, type: r.Type, properties: r.Properties ?? {}, ...(r.cdkPath ? { cdkPath: r.cdkPath } : {}) }));
  return { directory: '.', functions: [], stacks: [{ stackName, artifactId: stackName, templateFile: '', template: { Resources: resources }, resources: models, functions: [] }] };
};

const all = (resources: AppResources): DataResourceModel[] => [...resources.tables, ...resources.queues, ...resources.topics, ...resources.streams, ...resources.buses, ...resources.buckets, ...resources.rules, ...resources.schedules];

describe('resource models', () => {
  // Given a template with one of each kind, some named by the template (one through an intrinsic), some not
  const assembly = assemblyOf('Shop', {
    Orders: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }, { AttributeName: 'status', AttributeType: 'S' }],
        GlobalSecondaryIndexes: [{ IndexName: 'byStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total'] } }],
        LocalSecondaryIndexes: [{ IndexName: 'bySk', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }] }],
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
      },
    },
    JobsDlq: { Type: 'AWS::SQS::Queue' },
    Jobs: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 90, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['JobsDlq', 'Arn'] }, maxReceiveCount: 3 } } },
    Ordered: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true, ContentBasedDeduplication: true } },
    Named: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'named']] } } },
    Notices: { Type: 'AWS::SNS::Topic', Properties: { FifoTopic: true } },
    Clicks: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: 2 } },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'shop-bus' } },
    Uploads: { Type: 'AWS::S3::Bucket' },
    Placed: { Type: 'AWS::Events::Rule', Properties: { EventBusName: { Ref: 'Bus' }, EventPattern: { source: ['shop'] } }, cdkPath: 'Shop/OrderPlaced/Resource' },
    Report: { Type: 'AWS::Scheduler::Schedule', Properties: { Name: 'daily-report', GroupName: 'reports', ScheduleExpression: 'rate(1 day)' }, cdkPath: 'Shop/Report/Resource' },
    Cleanup: { Type: 'AWS::Scheduler::Schedule', Properties: { ScheduleExpression: 'rate(1 hour)' }, cdkPath: 'Shop/Cleanup/Resource' },
  });
  const resolver = new TemplateResolver(assembly, { region: 'eu-west-1', accountId: '111122223333' });
  // When the models are read
  const resources = readResources(assembly, resolver);
  const model = <T extends DataResourceModel>(logicalId: string) => findResource(resources, 'Shop', logicalId) as T;

  it('names each resource by the template, else by stack and logical id (or construct path), with its ARN and URL', () => {
    const names = Object.fromEntries(all(resources).map((m) => [m.logicalId, [m.name, m.arn]]));
    assert.deepEqual(names, {
      Orders: ['Shop-Orders', 'arn:aws:dynamodb:eu-west-1:111122223333:table/Shop-Orders'],
      JobsDlq: ['Shop-JobsDlq', 'arn:aws:sqs:eu-west-1:111122223333:Shop-JobsDlq'],
      Jobs: ['Shop-Jobs', 'arn:aws:sqs:eu-west-1:111122223333:Shop-Jobs'],
      Ordered: ['Shop-Ordered.fifo', 'arn:aws:sqs:eu-west-1:111122223333:Shop-Ordered.fifo'],
      Named: ['Shop-named', 'arn:aws:sqs:eu-west-1:111122223333:Shop-named'],
      Notices: ['Shop-Notices.fifo', 'arn:aws:sns:eu-west-1:111122223333:Shop-Notices.fifo'],
      Clicks: ['Shop-Clicks', 'arn:aws:kinesis:eu-west-1:111122223333:stream/Shop-Clicks'],
      Bus: ['shop-bus', 'arn:aws:events:eu-west-1:111122223333:event-bus/shop-bus'],
      Uploads: ['shop-uploads', 'arn:aws:s3:::shop-uploads'],
      Placed: ['Shop-OrderPlaced', 'arn:aws:events:eu-west-1:111122223333:rule/shop-bus/Shop-OrderPlaced'],
      Report: ['daily-report', 'arn:aws:scheduler:eu-west-1:111122223333:schedule/reports/daily-report'],
      Cleanup: ['Shop-Cleanup', 'arn:aws:scheduler:eu-west-1:111122223333:schedule/default/Shop-Cleanup'],
    });
    assert.equal(resources.queues.find((q) => q.logicalId === 'Jobs')?.url, 'https://sqs.eu-west-1.amazonaws.com/111122223333/Shop-Jobs');
  });

  it("reads a table's keys, attributes, indexes, stream view type, time to live and billing", () => {
    const table = resources.tables[0];
    assert.deepEqual(table.keySchema, [{ attributeName: 'pk', keyType: 'HASH' }, { attributeName: 'sk', keyType: 'RANGE' }]);
    assert.deepEqual(table.attributeDefinitions.map((d) => `${d.attributeName}:${d.attributeType}`), ['pk:S', 'sk:S', 'status:S']);
    assert.deepEqual(table.globalSecondaryIndexes, [{ indexName: 'byStatus', keySchema: [{ attributeName: 'status', keyType: 'HASH' }], projectionType: 'INCLUDE', nonKeyAttributes: ['total'] }]);
    assert.deepEqual(table.localSecondaryIndexes.map((i) => [i.indexName, i.projectionType]), [['bySk', 'ALL']]);
    assert.deepEqual([table.streamViewType, table.timeToLiveAttribute, table.billingMode], ['NEW_AND_OLD_IMAGES', 'expiresAt', 'PAY_PER_REQUEST']);
  });

  it("reads a queue's FIFO flags, visibility timeout and redrive target; a topic's FIFO flag, a stream's shards, a rule's bus, a schedule's group", () => {
    const jobs = model<Extract<DataResourceModel, { type: 'AWS::SQS::Queue' }>>('Jobs');
    assert.deepEqual([jobs.visibilityTimeoutSeconds, jobs.redrive], [90, { deadLetterTargetArn: model('JobsDlq').arn, maxReceiveCount: 3 }]);
    const ordered = model<Extract<DataResourceModel, { type: 'AWS::SQS::Queue' }>>('Ordered');
    assert.deepEqual([ordered.fifo, ordered.contentBasedDeduplication, ordered.redrive], [true, true, undefined]);
    assert.equal(resources.topics[0].fifo, true);
    assert.equal(resources.streams[0].shardCount, 2);
    assert.equal(resources.rules[0].busName, 'shop-bus');
    assert.deepEqual(resources.schedules.map((s) => s.groupName), ['reports', 'default']);
  });

  it('Ref and GetAtt of each resource through TemplateResolver give the name, ARN and URL of its model', () => {
    const resolve = (value: TemplateValue) => resolver.resolve('Shop', value);
    for (const m of all(resources)) {
      const ref = m.type === 'AWS::SQS::Queue' ? m.url : m.type === 'AWS::SNS::Topic' ? m.arn : m.name;
      assert.equal(resolve({ Ref: m.logicalId }), ref, `Ref ${m.logicalId}`);
      assert.equal(resolve({ 'Fn::GetAtt': [m.logicalId, 'Arn'] }), m.arn, `Arn of ${m.logicalId}`);
      assert.equal(resolver.physicalName(assembly.stacks[0].resources.find((r) => r.logicalId === m.logicalId)!), m.name);
    }
    const jobs = model<Extract<DataResourceModel, { type: 'AWS::SQS::Queue' }>>('Jobs');
    assert.deepEqual([resolve({ 'Fn::GetAtt': ['Jobs', 'QueueName'] }), resolve({ 'Fn::GetAtt': ['Jobs', 'QueueUrl'] })], [jobs.name, jobs.url]);
    assert.equal(resolve({ 'Fn::GetAtt': ['Notices', 'TopicName'] }), 'Shop-Notices.fifo');
    assert.equal(resolve({ 'Fn::GetAtt': ['Uploads', 'RegionalDomainName'] }), 'shop-uploads.s3.eu-west-1.amazonaws.com');
    // A table's stream ARN exists only once a service created the table.
    assert.equal(resolve({ 'Fn::GetAtt': ['Orders', 'StreamArn'] }), undefined);
  });

  it('values a local service reported win over the derived ones, and do not rename the model', () => {
    const local = new TemplateResolver(assembly);
    local.setKnown('Shop', 'Jobs', { ref: 'http://127.0.0.1:5000/123456789012/Shop-Jobs' });
    assert.equal(local.resolve('Shop', { Ref: 'Jobs' }), 'http://127.0.0.1:5000/123456789012/Shop-Jobs');
    assert.equal(readResources(assembly, local).queues.find((q) => q.logicalId === 'Jobs')?.name, 'Shop-Jobs');
  });
});

describe('localName', () => {
  const long = (type: string, logicalId: string, properties: Record<string, TemplateValue> = {}, cdkPath?: string): ResourceModel => ({ stackName: 'A'.repeat(40), logicalId, type, properties, ...(cdkPath ? { cdkPath } : {}) });
  const naming = { resolve: () => undefined };

  it('stays within each service limit and apart, however long the stack and logical ids, and is the same on every call', () => {
    const queueA = localName(long('AWS::SQS::Queue', `Worker${'X'.repeat(60)}DeadLetterQueueA`), naming);
    const queueB = localName(long('AWS::SQS::Queue', `Worker${'X'.repeat(60)}DeadLetterQueueB`), naming);
    assert.ok(queueA.length <= 80 && queueB.length <= 80);
    assert.notEqual(queueA, queueB);
    assert.match(queueA, /^[A-Za-z0-9_-]+$/);
    const fifo = localName(long('AWS::SQS::Queue', 'Q'.repeat(70), { FifoQueue: true }), naming);
    assert.ok(fifo.length <= 80 && fifo.endsWith('.fifo'), fifo);
    assert.match(localName(long('AWS::S3::Bucket', 'Uploads'.repeat(5)), naming), /^[a-z0-9][a-z0-9.-]{2,62}$/);
    assert.equal(localName(long('AWS::Kinesis::Stream', 'S'.repeat(100)), naming).length, 128);
    assert.equal(localName(long('AWS::SQS::Queue', 'Short'), naming), `${'A'.repeat(40)}-Short`);
    assert.equal(localName(long('AWS::SQS::Queue', 'Named', { QueueName: 'orders' }), naming), 'orders');
    assert.equal(localName(long('AWS::SQS::Queue', `Worker${'X'.repeat(60)}DeadLetterQueueA`), naming), queueA);
  });

  it('names rules and schedules from their construct path within 64 characters', () => {
    const path = `App/${'Deeply/Nested/'.repeat(6)}Nightly/Resource`;
    const name = localName(long('AWS::Events::Rule', 'Nightly1234', {}, path), naming);
    assert.ok(name.length <= 64 && /^[A-Za-z0-9_.-]+$/.test(name), name);
    assert.equal(localName(long('AWS::Scheduler::Schedule', 'Report1234', {}, 'Fns/Report/Resource'), naming), 'Fns-Report');
  });
});

describe('wiring carries the models', () => {
  it("each mapping, subscription, notification, rule and schedule points at the model of its resource, named as the resolver names it", () => {
    // Given the two-stack fixture, whose triggers reach their resources through cross-stack imports
    const assembly = synthFixture();
    const resolver = new TemplateResolver(assembly);
    const resources = readResources(assembly, resolver);
    // When its wiring is read
    const wiring = readWiring(assembly, resources);
    // Then every resource a trigger names is one of the models, with the name Ref gives
    const used: DataResourceModel[] = [
      ...wiring.queueMappings.map((m) => m.queue),
      ...wiring.streamMappings.map((m) => m.source),
      ...wiring.topicSubscriptions.map((s) => s.topic),
      ...wiring.bucketNotifications.map((n) => n.bucket),
      ...wiring.rules.flatMap((r) => [r.rule, ...(r.bus ? [r.bus] : [])]),
      ...wiring.schedules.map((s) => s.schedule),
    ];
    assert.equal(used.length, 9);
    for (const m of used) {
      assert.equal(findResource(resources, m.stackName, m.logicalId), m);
      assert.equal(resolver.resolve(m.stackName, { 'Fn::GetAtt': [m.logicalId, 'Arn'] }), m.arn, m.logicalId);
    }
    assert.equal(wiring.queueMappings[0].queue.url, resolver.resolve('Data', { Ref: wiring.queueMappings[0].queue.logicalId }));
    assert.equal(wiring.rules[0].rule.arn, `arn:aws:events:us-east-1:123456789012:rule/app-bus/Fns-OrderPlaced`);
    assert.deepEqual(wiring.schedules.map((s) => `${s.source} ${s.schedule.name}`).sort(), ['rule Fns-Nightly', 'scheduler Fns-Report']);
  });
});
