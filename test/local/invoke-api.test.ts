import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  InvalidParameterValueException,
  InvalidRequestContentException,
  InvokeCommand,
  LambdaClient,
  RequestTooLargeException,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { readAssembly } from '../../lib/assembly/read';
import { LocalLambda } from '../../lib/local';
import { writeAssembly } from './fixture';

const HELLO = `exports.handler = async (event, context) => {
  console.log('hello', JSON.stringify(event));
  return {
    event,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    remaining: context.getRemainingTimeInMillis(),
    waits: context.callbackWaitsForEmptyEventLoop,
    clientContext: context.clientContext,
    env: Object.fromEntries(['AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_RUNTIME_API', '_HANDLER', 'LAMBDA_TASK_ROOT', 'AWS_REGION', 'GREETING', 'TABLE'].map((k) => [k, process.env[k]])),
  };
};`;

let local: LocalLambda;
let client: LambdaClient;
let dir: string;

before(async () => {
  dir = writeAssembly('Local', [
    {
      id: 'Hello',
      files: { 'index.js': HELLO },
      environment: { GREETING: 'hi', TABLE: { Ref: 'Table' } },
      properties: { LoggingConfig: { LogGroup: '/lambdakit/hello' } },
      extra: {
        HelloVersion1: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Hello' } } },
        HelloAlias: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Hello' }, FunctionVersion: { 'Fn::GetAtt': ['HelloVersion1', 'Version'] }, Name: 'live' } },
      },
    },
    { id: 'Esm', files: { 'index.mjs': 'export const handler = async (event) => ({ esm: true, event });' } },
    { id: 'Callback', files: { 'index.js': 'exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { callback: true, n: event.n }), 5); };' } },
    { id: 'CallbackError', files: { 'index.js': "exports.handler = (event, context, callback) => callback(new TypeError('bad input'));" } },
    { id: 'Throws', files: { 'index.js': "exports.handler = async () => { const e = new Error('it broke'); e.name = 'OrderError'; throw e; };" } },
    { id: 'Slow', timeout: 1, files: { 'index.js': 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 5000)); return 1; };' } },
    { id: 'Exits', files: { 'index.js': 'exports.handler = async () => { process.exit(3); };' } },
    { id: 'Rejects', files: { 'index.js': "exports.handler = async () => { Promise.reject(new Error('forgotten')); await new Promise((r) => setTimeout(r, 200)); return 'late'; };" } },
    { id: 'Hungry', memory: 128, files: { 'index.js': 'const keep = []; exports.handler = async () => { for (;;) keep.push(Buffer.alloc(8 * 1024 * 1024, 1)); };' } },
    { id: 'Missing', files: { 'index.js': "require('no-such-module'); exports.handler = async () => 1;" } },
    { id: 'NoHandler', files: { 'index.js': 'exports.other = async () => 1;' } },
    { id: 'Reserved', reserved: 1, files: { 'index.js': 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 400)); return "done"; };' } },
    { id: 'Big', files: { 'index.js': "exports.handler = async () => 'x'.repeat(7 * 1024 * 1024);" } },
    { id: 'Py', runtime: 'python3.13', handler: 'lambda_function.lambda_handler', files: { 'lambda_function.py': "import os\ndef lambda_handler(event, context):\n    print('from python')\n    return {'name': context.function_name, 'remaining': context.get_remaining_time_in_millis() > 0, 'event': event, 'region': os.environ['AWS_REGION']}\n" } },
    { id: 'PyError', runtime: 'python3.13', handler: 'app.handler', files: { 'app.py': "def handler(event, context):\n    raise ValueError('python says no')\n" } },
    {
      id: 'Custom',
      runtime: 'provided.al2023',
      handler: 'ignored',
      files: {
        bootstrap: `#!${process.execPath}
const http = require('node:http');
const api = process.env.AWS_LAMBDA_RUNTIME_API;
const call = (method, path, body) => new Promise((resolve) => { const req = http.request('http://' + api + '/2018-06-01/runtime' + path, { method }, (res) => { let d = ''; res.on('data', (c) => d += c); res.on('end', () => resolve({ headers: res.headers, body: d })); }); req.end(body); });
(async () => { for (;;) { const next = await call('GET', '/invocation/next'); const id = next.headers['lambda-runtime-aws-request-id']; await call('POST', '/invocation/' + id + '/response', JSON.stringify({ custom: JSON.parse(next.body) })); } })();
`,
      },
    },
  ], { Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'orders-table' } } });
  local = await LocalLambda.start({ assembly: readAssembly(dir), port: 0, reportsFile: false, maxEnvironments: 4 });
  client = new LambdaClient({ endpoint: local.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});

