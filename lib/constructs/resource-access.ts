import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { LambdakitError } from '../errors';
import { acknowledgeObjectPatterns } from '../private/acknowledgements';

/** What a function does with a resource. */
export type Access = 'read' | 'write' | 'readWrite';

/** The smallest action sets per access level. Each is granted on the one resource ARN. */
export const ACTIONS = {
  table: {
    read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'],
    write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem'],
  },
  bucket: {
    read: ['s3:GetObject'],
    write: ['s3:PutObject', 's3:AbortMultipartUpload'],
  },
  queue: { write: ['sqs:SendMessage', 'sqs:GetQueueAttributes'] },
  topic: { write: ['sns:Publish'] },
  stream: { write: ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:DescribeStreamSummary', 'kinesis:ListShards'] },
  bus: { write: ['events:PutEvents'] },
  key: { read: ['kms:Decrypt'], write: ['kms:GenerateDataKey', 'kms:Decrypt'] },
} as const;

/** The function side: a role to grant to and an environment to pass names in. */
export interface ResourceUser extends IConstruct {
  readonly role?: iam.IRole;
  addToRolePolicy(statement: iam.PolicyStatement): void;
  addEnvironment(key: string, value: string): unknown;
}

export interface UseOptions {
  /**
   * Environment variable that receives the resource's name (ARN for topics and buses' names for buses).
   * @default - per resource: TABLE_NAME, BUCKET_NAME, QUEUE_URL, TOPIC_ARN, STREAM_NAME, EVENT_BUS_NAME
   */
  readonly env?: string;
}

export interface UseTableOptions extends UseOptions {
  /** @default 'read' */
  readonly access?: Access;
  /**
   * Also allow reads on the table's secondary indexes (`<table arn>/index/*`).
   * @default false
   */
  readonly indexes?: boolean;
}

export interface UseBucketOptions extends UseOptions {
  /** @default 'read' */
  readonly access?: Access;
  /**
   * Limit object access to keys under this prefix, e.g. `processed/`.
   * @default - every key
   */
  readonly prefix?: string;
}

function actionsFor(kind: 'table' | 'bucket', access: Access): string[] {
  const set = ACTIONS[kind];
  const list = access === 'read' ? set.read : access === 'write' ? set.write : [...set.read, ...set.write];
  return [...new Set<string>(list)];
}

function checkEnvName(user: ResourceUser, name: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
    throw new LambdakitError(`environment variable name "${name}" must start with a letter and hold only letters, digits and _`, { code: 'EnvNameInvalid', path: user.node.path, value: name });
  }
}

function grantKey(user: ResourceUser, key: kms.IKey | undefined, access: Access): void {
  if (!key) return;
  const actions = access === 'read' ? ACTIONS.key.read : ACTIONS.key.write;
  user.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources: [key.keyArn] }));
}

function setEnv(user: ResourceUser, name: string, value: string): void {
  checkEnvName(user, name);
  user.addEnvironment(name, value);
}

export function useTable(user: ResourceUser, table: dynamodb.ITable, options: UseTableOptions = {}): void {
  const access = options.access ?? 'read';
  const resources = [table.tableArn];
  if (options.indexes) resources.push(`${table.tableArn}/index/*`);
  user.addToRolePolicy(new iam.PolicyStatement({ actions: actionsFor('table', access), resources }));
  grantKey(user, table.encryptionKey, access);
  setEnv(user, options.env ?? 'TABLE_NAME', table.tableName);
}

export function useBucket(user: ResourceUser, bucket: s3.IBucket, options: UseBucketOptions = {}): void {
  const access = options.access ?? 'read';
  const prefix = options.prefix ?? '';
  if (prefix.includes('*')) {
    throw new LambdakitError(`bucket prefix "${prefix}" contains "*"; give a plain key prefix such as processed/`, { code: 'BucketPrefixInvalid', path: user.node.path, value: prefix });
  }
  // Object grants need an object-ARN pattern; they live in a policy of their own
  // so that the check acknowledgement names exactly these patterns.
  const objects = bucket.arnForObjects(`${prefix}*`);
  const statement = new iam.PolicyStatement({ actions: actionsFor('bucket', access), resources: [objects] });
  if (user.role) {
    const id = 'ObjectAccessPolicy';
    let policy = user.node.tryFindChild(id) as iam.Policy | undefined;
    if (!policy) {
      policy = new iam.Policy(user, id);
      policy.attachToRole(user.role);
    }
    policy.addStatements(statement);
    acknowledgeObjectPatterns(policy, [objects]);
  } else {
    user.addToRolePolicy(statement);
  }
  grantKey(user, bucket.encryptionKey, access);
  setEnv(user, options.env ?? 'BUCKET_NAME', bucket.bucketName);
}

export function useQueue(user: ResourceUser, queue: sqs.IQueue, options: UseOptions = {}): void {
  user.addToRolePolicy(new iam.PolicyStatement({ actions: [...ACTIONS.queue.write], resources: [queue.queueArn] }));
  grantKey(user, queue.encryptionMasterKey, 'write');
  setEnv(user, options.env ?? 'QUEUE_URL', queue.queueUrl);
}

export function useTopic(user: ResourceUser, topic: sns.ITopic, options: UseOptions = {}): void {
  user.addToRolePolicy(new iam.PolicyStatement({ actions: [...ACTIONS.topic.write], resources: [topic.topicArn] }));
  grantKey(user, topic.masterKey, 'write');
  setEnv(user, options.env ?? 'TOPIC_ARN', topic.topicArn);
}

export function useStream(user: ResourceUser, stream: kinesis.IStream, options: UseOptions = {}): void {
  user.addToRolePolicy(new iam.PolicyStatement({ actions: [...ACTIONS.stream.write], resources: [stream.streamArn] }));
  grantKey(user, stream.encryptionKey, 'write');
  setEnv(user, options.env ?? 'STREAM_NAME', stream.streamName);
}

export function useEventBus(user: ResourceUser, bus: events.IEventBus, options: UseOptions = {}): void {
  user.addToRolePolicy(new iam.PolicyStatement({ actions: [...ACTIONS.bus.write], resources: [bus.eventBusArn] }));
  setEnv(user, options.env ?? 'EVENT_BUS_NAME', bus.eventBusName);
}
