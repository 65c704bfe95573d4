import type { S3Event, S3EventRecord } from 'aws-lambda';
import { EventContext, UPPER_ALNUM, invalidOption, type EventEnvironment } from './context';

export interface S3EventOptions extends EventEnvironment {
  /**
   * What happened to the object.
   * @default 'ObjectCreated:Put'
   */
  readonly eventName?: S3EventName;
  /** Bucket name. @default 'example-bucket' */
  readonly bucket?: string;
  /** Object key, unencoded (the event carries it URL-encoded, as S3 does). @default 'uploads/example.txt' */
  readonly key?: string;
  /** Object size in bytes (created events only). @default 1024 */
  readonly size?: number;
  /** ETag of the object (created events only). @default - generated */
  readonly eTag?: string;
  /** Version id, for a versioned bucket. @default - none */
  readonly versionId?: string;
  /** The notification configuration's id. @default - generated */
  readonly configurationId?: string;
  /**
   * Orders events of one key (a greater hex value happened later); see {@link s3Sequencer}.
   * @default - generated
   */
  readonly sequencer?: string;
  /** Who made the request (`userIdentity.principalId`). @default - a generated IAM user id */
  readonly principalId?: string;
  /** Where the request came from (`requestParameters.sourceIPAddress`). @default '203.0.113.10' */
  readonly sourceIPAddress?: string;
  /** S3's id of the request (`x-amz-request-id`). @default - generated */
  readonly requestId?: string;
}

/** The object events S3 notifications deliver. */
export const S3_EVENT_NAMES = [
  'ObjectCreated:Put',
  'ObjectCreated:Post',
  'ObjectCreated:Copy',
  'ObjectCreated:CompleteMultipartUpload',
  'ObjectRemoved:Delete',
  'ObjectRemoved:DeleteMarkerCreated',
] as const;
export type S3EventName = (typeof S3_EVENT_NAMES)[number];

export function isS3EventName(name: string): name is S3EventName {
  return (S3_EVENT_NAMES as readonly string[]).includes(name);
}

/**
 * A sequencer from the time of the change in microseconds: 18 upper-case hex digits,
 * growing with time, so later events of a key compare greater as S3's do.
 */
export function s3Sequencer(epochMicros: bigint): string {
  return epochMicros.toString(16).toUpperCase().padStart(18, '0');
}

/**
 * S3 notification keys are URL-encoded as an HTML form encodes a field
 * (application/x-www-form-urlencoded: letters, digits and `*-._` stay, a space
 * becomes `+`, everything else UTF-8 percent-encoded: `(` is `%28`, `+` is `%2B`),
 * except that `/` stays: "dir/red flower (1).jpg" → "dir/red+flower+%281%29.jpg".
 */
export function encodeS3Key(key: string): string {
  return new URLSearchParams([['', key]]).toString().slice(1).replace(/%2F/g, '/');
}

/** The event S3 sends for an object created or removed. */
export function s3Event(options: S3EventOptions = {}): S3Event {
  const context = new EventContext(options);
  const bucket = options.bucket ?? 'example-bucket';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) invalidOption('bucket', `"${bucket}" is not a valid bucket name`, bucket, 'use 3-63 lowercase letters, digits, dots and hyphens');
  const key = options.key ?? 'uploads/example.txt';
  if (key.length === 0 || Buffer.byteLength(key) > 1024) invalidOption('key', 'an object key has 1-1024 bytes', key, 'pass a key like uploads/photo.jpg');
  const size = options.size ?? 1024;
  if (!Number.isInteger(size) || size < 0) invalidOption('size', `${size} is not a size in bytes`, size, 'pass a whole number of bytes, e.g. 1024');
  const eventName = options.eventName ?? 'ObjectCreated:Put';
  const created = eventName.startsWith('ObjectCreated:');
  // S3 leaves size and eTag out of removal events, although @types/aws-lambda marks them required.
  const object = {
    key: encodeS3Key(key),
    ...(created ? { size, eTag: options.eTag ?? context.hex(32) } : {}),
    ...(options.versionId ? { versionId: options.versionId } : {}),
    sequencer: options.sequencer ?? context.hex(18).toUpperCase(),
  } as S3EventRecord['s3']['object'];
  const record: S3EventRecord = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: context.region,
    eventTime: context.now.toISOString(),
    eventName,
    userIdentity: { principalId: options.principalId ?? `AWS:AIDA${context.chars(17, UPPER_ALNUM)}` },
    requestParameters: { sourceIPAddress: options.sourceIPAddress ?? '203.0.113.10' },
    responseElements: { 'x-amz-request-id': options.requestId ?? context.hex(16).toUpperCase(), 'x-amz-id-2': context.base64(57) },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: options.configurationId ?? context.uuid(),
      bucket: { name: bucket, ownerIdentity: { principalId: `A${context.chars(13, UPPER_ALNUM)}` }, arn: `arn:aws:s3:::${bucket}` },
      object,
    },
  };
  return { Records: [record] };
}
