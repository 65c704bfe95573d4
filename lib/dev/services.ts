import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, UpdateTimeToLiveCommand, type KeySchemaElement, type GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient, ListEventBusesCommand } from '@aws-sdk/client-eventbridge';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { TemplateResolver } from '../assembly/resolve';
import type { AppResources, DataResourceModel, IndexModel, KeySchemaModel, QueueModel } from '../assembly/resources';

/** SDK clients for the local services, all pointed at one endpoint. */
export interface ServiceClients {
  readonly endpoint: string;
  readonly region: string;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly dynamodb: DynamoDBClient;
  readonly kinesis: KinesisClient;
  readonly events: EventBridgeClient;
  destroy(): void;
}

export function serviceClients(endpoint: string, region = 'us-east-1'): ServiceClients {
  const config = { endpoint, region, credentials: { accessKeyId: 'lambdakit-local', secretAccessKey: 'lambdakit-local' } };
  const clients = {
    s3: new S3Client({ ...config, forcePathStyle: true }),
    sqs: new SQSClient(config),
    sns: new SNSClient(config),
    dynamodb: new DynamoDBClient(config),
    // Kinesis speaks HTTP/2 by default; the local services speak HTTP/1.1.
    kinesis: new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() }),
    events: new EventBridgeClient(config),
  };
  return {
    endpoint,
    region,
    ...clients,
    destroy: () => Object.values(clients).forEach((c) => c.destroy()),
  };
}

/** What was created for one resource model, with the values the service reported for it. */
export interface ProvisionedResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  /** The model's name. */
  readonly name: string;
  /** The ARN the service reported (the model's, unless the endpoint runs as another account). */
  readonly arn: string;
  /** A queue's URL, as the service gave it. */
  readonly url?: string;
  /** A table's latest stream ARN (only a service knows it). */
  readonly streamArn?: string;
}

const already = (error: unknown, ...names: string[]) => names.includes((error as { name?: string })?.name ?? '');
const keys = (schema: readonly KeySchemaModel[]): KeySchemaElement[] => schema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType }));
const indexes = (list: readonly IndexModel[]): GlobalSecondaryIndex[] | undefined =>
  list.length
    ? list.map((i) => ({ IndexName: i.indexName, KeySchema: keys(i.keySchema), Projection: { ProjectionType: i.projectionType, ...(i.nonKeyAttributes ? { NonKeyAttributes: [...i.nonKeyAttributes] } : {}) } }))
    : undefined;

/**
 * Creates the data resources of an app in the local services, from their models
 * (lib/assembly/resources.ts, which names them): tables (keys, indexes, streams,
 * TTL; billed per request, whatever the template's billing mode), buckets, queues
 * (dead-letter queues first, then redrive policies pointing at them), topics,
 * streams and event buses. Each resource's real values (queue URLs, stream
 * ARNs...) are recorded in the resolver, so functions' environment variables
 * resolve to them, and returned. Re-running against services that already hold
 * them (`dev --services-endpoint`, a restarted dev) is harmless: resources that
 * exist are described, not recreated, and keep their data.
 */
