import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { documents, isConditionFailure } from '../shared/aws';
import { env, logger, type Logger } from '../shared/log';

export interface Job {
  readonly jobId: string;
  readonly type: 'resize' | 'report' | 'email';
  readonly payload: Record<string, unknown>;
}

const TYPES = new Set(['resize', 'report', 'email']);

/** Parses a message body into a job; throws with the reason for a poison message. */
export function parseJob(body: string): Job {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error('message body is not JSON');
  }
  const v = value as Record<string, unknown>;
  if (typeof v?.jobId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(v.jobId)) throw new Error('jobId must be 1-64 letters, digits, - or _');
  if (typeof v.type !== 'string' || !TYPES.has(v.type)) throw new Error(`type must be one of ${[...TYPES].join(', ')}`);
  return { jobId: v.jobId, type: v.type as Job['type'], payload: (v.payload ?? {}) as Record<string, unknown> };
}

/** Records a finished job once: a redelivered message finds it done and does not redo it. */
export interface JobStore {
  complete(job: Job, result: Record<string, unknown>): Promise<'done' | 'already-done'>;
}

export function dynamoJobStore(tableName: string): JobStore {
  return {
    async complete(job, result) {
      try {
        await documents().send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: `JOB#${job.jobId}`, sk: 'JOB', type: 'job', jobType: job.type, status: 'DONE', result, finishedAt: new Date().toISOString() },
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

/** What each job type does: small, deterministic work the example can show. */
export function runJob(job: Job): Record<string, unknown> {
  switch (job.type) {
    case 'resize':
      return { width: Math.round(Number(job.payload.width ?? 0) / 2), height: Math.round(Number(job.payload.height ?? 0) / 2) };
    case 'report':
      return { lines: Array.isArray(job.payload.rows) ? job.payload.rows.length : 0 };
    case 'email':
      if (typeof job.payload.to !== 'string' || !job.payload.to.includes('@')) throw new Error('email job needs payload.to');
      return { queuedFor: job.payload.to };
  }
}

/**
 * Processes a batch and reports only the failed messages, so the rest of the
 * batch is deleted; a poison message comes back until the queue's redrive
 * policy moves it to the dead-letter queue.
 */
export async function processBatch(event: SQSEvent, store: JobStore, log: Logger): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const job = parseJob(record.body);
      const outcome = await store.complete(job, runJob(job));
      log.info('job', { jobId: job.jobId, outcome, receiveCount: record.attributes.ApproximateReceiveCount });
    } catch (error) {
      log.warn('job failed', { messageId: record.messageId, reason: (error as Error).message, receiveCount: record.attributes.ApproximateReceiveCount });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processBatch(event, dynamoJobStore(env('TABLE_NAME')), logger(context.awsRequestId));
