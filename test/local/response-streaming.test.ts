import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { InvokeCommand, InvokeWithResponseStreamCommand, LambdaClient, type InvokeWithResponseStreamCompleteEvent } from '@aws-sdk/client-lambda';
import { readAssembly } from '../../lib/assembly/read';
import { LocalLambda } from '../../lib/local';
import { invokeLocal } from '../../lib/local/invoke-local';
import { writeAssembly } from './fixture';

// Waits for the test to create `event.signal`: the test does so once it has seen the first chunk,
// so the rest is written only after the first chunk reached the client.
const STREAMS = `const fs = require('node:fs');
exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  console.log('streaming for', context.awsRequestId);
  responseStream.setContentType('text/plain');
  responseStream.write('first,');
  while (event.signal && !fs.existsSync(event.signal)) await new Promise((r) => setTimeout(r, 5));
  responseStream.write('second,');
  responseStream.write(Buffer.from('third'));
  responseStream.end();
});`;

const BREAKS = `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write('a');
  await new Promise((r) => responseStream.write('b', r));
  const error = new Error('broke after two chunks');
  error.name = 'StreamError';
  throw error;
});`;

let local: LocalLambda;
let client: LambdaClient;
let dir: string;
let signals: string;

before(async () => {
  dir = writeAssembly('Local', [
    { id: 'Streams', files: { 'index.js': STREAMS } },
    { id: 'Breaks', files: { 'index.js': BREAKS } },
    { id: 'Buffered', files: { 'index.js': 'exports.handler = async (event) => ({ buffered: true, n: event.n });' } },
  ]);
  signals = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-signal-'));
  local = await LocalLambda.start({ assembly: readAssembly(dir), port: 0, reportsFile: false });
  client = new LambdaClient({ endpoint: local.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});

after(async () => {
  client.destroy();
  await local.close({ drainMs: 0 });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(signals, { recursive: true, force: true });
});

const text = (payload?: Uint8Array) => Buffer.from(payload ?? []).toString('utf8');

/** Invokes with the SDK's InvokeWithResponseStreamCommand and reads its event stream to the end. */
async function streamInvoke(functionName: string, payload: object, onChunk: (chunk: string, index: number) => void = () => {}) {
  const response = await client.send(new InvokeWithResponseStreamCommand({ FunctionName: functionName, Payload: JSON.stringify(payload), LogType: 'Tail' }));
  const chunks: string[] = [];
  let complete: InvokeWithResponseStreamCompleteEvent | undefined;
  for await (const event of response.EventStream!) {
    if (event.PayloadChunk) {
      chunks.push(text(event.PayloadChunk.Payload));
      onChunk(chunks[chunks.length - 1], chunks.length - 1);
    }
    if (event.InvokeComplete) complete = event.InvokeComplete;
  }
  return { response, chunks, complete };
}

test('InvokeWithResponseStream: the SDK gets PayloadChunk events as the handler writes them, in order, then InvokeComplete', async () => {
  const signal = path.join(signals, 'first-chunk-seen');
  const { response, chunks, complete } = await streamInvoke('Local/Streams', { signal }, (_chunk, index) => {
    // The handler goes on only once this file exists: the first chunk arrived while it was still running.
    if (index === 0) fs.writeFileSync(signal, '');
  });
  assert.equal(response.StatusCode, 200);
  assert.equal(response.ExecutedVersion, '$LATEST');
  assert.equal(response.ResponseStreamContentType, 'application/vnd.amazon.eventstream');
  assert.equal(chunks[0], 'first,');
  assert.equal(chunks.join(''), 'first,second,third');
  assert.ok(complete, 'the stream ends with InvokeComplete');
  assert.equal(complete.ErrorCode, undefined);
  const log = Buffer.from(complete.LogResult ?? '', 'base64').toString('utf8');
  assert.match(log, /streaming for [0-9a-f-]{36}/);
  assert.match(log, /END RequestId: .*\nREPORT RequestId: .*Duration: /);
});

test('InvokeWithResponseStream: an error mid-stream ends it with InvokeComplete ErrorCode and ErrorDetails, the chunks before it delivered', async () => {
  const { chunks, complete } = await streamInvoke('Local/Breaks', {});
  assert.equal(chunks.join(''), 'ab');
  assert.equal(complete?.ErrorCode, 'StreamError');
  assert.equal(complete?.ErrorDetails, 'broke after two chunks');
  // Logged as Lambda's Node.js runtime logs a failed invocation.
  assert.match(Buffer.from(complete?.LogResult ?? '', 'base64').toString('utf8'), /Invoke Error.*broke after two chunks/);
});

test('InvokeWithResponseStream of a buffered handler: its whole payload is one chunk; Invoke of a streaming handler gathers the stream', async () => {
  const { chunks, complete } = await streamInvoke('Local/Buffered', { n: 7 });
  assert.deepEqual(chunks, ['{"buffered":true,"n":7}']);
  assert.equal(complete?.ErrorCode, undefined);

  const invoked = await client.send(new InvokeCommand({ FunctionName: 'Local/Streams', Payload: JSON.stringify({}) }));
  assert.equal(invoked.FunctionError, undefined);
  assert.equal(text(invoked.Payload), 'first,second,third');
});

test('a streamed response past its size limit fails with Function.ResponseSizeTooLarge, and the environment serves the next invocation', async () => {
  const target = local.runtime.resolve('Local/Streams');
  const received: Buffer[] = [];
  const outcome = await local.runtime.invoke(target, Buffer.from('{}'), { stream: { chunk: (c) => received.push(c), limitBytes: 8 } });
  assert.equal(outcome.ok, false);
  assert.equal(outcome.errorType, 'Function.ResponseSizeTooLarge');
  assert.equal(Buffer.concat(received).toString(), 'first,', 'what fit in the limit was delivered');
  const next = await streamInvoke('Local/Streams', {});
  assert.equal(next.chunks.join(''), 'first,second,third');
  assert.equal(next.complete?.ErrorCode, undefined);
});

test('invoke --local writes a streaming handler\'s response to stdout as it arrives; a buffered one after it returns', async () => {
  const signal = path.join(signals, 'cli.signal');
  const eventFile = path.join(signals, 'cli-event.json');
  fs.writeFileSync(eventFile, JSON.stringify({ signal }));
  const written: string[] = [];
  // The handler writes its second chunk only once the first reached stdout.
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString('utf8'));
      if (written.join('') === 'first,') fs.writeFileSync(signal, '');
      done();
    },
  });
  const stderr = new Writable({ write: (_chunk, _encoding, done) => done() });
  await invokeLocal({ function: 'Local/Streams', app: dir, event: eventFile, reportsFile: false, stdout, stderr });
  assert.deepEqual(written, ['first,', 'second,', 'third', '\n']);

  written.length = 0;
  await invokeLocal({ function: 'Local/Buffered', app: dir, reportsFile: false, stdout, stderr });
  assert.deepEqual(written, ['{"buffered":true}\n']);
});
