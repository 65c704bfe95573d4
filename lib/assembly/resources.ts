import { createHash } from 'node:crypto';
import type { AssemblyModel, ResourceModel, TemplateValue } from './model';

/**
 * The data resources of an app as typed models: tables, queues, topics, Kinesis streams,
 * buses, buckets, rules and Scheduler schedules, read from their template properties.
 * Each carries the name, ARN (and URL for queues) it has locally, from one naming
 * function ({@link localName}); `TemplateResolver`'s Ref and GetAtt of these resources
 * use the same models, so a function's `Ref: Queue` and the queue dev creates and
 * polls always agree.
 */

/**
 * What naming needs: where the app is imagined to run, and a way to resolve a name a
 * template writes as an intrinsic (`Fn::Join`, `Fn::Sub`...). `TemplateResolver` implements it.
 */
export interface NamingContext {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  /** A template value in a stack, as a string; undefined when it cannot be known locally. */
  resolve(stackName: string, value: TemplateValue | undefined): string | undefined;
}

/** What every resource model carries: where it comes from, and its local name and ARN. */
export interface NamedResourceModel {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  /** `aws:cdk:path` metadata, when CDK recorded it. */
  readonly cdkPath?: string;
  /** The template's own name, else one derived from stack and logical id (or construct path): see {@link localName}. */
  readonly name: string;
  readonly arn: string;
}

export interface KeySchemaModel {
  readonly attributeName: string;
  readonly keyType: 'HASH' | 'RANGE';
}

export interface AttributeDefinitionModel {
  readonly attributeName: string;
  readonly attributeType: 'S' | 'N' | 'B';
}

export interface IndexModel {
  readonly indexName: string;
  readonly keySchema: readonly KeySchemaModel[];
  /** `ALL` when the template gives no projection. */
  readonly projectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly nonKeyAttributes?: readonly string[];
}

/** `AWS::DynamoDB::Table`, or `AWS::DynamoDB::GlobalTable` (what TableV2 synthesizes): the same keys, indexes, stream and TTL. */
export interface TableModel extends NamedResourceModel {
  readonly type: 'AWS::DynamoDB::Table' | 'AWS::DynamoDB::GlobalTable';
  readonly keySchema: readonly KeySchemaModel[];
  readonly attributeDefinitions: readonly AttributeDefinitionModel[];
  readonly globalSecondaryIndexes: readonly IndexModel[];
  readonly localSecondaryIndexes: readonly IndexModel[];
  /** @default - no stream */
  readonly streamViewType?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
  /** The attribute holding expiry times, when time to live is enabled. @default - no time to live */
  readonly timeToLiveAttribute?: string;
  /** The template's `BillingMode` (CloudFormation's default is PROVISIONED). */
  readonly billingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
}

export interface QueueModel extends NamedResourceModel {
  readonly type: 'AWS::SQS::Queue';
  /** The queue URL, AWS-shaped (`https://sqs.<region>.amazonaws.com/<account>/<name>`): what `Ref` gives before a service reports its own. */
  readonly url: string;
  readonly fifo: boolean;
  readonly contentBasedDeduplication: boolean;
  /** @default - SQS's 30 seconds */
  readonly visibilityTimeoutSeconds?: number;
  readonly messageRetentionPeriodSeconds?: number;
  readonly delaySeconds?: number;
  readonly receiveMessageWaitTimeSeconds?: number;
  readonly maximumMessageSize?: number;
  /** Where messages received too often go. @default - no dead-letter queue */
  readonly redrive?: RedriveModel;
}

export interface RedriveModel {
  /** The dead-letter queue's ARN: the local ARN of the app's queue it names, or the ARN the template writes. */
  readonly deadLetterTargetArn: string;
  /** @default 5 when the template leaves it out */
  readonly maxReceiveCount: number;
}

export interface TopicModel extends NamedResourceModel {
  readonly type: 'AWS::SNS::Topic';
  /** FIFO topics' names end with `.fifo`. */
  readonly fifo: boolean;
  readonly contentBasedDeduplication: boolean;
}

/** A Kinesis data stream. */
export interface StreamModel extends NamedResourceModel {
  readonly type: 'AWS::Kinesis::Stream';
  /** @default 1 when the template leaves it out */
  readonly shardCount: number;
}

