import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, expiresAfterDays, isConditionFailure } from '../shared/aws';
import { env } from '../shared/config';
import { type Counter, type Log, logger, MetricUnit, metrics, observed, reason } from '../shared/observability';

const ID_MESSAGE = 'jobId must be 1-64 letters, digits, - or _';
const TYPES = ['resize', 'report', 'email'] as const;

/** A job message's body, a JSON object: what the worker accepts. */
export const JobSchema = z.object(
  {
    jobId: z.string({ error: ID_MESSAGE }).regex(/^[A-Za-z0-9_-]{1,64}$/, { error: ID_MESSAGE }),
    type: z.enum(TYPES, { error: `type must be one of ${TYPES.join(', ')}` }),
    payload: z.record(z.string(), z.unknown(), { error: 'payload must be a JSON object' }).default({}),
  },
  { error: 'message body is not a JSON object' },
);

export type Job = z.infer<typeof JobSchema>;

/** The body as SQS delivers it: JSON text, parsed by Powertools' JSONStringified helper. */
const JobBodySchema = JSONStringified(JobSchema);

/** Finished jobs are kept this long, then the cleanup schedule deletes them. */
export const JOB_RETENTION_DAYS = 30;

/** Parses a message body into a job; throws with the reason for a poison message. */
export function parseJob(body: string): Job {
  const parsed = JobBodySchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(issue.code === 'custom' && issue.message.startsWith('Invalid JSON') ? 'message body is not JSON' : issue.message);
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
 * Processes a batch with Powertools' BatchProcessor and reports only the failed
 * messages, so SQS deletes the rest; a poison message comes back until the
 * queue's redrive policy moves it to the dead-letter queue after maxReceiveCount
 * receives. Messages are handled one after another, and a batch where every
 * message failed is reported as such rather than thrown.
 */
export async function processBatch(event: SQSEvent, store: JobStore, log: Log = logger, counter: Counter = metrics, context?: Context): Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const record = async ({ messageId, body, attributes }: SQSRecord): Promise<void> => {
    const receiveCount = attributes?.ApproximateReceiveCount;
    try {
      const job = parseJob(body);
      const outcome = await store.complete(job, runJob(job));
      log.info('job', { messageId, jobId: job.jobId, outcome, receiveCount });
      counter.addMetric(outcome === 'done' ? 'JobCompleted' : 'JobRedelivered', MetricUnit.Count, 1);
    } catch (error) {
      log.warn('job failed', { messageId, reason: reason(error), receiveCount });
      counter.addMetric('JobFailed', MetricUnit.Count, 1);
      throw error;
    }
  };
  return processPartialResponse(event, record, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
}

const db = documentClient();

export const handler = observed(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processBatch(event, dynamoJobStore(db, env('TABLE_NAME')), logger, metrics, context),
);
