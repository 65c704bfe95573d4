import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { after, before, test } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { readAssembly } from '../../lib/assembly/read';
import { LocalLambda } from '../../lib/local';
import { writeAssembly } from './fixture';
import { childPids, eventually } from './processes';
import { malformedRequests, rawRequest } from './raw-http';

// Errors the Invoke API may answer with, and their statuses, as the service uses them.
const SERVICE_ERRORS: Record<string, number> = {
  ResourceNotFoundException: 404,
  InvalidRequestContentException: 400,
  InvalidParameterValueException: 400,
  ValidationException: 400,
  RequestTooLargeException: 413,
  TooManyRequestsException: 429,
  UnknownOperationException: 404,
};

let local: LocalLambda;
const before_ = childPids();

before(async () => {
  const dir = writeAssembly('Fuzz', [
    {
      id: 'Echo',
      functionName: 'echo',
      reserved: 2,
      files: { 'index.js': 'exports.handler = async (event) => event;' },
      extra: {
        EchoV1: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Echo' } } },
        EchoLive: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Echo' }, FunctionVersion: { 'Fn::GetAtt': ['EchoV1', 'Version'] }, Name: 'live' } },
      },
    },
  ]);
  local = await LocalLambda.start({ assembly: readAssembly(dir), port: 0, reportsFile: false, async: { retryDelaysMs: [0, 0] } });
});

after(async () => {
  await local.close({ drainMs: 2_000 });
  assert.ok(await eventually(() => childPids().filter((p) => !before_.includes(p)).length === 0), 'no environment process is left');
});

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Each field is usually valid (so that the others get tested too), sometimes one of its bad values.
const GOOD_NAMES = ['echo', 'Fuzz/Echo', 'echo:live', 'echo:1', 'echo:$LATEST', 'arn:aws:lambda:us-east-1:123456789012:function:echo', '123456789012:function:echo'];
const NAMES = [
  'echo:2', 'echo:', ':live', 'ech o', 'echo::live',
  'arn:aws:lambda:us-east-1:123456789012:function:echo:live',
  'arn:aws:lambda:us-east-1:123456789012:function:echo:nope', 'arn:aws:lambda:us-east-1:12345:function:echo',
  'arn:aws:s3:::bucket', 'arn:aws:lambda:us-east-1:123456789012:layer:echo', 'arn:', 'arn:aws:lambda:::function:echo',
  '999999999999:function:echo', 'function:echo', 'x'.repeat(65), 'x'.repeat(300),
  '../echo', 'echo%00', '%ZZ', 'ëcho', 'Fuzz/Nope', 'Fuzz/Echo/Resource', '', ' ',
];
const GOOD_QUALIFIERS = [undefined, '$LATEST', 'live', '1'];
const QUALIFIERS = ['', '7', 'bad qualifier', '$latest', 'x'.repeat(200), '%24LATEST'];
const GOOD_TYPES = [undefined, 'RequestResponse', 'Event', 'DryRun'];
const TYPES = ['event', 'Async', ''];
const GOOD_LOG_TYPES = [undefined, 'None', 'Tail'];
const LOG_TYPES = ['tail', 'All'];
const GOOD_CONTEXTS = [undefined, Buffer.from('{"custom":{}}').toString('base64')];
const CONTEXTS = [Buffer.from('[1]').toString('base64'), 'not base64!', Buffer.from('x').toString('base64'), 'A'.repeat(4000)];

function body(next: () => number): Buffer {
  const pick = Math.floor(next() * 8);
  if (pick === 0) return Buffer.alloc(0);
  if (pick === 1) return Buffer.from(JSON.stringify({ n: next(), s: 'é✓' }));
  if (pick === 2) return Buffer.from('{"unterminated": ');
  if (pick === 3) return Buffer.from([0xff, 0xfe, 0x00, 0x7b]);
  if (pick === 4) return Buffer.from('null');
  if (pick === 5) return Buffer.from('"just a string"');
  if (pick === 6) return Buffer.from(Array.from({ length: 1 + Math.floor(next() * 64) }, () => Math.floor(next() * 256)));
  return Buffer.from(JSON.stringify({ big: 'y'.repeat(next() < 0.5 ? 1_100_000 : 100) }));
}

