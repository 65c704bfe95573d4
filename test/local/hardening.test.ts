import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { readAssembly } from '../../lib/assembly/read';
import { LocalLambda } from '../../lib/local';
import { asciiJson, hostAllowed } from '../../lib/local/http-guard';
import { RuntimeApiServer, type NextEvent, type RuntimeReply } from '../../lib/local/runtime-api';
import { writeAssembly } from './fixture';
import { childPids, eventually } from './processes';
import { rawRequest } from './raw-http';

const run = promisify(execFile);

const NODE_CONTEXT = 'exports.handler = async (event, context) => ({ clientContext: context.clientContext ?? null });';
const PYTHON_CONTEXT = `
def handler(event, context):
    cc = context.client_context
    return {"clientContext": None if cc is None else {"client": cc.client, "custom": cc.custom, "env": cc.env}}
`;
// Waits until the file named in the event exists: an invocation that outlasts the request timeout, ended by the test.
const WAITS = `const fs = require('node:fs');
exports.handler = async (event) => { while (!fs.existsSync(event.file)) await new Promise((r) => setTimeout(r, 20)); return 'finished'; };`;

let local: LocalLambda;
let client: LambdaClient;
let invocations = 0;
const before_ = childPids();

before(async () => {
  const dir = writeAssembly('Hardening', [
    { id: 'Context', functionName: 'context', files: { 'index.js': NODE_CONTEXT } },
    { id: 'WarmContext', functionName: 'warm-context', files: { 'index.js': NODE_CONTEXT } },
    { id: 'PyContext', functionName: 'py-context', runtime: 'python3.12', files: { 'index.py': PYTHON_CONTEXT } },
    { id: 'Echo', functionName: 'echo', files: { 'index.js': 'exports.handler = async (event) => event;' } },
    { id: 'Waits', functionName: 'waits', timeout: 30, files: { 'index.js': WAITS } },
  ]);
  local = await LocalLambda.start({
    assembly: readAssembly(dir),
    port: 0,
    reportsFile: false,
    allowedHosts: ['dev.example'],
    requestTimeouts: { headersTimeoutMs: 1_000, requestTimeoutMs: 1_000 },
    onInvocation: () => invocations++,
  });
  client = new LambdaClient({ endpoint: local.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
});

after(async () => {
  client.destroy();
  await local.close({ drainMs: 1_000 });
  const commandLine = (pid: number) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      return '';
    }
  };
  // The runtime's process reaper (one per LocalRuntime owner) is not an environment.
  const left = () => childPids().filter((p) => !before_.includes(p) && !commandLine(p).includes('reaper'));
  assert.ok(await eventually(() => left().length === 0), `no environment process is left: ${left().map(commandLine).join(', ')}`);
});

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64');

async function invokeWithContext(functionName: string, contextJson: string): Promise<unknown> {
  const out = await client.send(new InvokeCommand({ FunctionName: functionName, ClientContext: encode(contextJson), Payload: Buffer.from('{}') }));
  assert.equal(out.StatusCode, 200);
  assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
  return (JSON.parse(Buffer.from(out.Payload!).toString()) as { clientContext: unknown }).clientContext;
}

function post(headers: Record<string, string>, body = '{}', functionName = 'echo'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: local.api.port, method: 'POST', path: `/2015-03-31/functions/${functionName}/invocations`, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('client context (issue 1)', () => {
  // Each a valid base64 JSON object that used to make the Runtime API throw ERR_INVALID_CHAR.
  const NON_LATIN = '{"custom":{"name":"Łódź ☃"}}';
  const NEWLINE = '{"custom":\n{"line":"a\\nb"},\n"env":{"emoji":"😀"}}';

  test('a cold environment gets a client context with characters above U+00FF and the handler sees the same object (Node.js)', async () => {
    assert.deepEqual(await invokeWithContext('context', NON_LATIN), JSON.parse(NON_LATIN));
  });

  test('a warm environment gets a client context with raw newlines between tokens, then serves again (Node.js)', async () => {
    assert.deepEqual(await invokeWithContext('warm-context', '{"custom":{}}'), { custom: {} });
    assert.deepEqual(await invokeWithContext('warm-context', NEWLINE), JSON.parse(NEWLINE));
    assert.deepEqual(await invokeWithContext('warm-context', NON_LATIN), JSON.parse(NON_LATIN));
    assert.deepEqual(await invokeWithContext('warm-context', '{"custom":{"plain":true}}'), { custom: { plain: true } });
  });

  test("Python's context.client_context holds the same values, cold and warm", async () => {
    assert.deepEqual(await invokeWithContext('py-context', NON_LATIN), { client: null, custom: { name: 'Łódź ☃' }, env: null });
    assert.deepEqual(await invokeWithContext('py-context', NEWLINE), { client: null, ...JSON.parse(NEWLINE) });
  });

  test('asciiJson is equivalent JSON in printable ASCII only', () => {
    for (const text of [NON_LATIN, NEWLINE, '{"a":"\\u2028\u2028","b":"\u007f","c":"\ud83d"}']) {
      const ascii = asciiJson(text);
      assert.match(ascii, /^[\x20-\x7e]*$/);
      assert.deepEqual(JSON.parse(ascii), JSON.parse(text));
    }
  });

  test('the server still serves after all of the above', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{"still":"here"}') }));
    assert.deepEqual(JSON.parse(Buffer.from(out.Payload!).toString()), { still: 'here' });
  });
});