export interface BusModel extends NamedResourceModel {
  readonly type: 'AWS::Events::EventBus';
}

export interface BucketModel extends NamedResourceModel {
  readonly type: 'AWS::S3::Bucket';
  readonly domainName: string;
  readonly regionalDomainName: string;
}

/** An EventBridge rule (with an event pattern or a schedule expression). */
export interface RuleModel extends NamedResourceModel {
  readonly type: 'AWS::Events::Rule';
  /** The bus the rule is on (its name). @default - the default bus */
  readonly busName?: string;
}

/** An EventBridge Scheduler schedule. */
export interface ScheduleModel extends NamedResourceModel {
  readonly type: 'AWS::Scheduler::Schedule';
  /** `GroupName`, else `default`. */
  readonly groupName: string;
}

export type DataResourceModel = TableModel | QueueModel | TopicModel | StreamModel | BusModel | BucketModel | RuleModel | ScheduleModel;

/** Every modelled resource of an assembly, by kind, in template order. */
export interface AppResources {
  readonly tables: readonly TableModel[];
  readonly queues: readonly QueueModel[];
  readonly topics: readonly TopicModel[];
  readonly streams: readonly StreamModel[];
  readonly buses: readonly BusModel[];
  readonly buckets: readonly BucketModel[];
  readonly rules: readonly RuleModel[];
  readonly schedules: readonly ScheduleModel[];
}

/** How a type is named: the property a template names it with, the longest name the service takes, its character set. */
interface Naming {
  readonly property: string;
  /** SQS counts the `.fifo` suffix. */
  readonly limit: number;
  /** Buckets: lower-case letters, digits, dots and hyphens. */
  readonly bucket?: boolean;
  /** Rules and schedules are named from their construct path (what a user reads), with only the characters they allow. */
  readonly fromConstructPath?: boolean;
  /** The property saying the resource is FIFO (its name then ends with `.fifo`). */
  readonly fifoFlag?: string;
}

const NAMING: Readonly<Record<string, Naming>> = {
  'AWS::DynamoDB::Table': { property: 'TableName', limit: 255 },
  'AWS::DynamoDB::GlobalTable': { property: 'TableName', limit: 255 },
  'AWS::S3::Bucket': { property: 'BucketName', limit: 63, bucket: true },
  'AWS::SQS::Queue': { property: 'QueueName', limit: 80, fifoFlag: 'FifoQueue' },
  'AWS::SNS::Topic': { property: 'TopicName', limit: 256, fifoFlag: 'FifoTopic' },
  'AWS::Kinesis::Stream': { property: 'Name', limit: 128 },
  'AWS::Events::EventBus': { property: 'Name', limit: 256 },
  'AWS::Events::Rule': { property: 'Name', limit: 64, fromConstructPath: true },
  'AWS::Scheduler::Schedule': { property: 'Name', limit: 64, fromConstructPath: true },
};

/** True for the resource types {@link localName} names. */
export function isNamedType(type: string): boolean {
  return NAMING[type] !== undefined;
}

type Obj = { readonly [key: string]: TemplateValue };
const isObj = (v: TemplateValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTrue = (v: TemplateValue | undefined) => v === true || v === 'true';
const numberOf = (v: TemplateValue | undefined): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined);

/**
 * The name a resource has locally — the one naming function of lambdakit: the template's own
 * (resolved when written as an intrinsic; a FIFO topic's gets `.fifo` if it lacks it), else
 * `<stack>-<logicalId>` (lower-case for buckets, `.fifo` for FIFO queues and topics), or for
 * rules and schedules their construct path with `-` for characters names cannot hold. When that
 * is longer than the service allows (deep construct paths give long logical ids), it is cut and
 * ended with a hash of the whole name, so two long names never collide and a rerun gets the same name.
 */
