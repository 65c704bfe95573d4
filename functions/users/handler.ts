import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documentClient } from '../shared/aws';
import { env } from '../shared/config';
import { json } from '../shared/http';
import { logger, observed } from '../shared/observability';

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

const USER_ID_MESSAGE = 'must be 1-64 letters, digits, - or _';

/** GET /users/{userId}, read with Powertools' HTTP API event schema: the path parameter must be a user id. */
export const GetUserRequestSchema = APIGatewayProxyEventV2Schema.extend({
  pathParameters: z.object({ userId: z.string({ error: USER_ID_MESSAGE }).regex(/^[A-Za-z0-9_-]{1,64}$/, { error: USER_ID_MESSAGE }) }, { error: USER_ID_MESSAGE }),
});

/** GET /users/{userId}: the user, 404 with a JSON error when absent, 400 for a malformed id. */
export async function getUser(event: APIGatewayProxyEventV2, store: UserStore): Promise<APIGatewayProxyStructuredResultV2> {
  const parsed = GetUserRequestSchema.safeParse(event);
  if (!parsed.success) {
    // Anything but the path parameter wrong means this is not an HTTP API request: a wiring bug, not a 400.
    if (parsed.error.issues.some((issue) => issue.path[0] !== 'pathParameters')) throw parsed.error;
    return json(400, { message: 'invalid userId', errors: [{ field: 'userId', message: USER_ID_MESSAGE }] });
  }
  const { userId } = parsed.data.pathParameters;
  const user = await store.get(userId);
  if (!user) return json(404, { message: 'user not found', userId });
  return json(200, user);
}

const db = documentClient();

export const handler = observed(async (event: APIGatewayProxyEventV2, _context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  const response = await getUser(event, dynamoUserStore(db, env('TABLE_NAME')));
  logger.info('get user', { userId: event.pathParameters?.userId, status: response.statusCode });
  return response;
});
