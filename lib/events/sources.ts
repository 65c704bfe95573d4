import { LambdakitError, isLambdakitError } from '../errors';
import { albEvent } from './alb';
import { cloudWatchLogsEvent } from './cloudwatch-logs';
import type { EventEnvironment } from './context';
import { dynamodbStreamEvent, type JsonObject, type JsonValue, type StreamViewType } from './dynamodb';
import { eventBridgeEvent, scheduledEvent } from './eventbridge';
import { functionUrlEvent, httpApiEvent, restApiEvent, type RoutedRequestOptions } from './http';
import { kinesisEvent } from './kinesis';
import { s3Event } from './s3';
import { schedulerPayload } from './scheduler';
import { snsEvent } from './sns';
import { sqsEvent } from './sqs';

/**
 * Option values as a command line gives them: a string, the strings of a
 * repeated option, or a boolean; keyed by the option's kebab-case name.
 */
export type EventFlags = Readonly<Record<string, string | readonly string[] | boolean | undefined>>;

/** An option of `lambdakit event`, described once for the CLI and for validation. */
export interface EventOptionSpec {
  readonly type: 'string' | 'boolean';
  readonly describe: string;
  /** May be given more than once. */
  readonly repeatable?: boolean;
}

/** Options every source takes. */
const COMMON = ['region', 'account', 'seed', 'time'] as const;

export const EVENT_OPTIONS: Readonly<Record<string, EventOptionSpec>> = {
  region: { type: 'string', describe: 'Region in ARNs and hosts (default us-east-1)' },
  account: { type: 'string', describe: 'Account id in ARNs (default 123456789012)' },
  seed: { type: 'string', describe: 'Seed for generated ids, for repeatable output' },
  time: { type: 'string', describe: 'Event time, ISO 8601 or epoch ms (default now)' },
  method: { type: 'string', describe: 'HTTP method (default from --route-key, POST with a body, else GET)' },
  path: { type: 'string', describe: 'Request path, e.g. /users/42' },
  query: { type: 'string', repeatable: true, describe: 'Query parameter name=value (repeatable, or a=1&b=2)' },
  header: { type: 'string', repeatable: true, describe: 'Request header "Name: value" (repeatable)' },
  cookie: { type: 'string', repeatable: true, describe: 'Cookie name=value (repeatable)' },
  body: { type: 'string', repeatable: true, describe: 'Request body; for sqs a message body (repeat for a batch)' },
  base64: { type: 'boolean', describe: 'Deliver the body base64-encoded (binary content)' },
  'route-key': { type: 'string', describe: 'Route that matched, e.g. "GET /users/{userId}"' },
  'path-param': { type: 'string', repeatable: true, describe: 'Path parameter name=value (repeatable)' },
  stage: { type: 'string', describe: 'API stage ($default for HTTP APIs, prod for REST)' },
  'source-ip': { type: 'string', describe: 'Client address (default 203.0.113.10)' },
  'api-id': { type: 'string', describe: 'API id (default generated)' },
  'target-group': { type: 'string', describe: 'ALB target group name' },
  'multi-value': { type: 'boolean', describe: 'ALB target group with multi-value headers' },
  bucket: { type: 'string', describe: 'Bucket name' },
  key: { type: 'string', describe: 'Object key (unencoded)' },
  size: { type: 'string', describe: 'Object size in bytes' },
  queue: { type: 'string', describe: 'Queue name (a .fifo name gives FIFO attributes)' },
  'group-id': { type: 'string', describe: 'FIFO message group id' },
  attribute: { type: 'string', repeatable: true, describe: 'Message attribute name=value (repeatable)' },
  topic: { type: 'string', describe: 'Topic name' },
  subject: { type: 'string', describe: 'SNS subject' },
  message: { type: 'string', repeatable: true, describe: 'SNS message, or log line for cloudwatch-logs (repeatable)' },
  table: { type: 'string', describe: 'Table name' },
  keys: { type: 'string', describe: 'Key attributes as JSON, e.g. {"id":"42"}' },
  'new-image': { type: 'string', describe: 'Item after the change, as plain JSON' },
  'old-image': { type: 'string', describe: 'Item before the change, as plain JSON' },
  'event-name': { type: 'string', describe: 'INSERT, MODIFY or REMOVE (default from the images)' },
  'stream-view-type': { type: 'string', describe: 'KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES' },
  stream: { type: 'string', describe: 'Kinesis stream name' },
  'partition-key': { type: 'string', describe: 'Kinesis partition key' },
  data: { type: 'string', repeatable: true, describe: 'Kinesis record data (repeat for a batch)' },
  source: { type: 'string', describe: 'EventBridge source, e.g. com.example.orders' },
  'detail-type': { type: 'string', describe: 'EventBridge detail-type' },
  detail: { type: 'string', describe: 'EventBridge detail as JSON' },
  resource: { type: 'string', repeatable: true, describe: 'EventBridge resource ARN (repeatable)' },
  rule: { type: 'string', describe: 'Schedule rule name' },
  schedule: { type: 'string', describe: 'EventBridge Scheduler schedule name' },
  group: { type: 'string', describe: 'Schedule group (default "default")' },
  input: { type: 'string', describe: "Scheduler target input; <aws.scheduler.scheduled-time> and the other context attributes are filled in (default: Scheduler's own event)" },
  'log-group': { type: 'string', describe: 'Log group name' },
  'log-stream': { type: 'string', describe: 'Log stream name' },
  'filter-name': { type: 'string', describe: 'Subscription filter name' },
};

