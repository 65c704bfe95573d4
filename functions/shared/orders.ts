import type { SNSEventRecord } from 'aws-lambda';

/** An order as the audit function publishes it to the orders topic (see audit/handler.ts). */
export interface PublishedOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly total?: number;
  readonly currency?: string;
  readonly createdAt?: string;
}

/** A topic message that is not a published order: retrying cannot fix it, the dead-letter queue keeps it. */
export class InvalidMessageError extends Error {
  constructor(messageId: string, problem: string) {
    super(`message ${messageId} ${problem}`);
    this.name = 'InvalidMessageError';
  }
}

/** Reads the order out of an SNS record, or throws InvalidMessageError saying what is wrong. */
export function publishedOrder(record: SNSEventRecord): PublishedOrder {
  let value: unknown;
  try {
    value = JSON.parse(record.Sns.Message);
  } catch {
    throw new InvalidMessageError(record.Sns.MessageId, 'is not JSON');
  }
  const v = (value ?? {}) as Record<string, unknown>;
  if (typeof v.orderId !== 'string' || v.orderId === '' || typeof v.customerId !== 'string' || v.customerId === '') {
    throw new InvalidMessageError(record.Sns.MessageId, 'has no orderId and customerId');
  }
  return {
    orderId: v.orderId,
    customerId: v.customerId,
    total: typeof v.total === 'number' && Number.isFinite(v.total) ? v.total : undefined,
    currency: typeof v.currency === 'string' && /^[A-Z]{3}$/.test(v.currency) ? v.currency : undefined,
    createdAt: typeof v.createdAt === 'string' && !Number.isNaN(Date.parse(v.createdAt)) ? v.createdAt : undefined,
  };
}