describe('stalled requests (issue 3)', { timeout: 30_000 }, () => {
  test('a body shorter than its Content-Length gets a 408 with an error type once the request timeout passes', async () => {
    const r = await rawRequest(local.api.port, `POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: 127.0.0.1:${local.api.port}\r\nContent-Length: 100\r\n\r\n0123456789`);
    assert.equal(r.status, 408, r.raw);
    assert.equal(r.headers['x-amzn-errortype'], 'RequestTimeoutException');
    assert.match((JSON.parse(r.body) as { message: string }).message, /within 1000 ms/);
  });

  test('headers that never end get a 408 too', async () => {
    const r = await rawRequest(local.api.port, `POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: 127.0.0.1:${local.api.port}\r\nX-Partial: yes\r\n`);
    assert.equal(r.status, 408, r.raw);
    assert.equal(r.headers['x-amzn-errortype'], 'RequestTimeoutException');
  });

  test('an invocation that runs longer than the request timeout still gets its answer: only receiving the request is bounded', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-waits-')), 'done');
    const answer = client.send(new InvokeCommand({ FunctionName: 'waits', Payload: Buffer.from(JSON.stringify({ file })) }));
    // A stalled request timing out proves the 1 s bound has passed while the invocation runs.
    const stalled = await rawRequest(local.api.port, `POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: 127.0.0.1:${local.api.port}\r\nContent-Length: 5\r\n\r\n{`);
    assert.equal(stalled.status, 408);
    fs.writeFileSync(file, '');
    const out = await answer;
    assert.equal(out.StatusCode, 200);
    assert.equal(JSON.parse(Buffer.from(out.Payload!).toString()), 'finished');
  });
});

describe('Host and Origin (issue 5)', () => {
  test('a web page on another site cannot invoke: foreign Host or foreign Origin is a 403 AccessDeniedException and the function does not run', async () => {
    const before = invocations;
    const rebinding = await post({ host: 'attacker.example', origin: 'http://attacker.example', 'content-type': 'text/plain' });
    assert.equal(rebinding.status, 403);
    assert.equal(rebinding.headers['x-amzn-errortype'], 'AccessDeniedException');
    const body = JSON.parse(rebinding.body) as { Type: string; message: string };
    assert.equal(body.Type, 'User');
    assert.match(body.message, /Host 'attacker\.example' is not allowed.*--allow-host attacker\.example/);
    const crossSite = await post({ host: `127.0.0.1:${local.api.port}`, origin: 'http://attacker.example', 'content-type': 'text/plain' });
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.headers['x-amzn-errortype'], 'AccessDeniedException');
    assert.match((JSON.parse(crossSite.body) as { message: string }).message, /Origin 'http:\/\/attacker\.example' is not allowed/);
    const otherPort = await post({ host: `localhost:${local.api.port + 1}` });
    assert.equal(otherPort.status, 403);
    assert.equal(invocations, before, 'no function ran');
  });

  test('loopback names, its own origin and allowed hosts are served', async () => {
    const port = local.api.port;
    const cases: Array<Record<string, string>> = [{ host: `localhost:${port}` }, { host: `127.0.0.2:${port}` }, { host: `app.localhost:${port}` }, { host: `127.0.0.1:${port}`, origin: `http://localhost:${port}` }, { host: 'dev.example' }, { host: 'dev.example:8443', origin: 'https://dev.example:8443' }];
    for (const headers of cases) {
      const r = await post(headers, '{"ok":1}');
      assert.equal(r.status, 200, `${JSON.stringify(headers)} → ${r.body}`);
    }
    assert.equal(hostAllowed(`[::1]:${port}`, port, '127.0.0.1'), true);
    assert.equal(hostAllowed(`127.0.0.1.attacker.example:${port}`, port, '127.0.0.1'), false);
    assert.equal(hostAllowed(`localhost.attacker.example:${port}`, port, '127.0.0.1'), false);
  });

  test('@aws-sdk/client-lambda, the AWS CLI and curl keep working', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{"via":"sdk"}') }));
    assert.deepEqual(JSON.parse(Buffer.from(out.Payload!).toString()), { via: 'sdk' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-cli-'));
    const outFile = path.join(dir, 'out.json');
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const cli = await run('aws', ['--endpoint-url', local.url, 'lambda', 'invoke', '--function-name', 'echo', '--payload', '{"via":"cli"}', outFile], { env });
    assert.equal((JSON.parse(cli.stdout) as { StatusCode: number }).StatusCode, 200);
    assert.deepEqual(JSON.parse(fs.readFileSync(outFile, 'utf8')), { via: 'cli' });
    const curl = await run('curl', ['-sS', '-X', 'POST', '-d', '{"via":"curl"}', `${local.url}/2015-03-31/functions/echo/invocations`]);
    assert.deepEqual(JSON.parse(curl.stdout), { via: 'curl' });
  });
});