/** A source `lambdakit event` can build. */
export interface EventSource {
  readonly name: string;
  readonly description: string;
  /** Options it takes besides the common ones. */
  readonly options: readonly string[];
  build(flags: FlagReader, environment: EventEnvironment): unknown;
}

const HTTP = ['method', 'path', 'query', 'header', 'cookie', 'body', 'base64', 'source-ip'];
const ROUTED = [...HTTP, 'route-key', 'path-param', 'stage', 'api-id'];

const SOURCES: readonly EventSource[] = [
  { name: 'http-api', description: 'API Gateway HTTP API request (payload format 2.0)', options: ROUTED, build: (f, env) => httpApiEvent({ ...env, ...routed(f), stage: f.one('stage') }) },
  { name: 'rest-api', description: 'API Gateway REST API proxy request (payload format 1.0)', options: ROUTED, build: (f, env) => restApiEvent({ ...env, ...routed(f), stage: f.one('stage') }) },
  { name: 'function-url', description: 'Lambda function URL request (payload format 2.0)', options: HTTP, build: (f, env) => functionUrlEvent({ ...env, ...request(f) }) },
  { name: 'alb', description: 'Application Load Balancer request to a Lambda target', options: [...HTTP, 'target-group', 'multi-value'], build: (f, env) => albEvent({ ...env, ...request(f), targetGroup: f.one('target-group'), multiValueHeaders: f.flag('multi-value') }) },
  { name: 's3-put', description: 'S3 object created (ObjectCreated:Put)', options: ['bucket', 'key', 'size'], build: (f, env) => s3Event({ ...env, eventName: 'ObjectCreated:Put', bucket: f.one('bucket'), key: f.one('key'), size: f.integer('size') }) },
  { name: 's3-delete', description: 'S3 object removed (ObjectRemoved:Delete)', options: ['bucket', 'key'], build: (f, env) => s3Event({ ...env, eventName: 'ObjectRemoved:Delete', bucket: f.one('bucket'), key: f.one('key') }) },
  {
    name: 'sqs',
    description: 'SQS batch (one record per --body)',
    options: ['queue', 'body', 'attribute', 'group-id'],
    build: (f, env) => {
      const bodies = f.many('body');
      const groupId = f.one('group-id');
      return sqsEvent({ ...env, queue: f.one('queue'), attributes: f.map('attribute'), messages: bodies.length ? bodies.map((body) => ({ body, groupId })) : undefined });
    },
  },
  { name: 'sns', description: 'SNS notification (one message per invocation)', options: ['topic', 'message', 'subject', 'attribute'], build: (f, env) => snsEvent({ ...env, topic: f.one('topic'), message: f.one('message'), subject: f.one('subject'), attributes: f.map('attribute') }) },
  {
    name: 'dynamodb',
    description: 'DynamoDB Streams record (images given as plain JSON)',
    options: ['table', 'keys', 'new-image', 'old-image', 'event-name', 'stream-view-type'],
    build: (f, env) => {
      const keys = f.jsonObject('keys');
      const newImage = f.jsonObject('new-image');
      const oldImage = f.jsonObject('old-image');
      const eventName = f.choice('event-name', ['INSERT', 'MODIFY', 'REMOVE'] as const);
      const given = keys ?? newImage ?? oldImage ?? eventName;
      return dynamodbStreamEvent({
        ...env,
        table: f.one('table'),
        streamViewType: f.choice('stream-view-type', ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'] as const satisfies readonly StreamViewType[]),
        changes: given === undefined ? undefined : [{ keys: keys ?? keysFrom(newImage ?? oldImage), newImage, oldImage, eventName }],
      });
    },
  },
  { name: 'kinesis', description: 'Kinesis batch (one record per --data)', options: ['stream', 'partition-key', 'data'], build: (f, env) => kinesisEvent({ ...env, stream: f.one('stream'), partitionKey: f.one('partition-key'), records: f.many('data').length ? f.many('data') : undefined }) },
  {
    name: 'eventbridge',
    description: 'EventBridge event delivered by a rule',
    options: ['source', 'detail-type', 'detail', 'resource'],
    build: (f, env) => eventBridgeEvent({ ...env, source: f.one('source'), detailType: f.one('detail-type'), detail: f.json('detail'), resources: f.many('resource') }),
  },
  { name: 'schedule', description: 'EventBridge scheduled event (rate or cron rule)', options: ['rule'], build: (f, env) => scheduledEvent({ ...env, rule: f.one('rule') }) },
  {
    name: 'scheduler',
    description: 'EventBridge Scheduler invocation (its Scheduled Event, or the target input)',
    options: ['schedule', 'group', 'input'],
    // The same payload dev sends: the input as text when given, so it is parsed as JSON here.
    build: (f, env) => parsePayload(schedulerPayload({ ...env, schedule: f.one('schedule'), group: f.one('group'), input: f.one('input') })),
  },
  {
    name: 'cloudwatch-logs',
    description: 'CloudWatch Logs subscription (gzipped, base64 awslogs.data)',
    options: ['log-group', 'log-stream', 'message', 'filter-name'],
    build: (f, env) => cloudWatchLogsEvent({ ...env, logGroup: f.one('log-group'), logStream: f.one('log-stream'), filterName: f.one('filter-name'), messages: f.many('message').length ? f.many('message') : undefined }),
  },
];

/** Builder option names that a user sets through a differently named command line option. */
const FLAG_FOR_FIELD: Readonly<Record<string, string>> = {
  accountId: 'account',
  now: 'time',
  routeKey: 'route-key',
  pathParameters: 'path-param',
  targetGroup: 'target-group',
  messages: 'body',
  newImage: 'new-image',
  oldImage: 'old-image',
  partitionKey: 'partition-key',
  detailType: 'detail-type',
  logGroup: 'log-group',
  records: 'data',
};

/** A payload as the handler receives it: JSON parsed, or text as a JSON string. */
function parsePayload(payload: string): unknown {
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return payload;
  }
}

