import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A DynamoDB document client. Handlers call this once at module scope so the
 * client (and its connections) is reused by every invocation of an execution
 * environment; tests pass an endpoint to reach a local stand-in. Region,
 * credentials and AWS_ENDPOINT_URL come from the environment by default.
 */
export function documentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } });
}

/** The table's key attributes. */
export interface Key {
  readonly pk: string;
  readonly sk: string;
}

/** True when a single-item write was refused by its condition expression. */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/**
 * True when a transaction was cancelled because one of its conditions failed.
 * Cancellations for other reasons (a conflicting transaction, throttling) are
 * not: those must be retried, not taken for "already done".
 */
export function isTransactionConditionFailure(error: unknown): boolean {
  const e = error as { name?: string; CancellationReasons?: Array<{ Code?: string }> } | null;
  return e?.name === 'TransactionCanceledException' && (e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
}

/** Epoch seconds `days` after `now`, for the table's `expiresAt` TTL attribute. */
export function expiresAfterDays(now: Date, days: number): number {
  return Math.floor(now.getTime() / 1000) + days * 86_400;
}