after(async () => {
  client.destroy();
  await local.close({ drainMs: 0 });
  assert.equal(local.runtime.environmentCount, 0, 'no environment process is left running');
});

const text = (payload?: Uint8Array) => Buffer.from(payload ?? []).toString('utf8');
const json = (payload?: Uint8Array) => JSON.parse(text(payload));
const invoke = (input: ConstructorParameters<typeof InvokeCommand>[0]) => client.send(new InvokeCommand(input));

test('RequestResponse: the handler sees Lambda\'s context and environment; the log tail and executed version come back', async () => {
  const clientContext = Buffer.from(JSON.stringify({ custom: { user: 'u1' } })).toString('base64');
  const r = await invoke({ FunctionName: 'Local-Hello', Payload: Buffer.from('{"name":"Ada"}'), LogType: 'Tail', ClientContext: clientContext });
  assert.equal(r.StatusCode, 200);
  assert.equal(r.ExecutedVersion, '$LATEST');
  assert.equal(r.FunctionError, undefined);
  const body = json(r.Payload);
  assert.deepEqual(body.event, { name: 'Ada' });
  assert.match(body.requestId, /^[0-9a-f-]{36}$/);
  assert.equal(body.functionName, 'Local-Hello');
  assert.equal(body.functionVersion, '$LATEST');
  assert.equal(body.invokedFunctionArn, 'arn:aws:lambda:us-east-1:123456789012:function:Local-Hello');
  assert.equal(body.memoryLimitInMB, '256');
  assert.equal(body.logGroupName, '/lambdakit/hello');
  assert.match(body.logStreamName, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  assert.ok(body.remaining > 2000 && body.remaining <= 3000);
  assert.equal(body.waits, true);
  assert.deepEqual(body.clientContext, { custom: { user: 'u1' } });
  assert.equal(body.env.AWS_LAMBDA_FUNCTION_NAME, 'Local-Hello');
  assert.equal(body.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '256');
  assert.equal(body.env._HANDLER, 'index.handler');
  assert.equal(body.env.AWS_REGION, 'us-east-1');
  assert.equal(body.env.GREETING, 'hi');
  assert.equal(body.env.TABLE, 'orders-table', 'CloudFormation references resolve to local values');
  assert.match(body.env.AWS_LAMBDA_RUNTIME_API, /^127\.0\.0\.1:\d+/);
  const log = text(Buffer.from(r.LogResult!, 'base64'));
  assert.match(log, new RegExp(`START RequestId: ${body.requestId} Version: \\$LATEST`));
  assert.match(log, /INFO\thello \{"name":"Ada"\}/);
  assert.match(log, new RegExp(`REPORT RequestId: ${body.requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 256 MB\\tMax Memory Used: \\d+ MB`));
});

test('cold and warm starts: Init Duration only on the first invocation of an environment', async () => {
  const first = text(Buffer.from((await invoke({ FunctionName: 'Local-Esm', LogType: 'Tail' })).LogResult!, 'base64'));
  const second = text(Buffer.from((await invoke({ FunctionName: 'Local-Esm', LogType: 'Tail' })).LogResult!, 'base64'));
  assert.match(first, /Init Duration: [\d.]+ ms/);
  assert.doesNotMatch(second, /Init Duration/);
});

test('function names: plain, name:qualifier, full and partial ARNs, construct paths, versions and aliases', async () => {
  const arn = 'arn:aws:lambda:us-east-1:123456789012:function:Local-Hello';
  for (const [FunctionName, Qualifier, version] of [
    ['Local-Hello', undefined, '$LATEST'],
    ['Local/Hello', undefined, '$LATEST'],
    [arn, undefined, '$LATEST'],
    [`${arn}:live`, undefined, '1'],
    ['123456789012:function:Local-Hello:1', undefined, '1'],
    ['Local-Hello:$LATEST', undefined, '$LATEST'],
    ['Local-Hello', 'live', '1'],
    ['Local-Hello', '1', '1'],
  ] as const) {
    const r = await invoke({ FunctionName, Qualifier, Payload: Buffer.from('{}') });
    assert.equal(r.ExecutedVersion, version, `${FunctionName} ${Qualifier ?? ''}`);
    assert.equal(json(r.Payload).functionVersion, version);
  }
  const viaAlias = json((await invoke({ FunctionName: 'Local-Hello', Qualifier: 'live' })).Payload);
  assert.equal(viaAlias.invokedFunctionArn, `${arn}:live`);
});

test('Node handlers: ESM, callback style, callback errors; Python and provided runtimes', async () => {
  assert.deepEqual(json((await invoke({ FunctionName: 'Local-Esm', Payload: Buffer.from('{"a":1}') })).Payload), { esm: true, event: { a: 1 } });
  assert.deepEqual(json((await invoke({ FunctionName: 'Local-Callback', Payload: Buffer.from('{"n":7}') })).Payload), { callback: true, n: 7 });
  const cbError = await invoke({ FunctionName: 'Local-CallbackError' });
  assert.equal(cbError.FunctionError, 'Unhandled');
  assert.equal(json(cbError.Payload).errorType, 'TypeError');
  const py = await invoke({ FunctionName: 'Local-Py', Payload: Buffer.from('{"k":"v"}'), LogType: 'Tail' });
  assert.deepEqual(json(py.Payload), { name: 'Local-Py', remaining: true, event: { k: 'v' }, region: 'us-east-1' });
  assert.match(text(Buffer.from(py.LogResult!, 'base64')), /from python/);
  const pyError = await invoke({ FunctionName: 'Local-PyError' });
  assert.equal(pyError.FunctionError, 'Unhandled');
  assert.equal(json(pyError.Payload).errorType, 'ValueError');
  assert.equal(json(pyError.Payload).errorMessage, 'python says no');
  assert.deepEqual(json((await invoke({ FunctionName: 'Local-Custom', Payload: Buffer.from('[1,2]') })).Payload), { custom: [1, 2] });
});

test('a handler error returns 200 with X-Amz-Function-Error and the {errorType, errorMessage, trace} body', async () => {
  const r = await invoke({ FunctionName: 'Local-Throws' });
  assert.equal(r.StatusCode, 200);
  assert.equal(r.FunctionError, 'Unhandled');
  const body = json(r.Payload);
  assert.equal(body.errorType, 'OrderError');
  assert.equal(body.errorMessage, 'it broke');
  assert.ok(Array.isArray(body.trace));
});

test('faults are Lambda\'s faults, each replaces the environment, and the server keeps serving', async () => {
  const slow = await invoke({ FunctionName: 'Local-Slow', LogType: 'Tail' });
  assert.equal(json(slow.Payload).errorType, 'Sandbox.Timedout');
  assert.match(json(slow.Payload).errorMessage, /Task timed out after 1\.00 seconds/);
  assert.match(text(Buffer.from(slow.LogResult!, 'base64')), /Task timed out after 1\.00 seconds/);
  assert.equal(json((await invoke({ FunctionName: 'Local-Exits' })).Payload).errorType, 'Runtime.ExitError');
  assert.match(json((await invoke({ FunctionName: 'Local-Exits' })).Payload).errorMessage, /Runtime exited with error: exit status 3/);
  assert.equal(json((await invoke({ FunctionName: 'Local-Rejects' })).Payload).errorType, 'Runtime.UnhandledPromiseRejection');
  assert.equal(json((await invoke({ FunctionName: 'Local-Hungry' })).Payload).errorType, 'Runtime.OutOfMemory');
  const missing = json((await invoke({ FunctionName: 'Local-Missing' })).Payload);
  assert.equal(missing.errorType, 'Runtime.ImportModuleError');
  assert.match(missing.errorMessage, /no-such-module/);
  const noHandler = json((await invoke({ FunctionName: 'Local-NoHandler' })).Payload);
  assert.equal(noHandler.errorType, 'Runtime.HandlerNotFound');
  assert.match(noHandler.errorMessage, /index\.handler is undefined or not exported/);
  // Still serving, with fresh environments.
  assert.equal(json((await invoke({ FunctionName: 'Local-Exits' })).Payload).errorType, 'Runtime.ExitError');
  assert.equal((await invoke({ FunctionName: 'Local-Esm' })).StatusCode, 200);
});

test('a response over 6 MB is a Function.ResponseSizeTooLarge error', async () => {
  const r = await invoke({ FunctionName: 'Local-Big' });
  assert.equal(r.FunctionError, 'Unhandled');
  assert.equal(json(r.Payload).errorType, 'Function.ResponseSizeTooLarge');
});

test('Event returns 202 and DryRun 204', async () => {
  const event = await invoke({ FunctionName: 'Local-Esm', InvocationType: 'Event', Payload: Buffer.from('{}') });
  assert.equal(event.StatusCode, 202);
  const dry = await invoke({ FunctionName: 'Local-Esm', InvocationType: 'DryRun' });
  assert.equal(dry.StatusCode, 204);
});

test('service errors raise the SDK\'s named exceptions', async () => {
  await assert.rejects(invoke({ FunctionName: 'nope' }), (e: unknown) => e instanceof ResourceNotFoundException && /Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope/.test(e.message));
  await assert.rejects(invoke({ FunctionName: 'Local-Hello', Qualifier: 'staging' }), ResourceNotFoundException);
  await assert.rejects(invoke({ FunctionName: 'Local-Hello', Payload: Buffer.from('{not json') }), InvalidRequestContentException);
  await assert.rejects(invoke({ FunctionName: 'Local-Hello', Payload: Buffer.from(JSON.stringify({ x: 'y'.repeat(6 * 1024 * 1024) })) }), RequestTooLargeException);
  await assert.rejects(invoke({ FunctionName: 'Local-Hello', InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ x: 'y'.repeat(1024 * 1024) })) }), RequestTooLargeException);
  await assert.rejects(invoke({ FunctionName: 'Local-Hello:live', Qualifier: '1' }), InvalidParameterValueException);
  await assert.rejects(invoke({ FunctionName: 'Local-Hello', ClientContext: 'not base64 json!' }), InvalidParameterValueException);
  await assert.rejects(invoke({ FunctionName: 'arn:aws:lambda:bad' }), (e: Error) => e.name === 'ValidationException');
});