function keysFrom(image: JsonObject | undefined): JsonObject | undefined {
  // Without --keys, an image's "id" attribute is taken as the key, as in the default sample.
  return image && 'id' in image ? { id: image.id } : undefined;
}

function request(f: FlagReader) {
  const body = f.one('body');
  return {
    method: f.one('method'),
    path: f.one('path'),
    query: f.query('query'),
    headers: f.pairs('header', ':'),
    cookies: f.many('cookie'),
    body,
    isBase64Encoded: f.flag('base64'),
    sourceIp: f.one('source-ip'),
  };
}

function routed(f: FlagReader): RoutedRequestOptions {
  return { ...request(f), routeKey: f.one('route-key'), pathParameters: f.map('path-param'), apiId: f.one('api-id') };
}

/** Reads and checks option values, naming the option in every error. */
export class FlagReader {
  constructor(
    private readonly flags: EventFlags,
    private readonly source: string,
  ) {}

  private fail(option: string, message: string, value: unknown, hint: string): never {
    throw new LambdakitError(`--${option}: ${message}`, { code: 'InvalidEventOption', value, hint });
  }

  private values(option: string): string[] {
    const value = this.flags[option];
    if (value === undefined || typeof value === 'boolean') return [];
    return typeof value === 'string' ? [value] : [...value];
  }

  one(option: string): string | undefined {
    const values = this.values(option);
    if (values.length > 1) this.fail(option, `given ${values.length} times; ${this.source} takes one`, values, `pass --${option} once`);
    return values[0];
  }

  many(option: string): string[] {
    return this.values(option);
  }

  flag(option: string): boolean | undefined {
    const value = this.flags[option];
    return typeof value === 'boolean' ? value : undefined;
  }

