import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { documentClient } from '../shared/aws';
import { env } from '../shared/config';
import { json } from '../shared/http';
import { logger } from '../shared/log';

export interface User {
  readonly userId: string;
  readonly name: string;
  readonly email?: string;
  readonly createdAt?: string;
}

/** Where users are read from: DynamoDB in AWS, a map in unit tests. */
export interface UserStore {
  get(userId: string): Promise<User | undefined>;
}

/** Users live at `pk=USER#<id>, sk=PROFILE`. */
export function dynamoUserStore(db: DynamoDBDocumentClient, tableName: string): UserStore {
  return {
    async get(userId) {
      const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: { pk: `USER#${userId}`, sk: 'PROFILE' } }));
      if (!Item) return undefined;
      // Only the public fields leave the table; keys and internal attributes stay.
      return { userId, name: String(Item.name ?? ''), email: Item.email as string | undefined, createdAt: Item.createdAt as string | undefined };
    },
  };
}

const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** GET /users/{userId}: the user, 404 with a JSON error when absent, 400 for a malformed id. */
export async function getUser(event: APIGatewayProxyEventV2, store: UserStore): Promise<APIGatewayProxyStructuredResultV2> {
  const userId = event.pathParameters?.userId ?? '';
  if (!USER_ID.test(userId)) return json(400, { message: 'invalid userId', errors: [{ field: 'userId', message: 'must be 1-64 letters, digits, - or _' }] });
  const user = await store.get(userId);
  if (!user) return json(404, { message: 'user not found', userId });
  return json(200, user);
}

const db = documentClient();

export const handler = async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  const response = await getUser(event, dynamoUserStore(db, env('TABLE_NAME')));
  logger(context.awsRequestId).info('get user', { userId: event.pathParameters?.userId, status: response.statusCode });
  return response;
};
