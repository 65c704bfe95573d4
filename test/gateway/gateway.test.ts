import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Gateway, type GatewayRoute, matchRoute } from '../../lib/dev/gateway';

const http = (method: string, path: string, extra: Partial<GatewayRoute> = {}): GatewayRoute => ({
  apiId: 'HttpApi',
  kind: 'http',
  method,
  path,
  payloadFormat: '2.0',
  functionLabel: `${method} ${path}`,
  ...extra,
});

const routes: GatewayRoute[] = [
  http('GET', '/hello'),
  http('GET', '/users/{userId}'),
  http('GET', '/users/me'),
  http('POST', '/orders'),
  http('ANY', '/files/{proxy+}'),
  http('GET', '/raw'),
  http('GET', '/boom'),
  { apiId: 'Rest', kind: 'rest', method: 'GET', path: '/items/{id}', payloadFormat: '1.0', stage: 'api', functionLabel: 'rest' },
];

let gateway: Gateway;
const seen: Array<{ route: GatewayRoute; event: any }> = [];

before(async () => {
  gateway = await Gateway.start({
    routes,
    port: 0,
    invoke: async (route, eventText) => {
      const event = JSON.parse(eventText);
      seen.push({ route, event });
      if (route.path === '/raw') return { payload: JSON.stringify({ hello: 'world' }) };
      if (route.path === '/boom') return { payload: JSON.stringify({ errorType: 'Error', errorMessage: 'x' }), functionError: 'Unhandled' };
      if (route.kind === 'rest') return { payload: JSON.stringify({ statusCode: 200, multiValueHeaders: { 'x-id': [event.pathParameters.id] }, body: event.path }) };
      return {
        payload: JSON.stringify({
          statusCode: 201,
          headers: { 'X-Route': event.routeKey },
          cookies: ['a=1; Path=/', 'b=2'],
          body: Buffer.from(JSON.stringify({ params: event.pathParameters ?? null, query: event.queryStringParameters ?? null, cookies: event.cookies ?? null, body: event.body ?? null, b64: event.isBase64Encoded })).toString('base64'),
          isBase64Encoded: true,
        }),
      };
    },
  });
});
after(() => gateway.close());

test('route matching prefers literal paths, then parameters, then greedy paths', () => {
  assert.equal(matchRoute(routes, 'GET', '/users/me')?.route.path, '/users/me');
  assert.deepEqual(matchRoute(routes, 'GET', '/users/42')?.pathParameters, { userId: '42' });
  assert.deepEqual(matchRoute(routes, 'DELETE', '/files/a/b%20c.txt')?.pathParameters, { proxy: 'a/b c.txt' });
  assert.equal(matchRoute(routes, 'POST', '/users/42'), undefined);
  assert.equal(matchRoute(routes, 'GET', '/items/1'), undefined, 'REST routes live under their stage');
  assert.equal(matchRoute(routes, 'GET', '/api/items/1')?.resourcePath, '/items/1');
});

test('an HTTP API request becomes a 2.0 event, and the handler result becomes status, headers, cookies and body', async () => {
  const res = await fetch(`${gateway.url}/users/42?x=1&x=2&y=3`, { headers: { cookie: 'session=abc; theme=dark' } });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('x-route'), 'GET /users/{userId}');
  assert.deepEqual(res.headers.getSetCookie(), ['a=1; Path=/', 'b=2']);
  const body = await res.json();
  assert.deepEqual(body, { params: { userId: '42' }, query: { x: '1,2', y: '3' }, cookies: ['session=abc', 'theme=dark'], body: null, b64: false });
  const event = seen.at(-1)!.event;
  assert.equal(event.version, '2.0');
  assert.equal(event.rawPath, '/users/42');
  assert.equal(event.rawQueryString, 'x=1&x=2&y=3');
  assert.equal(event.requestContext.http.method, 'GET');
  assert.equal(event.requestContext.http.sourceIp, '127.0.0.1');
  assert.match(event.requestContext.requestId, /^[A-Za-z0-9_-]{15}=$/, "API Gateway's short request id, not a UUID");
});

test('binary request bodies arrive base64-encoded; text bodies as text', async () => {
  await fetch(`${gateway.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"o-1"}' });
  assert.equal(seen.at(-1)!.event.body, '{"id":"o-1"}');
  assert.equal(seen.at(-1)!.event.isBase64Encoded, false);
  await fetch(`${gateway.url}/orders`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) });
  assert.equal(seen.at(-1)!.event.body, Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64'));
  assert.equal(seen.at(-1)!.event.isBase64Encoded, true);
});

test('a bare return value is a 200 JSON body; a function error is a 500; an unknown route is API Gateway\'s 404', async () => {
  const raw = await fetch(`${gateway.url}/raw`);
  assert.equal(raw.status, 200);
  assert.deepEqual(await raw.json(), { hello: 'world' });
  const boom = await fetch(`${gateway.url}/boom`);
  assert.equal(boom.status, 500);
  assert.deepEqual(await boom.json(), { message: 'Internal Server Error' });
  const missing = await fetch(`${gateway.url}/nope`);
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { message: 'Not Found' });
});

test('a REST API request becomes a 1.0 event under its stage, with multi-value headers', async () => {
  const res = await fetch(`${gateway.url}/api/items/7?a=1&a=2`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-id'), '7');
  assert.equal(await res.text(), '/items/7');
  const event = seen.at(-1)!.event;
  assert.equal(event.resource, '/items/{id}');
  assert.equal(event.httpMethod, 'GET');
  assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1', '2'] });
  assert.equal(event.queryStringParameters.a, '2');
  assert.equal(event.requestContext.stage, 'api');
});

test('a second gateway on the same port fails with a message naming the port', async () => {
  await assert.rejects(Gateway.start({ routes, port: gateway.port, invoke: async () => ({ payload: '{}' }) }), new RegExp(`port ${gateway.port} on 127.0.0.1 is already in use`));
});