export function localName(resource: ResourceModel, context: Pick<NamingContext, 'resolve'>): string {
  const naming = NAMING[resource.type];
  if (!naming) throw new Error(`lambdakit does not name ${resource.type} resources`);
  const fifo = naming.fifoFlag !== undefined && isTrue(resource.properties[naming.fifoFlag]);
  const suffix = fifo ? '.fifo' : '';
  const written = resource.properties[naming.property];
  const named = typeof written === 'string' ? written : written !== undefined ? context.resolve(resource.stackName, written) : undefined;
  if (named !== undefined) return resource.type === 'AWS::SNS::Topic' && fifo && !named.endsWith('.fifo') ? `${named}.fifo` : named;
  let base = `${resource.stackName}-${resource.logicalId}`;
  if (naming.fromConstructPath) base = (resource.cdkPath?.replace(/\/Resource$/, '') ?? `${resource.stackName}/${resource.logicalId}`).replace(/[^A-Za-z0-9_.-]/g, '-');
  if (naming.bucket) base = base.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  if (base.length + suffix.length <= naming.limit) return base + suffix;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${base.slice(0, naming.limit - suffix.length - hash.length - 1).replace(/[-.]+$/, '')}-${hash}${suffix}`;
}

/** The typed model of one resource, or undefined for a type lambdakit does not model. */
export function resourceModelOf(resource: ResourceModel, context: NamingContext): DataResourceModel | undefined {
  if (!isNamedType(resource.type)) return undefined;
  const name = localName(resource, context);
  const { partition: p, region: r, accountId: a } = context;
  const props = resource.properties;
  const text = (value: TemplateValue | undefined) => (typeof value === 'string' ? value : value === undefined ? undefined : context.resolve(resource.stackName, value));
  const base = { stackName: resource.stackName, logicalId: resource.logicalId, ...(resource.cdkPath ? { cdkPath: resource.cdkPath } : {}), name };
  switch (resource.type) {
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable': {
      const stream = isObj(props.StreamSpecification) ? props.StreamSpecification.StreamViewType : undefined;
      const ttl = isObj(props.TimeToLiveSpecification) ? props.TimeToLiveSpecification : undefined;
      return {
        ...base,
        type: resource.type,
        arn: `arn:${p}:dynamodb:${r}:${a}:table/${name}`,
        keySchema: keySchemaOf(props.KeySchema),
        attributeDefinitions: (Array.isArray(props.AttributeDefinitions) ? props.AttributeDefinitions.filter(isObj) : []).map((d) => ({ attributeName: String(d.AttributeName), attributeType: String(d.AttributeType) as AttributeDefinitionModel['attributeType'] })),
        globalSecondaryIndexes: indexesOf(props.GlobalSecondaryIndexes),
        localSecondaryIndexes: indexesOf(props.LocalSecondaryIndexes),
        ...(typeof stream === 'string' ? { streamViewType: stream as TableModel['streamViewType'] } : {}),
        ...(ttl && isTrue(ttl.Enabled) && typeof ttl.AttributeName === 'string' ? { timeToLiveAttribute: ttl.AttributeName } : {}),
        billingMode: props.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED',
      };
    }
    case 'AWS::SQS::Queue': {
      const redrive = redriveOf(resource, context);
      const optional = (key: string) => numberOf(props[key]);
      return {
        ...base,
        type: resource.type,
        arn: `arn:${p}:sqs:${r}:${a}:${name}`,
        url: `https://sqs.${r}.amazonaws.com/${a}/${name}`,
        fifo: isTrue(props.FifoQueue),
        contentBasedDeduplication: isTrue(props.ContentBasedDeduplication),
        ...defined({
          visibilityTimeoutSeconds: optional('VisibilityTimeout'),
          messageRetentionPeriodSeconds: optional('MessageRetentionPeriod'),
          delaySeconds: optional('DelaySeconds'),
          receiveMessageWaitTimeSeconds: optional('ReceiveMessageWaitTimeSeconds'),
          maximumMessageSize: optional('MaximumMessageSize'),
          redrive,
        }),
      };
    }
    case 'AWS::SNS::Topic':
      return { ...base, type: resource.type, arn: `arn:${p}:sns:${r}:${a}:${name}`, fifo: isTrue(props.FifoTopic), contentBasedDeduplication: isTrue(props.ContentBasedDeduplication) };
    case 'AWS::Kinesis::Stream':
      return { ...base, type: resource.type, arn: `arn:${p}:kinesis:${r}:${a}:stream/${name}`, shardCount: numberOf(props.ShardCount) ?? 1 };
    case 'AWS::Events::EventBus':
      return { ...base, type: resource.type, arn: `arn:${p}:events:${r}:${a}:event-bus/${name}` };
    case 'AWS::S3::Bucket':
      return { ...base, type: resource.type, arn: `arn:${p}:s3:::${name}`, domainName: `${name}.s3.amazonaws.com`, regionalDomainName: `${name}.s3.${r}.amazonaws.com` };
    case 'AWS::Events::Rule': {
      // EventBusName takes a bus name or ARN; rules on the default bus have ARNs without one.
      const bus = text(props.EventBusName)?.replace(/^arn:.*:event-bus\//, '');
      const busName = bus && bus !== 'default' ? bus : undefined;
      return { ...base, type: resource.type, arn: `arn:${p}:events:${r}:${a}:rule/${busName ? `${busName}/` : ''}${name}`, ...(busName ? { busName } : {}) };
    }
    case 'AWS::Scheduler::Schedule': {
      const groupName = text(props.GroupName) ?? 'default';
      return { ...base, type: resource.type, arn: `arn:${p}:scheduler:${r}:${a}:schedule/${groupName}/${name}`, groupName };
    }
    default:
      return undefined;
  }
}

