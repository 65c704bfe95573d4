import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, S3Event } from 'aws-lambda';
import { documents } from '../shared/aws';
import { env, logger, type Logger } from '../shared/log';
import { imageInfo } from './image-info';

/** Objects larger than this are rejected without being read. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

export interface ImageRecord {
  readonly key: string;
  readonly status: 'PROCESSED' | 'REJECTED';
  readonly size: number;
  readonly contentType?: string;
  readonly width?: number;
  readonly height?: number;
  readonly reason?: string;
  readonly processedKey?: string;
}

/** The AWS calls of the pipeline, behind a seam for tests. */
export interface ImageDeps {
  read(bucket: string, key: string): Promise<Buffer | undefined>;
  writeSidecar(bucket: string, key: string, body: string): Promise<void>;
  record(record: ImageRecord): Promise<void>;
}

let s3: S3Client | undefined;

export function awsImageDeps(tableName: string): ImageDeps {
  s3 ??= new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined });
  const client = s3;
  return {
    async read(bucket, key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await object.Body!.transformToByteArray());
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async writeSidecar(bucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
    },
    async record(record) {
      await documents().send(new PutCommand({ TableName: tableName, Item: { pk: `IMAGE#${record.key}`, sk: 'IMAGE', type: 'image', ...record, updatedAt: new Date().toISOString() } }));
    },
  };
}

/** `uploads/cats/a.png` → `processed/cats/a.png.json`. */
export function sidecarKey(key: string): string {
  return `processed/${key.replace(/^uploads\//, '')}.json`;
}

/**
 * Reads one uploaded object and records what it is. Bad content (not an
 * image, corrupt, too large, gone) is recorded as rejected and not thrown,
 * so S3's retries are kept for failures of the services themselves.
 */
export async function processUpload(bucket: string, key: string, size: number, deps: ImageDeps, log: Logger): Promise<ImageRecord> {
  let record: ImageRecord;
  if (size > MAX_IMAGE_BYTES) {
    record = { key, status: 'REJECTED', size, reason: `larger than ${MAX_IMAGE_BYTES} bytes` };
  } else {
    const bytes = await deps.read(bucket, key);
    if (!bytes) {
      record = { key, status: 'REJECTED', size, reason: 'object no longer exists' };
    } else {
      try {
        const info = imageInfo(bytes);
        record = info
          ? { key, status: 'PROCESSED', size: bytes.length, ...info, processedKey: sidecarKey(key) }
          : { key, status: 'REJECTED', size: bytes.length, reason: 'not a PNG or JPEG image' };
      } catch (error) {
        record = { key, status: 'REJECTED', size: bytes.length, reason: `corrupt image: ${(error as Error).message}` };
      }
    }
  }
  if (record.processedKey) await deps.writeSidecar(bucket, record.processedKey, JSON.stringify({ source: key, contentType: record.contentType, width: record.width, height: record.height, size: record.size }));
  await deps.record(record);
  log.info('image', { key, status: record.status, reason: record.reason });
  return record;
}

export async function processEvent(event: S3Event, deps: ImageDeps, log: Logger): Promise<ImageRecord[]> {
  const out: ImageRecord[] = [];
  for (const r of event.Records) {
    // S3 URL-encodes keys in events, with + for spaces.
    const key = decodeURIComponent(r.s3.object.key.replace(/\+/g, ' '));
    if (!key.startsWith('uploads/')) continue;
    out.push(await processUpload(r.s3.bucket.name, key, r.s3.object.size ?? 0, deps, log));
  }
  return out;
}

export const handler = async (event: S3Event, context: Context): Promise<void> => {
  await processEvent(event, awsImageDeps(env('TABLE_NAME')), logger(context.awsRequestId));
};
