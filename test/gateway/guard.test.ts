import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { readAssembly } from '../../lib/assembly/read';
import { readWiring } from '../../lib/assembly/triggers';
import { Gateway, MAX_EVENT_BYTES, type GatewayRoute } from '../../lib/dev/gateway';
import { malformedRequests, rawRequest } from '../local/raw-http';

interface Seen {
  route: GatewayRoute;
  event: Record<string, unknown>;
}

function request(port: number, method: string, pathname: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: pathname, headers: { ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    // A server may answer before it has read the whole body (413) and close: the answer is what counts.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(body);
  });
}

describe('gateway hardening (issues 2, 3, 4, 5)', () => {
  let gateway: Gateway;
  const seen: Seen[] = [];
  const errors: string[] = [];
  const route = (method: string, p: string, extra: Partial<GatewayRoute> = {}): GatewayRoute => ({ apiId: 'HttpApi', kind: 'http', method, path: p, payloadFormat: '2.0', functionLabel: `Api/${method}${p}`, ...extra });

  before(async () => {
    gateway = await Gateway.start({
      routes: [
        route('GET', '/hello'),
        route('POST', '/upload'),
        route('GET', '/files/{name}'),
        route('GET', '/bad-header'),
        route('GET', '/bad-name'),
        { apiId: 'Rest', kind: 'rest', method: 'GET', path: '/bad-header', payloadFormat: '1.0', stage: 'prod', functionLabel: 'Rest/bad-header' },
      ],
      port: 0,
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 1_000,
      allowedHosts: ['.dev.example'],
      onError: (message) => errors.push(message),
      invoke: async (r, text) => {
        const event = JSON.parse(text) as Record<string, unknown>;
        seen.push({ route: r, event });
        if (r.path === '/bad-header') return { payload: JSON.stringify({ statusCode: 200, headers: { 'x-city': 'Łódź', 'x-split': 'a\r\nset-cookie: injected=1' }, body: 'never sent' }) };
        if (r.path === '/bad-name') return { payload: JSON.stringify({ statusCode: 200, headers: { 'bad name': 'x' }, body: 'never sent' }) };
        return { payload: JSON.stringify({ statusCode: 200, body: String((event.body as string | undefined)?.length ?? 0) }) };
      },
    });
  });
  after(() => gateway.close());

  test('a path with bad percent-encoding is a 400 Bad Request, not a 500', async () => {
    const before = seen.length;
    for (const p of ['/files/%E0%A4%A', '/files/%ZZ', '/%']) {
      const r = await request(gateway.port, 'GET', p);
      assert.equal(r.status, 400, `${p}: ${r.body}`);
      assert.deepEqual(JSON.parse(r.body), { message: 'Bad Request' });
      assert.equal(r.headers['x-amzn-errortype'], 'BadRequestException');
    }
    assert.equal(seen.length, before, 'no function ran');
    assert.equal((await request(gateway.port, 'GET', '/files/caf%C3%A9')).status, 200, 'good encodings still route');
  });

  test('an event over Lambda\'s 6 MB limit is a 413 and the function is not invoked; counted on the event, binary bodies as base64', async () => {
    const before = seen.length;
    const huge = await request(gateway.port, 'GET', '/hello', { 'content-type': 'application/octet-stream' }, Buffer.alloc(10 * 1024 * 1024, 7));
    assert.equal(huge.status, 413);
    assert.deepEqual(JSON.parse(huge.body), { message: 'Request Entity Too Large' });
    assert.equal(huge.headers['x-amzn-errortype'], 'RequestEntityTooLargeException');
    // 4.8 MB of binary is 6.4 MB of base64: over the limit although the body itself is not.
    const binary = await request(gateway.port, 'POST', '/upload', { 'content-type': 'image/png' }, Buffer.alloc(4_800_000, 1));
    assert.equal(binary.status, 413);
    // Just under the limit as a body, just over once headers and the request context are added.
    const text = await request(gateway.port, 'POST', '/upload', { 'content-type': 'text/plain' }, 'x'.repeat(MAX_EVENT_BYTES - 100));
    assert.equal(text.status, 413);
    assert.equal(seen.length, before, 'no function ran');
    const fits = await request(gateway.port, 'POST', '/upload', { 'content-type': 'text/plain' }, 'x'.repeat(5_000_000));
    assert.equal(fits.status, 200);
    assert.equal(fits.body, '5000000');
  });

  test('a response header no HTTP response can carry is a malformed Lambda response (HTTP API 500, REST 502), reported with the reason', async () => {
    const httpApi = await request(gateway.port, 'GET', '/bad-header');
    assert.equal(httpApi.status, 500);
    assert.deepEqual(JSON.parse(httpApi.body), { message: 'Internal Server Error' });
    assert.equal(httpApi.headers['set-cookie'], undefined, 'nothing was injected');
    assert.match(errors.at(-1) ?? '', /malformed Lambda response from Api\/GET\/bad-header: header x-city .*"Łódź".*header x-split/s);
    const rest = await request(gateway.port, 'GET', '/prod/bad-header');
    assert.equal(rest.status, 502);
    assert.deepEqual(JSON.parse(rest.body), { message: 'Internal server error' });
    const badName = await request(gateway.port, 'GET', '/bad-name');
    assert.equal(badName.status, 500);
    assert.match(errors.at(-1) ?? '', /header name "bad name" is not a valid HTTP token/);
    assert.equal((await request(gateway.port, 'GET', '/hello')).status, 200, 'the gateway keeps serving');
  });

  test('malformed raw requests get X-Amzn-ErrorType and no 5xx; a stalled body gets a 408', async () => {
    for (const [label, bytes] of malformedRequests(gateway.port, '/hello')) {
      const r = await rawRequest(gateway.port, bytes);
      assert.ok(r.status >= 400 && r.status < 500, `${label} → ${r.raw.slice(0, 300)}`);
      assert.ok(r.headers['x-amzn-errortype'], `${label}: ${r.raw.slice(0, 300)}`);
      assert.ok((JSON.parse(r.body) as { message: string }).message, label);
    }
    const stalled = await rawRequest(gateway.port, `POST /upload HTTP/1.1\r\nHost: 127.0.0.1:${gateway.port}\r\nContent-Length: 100\r\n\r\n0123456789`);
    assert.equal(stalled.status, 408);
    assert.equal(stalled.headers['x-amzn-errortype'], 'RequestTimeoutException');
  });

  test('a foreign Host or a foreign Origin is a 403 ForbiddenException naming the option; loopback names and allowed hosts are served', async () => {
    const before = seen.length;
    const rebinding = await request(gateway.port, 'GET', '/hello', { host: `attacker.example:${gateway.port}` });
    assert.equal(rebinding.status, 403);
    assert.equal(rebinding.headers['x-amzn-errortype'], 'ForbiddenException');
    assert.match((JSON.parse(rebinding.body) as { message: string }).message, /Host 'attacker\.example:\d+' is not allowed.*--allow-host attacker\.example/);
    const crossSite = await request(gateway.port, 'POST', '/upload', { origin: 'http://attacker.example', 'content-type': 'text/plain' }, 'x');
    assert.equal(crossSite.status, 403);
    assert.match((JSON.parse(crossSite.body) as { message: string }).message, /Origin 'http:\/\/attacker\.example' is not allowed.*CORS AllowOrigins/);
    assert.equal(seen.length, before, 'no function ran');
    const cases: Array<Record<string, string>> = [{ host: `localhost:${gateway.port}` }, { host: `[::1]:${gateway.port}` }, { host: `web.localhost:${gateway.port}`, origin: `http://web.localhost:${gateway.port}` }, { host: 'app.dev.example' }];
    for (const headers of cases) {
      assert.equal((await request(gateway.port, 'GET', '/hello', headers)).status, 200, JSON.stringify(headers));
    }
  });
});

