import { paginateScan } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { documentClient } from '../shared/aws';
import { env } from '../shared/config';

const db = documentClient();

/** One exported line per stored order: what a spreadsheet or a `jq` pipe needs, not the table's keys. */
export function exportLine(item: Record<string, unknown>): string {
  const { orderId, customerId, total, currency, status, createdAt } = item;
  return `${JSON.stringify({ orderId, customerId, total, currency, status, createdAt })}\n`;
}

/**
 * GET on the function URL (InvokeMode RESPONSE_STREAM) — every order as newline-delimited JSON,
 * streamed page by page as the table is scanned: the first orders reach the client while later
 * pages are still being read, and the export is not bound by the 6 MB of a buffered response.
 */
export const handler = awslambda.streamifyResponse(async (_event: APIGatewayProxyEventV2, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' },
  });
  const pages = paginateScan({ client: db, pageSize: 100 }, { TableName: env('TABLE_NAME'), FilterExpression: '#type = :order', ExpressionAttributeNames: { '#type': 'type' }, ExpressionAttributeValues: { ':order': 'order' } });
  for await (const page of pages) for (const item of page.Items ?? []) stream.write(exportLine(item));
  stream.end();
});
