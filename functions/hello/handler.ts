import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger, observed } from '../shared/observability';

/** The greeting for a `name` query parameter; blank or missing greets the World. */
export function greeting(name: string | undefined): string {
  return `Hello, ${name?.trim() || 'World'}!`;
}

/** GET /hello?name= — greets the caller. */
export const handler = observed(async (event: APIGatewayProxyEventV2, _context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  const body = greeting(event.queryStringParameters?.name);
  logger.info('hello', { named: Boolean(event.queryStringParameters?.name?.trim()) });
  return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
});
