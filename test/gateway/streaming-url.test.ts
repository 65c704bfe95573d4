import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { readAssembly } from '../../lib/assembly/read';
import { readWiring, type HttpRouteWiring } from '../../lib/assembly/triggers';
import { Gateway, type GatewayRoute } from '../../lib/dev/gateway';
import { LocalLambda } from '../../lib/local';
import { writeAssembly } from '../local/fixture';

// Declares status, headers and cookies with HttpResponseStream.from, writes a first line, then waits
// for the test to create the signal file (it does once it has read that line) before the last one.
const STREAMER = `const fs = require('node:fs');
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const signal = event.queryStringParameters?.signal;
  responseStream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 201,
    headers: { 'Content-Type': 'text/plain', 'X-Streamed': 'yes' },
    cookies: ['a=1; Path=/', 'b=2'],
  });
  responseStream.write('first line\\n');
  while (signal && !fs.existsSync(signal)) await new Promise((r) => setTimeout(r, 5));
  if (event.queryStringParameters?.fail) throw new Error('gave up mid-stream');
  responseStream.write('last line\\n');
  responseStream.end();
});`;

const BUFFERED = 'exports.handler = async () => ({ statusCode: 202, body: "kept as JSON" });';

const url = (id: string, invokeMode?: string) => ({
  Type: 'AWS::Lambda::Url',
  Properties: { TargetFunctionArn: { 'Fn::GetAtt': [id, 'Arn'] }, AuthType: 'NONE', ...(invokeMode ? { InvokeMode: invokeMode } : {}) },
});

let dir: string;
let signals: string;
let local: LocalLambda;
let gateway: Gateway;
let wired: HttpRouteWiring[];

before(async () => {
  dir = writeAssembly('Local', [
    { id: 'Streamer', files: { 'index.js': STREAMER }, extra: { StreamerUrl: url('Streamer', 'RESPONSE_STREAM') } },
    { id: 'Buffered', files: { 'index.js': BUFFERED }, extra: { BufferedUrl: url('Buffered', 'RESPONSE_STREAM') } },
    { id: 'Plain', files: { 'index.js': BUFFERED }, extra: { PlainUrl: url('Plain') } },
  ]);
  signals = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-signal-'));
  const assembly = readAssembly(dir);
  wired = readWiring(assembly).routes;
  local = await LocalLambda.start({ assembly, port: 0, reportsFile: false });
  const targets = new Map<GatewayRoute, HttpRouteWiring>();
  const routes = wired.map((r) => {
    const route: GatewayRoute = { apiId: r.apiId, kind: r.kind, method: r.method, path: r.path, payloadFormat: r.payloadFormat, stage: r.stage, functionLabel: r.target.fn.constructPath, authType: r.authType, invokeMode: r.invokeMode };
    targets.set(route, r);
    return route;
  });
  // What lambdakit dev does: buffered routes through `invoke`, streaming URLs through `invokeStream`.
  const run = async (route: GatewayRoute, event: string, stream?: { start(contentType: string): void; chunk(chunk: Buffer): void }) => {
    const target = targets.get(route)!.target;
    const outcome = await local.runtime.invoke(local.runtime.resolve(target.fn.constructPath, target.qualifier), Buffer.from(event), { stream });
    return { payload: outcome.payload.toString('utf8'), functionError: outcome.ok ? undefined : 'Unhandled' };
  };
  gateway = await Gateway.start({ routes, port: 0, invoke: (route, event) => run(route, event), invokeStream: run, onError: () => {} });
});

after(async () => {
  await gateway.close();
  await local.close({ drainMs: 0 });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(signals, { recursive: true, force: true });
});

/** A raw HTTP GET that reports every body chunk as it arrives and how the response ended. */
function get(target: string, onData: (sofar: string) => void = () => {}): Promise<{ res: http.IncomingMessage; body: string; complete: boolean }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${gateway.url}${target}`, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString('utf8');
          onData(body);
        });
        res.on('end', () => resolve({ res, body, complete: res.complete }));
        res.on('error', () => resolve({ res, body, complete: res.complete }));
        res.on('aborted', () => resolve({ res, body, complete: false }));
      })
      .on('error', reject);
  });
}

test('the function URL read from the template carries its InvokeMode', () => {
  const modes = Object.fromEntries(wired.map((r) => [r.stage, r.invokeMode]));
  assert.deepEqual(modes, { 'url/Local/Streamer': 'RESPONSE_STREAM', 'url/Local/Buffered': 'RESPONSE_STREAM', 'url/Local/Plain': 'BUFFERED' });
});

test('a RESPONSE_STREAM function URL streams: status, headers and cookies from HttpResponseStream.from, the first chunk before the handler writes the last', async () => {
  const signal = path.join(signals, 'first-line-read');
  let signalled = false;
  const { res, body, complete } = await get(`/url/Local/Streamer?signal=${encodeURIComponent(signal)}`, (sofar) => {
    if (!signalled && sofar.includes('\n')) {
      // The handler is still waiting for this file: what arrived was streamed, not buffered.
      assert.equal(sofar, 'first line\n');
      signalled = true;
      fs.writeFileSync(signal, '');
    }
  });
  assert.ok(signalled);
  assert.equal(res.statusCode, 201);
  assert.equal(res.headers['content-type'], 'text/plain');
  assert.equal(res.headers['x-streamed'], 'yes');
  assert.equal(res.headers['transfer-encoding'], 'chunked');
  assert.deepEqual(res.headers['set-cookie'], ['a=1; Path=/', 'b=2']);
  assert.equal(body, 'first line\nlast line\n');
  assert.ok(complete);
});

test('an error mid-stream cuts the streamed response after the chunks already sent', async () => {
  const signal = path.join(signals, 'fail-now');
  fs.writeFileSync(signal, '');
  const { res, body, complete } = await get(`/url/Local/Streamer?fail=1&signal=${encodeURIComponent(signal)}`);
  assert.equal(res.statusCode, 201);
  assert.equal(body, 'first line\n');
  assert.equal(complete, false, 'the chunked response never got its last chunk');
});

test('a buffered handler behind a RESPONSE_STREAM URL answers its payload as the body; behind a BUFFERED URL its statusCode and body', async () => {
  const streamed = await get('/url/Local/Buffered');
  assert.equal(streamed.res.statusCode, 200);
  assert.deepEqual(JSON.parse(streamed.body), { statusCode: 202, body: 'kept as JSON' });
  const buffered = await get('/url/Local/Plain');
  assert.equal(buffered.res.statusCode, 202);
  assert.equal(buffered.body, 'kept as JSON');
});
