import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { documentClient, expiresAfterDays, isConditionFailure } from '../shared/aws';
import { env } from '../shared/config';
import { type Logger, logger, reason } from '../shared/log';

export interface Job {
  readonly jobId: string;
  readonly type: 'resize' | 'report' | 'email';
  readonly payload: Record<string, unknown>;
}

const TYPES = new Set(['resize', 'report', 'email']);
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Finished jobs are kept this long, then the cleanup schedule deletes them. */
export const JOB_RETENTION_DAYS = 30;

/** Parses a message body into a job; throws with the reason for a poison message. */
export function parseJob(body: string): Job {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error('message body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('message body is not a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.jobId !== 'string' || !ID.test(v.jobId)) throw new Error('jobId must be 1-64 letters, digits, - or _');
  if (typeof v.type !== 'string' || !TYPES.has(v.type)) throw new Error(`type must be one of ${[...TYPES].join(', ')}`);
  const payload = v.payload ?? {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Error('payload must be a JSON object');
  return { jobId: v.jobId, type: v.type as Job['type'], payload: payload as Record<string, unknown> };
}

/** Records a finished job once: a redelivered message finds it done and does not count it again. */
export interface JobStore {
  complete(job: Job, result: Record<string, unknown>): Promise<'done' | 'already-done'>;
}

/** Jobs live at `pk=JOB#<id>, sk=JOB`, expiring after JOB_RETENTION_DAYS. */
export function dynamoJobStore(db: DynamoDBDocumentClient, tableName: string, now = () => new Date()): JobStore {
  return {
    async complete(job, result) {
      const at = now();
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: `JOB#${job.jobId}`, sk: 'JOB', type: 'job', jobType: job.type, status: 'DONE', result, finishedAt: at.toISOString(), expiresAt: expiresAfterDays(at, JOB_RETENTION_DAYS) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return 'done';
      } catch (error) {
        if (isConditionFailure(error)) return 'already-done';
        throw error;
      }
    },
  };
}

/** What each job type does: small, deterministic work; an email job without a recipient fails. */
export function runJob(job: Job): Record<string, unknown> {
  switch (job.type) {
    case 'resize':
      return { width: Math.round(Number(job.payload.width ?? 0) / 2), height: Math.round(Number(job.payload.height ?? 0) / 2) };
    case 'report':
      return { lines: Array.isArray(job.payload.rows) ? job.payload.rows.length : 0 };
    case 'email':
      if (typeof job.payload.to !== 'string' || !job.payload.to.includes('@')) throw new Error('email job needs payload.to, an email address');
      return { queuedFor: job.payload.to };
  }
}

/**
 * Processes a batch and reports only the failed messages, so SQS deletes the
 * rest; a poison message comes back until the queue's redrive policy moves it
 * to the dead-letter queue after maxReceiveCount receives.
 */
export async function processBatch(event: SQSEvent, store: JobStore, log: Logger): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const receiveCount = record.attributes?.ApproximateReceiveCount;
    try {
      const job = parseJob(record.body);
      const outcome = await store.complete(job, runJob(job));
      log.info('job', { messageId: record.messageId, jobId: job.jobId, outcome, receiveCount });
    } catch (error) {
      log.warn('job failed', { messageId: record.messageId, reason: reason(error), receiveCount });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

const db = documentClient();

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processBatch(event, dynamoJobStore(db, env('TABLE_NAME')), logger(context.awsRequestId));
