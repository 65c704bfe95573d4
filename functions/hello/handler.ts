import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger } from '../shared/log';

/** The greeting for a `name` query parameter; blank or missing greets the World. */
export function greeting(name: string | undefined): string {
  return `Hello, ${name?.trim() || 'World'}!`;
}

/** GET /hello?name= — greets the caller. */
export const handler = async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  const body = greeting(event.queryStringParameters?.name);
  // The context is optional so the handler can still be called with just an event.
  if (context) logger(context.awsRequestId).info('hello', { named: Boolean(event.queryStringParameters?.name?.trim()) });
  return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
};
