import { createHash } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTimeToLiveCommand, type AttributeDefinition, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AssemblyModel, ResourceModel, TemplateValue } from '../assembly/model';
import type { TemplateResolver } from '../assembly/resolve';

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

/** What was created for one template resource. */
export interface ProvisionedResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly name: string;
}

/** Longest name each service accepts (SQS counts the `.fifo` suffix), and the property a template names it with. */
const NAMING: Record<string, { readonly limit: number; readonly property: string }> = {
  'AWS::DynamoDB::Table': { limit: 255, property: 'TableName' },
  'AWS::DynamoDB::GlobalTable': { limit: 255, property: 'TableName' },
  'AWS::S3::Bucket': { limit: 63, property: 'BucketName' },
  'AWS::SQS::Queue': { limit: 80, property: 'QueueName' },
  'AWS::SNS::Topic': { limit: 256, property: 'TopicName' },
  'AWS::Kinesis::Stream': { limit: 128, property: 'Name' },
  'AWS::Events::EventBus': { limit: 256, property: 'Name' },
};

/**
 * The name a resource gets in the local services: the template's own, else
 * `<stack>-<logicalId>` (lower-case for buckets, `.fifo` for FIFO queues and topics).
 * When that is longer than the service allows (deep construct paths give long
 * logical ids), it is cut and ended with a hash of the whole name, so two
 * long names never collide and a rerun gets the same name.
 */