describe('the Runtime API on its own', { timeout: 30_000 }, () => {
  let api: RuntimeApiServer;
  let address: string;
  let waiting: ((event: NextEvent) => void) | undefined;
  const replies: RuntimeReply[] = [];

  before(async () => {
    api = await RuntimeApiServer.start({ headersTimeoutMs: 1_000, requestTimeoutMs: 1_000 });
    address = await api.open('env-1', { next: (deliver) => (waiting = deliver), reply: (reply) => replies.push(reply) });
  });
  after(() => api.close());

  const port = () => Number(address.split(':')[1]);

  test('a foreign Host or Origin is a 403 ForbiddenException, a stalled body a 408', async () => {
    const foreign = await rawRequest(port(), `GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: attacker.example:${port()}\r\n\r\n`);
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers['x-amzn-errortype'], 'ForbiddenException');
    assert.match((JSON.parse(foreign.body) as { errorMessage: string }).errorMessage, /Host 'attacker\.example:\d+' is not allowed/);
    const origin = await rawRequest(port(), `GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: ${address}\r\nOrigin: http://attacker.example\r\n\r\n`);
    assert.equal(origin.status, 403);
    assert.equal(waiting, undefined, 'the refused polls never reached the environment');
    const stalled = await rawRequest(port(), `POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\nHost: ${address}\r\nContent-Length: 100\r\n\r\n0123456789`);
    assert.equal(stalled.status, 408);
    assert.equal(stalled.headers['x-amzn-errortype'], 'RequestTimeoutException');
    assert.equal(replies.length, 0);
  });

  test('a /next long poll is never cut by the request timeout, and a context no header could carry arrives intact', async () => {
    const poll = new Promise<http.IncomingMessage & { body: string }>((resolve, reject) => {
      http
        .get(`http://${address}/2018-06-01/runtime/invocation/next`, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve(Object.assign(res, { body })));
        })
        .on('error', reject);
    });
    assert.ok(await eventually(() => waiting !== undefined), 'the poll reached the environment');
    // A stalled request's 408 is the sign that the request timeout has passed while the poll waits.
    const stalled = await rawRequest(port(), `POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: ${address}\r\nContent-Length: 9\r\n\r\n{`);
    assert.equal(stalled.status, 408);
    const clientContext = '{"custom":\n{"name":"Łódź ☃"}}';
    waiting!({ requestId: 'r-1', payload: Buffer.from('{"n":1}'), deadlineMs: Date.now() + 60_000, invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f', traceId: 'Root=1-0-0', clientContext, cognitoIdentity: '{"cognitoIdentityId":"é"}' });
    const res = await poll;
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '{"n":1}');
    assert.deepEqual(JSON.parse(String(res.headers['lambda-runtime-client-context'])), JSON.parse(clientContext));
    assert.deepEqual(JSON.parse(String(res.headers['lambda-runtime-cognito-identity'])), { cognitoIdentityId: 'é' });
  });
});