export async function provisionServices(resources: AppResources, resolver: TemplateResolver, clients: ServiceClients, options: { visibilityTimeoutSeconds?: number } = {}): Promise<ProvisionedResource[]> {
  const provisioned = (m: DataResourceModel, values: { arn: string; url?: string; streamArn?: string }): ProvisionedResource => ({ stackName: m.stackName, logicalId: m.logicalId, type: m.type, name: m.name, ...values });
  // moto loads a service's code on its first request. One read-only call per service the app uses,
  // one after the other, first: with the services loading side by side, the example app's
  // provisioning took 1.1-1.7 s on a fresh moto instead of 0.56-0.68 s.
  const warm: Array<[readonly unknown[], () => Promise<unknown>]> = [
    [resources.tables, () => clients.dynamodb.send(new ListTablesCommand({ Limit: 1 }))],
    [resources.buckets, () => clients.s3.send(new ListBucketsCommand({}))],
    [resources.queues, () => clients.sqs.send(new ListQueuesCommand({ MaxResults: 1 }))],
    [resources.topics, () => clients.sns.send(new ListTopicsCommand({}))],
    [resources.streams, () => clients.kinesis.send(new ListStreamsCommand({ Limit: 1 }))],
    [resources.buses, () => clients.events.send(new ListEventBusesCommand({ Limit: 1 }))],
  ];
  for (const [models, call] of warm) if (models.length) await call();
  // Then every kind of resource is created side by side, and the resources of a kind too (queues in
  // two waves: dead-letter queues first): start-up waits for the slowest call, not for their sum.
  // The result keeps the models' order.
  const tables = settled(
    resources.tables.map(async (t) => {
      try {
        await clients.dynamodb.send(
          new CreateTableCommand({
            TableName: t.name,
            KeySchema: keys(t.keySchema),
            AttributeDefinitions: t.attributeDefinitions.map((d) => ({ AttributeName: d.attributeName, AttributeType: d.attributeType })),
            BillingMode: 'PAY_PER_REQUEST',
            GlobalSecondaryIndexes: indexes(t.globalSecondaryIndexes),
            LocalSecondaryIndexes: indexes(t.localSecondaryIndexes),
            StreamSpecification: t.streamViewType ? { StreamEnabled: true, StreamViewType: t.streamViewType } : undefined,
          }),
        );
        if (t.timeToLiveAttribute) await clients.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: t.name, TimeToLiveSpecification: { AttributeName: t.timeToLiveAttribute, Enabled: true } }));
      } catch (error) {
        if (!already(error, 'ResourceInUseException')) throw error;
      }
      const table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: t.name }))).Table!;
      resolver.setKnown(t.stackName, t.logicalId, { ref: t.name, attributes: { Arn: table.TableArn!, ...(table.LatestStreamArn ? { StreamArn: table.LatestStreamArn } : {}) } });
      return provisioned(t, { arn: table.TableArn!, ...(table.LatestStreamArn ? { streamArn: table.LatestStreamArn } : {}) });
    }),
  );

  const buckets = settled(
    resources.buckets.map(async (b) => {
      try {
        await clients.s3.send(new CreateBucketCommand({ Bucket: b.name }));
      } catch (error) {
        if (!already(error, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists')) throw error;
      }
      resolver.setKnown(b.stackName, b.logicalId, { ref: b.name, attributes: { Arn: b.arn, DomainName: b.domainName, RegionalDomainName: b.regionalDomainName } });
      return provisioned(b, { arn: b.arn });
    }),
  );

  // The ARN each queue's model gives, to the one the service reported: redrive policies name the model's.
  const reportedArn = new Map<string, string>();
  const createQueue = async (q: QueueModel): Promise<ProvisionedResource> => {
    const attributes = queueAttributes(q, reportedArn, options.visibilityTimeoutSeconds);
    let url: string;
    try {
      url = (await clients.sqs.send(new CreateQueueCommand({ QueueName: q.name, Attributes: attributes }))).QueueUrl!;
    } catch (error) {
      // CreateQueue is idempotent only with equal attributes. A queue left by an earlier run with
      // others (another --visibility-timeout) keeps its messages and takes this run's attributes,
      // as a stack update would; FifoQueue cannot change, and a name says it anyway.
      if (!already(error, 'QueueAlreadyExists', 'QueueNameExists')) throw error;
      url = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: q.name }))).QueueUrl!;
      const { FifoQueue: _fifo, ...changeable } = attributes;
      if (Object.keys(changeable).length) await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: changeable }));
    }
    const arn = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    reportedArn.set(q.arn, arn);
    resolver.setKnown(q.stackName, q.logicalId, { ref: url, attributes: { Arn: arn, QueueName: q.name, QueueUrl: url } });
    return provisioned(q, { arn, url });
  };
  // Queues without a redrive policy first: they are the dead-letter queues the others point at.
  const queues = (async () => {
    const created = new Map<QueueModel, ProvisionedResource>();
    for (const wave of [resources.queues.filter((q) => !q.redrive), resources.queues.filter((q) => q.redrive)]) {
      const done = await settled(wave.map(createQueue));
      wave.forEach((q, i) => created.set(q, done[i]));
    }
    return resources.queues.map((q) => created.get(q)!);
  })();

  const topics = settled(
    resources.topics.map(async (t) => {
      const arn = (await clients.sns.send(new CreateTopicCommand({ Name: t.name, Attributes: t.fifo ? { FifoTopic: 'true' } : undefined }))).TopicArn!;
      resolver.setKnown(t.stackName, t.logicalId, { ref: arn, attributes: { TopicArn: arn, TopicName: t.name } });
      return provisioned(t, { arn });
    }),
  );

  const streams = settled(
    resources.streams.map(async (s) => {
      try {
        await clients.kinesis.send(new CreateStreamCommand({ StreamName: s.name, ShardCount: s.shardCount }));
      } catch (error) {
        if (!already(error, 'ResourceInUseException')) throw error;
      }
      const arn = (await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: s.name }))).StreamDescriptionSummary!.StreamARN!;
      resolver.setKnown(s.stackName, s.logicalId, { ref: s.name, attributes: { Arn: arn } });
      return provisioned(s, { arn });
    }),
  );

  const buses = settled(
    resources.buses.map(async (b) => {
      try {
        await clients.events.send(new CreateEventBusCommand({ Name: b.name }));
      } catch (error) {
        if (!already(error, 'ResourceAlreadyExistsException')) throw error;
      }
      resolver.setKnown(b.stackName, b.logicalId, { ref: b.name, attributes: { Arn: b.arn, Name: b.name } });
      return provisioned(b, { arn: b.arn });
    }),
  );
  return (await settled([tables, buckets, queues, topics, streams, buses])).flat();
}

/** Promise.all that throws (the first failure) only once every call has settled: none is left running against the services. */
async function settled<T>(work: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const outcomes = await Promise.allSettled(work);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes.map((o) => (o as PromiseFulfilledResult<T>).value);
}

/** A queue's attributes for CreateQueue: its model's, with dev's visibility timeout and the dead-letter queue's reported ARN. */
function queueAttributes(q: QueueModel, reportedArn: ReadonlyMap<string, string>, visibilityTimeoutSeconds: number | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  const set = (attribute: string, value: number | undefined) => {
    if (value !== undefined) attributes[attribute] = String(value);
  };
  set('VisibilityTimeout', visibilityTimeoutSeconds ?? q.visibilityTimeoutSeconds);
  set('MessageRetentionPeriod', q.messageRetentionPeriodSeconds);
  set('DelaySeconds', q.delaySeconds);
  set('ReceiveMessageWaitTimeSeconds', q.receiveMessageWaitTimeSeconds);
  set('MaximumMessageSize', q.maximumMessageSize);
  if (q.fifo) attributes.FifoQueue = 'true';
  if (q.contentBasedDeduplication) attributes.ContentBasedDeduplication = 'true';
  if (q.redrive) {
    const target = reportedArn.get(q.redrive.deadLetterTargetArn) ?? q.redrive.deadLetterTargetArn;
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: target, maxReceiveCount: String(q.redrive.maxReceiveCount) });
  }
  return attributes;
}
