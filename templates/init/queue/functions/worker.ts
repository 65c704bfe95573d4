import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

interface Job {
  readonly id: string;
}

/**
 * Handles a batch of jobs. A message that fails is reported in `batchItemFailures`: only it
 * returns to the queue (and, after 5 receives, goes to the dead-letter queue); the others are done.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await work(JSON.parse(record.body) as Job);
    } catch (error) {
      console.error(JSON.stringify({ message: 'job failed', messageId: record.messageId, error: String(error) }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};

async function work(job: Job): Promise<void> {
  if (typeof job.id !== 'string') throw new Error('a job needs an id');
  console.log(JSON.stringify({ message: 'job done', id: job.id }));
}