  integer(option: string): number | undefined {
    const text = this.one(option);
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text.trim())) this.fail(option, `"${text}" is not a whole number`, text, `pass --${option} like 1024`);
    return Number(text);
  }

  choice<T extends string>(option: string, allowed: readonly T[]): T | undefined {
    const text = this.one(option);
    if (text === undefined) return undefined;
    const found = allowed.find((a) => a === text.toUpperCase());
    if (!found) this.fail(option, `"${text}" is not one of ${allowed.join(', ')}`, text, `pass --${option} ${allowed[0]}`);
    return found;
  }

  json(option: string): JsonValue | undefined {
    const text = this.one(option);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as JsonValue;
    } catch (error) {
      return this.fail(option, `not valid JSON (${(error as Error).message})`, text, `quote the JSON for the shell, e.g. --${option} '{"id":"42"}'`);
    }
  }

  jsonObject(option: string): JsonObject | undefined {
    const value = this.json(option);
    if (value === undefined) return undefined;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(option, 'must be a JSON object', value, `pass --${option} like '{"id":"42"}'`);
    return value as JsonObject;
  }

  /** `name=value` (or `Name: value`) pairs; repeated names keep every value in order. */
  pairs(option: string, separator: '=' | ':'): Record<string, string | string[]> | undefined {
    const values = this.values(option);
    if (values.length === 0) return undefined;
    const out: Record<string, string | string[]> = {};
    for (const entry of values) {
      const at = entry.indexOf(separator);
      const name = at > 0 ? entry.slice(0, at).trim() : '';
      if (!name) this.fail(option, `"${entry}" is not ${separator === '=' ? 'name=value' : '"Name: value"'}`, entry, separator === '=' ? `pass --${option} name=value` : `pass --${option} "Content-Type: application/json"`);
      const value = entry.slice(at + 1).trim();
      const previous = out[name];
      out[name] = previous === undefined ? value : [previous, value].flat();
    }
    return out;
  }

  /** `name=value` pairs where each name may appear once. */
  map(option: string): Record<string, string> | undefined {
    const pairs = this.pairs(option, '=');
    if (!pairs) return undefined;
    for (const [name, value] of Object.entries(pairs)) {
      if (Array.isArray(value)) this.fail(option, `"${name}" given ${value.length} times`, value, `pass --${option} ${name}=value once`);
    }
    return pairs as Record<string, string>;
  }

  /** Query parameters from `a=1` options or whole `a=1&b=2` strings. */
  query(option: string): Record<string, string[]> | undefined {
    const parts = this.values(option).flatMap((v) => v.replace(/^\?/, '').split('&')).filter(Boolean);
    if (parts.length === 0) return undefined;
    const out: Record<string, string[]> = {};
    for (const part of parts) {
      const at = part.indexOf('=');
      const name = decodeURIComponent(at >= 0 ? part.slice(0, at) : part);
      if (!name) this.fail(option, `"${part}" has no name`, part, `pass --${option} name=value`);
      (out[name] ??= []).push(at >= 0 ? decodeURIComponent(part.slice(at + 1).replace(/\+/g, ' ')) : '');
    }
    return out;
  }
}

/** Every source, in the order `--list` shows them. */
export function listEventSources(): readonly { name: string; description: string; options: readonly string[] }[] {
  return SOURCES.map(({ name, description, options }) => ({ name, description, options }));
}

/**
 * Builds the sample event of `source` from command line option values.
 * Unknown sources, options the source does not take and bad values are
 * LambdakitErrors that name the option.
 */
export function sampleEvent(source: string, flags: EventFlags): unknown {
  const found = SOURCES.find((s) => s.name === source);
  if (!found) {
    throw new LambdakitError(`unknown event source "${source}"`, { code: 'UnknownEventSource', value: source, hint: `use one of ${SOURCES.map((s) => s.name).join(', ')} (lambdakit event --list)` });
  }
  const allowed = new Set<string>([...COMMON, ...found.options]);
  for (const [option, value] of Object.entries(flags)) {
    if (value === undefined || !(option in EVENT_OPTIONS)) continue;
    if (!allowed.has(option)) {
      throw new LambdakitError(`--${option} does not apply to ${source} events`, { code: 'InvalidEventOption', value: option, hint: `${source} takes ${found.options.map((o) => `--${o}`).join(', ')}` });
    }
  }
  const reader = new FlagReader(flags, source);
  const environment: EventEnvironment = { region: reader.one('region'), accountId: reader.one('account'), seed: reader.one('seed'), now: parseTime(reader.one('time')) };
  try {
    return found.build(reader, environment);
  } catch (error) {
    throw renameField(error);
  }
}

function parseTime(text: string | undefined): string | number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : text;
}

/** Builders name their own fields (`routeKey: ...`); on the command line the user typed `--route-key`. */
function renameField(error: unknown): unknown {
  if (!isLambdakitError(error) || error.code !== 'InvalidEventOption') return error;
  const match = /^([A-Za-z]+): ([\s\S]*)$/.exec(error.message);
  if (!match) return error;
  const field = match[1];
  const flag = FLAG_FOR_FIELD[field] ?? (field in EVENT_OPTIONS ? field : undefined);
  if (!flag) return error;
  return new LambdakitError(`--${flag}: ${match[2]}`, { code: error.code, value: error.value, hint: error.hint, cause: error });
}
