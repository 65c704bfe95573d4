import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { readAssembly } from '../../lib/assembly/read';
import { readWiring, type AppWiring } from '../../lib/assembly/triggers';
import { Gateway, type GatewayRoute } from '../../lib/dev/gateway';
import { functionUrlEvent, httpApiEvent, restApiEvent } from '../../lib/events/http';
import { rawRequest } from '../local/raw-http';

/** Powertools for AWS Lambda's parser schemas: the independent reference for what AWS delivers. */
interface Schema {
  parse(value: unknown): unknown;
}
// The schemas are a subpath export, which this project's `moduleResolution: node` cannot type; require resolves it.
const powertools = require('@aws-lambda-powertools/parser/schemas') as Record<'APIGatewayProxyEventSchema' | 'APIGatewayProxyEventV2Schema' | 'LambdaFunctionUrlSchema', Schema>;

// Events are read as the JSON a handler gets.
type Json = any;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe]);
const SHORT_ID = /^[A-Za-z0-9_-]{15}=$/;
const TRACE = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const REQUEST_TIME = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;

/** The app as aws-cdk-lib synthesizes it: an HTTP API, two REST APIs (one with binary media types) and two function URLs. */
function synthesize(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-events-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Events');
  const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
  const signed = new lambda.Function(stack, 'Signed', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
  const httpApi = new apigatewayv2.HttpApi(stack, 'Http');
  httpApi.addRoutes({ path: '/users/{userId}', methods: [apigatewayv2.HttpMethod.GET, apigatewayv2.HttpMethod.POST], integration: new HttpLambdaIntegration('Users', fn) });
  const rest = new apigateway.RestApi(stack, 'Rest', { deployOptions: { stageName: 'prod' } });
  const items = rest.root.addResource('items');
  items.addMethod('POST', new apigateway.LambdaIntegration(fn));
  items.addResource('{id}').addMethod('GET', new apigateway.LambdaIntegration(fn));
  const photos = new apigateway.RestApi(stack, 'Photos', { binaryMediaTypes: ['image/*'], deployOptions: { stageName: 'live' } });
  photos.root.addResource('photos').addMethod('POST', new apigateway.LambdaIntegration(fn));
  fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
  signed.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
  app.synth();
  return outdir;
}

/** The gateway's routes, mapped from the wiring as `lambdakit dev` maps them. */
function gatewayRoutes(wiring: AppWiring): GatewayRoute[] {
  return wiring.routes.map((r) => ({ apiId: r.apiId, kind: r.kind, method: r.method, path: r.path, payloadFormat: r.payloadFormat, stage: r.stage, functionLabel: r.target.fn.constructPath, cors: r.cors, binaryMediaTypes: r.binaryMediaTypes, authType: r.authType }));
}

/** One HTTP/1.1 request written byte for byte, so repeated headers reach the gateway as separate lines. */
function raw(port: number, method: string, target: string, headers: Array<[string, string]>, body: Buffer = Buffer.alloc(0)): Promise<unknown> {
  const lines = [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...headers.map(([n, v]) => `${n}: ${v}`), `Content-Length: ${body.length}`, '', ''];
  return rawRequest(port, [lines.join('\r\n'), body]);
}

/** The keys of a JSON value, recursively (header names case-insensitively, array items by position). */
function shape(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => shape(v));
  if (value === null || typeof value !== 'object') return typeof value;
  const caseless = /headers$/i.test(key);
  return Object.fromEntries(
    Object.entries(value)
      .map(([k, v]) => [caseless ? k.toLowerCase() : k, shape(v, k)] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

describe('the events the dev gateway delivers come from lib/events and validate as AWS events', () => {
  let gateway: Gateway;
  let wiring: AppWiring;
  let outdir: string;
  const seen: Json[] = [];
  const last = () => seen.at(-1);
  const route = (kind: string, p: string) => wiring.routes.find((r) => r.kind === kind && r.path === p)!;
  const url = (construct: string) => wiring.routes.find((r) => r.kind === 'url' && r.target.fn.constructPath === construct)!;

  before(async () => {
    outdir = synthesize();
    wiring = readWiring(readAssembly(outdir));
    gateway = await Gateway.start({
      routes: gatewayRoutes(wiring),
      port: 0,
      invoke: async (_route, text) => {
        seen.push(JSON.parse(text));
        return { payload: JSON.stringify({ statusCode: 200, body: 'ok' }) };
      },
    });
  });
  after(async () => {
    await gateway?.close();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('the route model carries AWS-shaped ids that stay the same on every read, BinaryMediaTypes and AuthType', () => {
    const again = readWiring(readAssembly(outdir));
    assert.deepEqual(again.routes.map((r) => r.apiId), wiring.routes.map((r) => r.apiId), 'ids are derived, not random');
    for (const r of wiring.routes) assert.match(r.apiId, r.kind === 'url' ? /^[a-z0-9]{32}$/ : /^[a-z0-9]{10}$/, `${r.kind} ${r.path}`);
    assert.notEqual(url('Events/Fn').apiId, url('Events/Signed').apiId);
    assert.deepEqual(route('rest', '/photos').binaryMediaTypes, ['image/*']);
    assert.deepEqual(route('rest', '/items').binaryMediaTypes, []);
    assert.equal(url('Events/Fn').authType, 'NONE');
    assert.equal(url('Events/Signed').authType, 'AWS_IAM');
  });

  test('HTTP API: repeated headers joined, cookies moved out, raw query kept, forwarding and trace headers added, a short request id', async () => {
    await raw(gateway.port, 'GET', '/users/42?tag=a&tag=b&q=x%20y', [['x-a', '1'], ['x-a', '2'], ['Cookie', 'a=1; b=2'], ['Cookie', 'c=3'], ['User-Agent', 'test/1']]);
    const event = last();
    powertools.APIGatewayProxyEventV2Schema.parse(event);
    const apiId = route('http', '/users/{userId}').apiId;
    assert.equal(event.routeKey, 'GET /users/{userId}');
    assert.deepEqual(event.pathParameters, { userId: '42' });
    assert.equal(event.headers['x-a'], '1,2');
    assert.deepEqual(event.cookies, ['a=1', 'b=2', 'c=3']);
    assert.equal(event.headers.cookie, undefined);
    assert.equal(event.rawQueryString, 'tag=a&tag=b&q=x%20y');
    assert.deepEqual(event.queryStringParameters, { tag: 'a,b', q: 'x y' });
    assert.equal(event.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(event.headers['x-forwarded-port'], String(gateway.port));
    assert.equal(event.headers['x-forwarded-proto'], 'http');
    assert.match(event.headers['x-amzn-trace-id'], TRACE);
    assert.match(event.requestContext.requestId, SHORT_ID);
    assert.equal(event.requestContext.apiId, apiId);
    assert.equal(event.requestContext.domainName, `${apiId}.execute-api.us-east-1.amazonaws.com`);
    assert.equal(event.requestContext.domainPrefix, apiId);
    assert.equal(event.requestContext.http.userAgent, 'test/1');
  });

  test('HTTP API: a binary body arrives base64-encoded, a JSON body as text; a client X-Forwarded-For gets the source address appended', async () => {
    await raw(gateway.port, 'POST', '/users/1', [['Content-Type', 'image/png']], PNG);
    powertools.APIGatewayProxyEventV2Schema.parse(last());
    assert.equal(last().isBase64Encoded, true);
    assert.deepEqual(Buffer.from(last().body, 'base64'), PNG);
    await raw(gateway.port, 'POST', '/users/1', [['Content-Type', 'application/json'], ['X-Forwarded-For', '198.51.100.7']], Buffer.from('{"n":1}'));
    assert.equal(last().isBase64Encoded, false);
    assert.equal(last().body, '{"n":1}');
    assert.equal(last().headers['x-forwarded-for'], '198.51.100.7, 127.0.0.1');
  });

  test('REST API: requestTime, domainName and extendedRequestId; multi-value headers and query; a stable short resourceId', async () => {
    await raw(gateway.port, 'GET', '/prod/items/7?a=1&a=2', [['x-a', '1'], ['x-a', '2'], ['Cookie', 'a=1']]);
    const event = last();
    powertools.APIGatewayProxyEventSchema.parse(event);
    const apiId = route('rest', '/items/{id}').apiId;
    assert.equal(event.resource, '/items/{id}');
    assert.equal(event.path, '/items/7');
    assert.equal(event.requestContext.path, '/prod/items/7');
    assert.equal(event.requestContext.stage, 'prod');
    assert.deepEqual(event.pathParameters, { id: '7' });
    assert.deepEqual(event.multiValueHeaders['x-a'], ['1', '2']);
    assert.equal(event.headers['x-a'], '2');
    assert.equal(event.headers.Cookie, 'a=1', 'REST keeps the Cookie header, spelled as sent');
    assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1', '2'] });
    assert.deepEqual(event.queryStringParameters, { a: '2' });
    assert.match(event.requestContext.requestTime, REQUEST_TIME);
    assert.equal(event.requestContext.domainName, `${apiId}.execute-api.us-east-1.amazonaws.com`);
    assert.equal(event.requestContext.domainPrefix, apiId);
    assert.match(event.requestContext.extendedRequestId, SHORT_ID);
    assert.match(event.requestContext.requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'REST request ids are UUIDs');
    assert.equal(event.headers['X-Forwarded-For'], '127.0.0.1');
    assert.equal(event.headers['X-Forwarded-Port'], String(gateway.port));
    assert.equal(event.headers['X-Forwarded-Proto'], 'http');
    assert.match(event.headers['X-Amzn-Trace-Id'], TRACE);
    const resourceId = event.requestContext.resourceId;
    assert.match(resourceId, /^[a-z0-9]{6}$/);
    await raw(gateway.port, 'GET', '/prod/items/8', []);
    assert.equal(last().requestContext.resourceId, resourceId, 'the same resource, the same id');
    await raw(gateway.port, 'POST', '/prod/items', [['Content-Type', 'text/plain']], Buffer.from('x'));
    assert.notEqual(last().requestContext.resourceId, resourceId, 'another resource, another id');
  });

  test('REST API: a body is text unless its Content-Type is one of the API\'s BinaryMediaTypes', async () => {
    await raw(gateway.port, 'POST', '/prod/items', [['Content-Type', 'image/png']], PNG);
    powertools.APIGatewayProxyEventSchema.parse(last());
    assert.equal(last().isBase64Encoded, false, 'the Rest API declares no binary media types');
    assert.equal(last().body, PNG.toString('utf8'));
    await raw(gateway.port, 'POST', '/live/photos', [['Content-Type', 'image/png']], PNG);
    powertools.APIGatewayProxyEventSchema.parse(last());
    assert.equal(last().isBase64Encoded, true, 'image/* covers image/png');
    assert.deepEqual(Buffer.from(last().body, 'base64'), PNG);
    await raw(gateway.port, 'POST', '/live/photos', [['Content-Type', 'application/octet-stream']], PNG);
    assert.equal(last().isBase64Encoded, false);
  });

  test('function URL: the path without the local prefix, a URL id as apiId and host, anonymous for AuthType NONE', async () => {
    const none = url('Events/Fn');
    await raw(gateway.port, 'POST', `/${none.stage}/hook/a%20b?x=1&x=2`, [['x-a', '1'], ['x-a', '2'], ['Cookie', 'k=v'], ['Content-Type', 'image/png']], PNG);
    const event = last();
    powertools.LambdaFunctionUrlSchema.parse(event);
    assert.equal(event.rawPath, '/hook/a%20b');
    assert.equal(event.requestContext.http.path, '/hook/a%20b');
    assert.equal(event.rawQueryString, 'x=1&x=2');
    assert.deepEqual(event.queryStringParameters, { x: '1,2' });
    assert.equal(event.headers['x-a'], '1,2');
    assert.deepEqual(event.cookies, ['k=v']);
    assert.equal(event.requestContext.apiId, none.apiId);
    assert.equal(event.requestContext.domainName, `${none.apiId}.lambda-url.us-east-1.on.aws`);
    assert.equal(event.requestContext.domainPrefix, none.apiId);
    assert.equal(event.requestContext.accountId, 'anonymous');
    assert.equal(event.isBase64Encoded, true);
    assert.deepEqual(Buffer.from(event.body, 'base64'), PNG);
    assert.equal(event.headers['x-forwarded-for'], '127.0.0.1');
    assert.match(event.headers['x-amzn-trace-id'], TRACE);
    await raw(gateway.port, 'GET', `/${none.stage}`, []);
    assert.equal(last().rawPath, '/');
    await raw(gateway.port, 'GET', `/${url('Events/Signed').stage}/`, []);
    powertools.LambdaFunctionUrlSchema.parse(last());
    assert.equal(last().requestContext.accountId, '123456789012', "AWS_IAM: the caller's account");
  });

  test('lambdakit event and the gateway give the same fields for the same request', async () => {
    const headers: Array<[string, string]> = [['User-Agent', 'curl/8.5.0'], ['Accept', '*/*'], ['Content-Type', 'application/json'], ['x-a', '1'], ['x-a', '2'], ['Cookie', 'a=1']];
    const request = { query: { q: ['1', '2'] }, headers: { 'x-a': ['1', '2'] }, cookies: ['a=1'], body: '{"n":1}' };
    const body = Buffer.from(request.body);
    const pairs: Array<[string, Json, () => Promise<unknown>]> = [
      ['http-api', httpApiEvent({ ...request, routeKey: 'POST /users/{userId}', path: '/users/1' }), () => raw(gateway.port, 'POST', '/users/1?q=1&q=2', headers, body)],
      ['rest-api', restApiEvent({ ...request, routeKey: 'GET /items/{id}', path: '/items/1', method: 'GET' }), () => raw(gateway.port, 'GET', '/prod/items/1?q=1&q=2', headers, body)],
      ['function-url', functionUrlEvent({ ...request, path: '/x' }), () => raw(gateway.port, 'POST', `/${url('Events/Fn').stage}/x?q=1&q=2`, headers, body)],
    ];
    for (const [name, sample, send] of pairs) {
      await send();
      assert.deepEqual(shape(JSON.parse(JSON.stringify(last()))), shape(JSON.parse(JSON.stringify(sample))), name);
    }
  });
});