export function localName(resolver: TemplateResolver, resource: ResourceModel): string {
  const naming = NAMING[resource.type];
  if (!naming || resource.properties[naming.property] !== undefined) return resolver.physicalName(resource);
  const flag = resource.type === 'AWS::SQS::Queue' ? 'FifoQueue' : resource.type === 'AWS::SNS::Topic' ? 'FifoTopic' : undefined;
  const fifo = flag !== undefined && (resource.properties[flag] === true || resource.properties[flag] === 'true');
  const suffix = fifo ? '.fifo' : '';
  let base = `${resource.stackName}-${resource.logicalId}`;
  if (resource.type === 'AWS::S3::Bucket') base = base.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  if (base.length + suffix.length <= naming.limit) return base + suffix;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${base.slice(0, naming.limit - suffix.length - hash.length - 1).replace(/[-.]+$/, '')}-${hash}${suffix}`;
}

const isObj = (v: TemplateValue | undefined): v is { [key: string]: TemplateValue } => typeof v === 'object' && v !== null && !Array.isArray(v);
const already = (error: unknown, ...names: string[]) => names.includes((error as { name?: string })?.name ?? '');

/**
 * Creates the data resources of an assembly in the local services: tables
 * (keys, indexes, streams, TTL), buckets, queues (dead-letter queues first,
 * then redrive policies pointing at them), topics, streams and event buses.
 * Names are the template's own or `<stack>-<logicalId>`. Each resource's
 * real values (queue URLs, stream ARNs...) are recorded in the resolver, so
 * functions' environment variables resolve to them. Re-running against services
 * that already hold them (`dev --services-endpoint`, a restarted dev) is harmless:
 * resources that exist are described, not recreated, and keep their data.
 */
export async function provisionServices(assembly: AssemblyModel, resolver: TemplateResolver, clients: ServiceClients, options: { visibilityTimeoutSeconds?: number } = {}): Promise<ProvisionedResource[]> {
  const created: ProvisionedResource[] = [];
  const resources = assembly.stacks.flatMap((s) => s.resources);
  const record = (r: ResourceModel, name: string) => created.push({ stackName: r.stackName, logicalId: r.logicalId, type: r.type, name });
  const region = clients.region;
  const account = '123456789012';

  // TableV2 synthesizes AWS::DynamoDB::GlobalTable, with the same key, index, stream and TTL properties.
  for (const r of resources.filter((x) => x.type === 'AWS::DynamoDB::Table' || x.type === 'AWS::DynamoDB::GlobalTable')) {
    const name = localName(resolver, r);
    const p = r.properties;
    const keys = (p.KeySchema ?? []) as unknown as KeySchemaElement[];
    const stream = isObj(p.StreamSpecification) ? p.StreamSpecification : undefined;
    const indexes = (v: TemplateValue | undefined) =>
      Array.isArray(v) && v.length
        ? v.filter(isObj).map((i) => ({ IndexName: String(i.IndexName), KeySchema: i.KeySchema as unknown as KeySchemaElement[], Projection: (i.Projection ?? { ProjectionType: 'ALL' }) as never }))
        : undefined;
    try {
      await clients.dynamodb.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: keys,
          AttributeDefinitions: (p.AttributeDefinitions ?? []) as unknown as AttributeDefinition[],
          BillingMode: 'PAY_PER_REQUEST',
          GlobalSecondaryIndexes: indexes(p.GlobalSecondaryIndexes),
          LocalSecondaryIndexes: indexes(p.LocalSecondaryIndexes),
          StreamSpecification: stream ? { StreamEnabled: true, StreamViewType: String(stream.StreamViewType) as never } : undefined,
        }),
      );
      const ttl = isObj(p.TimeToLiveSpecification) ? p.TimeToLiveSpecification : undefined;
      if (ttl?.Enabled === true) await clients.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: String(ttl.AttributeName), Enabled: true } }));
    } catch (error) {
      if (!already(error, 'ResourceInUseException')) throw error;
    }
    const table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table!;
    resolver.setKnown(r.stackName, r.logicalId, { ref: name, attributes: { Arn: table.TableArn!, ...(table.LatestStreamArn ? { StreamArn: table.LatestStreamArn } : {}) } });
    record(r, name);
  }

  for (const r of resources.filter((x) => x.type === 'AWS::S3::Bucket')) {
    const name = localName(resolver, r);
    try {
      await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
    } catch (error) {
      if (!already(error, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists')) throw error;
    }
    resolver.setKnown(r.stackName, r.logicalId, {
      ref: name,
      attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com`, RegionalDomainName: `${name}.s3.${region}.amazonaws.com` },
    });
    record(r, name);
  }

  // Queues without a redrive policy first: they are the dead-letter queues the others point at.
  const queues = resources.filter((x) => x.type === 'AWS::SQS::Queue').sort((a, b) => Number(a.properties.RedrivePolicy !== undefined) - Number(b.properties.RedrivePolicy !== undefined));
  for (const r of queues) {
    const name = localName(resolver, r);
    const p = r.properties;
    const attributes: Record<string, string> = {};
    for (const [key, attribute] of [
      ['VisibilityTimeout', 'VisibilityTimeout'],
      ['MessageRetentionPeriod', 'MessageRetentionPeriod'],
      ['DelaySeconds', 'DelaySeconds'],
      ['ReceiveMessageWaitTimeSeconds', 'ReceiveMessageWaitTimeSeconds'],
      ['MaximumMessageSize', 'MaximumMessageSize'],
    ] as const) {
      if (p[key] !== undefined) attributes[attribute] = String(p[key]);
    }
    if (options.visibilityTimeoutSeconds !== undefined) attributes.VisibilityTimeout = String(options.visibilityTimeoutSeconds);
    if (p.FifoQueue === true || p.FifoQueue === 'true') attributes.FifoQueue = 'true';
    if (p.ContentBasedDeduplication === true) attributes.ContentBasedDeduplication = 'true';
    // CloudFormation takes the redrive policy as an object or as JSON text.
    const redrive = typeof p.RedrivePolicy === 'string' ? (JSON.parse(p.RedrivePolicy) as TemplateValue) : p.RedrivePolicy;
    if (isObj(redrive)) {
      const target = resolver.resolve(r.stackName, redrive.deadLetterTargetArn);
      if (target) attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: target, maxReceiveCount: String(redrive.maxReceiveCount ?? 5) });
    }
    let url: string;
    try {
      url = (await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
    } catch (error) {
      // CreateQueue is idempotent only with equal attributes. A queue left by an earlier run with
      // others (another --visibility-timeout) keeps its messages and takes this run's attributes,
      // as a stack update would; FifoQueue cannot change, and a name says it anyway.
      if (!already(error, 'QueueAlreadyExists', 'QueueNameExists')) throw error;
      url = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
      const { FifoQueue: _fifo, ...changeable } = attributes;
      if (Object.keys(changeable).length) await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: changeable }));
    }
    const arn = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    resolver.setKnown(r.stackName, r.logicalId, { ref: url, attributes: { Arn: arn, QueueName: name, QueueUrl: url } });
    record(r, name);
  }

  for (const r of resources.filter((x) => x.type === 'AWS::SNS::Topic')) {
    const name = localName(resolver, r);
    const fifo = r.properties.FifoTopic === true;
    const arn = (await clients.sns.send(new CreateTopicCommand({ Name: fifo && !name.endsWith('.fifo') ? `${name}.fifo` : name, Attributes: fifo ? { FifoTopic: 'true' } : undefined }))).TopicArn!;
    resolver.setKnown(r.stackName, r.logicalId, { ref: arn, attributes: { TopicArn: arn, TopicName: name } });
    record(r, name);
  }

  for (const r of resources.filter((x) => x.type === 'AWS::Kinesis::Stream')) {
    const name = localName(resolver, r);
    try {
      await clients.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: Number(r.properties.ShardCount ?? 1) }));
    } catch (error) {
      if (!already(error, 'ResourceInUseException')) throw error;
    }
    const arn = (await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.StreamARN!;
    resolver.setKnown(r.stackName, r.logicalId, { ref: name, attributes: { Arn: arn } });
    record(r, name);
  }

  for (const r of resources.filter((x) => x.type === 'AWS::Events::EventBus')) {
    const name = localName(resolver, r);
    try {
      await clients.events.send(new CreateEventBusCommand({ Name: name }));
    } catch (error) {
      if (!already(error, 'ResourceAlreadyExistsException')) throw error;
    }
    resolver.setKnown(r.stackName, r.logicalId, { ref: name, attributes: { Arn: `arn:aws:events:${region}:${account}:event-bus/${name}`, Name: name } });
    record(r, name);
  }
  return created;
}
