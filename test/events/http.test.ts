import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { albEvent, functionUrlEvent, httpApiEvent, restApiEvent } from '../../lib/events';
import { httpApiV1Event, matchesBinaryMediaTypes, type ReceivedRequest } from '../../lib/events/http';
import { LambdakitError } from '../../lib/errors';

const fixed = { seed: 'test', now: '2026-11-23T10:12:13.000Z', region: 'eu-west-3', accountId: '111122223333' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('httpApiEvent (payload 2.0)', () => {
  it('fills method, path parameters and route key from the route, with the request a handler reads', () => {
    const event = httpApiEvent({ ...fixed, routeKey: 'GET /users/{userId}', path: '/users/42', query: { tag: ['a', 'b'], q: 'x y' }, headers: { 'X-Tenant': 'acme' }, cookies: ['session=abc'] });
    assert.equal(event.version, '2.0');
    assert.equal(event.routeKey, 'GET /users/{userId}');
    assert.equal(event.requestContext.routeKey, 'GET /users/{userId}');
    assert.equal(event.requestContext.http.method, 'GET');
    assert.equal(event.rawPath, '/users/42');
    assert.deepEqual(event.pathParameters, { userId: '42' });
    assert.equal(event.rawQueryString, 'tag=a&tag=b&q=x%20y');
    assert.deepEqual(event.queryStringParameters, { tag: 'a,b', q: 'x y' });
    assert.equal(event.headers['x-tenant'], 'acme', 'header names are lowercased');
    assert.deepEqual(event.cookies, ['session=abc']);
    assert.equal(event.headers.cookie, undefined, 'cookies move out of the headers');
    assert.equal(event.body, undefined);
    assert.equal(event.isBase64Encoded, false);
  });

  it('builds the path from the route and path parameters, and uses the region and account everywhere', () => {
    const event = httpApiEvent({ ...fixed, routeKey: 'DELETE /orders/{orderId}', pathParameters: { orderId: 'o 1' } });
    assert.equal(event.rawPath, '/orders/o%201');
    assert.deepEqual(event.pathParameters, { orderId: 'o 1' });
    assert.equal(event.requestContext.accountId, '111122223333');
    assert.equal(event.requestContext.domainName, `${event.requestContext.apiId}.execute-api.eu-west-3.amazonaws.com`);
    assert.equal(event.headers.host, event.requestContext.domainName);
    assert.equal(event.requestContext.time, '23/Nov/2026:10:12:13 +0000');
    assert.equal(event.requestContext.timeEpoch, Date.parse('2026-11-23T10:12:13.000Z'));
    assert.match(event.headers['x-amzn-trace-id'] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  it('sends a JSON body as text with its content type, and POST by default', () => {
    const event = httpApiEvent({ ...fixed, body: '{"name":"Ada"}' });
    assert.equal(event.requestContext.http.method, 'POST');
    assert.equal(event.body, '{"name":"Ada"}');
    assert.equal(event.isBase64Encoded, false);
    assert.equal(event.headers['content-type'], 'application/json');
    assert.equal(event.headers['content-length'], '14');
    assert.equal(event.routeKey, '$default');
  });

  it("uses API Gateway's 16-character request id, not a UUID", () => {
    assert.match(httpApiEvent(fixed).requestContext.requestId, /^[A-Za-z0-9_-]{15}=$/);
  });

  it('base64-encodes binary bodies and string bodies marked as binary', () => {
    const bytes = httpApiEvent({ ...fixed, body: new Uint8Array([0xff, 0x00, 0x10]) });
    assert.equal(bytes.isBase64Encoded, true);
    assert.deepEqual([...Buffer.from(bytes.body!, 'base64')], [0xff, 0x00, 0x10]);
    const marked = httpApiEvent({ ...fixed, body: 'hello', isBase64Encoded: true });
    assert.equal(Buffer.from(marked.body!, 'base64').toString(), 'hello');
    assert.equal(marked.isBase64Encoded, true);
  });

  it('is the same event for the same seed and time, and a different one for another seed', () => {
    assert.deepEqual(httpApiEvent(fixed), httpApiEvent(fixed));
    assert.notEqual(httpApiEvent(fixed).requestContext.requestId, httpApiEvent({ ...fixed, seed: 'other' }).requestContext.requestId);
  });

  it('rejects a path that does not match the route, and a route parameter without a value, naming the option', () => {
    assert.throws(() => httpApiEvent({ routeKey: 'GET /users/{id}', path: '/orders/1' }), (e: LambdakitError) => e instanceof LambdakitError && /^path: /.test(e.message));
    assert.throws(() => httpApiEvent({ routeKey: 'GET /users/{id}' }), (e: LambdakitError) => /^pathParameters: .*\{id\}/.test(e.message));
    assert.throws(() => httpApiEvent({ routeKey: 'users' }), (e: LambdakitError) => /^routeKey: /.test(e.message));
  });

  it('reads a greedy {proxy+} parameter with its slashes', () => {
    const event = httpApiEvent({ ...fixed, routeKey: 'ANY /files/{proxy+}', path: '/files/a/b.txt', method: 'PUT' });
    assert.deepEqual(event.pathParameters, { proxy: 'a/b.txt' });
    assert.equal(event.requestContext.http.method, 'PUT');
  });
});

describe('headers a real client sent (clientHeaders: false)', () => {
  it('adds only the service\'s host, trace and forwarding headers', () => {
    const event = httpApiEvent({ ...fixed, clientHeaders: false, headers: { 'content-type': 'text/csv' }, body: 'a,b' });
    assert.deepEqual(Object.keys(event.headers).sort(), ['content-type', 'host', 'x-amzn-trace-id', 'x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto']);
    assert.equal(event.requestContext.http.userAgent, '');
  });
});

/** A request as the dev gateway receives it. */
const received = (extra: Partial<ReceivedRequest> = {}): ReceivedRequest => ({
  method: 'POST',
  target: '/prod/users/7?a=1&a=2&b=%2F',
  rawHeaders: ['Host', '127.0.0.1:3000', 'X-A', '1', 'x-a', '2', 'Content-Type', 'image/png', 'Content-Length', '3'],
  body: new Uint8Array([0x89, 0x50, 0xff]),
  sourceIp: '::1',
  port: 3000,
  ...extra,
});

describe('a received request (the dev gateway)', () => {
  it('REST: keeps the spelling of the first header name, both the last and every value, and the body as text without binary media types', () => {
    const event = restApiEvent({ ...fixed, received: received({ prefix: '/prod' }), routeKey: 'POST /users/{id}', pathParameters: { id: '7' }, stage: 'prod', apiId: 'abcdefghij' });
    assert.deepEqual(event.multiValueHeaders['X-A'], ['1', '2']);
    assert.equal(event.headers['X-A'], '2');
    assert.equal(event.path, '/users/7');
    assert.equal(event.requestContext.path, '/prod/users/7');
    assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1', '2'], b: ['/'] });
    assert.equal(event.isBase64Encoded, false);
    assert.equal(event.body, Buffer.from([0x89, 0x50, 0xff]).toString('utf8'));
    assert.equal(event.headers['X-Forwarded-Port'], '3000');
    assert.equal(event.headers['X-Forwarded-Proto'], 'http');
    assert.equal(event.requestContext.identity.sourceIp, '::1');
    assert.equal(event.requestContext.resourceId, restApiEvent({ ...fixed, seed: 'other', routeKey: 'GET /users/{id}', pathParameters: { id: '1' }, apiId: 'abcdefghij' }).requestContext.resourceId, 'stable per API and resource');
    const binary = restApiEvent({ ...fixed, received: received({ prefix: '/prod' }), routeKey: 'POST /users/{id}', pathParameters: { id: '7' }, binaryMediaTypes: ['image/*'] });
    assert.equal(binary.isBase64Encoded, true);
    assert.deepEqual([...Buffer.from(binary.body!, 'base64')], [0x89, 0x50, 0xff]);
  });

  it('HTTP API: the raw query string as sent, repeated headers joined with commas, binary bodies base64', () => {
    const event = httpApiEvent({ ...fixed, received: received({ target: '/users/7?a=1&a=2&b=%2F' }), routeKey: 'POST /users/{id}', pathParameters: { id: '7' } });
    assert.equal(event.rawQueryString, 'a=1&a=2&b=%2F');
    assert.deepEqual(event.queryStringParameters, { a: '1,2', b: '/' });
    assert.equal(event.headers['x-a'], '1,2');
    assert.equal(event.isBase64Encoded, true);
    assert.equal(event.requestContext.http.userAgent, '');
  });

  it('HTTP API payload 1.0: version 1.0, the short request id in both ids, no resource id', () => {
    const event = httpApiV1Event({ ...fixed, received: received({ target: '/users/7' }), routeKey: 'POST /users/{id}', pathParameters: { id: '7' } });
    assert.equal(event.version, '1.0');
    assert.equal(event.resource, '/users/{id}');
    assert.equal(event.requestContext.path, '/users/7');
    assert.equal(event.requestContext.stage, '$default');
    assert.match(event.requestContext.requestId, /^[A-Za-z0-9_-]{15}=$/);
    assert.equal(event.requestContext.extendedRequestId, event.requestContext.requestId);
    assert.equal(event.requestContext.resourceId, null);
  });

  it('rejects request options given with a received request, naming the option', () => {
    assert.throws(() => httpApiEvent({ received: received(), path: '/x' }), (e: LambdakitError) => /^path: cannot be given with a received request/.test(e.message));
  });

  it('matches Content-Types against BinaryMediaTypes with wildcards and parameters', () => {
    assert.equal(matchesBinaryMediaTypes('image/png; q=1', ['image/*']), true);
    assert.equal(matchesBinaryMediaTypes('application/pdf', ['*/*']), true);
    assert.equal(matchesBinaryMediaTypes('application/pdf', ['application~1pdf']), true);
    assert.equal(matchesBinaryMediaTypes('text/plain', ['image/*']), false);
    assert.equal(matchesBinaryMediaTypes(undefined, ['*/*']), false);
  });
});

describe('functionUrlEvent', () => {
  it('is anonymous for AuthType NONE and the caller\'s account for AWS_IAM', () => {
    assert.equal(functionUrlEvent(fixed).requestContext.accountId, 'anonymous');
    assert.equal(functionUrlEvent({ ...fixed, authType: 'AWS_IAM' }).requestContext.accountId, '111122223333');
  });

  it('uses the $default route and the URL host, with a UUID request id', () => {
    const event = functionUrlEvent({ ...fixed, path: '/hook', method: 'post', body: 'x=1' });
    assert.equal(event.routeKey, '$default');
    assert.equal(event.requestContext.http.method, 'POST');
    assert.match(event.requestContext.domainName, /^[a-z0-9]{32}\.lambda-url\.eu-west-3\.on\.aws$/);
    assert.equal(event.requestContext.apiId, event.requestContext.domainName.split('.')[0]);
    assert.match(event.requestContext.requestId, UUID);
    assert.equal(event.pathParameters, undefined);
  });
});

describe('restApiEvent (payload 1.0)', () => {
  it('gives the resource, single and multi-value maps, and the stage in the request context path', () => {
    const event = restApiEvent({ ...fixed, routeKey: 'GET /users/{id}', path: '/users/7', query: { a: ['1', '2'] }, headers: { 'X-Tenant': 'acme' }, stage: 'live' });
    assert.equal(event.resource, '/users/{id}');
    assert.equal(event.path, '/users/7');
    assert.equal(event.httpMethod, 'GET');
    assert.deepEqual(event.pathParameters, { id: '7' });
    assert.deepEqual(event.queryStringParameters, { a: '2' });
    assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1', '2'] });
    assert.equal(event.headers['X-Tenant'], 'acme', 'REST keeps header case');
    assert.deepEqual(event.multiValueHeaders['X-Tenant'], ['acme']);
    assert.equal(event.requestContext.path, '/live/users/7');
    assert.equal(event.requestContext.stage, 'live');
    assert.equal(event.requestContext.resourcePath, '/users/{id}');
    assert.match(event.requestContext.requestId, UUID);
    assert.equal(event.requestContext.identity.sourceIp, '203.0.113.10');
    assert.equal(event.body, null);
    assert.equal(event.stageVariables, null);
  });

  it('uses the {proxy+} resource without a route key, and null maps when there is nothing', () => {
    const event = restApiEvent({ ...fixed, path: '/a/b' });
    assert.equal(event.resource, '/{proxy+}');
    assert.deepEqual(event.pathParameters, { proxy: 'a/b' });
    assert.equal(event.queryStringParameters, null);
    assert.equal(event.multiValueQueryStringParameters, null);
    const root = restApiEvent({ ...fixed, path: '/' });
    assert.equal(root.resource, '/');
    assert.equal(root.pathParameters, null);
  });
});

describe('albEvent', () => {
  it('names the target group in a consistent ARN, lowercases headers and keeps the query URL-encoded', () => {
    const event = albEvent({ ...fixed, targetGroup: 'api-targets', path: '/health', query: { q: 'a b' } });
    assert.match(event.requestContext.elb.targetGroupArn, /^arn:aws:elasticloadbalancing:eu-west-3:111122223333:targetgroup\/api-targets\/[0-9a-f]{16}$/);
    assert.equal(event.httpMethod, 'GET');
    assert.equal(event.path, '/health');
    assert.deepEqual(event.queryStringParameters, { q: 'a%20b' });
    assert.equal(event.headers?.['x-forwarded-proto'], 'http');
    assert.equal(event.body, '', 'ALB sends an empty body, not null');
    assert.equal(event.multiValueHeaders, undefined);
  });

  it('gives only the multi-value maps when the target group has them on', () => {
    const event = albEvent({ ...fixed, multiValueHeaders: true, headers: { accept: ['text/html', 'application/json'] } });
    assert.deepEqual(event.multiValueHeaders?.accept, ['text/html', 'application/json']);
    assert.equal(event.headers, undefined);
    assert.deepEqual(event.multiValueQueryStringParameters, {});
  });
});