/** Reads the models of every table, queue, topic, stream, bus, bucket, rule and schedule of an assembly. */
export function readResources(assembly: AssemblyModel, context: NamingContext): AppResources {
  const models = assembly.stacks.flatMap((s) => s.resources).flatMap((r) => resourceModelOf(r, context) ?? []);
  const of = <T extends DataResourceModel>(...types: T['type'][]) => models.filter((m): m is T => (types as string[]).includes(m.type));
  return {
    tables: of<TableModel>('AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'),
    queues: of<QueueModel>('AWS::SQS::Queue'),
    topics: of<TopicModel>('AWS::SNS::Topic'),
    streams: of<StreamModel>('AWS::Kinesis::Stream'),
    buses: of<BusModel>('AWS::Events::EventBus'),
    buckets: of<BucketModel>('AWS::S3::Bucket'),
    rules: of<RuleModel>('AWS::Events::Rule'),
    schedules: of<ScheduleModel>('AWS::Scheduler::Schedule'),
  };
}

/** The model of a resource of the app, by stack and logical id. */
export function findResource(resources: AppResources, stackName: string, logicalId: string): DataResourceModel | undefined {
  const all: DataResourceModel[] = [...resources.tables, ...resources.queues, ...resources.topics, ...resources.streams, ...resources.buses, ...resources.buckets, ...resources.rules, ...resources.schedules];
  return all.find((m) => m.stackName === stackName && m.logicalId === logicalId);
}

function keySchemaOf(value: TemplateValue | undefined): KeySchemaModel[] {
  return (Array.isArray(value) ? value.filter(isObj) : []).map((k) => ({ attributeName: String(k.AttributeName), keyType: k.KeyType === 'RANGE' ? 'RANGE' : 'HASH' }));
}

function indexesOf(value: TemplateValue | undefined): IndexModel[] {
  return (Array.isArray(value) ? value.filter(isObj) : []).map((i) => {
    const projection = isObj(i.Projection) ? i.Projection : {};
    const type = projection.ProjectionType === 'KEYS_ONLY' || projection.ProjectionType === 'INCLUDE' ? projection.ProjectionType : 'ALL';
    const nonKey = Array.isArray(projection.NonKeyAttributes) ? projection.NonKeyAttributes.map(String) : undefined;
    return { indexName: String(i.IndexName), keySchema: keySchemaOf(i.KeySchema), projectionType: type, ...(nonKey ? { nonKeyAttributes: nonKey } : {}) };
  });
}

/** A queue's redrive policy: CloudFormation takes it as an object or as JSON text. */
function redriveOf(resource: ResourceModel, context: NamingContext): RedriveModel | undefined {
  let policy = resource.properties.RedrivePolicy;
  if (typeof policy === 'string') {
    try {
      policy = JSON.parse(policy) as TemplateValue;
    } catch {
      return undefined;
    }
  }
  if (!isObj(policy)) return undefined;
  const target = context.resolve(resource.stackName, policy.deadLetterTargetArn);
  return target === undefined ? undefined : { deadLetterTargetArn: target, maxReceiveCount: numberOf(policy.maxReceiveCount) ?? 5 };
}

/** The entries of `values` that are set (so models hold no `undefined` fields). */
function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
