import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpApiEvent } from 'lambdakit';
import { handler } from '../functions/hello';

test('GET /hello greets the name in the query string', async () => {
  // The same event API Gateway (and lambdakit dev) delivers for this route.
  const response = await handler(httpApiEvent({ routeKey: 'GET /hello', query: { name: 'Ada' } }));
  assert.equal(response.statusCode, 200);
  assert.deepEqual(JSON.parse(response.body!), { message: 'Hello, Ada!' });
});

test('GET /hello without a name greets the world', async () => {
  const response = await handler(httpApiEvent({ routeKey: 'GET /hello' }));
  assert.deepEqual(JSON.parse(response.body!), { message: 'Hello, world!' });
});
