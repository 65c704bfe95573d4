import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK clients are created once per execution environment and reused by every
 * invocation (connection reuse is most of a warm call's speed). They read the
 * region and endpoint (AWS_ENDPOINT_URL under `lambdakit dev`) from the environment.
 */
let documentClient: DynamoDBDocumentClient | undefined;

export function documents(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  return documentClient;
}

/** The table's key attributes. */
export interface Key {
  readonly pk: string;
  readonly sk: string;
}

/** True for DynamoDB's conditional-check failure, whatever the SDK wraps it in. */
export function isConditionFailure(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException';
}