function send(path: string, method: string, headers: Record<string, string>, payload: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(local.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method, headers: { ...headers, 'content-length': String(payload.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

test('300 seeded random requests: each gets a success or a named service error, never a 5xx, and the server keeps serving', async () => {
  const next = random(20261123);
  const choose = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const pick = <T>(good: readonly T[], bad: readonly T[]) => choose(next() < 0.8 ? good : bad);
  const seen = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const name = pick(GOOD_NAMES, NAMES);
    const qualifier = pick(GOOD_QUALIFIERS, QUALIFIERS);
    const headers: Record<string, string> = {};
    const type = pick(GOOD_TYPES, TYPES);
    const logType = pick(GOOD_LOG_TYPES, LOG_TYPES);
    const context = pick(GOOD_CONTEXTS, CONTEXTS);
    if (type !== undefined) headers['x-amz-invocation-type'] = type;
    if (logType !== undefined) headers['x-amz-log-type'] = logType;
    if (context !== undefined) headers['x-amz-client-context'] = context;
    const encoded = /%/.test(name) ? name : encodeURIComponent(name);
    const path = `/2015-03-31/functions/${encoded}/invocations${qualifier === undefined ? '' : `?Qualifier=${encodeURIComponent(qualifier)}`}`;
    const method = next() < 0.05 ? 'PUT' : 'POST';
    const r = await send(path, method, headers, body(next));
    const label = `#${i} ${method} ${path.slice(0, 100)} ${JSON.stringify(headers).slice(0, 120)} → ${r.status} ${r.body.slice(0, 160)}`;
    assert.ok(r.status < 500, label);
    if (r.status >= 400) {
      const type = String(r.headers['x-amzn-errortype']);
      assert.equal(SERVICE_ERRORS[type], r.status, label);
      const parsed = JSON.parse(r.body) as { Type: string; Message: string };
      assert.equal(parsed.Type, 'User', label);
      assert.ok(parsed.Message.length > 0, label);
      seen.set(type, (seen.get(type) ?? 0) + 1);
    } else {
      assert.ok([200, 202, 204].includes(r.status), label);
      seen.set(String(r.status), (seen.get(String(r.status)) ?? 0) + 1);
    }
  }
  // The batch exercised successes and most error kinds, not one path 300 times.
  for (const kind of ['200', '202', '204', 'ResourceNotFoundException', 'InvalidRequestContentException', 'InvalidParameterValueException', 'ValidationException', 'RequestTooLargeException']) {
    assert.ok(seen.has(kind), `${kind} never came up: ${JSON.stringify([...seen])}`);
  }
  const client = new LambdaClient({ endpoint: local.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  const ok = await client.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: 'live', Payload: Buffer.from('{"still":"here"}') }));
  assert.deepEqual(JSON.parse(Buffer.from(ok.Payload!).toString()), { still: 'here' });
  client.destroy();
  assert.ok(local.runtime.environmentCount <= 2, 'never more environments than the reserved concurrency');
});

test('malformed raw requests each get an answer with X-Amzn-ErrorType and no 5xx, and the server keeps serving', async () => {
  const port = Number(new URL(local.url).port);
  for (const [label, bytes] of malformedRequests(port, '/2015-03-31/functions/echo/invocations')) {
    const r = await rawRequest(port, bytes);
    assert.ok(r.status >= 400 && r.status < 500, `${label} → ${r.raw.slice(0, 300)}`);
    assert.ok(r.headers['x-amzn-errortype'], `${label} has no X-Amzn-ErrorType: ${r.raw.slice(0, 300)}`);
    const body = JSON.parse(r.body) as { Type: string; message: string };
    assert.equal(body.Type, 'User', label);
    assert.ok(body.message.length > 0, label);
  }
  const ok = await rawRequest(port, `POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Length: 7\r\n\r\n{"a":1}`);
  assert.equal(ok.status, 200);
  assert.deepEqual(JSON.parse(ok.body), { a: 1 });
});