test('reserved concurrency: the second concurrent call is throttled with its reason and Retry-After', async () => {
  const first = invoke({ FunctionName: 'Local-Reserved' });
  await new Promise((r) => setTimeout(r, 100));
  await assert.rejects(invoke({ FunctionName: 'Local-Reserved' }), (e: unknown) => {
    assert.ok(e instanceof TooManyRequestsException);
    assert.equal(e.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    assert.equal(e.retryAfterSeconds, '1');
    return true;
  });
  assert.equal(json((await first).Payload), 'done');
});

test('concurrent calls get more environments up to the limit, each initialised once and reused', async () => {
  const results = await Promise.all(Array.from({ length: 4 }, () => invoke({ FunctionName: 'Local-Callback', Payload: Buffer.from('{"n":1}') })));
  assert.ok(results.every((r) => r.StatusCode === 200));
});

test('fuzzed bodies, headers and names each get a service error; none crashes the server', async () => {
  const base = `${local.url}/2015-03-31/functions`;
  const cases: Array<[string, RequestInit, number]> = [
    [`${base}/Local-Hello/invocations`, { method: 'POST', body: '\u0000\u0001' }, 400],
    [`${base}/Local-Hello/invocations`, { method: 'POST', body: '{"a":' }, 400],
    [`${base}/Local-Hello/invocations`, { method: 'POST', body: '{}', headers: { 'x-amz-invocation-type': 'Sometimes' } }, 400],
    [`${base}/Local-Hello/invocations`, { method: 'POST', body: '{}', headers: { 'x-amz-log-type': 'Everything' } }, 400],
    [`${base}/Local-Hello/invocations`, { method: 'POST', body: '{}', headers: { 'x-amz-client-context': '%%%' } }, 400],
    [`${base}/${encodeURIComponent('arn:aws:lambda:us-east-1:123456789012:function:')}/invocations`, { method: 'POST', body: '{}' }, 400],
    [`${base}/${encodeURIComponent('arn:aws:lambda:eu-west-1:123456789012:function:Local-Hello')}/invocations`, { method: 'POST', body: '{}' }, 404],
    [`${base}/${'x'.repeat(200)}/invocations`, { method: 'POST', body: '{}' }, 400],
    [`${base}/%E0%A4%A/invocations`, { method: 'POST', body: '{}' }, 400],
    [`${base}/Local-Hello/invocations?Qualifier=${encodeURIComponent('bad qualifier!')}`, { method: 'POST', body: '{}' }, 400],
    [`${base}/Local-Hello/invocations`, { method: 'GET' }, 404],
    // CreateFunction: refused by the local Lambda API (lambda-api.test.ts); a path of no operation is a 404.
    [`${local.url}/2015-03-31/functions`, { method: 'POST', body: '{}' }, 400],
    [`${local.url}/2015-03-31/nothing`, { method: 'POST', body: '{}' }, 404],
  ];
  for (let i = 0; i < 30; i++) {
    const bytes = Buffer.from(Array.from({ length: 1 + ((i * 37) % 200) }, (_, j) => (i * 131 + j * 17) % 256));
    cases.push([`${base}/Local-Hello/invocations`, { method: 'POST', body: bytes }, 400]);
  }
  for (const [url, init, status] of cases) {
    const response = await fetch(url, init);
    const body = await response.text();
    if (status === 400 && response.status === 200) {
      // A random byte string can happen to be JSON (e.g. a number); that is a valid event.
      JSON.parse(Buffer.from((init.body as Buffer) ?? '').toString('utf8'));
      continue;
    }
    assert.equal(response.status, status, `${init.method} ${url.slice(0, 120)} → ${body.slice(0, 200)}`);
    assert.ok(response.headers.get('x-amzn-errortype'), 'every error names its type');
    assert.equal(JSON.parse(body).Type, 'User');
  }
  assert.equal((await invoke({ FunctionName: 'Local-Esm' })).StatusCode, 200, 'still serving');
});