describe('CORS as API Gateway and function URLs do it (issue 6)', () => {
  let gateway: Gateway;
  const invoked: string[] = [];

  before(async () => {
    // The app as aws-cdk-lib synthesizes it: what `lambdakit dev` reads.
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-cors-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Cors');
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
    const httpApi = new apigatewayv2.HttpApi(stack, 'Http', {
      corsPreflight: { allowOrigins: ['https://app.example', 'https://*'], allowMethods: [apigatewayv2.CorsHttpMethod.GET, apigatewayv2.CorsHttpMethod.POST], allowHeaders: ['Content-Type', 'X-Custom'], exposeHeaders: ['X-Total'], maxAge: Duration.seconds(300), allowCredentials: true },
    });
    httpApi.addRoutes({ path: '/items', methods: [apigatewayv2.HttpMethod.GET], integration: new HttpLambdaIntegration('Items', fn) });
    const rest = new apigateway.RestApi(stack, 'Rest', { defaultCorsPreflightOptions: { allowOrigins: ['https://one.example', 'https://two.example'], allowMethods: ['GET', 'PUT'] } });
    rest.root.addResource('things').addMethod('GET', new apigateway.LambdaIntegration(fn));
    fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE, cors: { allowedOrigins: ['http://url.example:8080'], allowedMethods: [lambda.HttpMethod.ALL], allowedHeaders: ['*'] } });
    app.synth();
    const wiring = readWiring(readAssembly(outdir));
    const routes: GatewayRoute[] = [
      ...wiring.routes.map((r): GatewayRoute => ({ apiId: r.apiId, kind: r.kind, method: r.method, path: r.path, payloadFormat: r.payloadFormat, stage: r.stage, functionLabel: r.target.fn.constructPath, cors: r.cors })),
      ...wiring.mockRoutes.map((m): GatewayRoute => ({ apiId: m.apiId, kind: 'rest', method: m.method, path: m.path, payloadFormat: '1.0', stage: m.stage, functionLabel: 'mock', mock: m.response })),
    ];
    gateway = await Gateway.start({
      routes,
      port: 0,
      invoke: async (r) => {
        invoked.push(`${r.kind} ${r.method} ${r.path}`);
        // A backend's own CORS headers: API Gateway ignores them when the API has a CORS configuration.
        return { payload: JSON.stringify({ statusCode: 200, headers: { 'access-control-allow-origin': 'https://backend.example', 'x-total': '3' }, body: 'ok' }) };
      },
    });
  });
  after(() => gateway?.close());

  test('the template settings reach the route model', () => {
    const items = gateway['routes'].find((r) => r.path === '/items');
    assert.deepEqual(items?.cors, { allowOrigins: ['https://app.example', 'https://*'], allowMethods: ['GET', 'POST'], allowHeaders: ['content-type', 'x-custom'], exposeHeaders: ['x-total'], maxAgeSeconds: 300, allowCredentials: true });
    const mocks = gateway['routes'].filter((r) => r.mock);
    assert.deepEqual(mocks.map((r) => `${r.method} /${r.stage}${r.path}`).sort(), ['OPTIONS /prod/', 'OPTIONS /prod/things']);
  });

  test('HTTP API: a preflight is answered without invoking, with the configured headers for an allowed origin', async () => {
    const before = invoked.length;
    const r = await request(gateway.port, 'OPTIONS', '/items', { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
    assert.equal(r.status, 204);
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(r.headers['access-control-allow-methods'], 'GET,POST');
    assert.equal(r.headers['access-control-allow-headers'], 'content-type,x-custom');
    assert.equal(r.headers['access-control-max-age'], '300');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    // `https://*` allows any https origin, also for a path no route has.
    const wildcard = await request(gateway.port, 'OPTIONS', '/nowhere', { origin: 'https://other.example', 'access-control-request-method': 'GET' });
    assert.equal(wildcard.status, 204);
    assert.equal(wildcard.headers['access-control-allow-origin'], 'https://other.example');
    assert.equal(invoked.length, before, 'preflights invoke nothing');
  });

  test('HTTP API: an actual request gets the configured CORS headers instead of the backend\'s', async () => {
    const r = await request(gateway.port, 'GET', '/items', { origin: 'https://app.example' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.equal(r.headers['access-control-expose-headers'], 'x-total');
    const plain = await request(gateway.port, 'GET', '/items');
    assert.equal(plain.headers['access-control-allow-origin'], 'https://backend.example', 'without Origin the response is the function\'s');
  });

  test('function URL: preflight and actual requests follow its Cors', async () => {
    const urlRoute = gateway['routes'].find((r) => r.kind === 'url')!;
    const origin = 'http://url.example:8080';
    const pre = await request(gateway.port, 'OPTIONS', `/${urlRoute.stage}/anything`, { origin, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'x-one,x-two' });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], origin);
    assert.equal(pre.headers['access-control-allow-headers'], '*');
    const actual = await request(gateway.port, 'DELETE', `/${urlRoute.stage}/anything`, { origin });
    assert.equal(actual.status, 200);
    assert.equal(actual.headers['access-control-allow-origin'], origin);
  });

  test('REST API: OPTIONS is served as its MOCK integration says, echoing each allowed origin as aws-cdk-lib\'s template does', async () => {
    const before = invoked.length;
    const first = await request(gateway.port, 'OPTIONS', '/prod/things', { origin: 'https://one.example', 'access-control-request-method': 'GET' });
    assert.equal(first.status, 204);
    assert.equal(first.headers['access-control-allow-origin'], 'https://one.example');
    assert.equal(first.headers['access-control-allow-methods'], 'GET,PUT');
    assert.match(String(first.headers['access-control-allow-headers']), /Content-Type/);
    assert.equal(first.headers.vary, 'Origin');
    const second = await request(gateway.port, 'OPTIONS', '/prod/things', { origin: 'https://two.example', 'access-control-request-method': 'GET' });
    assert.equal(second.headers['access-control-allow-origin'], 'https://two.example');
    assert.equal(invoked.length, before, 'mock methods invoke nothing');
    const get = await request(gateway.port, 'GET', '/prod/things', { origin: 'https://two.example' });
    assert.equal(get.status, 200, 'an origin a REST API allows may call it');
  });

  test('an origin no API allows is refused before anything runs', async () => {
    const before = invoked.length;
    const r = await request(gateway.port, 'GET', '/items', { origin: 'http://attacker.example' });
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'ForbiddenException');
    assert.equal(invoked.length, before);
  });
});
