import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
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
  secret: { read: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] },
  parameter: { read: ['ssm:GetParameter', 'ssm:GetParameters'] },
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

export interface UseParameterOptions extends UseOptions {
  /**
   * The KMS key of a SecureString parameter, for `kms:Decrypt` through SSM only.
   * @default - none (String parameters, or SecureStrings under the AWS managed key)
   */
  readonly key?: kms.IKey;
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

export function useSecret(user: ResourceUser, secret: secretsmanager.ISecret, options: UseOptions = {}): void {
  // A secret imported by name has a partial ARN; Secrets Manager appends a 6-character suffix.
  const arn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
  user.addToRolePolicy(new iam.PolicyStatement({ actions: [...ACTIONS.secret.read], resources: [arn] }));
  if (secret.encryptionKey) grantKeyVia(user, secret.encryptionKey, 'secretsmanager');
  setEnv(user, options.env ?? 'SECRET_ARN', secret.secretArn);
}

export function useParameter(user: ResourceUser, parameter: ssm.IParameter, options: UseParameterOptions = {}): void {
  user.addToRolePolicy(new iam.PolicyStatement({ actions: [...ACTIONS.parameter.read], resources: [parameter.parameterArn] }));
  if (options.key) grantKeyVia(user, options.key, 'ssm');
  setEnv(user, options.env ?? 'PARAMETER_NAME', parameter.parameterName);
}

export interface DatabaseProxyUser extends ResourceUser, iam.IGrantable {
  readonly isBoundToVpc: boolean;
  readonly connections: ec2.Connections;
}

export function useDatabaseProxy(user: DatabaseProxyUser, proxy: rds.IDatabaseProxy, dbUser: string, options: UseOptions = {}): void {
  if (!dbUser) throw new LambdakitError('useDatabaseProxy needs the database user the function connects as', { code: 'DatabaseUserMissing', path: user.node.path });
  // rds-db:connect on arn:...:dbuser:<proxy resource id>/<user>: that one user through that one proxy.
  proxy.grantConnect(user, dbUser);
  const connectable = proxy as rds.IDatabaseProxy & Partial<ec2.IConnectable>;
  if (user.isBoundToVpc && connectable.connections) connectable.connections.allowDefaultPortFrom(user, `${user.node.path} connects to the proxy`);
  setEnv(user, options.env ?? 'DB_PROXY_ENDPOINT', proxy.endpoint);
}

/** kms:Decrypt on the key, only when the named service asks for it on the function's behalf. */
function grantKeyVia(user: ResourceUser, key: kms.IKey, service: 'secretsmanager' | 'ssm'): void {
  user.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [...ACTIONS.key.read],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `${service}.${Stack.of(user).region}.amazonaws.com` } },
    }),
  );
}
