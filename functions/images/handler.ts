import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, S3Event } from 'aws-lambda';
import { documentClient } from '../shared/aws';
import { env } from '../shared/config';
import { type Log, logger, observed } from '../shared/observability';
import { CorruptImageError, imageInfo } from './image-info';

/** Objects larger than this are rejected without being read. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

export const UPLOAD_PREFIX = 'uploads/';
export const PROCESSED_PREFIX = 'processed/';

export interface ImageRecord {
  readonly key: string;
  readonly status: 'PROCESSED' | 'REJECTED';
  readonly size: number;
  /** The type read from the file header (PROCESSED only). */
  readonly contentType?: string;
  /** The Content-Type the uploader declared, kept to explain rejections. */
  readonly declaredContentType?: string;
  readonly width?: number;
  readonly height?: number;
  readonly reason?: string;
  readonly processedKey?: string;
}

export interface UploadedObject {
  readonly bytes: Buffer;
  readonly declaredContentType?: string;
}

/** The AWS calls of the pipeline, behind a seam for tests. */
export interface ImageDeps {
  /** The object, or undefined when it no longer exists. */
  read(bucket: string, key: string): Promise<UploadedObject | undefined>;
  writeSidecar(bucket: string, key: string, body: string): Promise<void>;
  record(record: ImageRecord): Promise<void>;
}

/** S3 for the objects; DynamoDB (`pk=IMAGE#<key>, sk=IMAGE`) for the records. */
export function awsImageDeps(s3: S3Client, db: DynamoDBDocumentClient, tableName: string, now = () => new Date()): ImageDeps {
  return {
    async read(bucket, key) {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { bytes: Buffer.from(await object.Body!.transformToByteArray()), declaredContentType: object.ContentType };
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async writeSidecar(bucket, key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
    },
    async record(record) {
      await db.send(new PutCommand({ TableName: tableName, Item: { pk: `IMAGE#${record.key}`, sk: 'IMAGE', type: 'image', ...record, updatedAt: now().toISOString() } }));
    },
  };
}

/** `uploads/cats/a.png` → `processed/cats/a.png.json`. */
export function sidecarKey(key: string): string {
  return `${PROCESSED_PREFIX}${key.slice(UPLOAD_PREFIX.length)}.json`;
}

/** S3 event keys are URL-encoded with `+` for spaces: `uploads/my+cat%C3%A9.png` → `uploads/my caté.png`. */
export function decodeS3Key(encoded: string): string {
  const plus = encoded.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus; // not valid percent-encoding: S3 would not send it, so take the key as written
  }
}

/** Classifies the bytes: PROCESSED with dimensions, or REJECTED with the reason. */
function classify(key: string, object: UploadedObject): ImageRecord {
  const base = { key, size: object.bytes.length, declaredContentType: object.declaredContentType };
  try {
    const info = imageInfo(object.bytes);
    if (!info) return { ...base, status: 'REJECTED', reason: 'not a PNG or JPEG image' };
    return { ...base, status: 'PROCESSED', ...info, processedKey: sidecarKey(key) };
  } catch (error) {
    if (error instanceof CorruptImageError) return { ...base, status: 'REJECTED', reason: `corrupt image: ${error.message}` };
    throw error;
  }
}

/**
 * Reads one uploaded object and records what it is. Bad content (not an
 * image, corrupt, too large, gone) is recorded as rejected and not thrown,
 * so S3's asynchronous retries are spent only on failures of the services.
 * Writing again for a redelivered event overwrites the same sidecar and record.
 */
export async function processUpload(bucket: string, key: string, size: number, deps: ImageDeps, log: Log): Promise<ImageRecord> {
  let record: ImageRecord;
  if (size > MAX_IMAGE_BYTES) {
    record = { key, status: 'REJECTED', size, reason: `larger than ${MAX_IMAGE_BYTES} bytes` };
  } else {
    const object = await deps.read(bucket, key);
    record = object ? classify(key, object) : { key, status: 'REJECTED', size, reason: 'object no longer exists' };
  }
  // The sidecar is written before the record, so a record never points at a missing sidecar.
  if (record.processedKey) {
    const sidecar = { source: key, contentType: record.contentType, width: record.width, height: record.height, size: record.size };
    await deps.writeSidecar(bucket, record.processedKey, JSON.stringify(sidecar));
  }
  await deps.record(record);
  log.info('image', { key, status: record.status, reason: record.reason, width: record.width, height: record.height });
  return record;
}

/** Every record of the event under uploads/ (other keys are not this function's: a wider notification is ignored). */
export async function processEvent(event: S3Event, deps: ImageDeps, log: Log): Promise<ImageRecord[]> {
  const out: ImageRecord[] = [];
  for (const r of event.Records) {
    const key = decodeS3Key(r.s3.object.key);
    if (!key.startsWith(UPLOAD_PREFIX)) continue;
    out.push(await processUpload(r.s3.bucket.name, key, r.s3.object.size ?? 0, deps, log));
  }
  return out;
}

// Path-style addressing only when an endpoint override points at a local stand-in (lambdakit dev, moto).
const s3 = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL) });
const db = documentClient();

export const handler = observed(async (event: S3Event, _context: Context): Promise<void> => {
  await processEvent(event, awsImageDeps(s3, db, env('TABLE_NAME')), logger);
});
