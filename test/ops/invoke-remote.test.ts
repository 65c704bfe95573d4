import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { isLambdakitError } from '../../lib/errors';
import { describeFunctionError, invokeRemote, writeResult } from '../../lib/ops/invoke-remote';
import { lambdaClient } from './fixture';
import { DUMMY_AWS_ENV, type Moto, createRole, startMoto, zipFiles } from './moto';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

describe('invokeRemote (against moto without Docker)', () => {
  let moto: Moto;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-invoke-'));
  // An assembly without functions: every name is a function name.
  const app = path.join(tmp, 'empty.out');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'manifest.json'), '{"version":"48.0.0","artifacts":{}}');

  before(async () => {
    Object.assign(process.env, DUMMY_AWS_ENV);
    moto = await startMoto();
    // Without Docker, moto's "simple" Lambda backend answers invocations from a queue of canned results.
    await fetch(`${moto.endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ lambda: { use_docker: false } }) });
    const role = await createRole(moto.endpoint);
    const lambda = lambdaClient(moto.endpoint);
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'echo', Runtime: 'nodejs22.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipFiles({ 'index.js': 'exports.handler = async (e) => e;' }) } }));
    lambda.destroy();
  });
  after(async () => {
    await moto?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('sends the event file and prints the payload on stdout', async () => {
    const event = path.join(tmp, 'event.json');
    fs.writeFileSync(event, '{"name":"moto"}');
    await fetch(`${moto.endpoint}/moto-api/static/lambda-simple/response`, { method: 'POST', body: JSON.stringify({ results: ['{"greeting":"hello moto"}'], region: 'us-east-1' }) });
    const stdout = capture();
    const stderr = capture();
    const result = await invokeRemote({ function: 'echo', event, endpointUrl: moto.endpoint, stdout: stdout.stream, stderr: stderr.stream, app });
    assert.equal(stdout.text(), '{"greeting":"hello moto"}\n');
    assert.equal(result.statusCode, 200);
    assert.equal(result.functionError, undefined);
  });

  it('reads the event from standard input with "-" (moto echoes it when no result is queued)', async () => {
    const stdout = capture();
    await invokeRemote({ function: 'echo', event: '-', stdin: Readable.from(['{"from":"stdin"}']), endpointUrl: moto.endpoint, app, stdout: stdout.stream, stderr: capture().stream });
    assert.equal(stdout.text(), '{"from":"stdin"}\n');
  });

  it('refuses an event that is not JSON before calling AWS', async () => {
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, '{nope');
    await assert.rejects(invokeRemote({ function: 'echo', event: bad, endpointUrl: moto.endpoint, app }), (e) => isLambdakitError(e) && /^the event in .*bad.json is not JSON/.test(e.message));
    // (An unknown function cannot be shown here: moto's Docker-less backend answers Invoke for any name.)
  });

  it('writes the decoded log tail to stderr and names a function error (formatting; moto cannot return one)', () => {
    const stdout = capture();
    const stderr = capture();
    const payload = '{"errorType":"TypeError","errorMessage":"boom","trace":[]}';
    writeResult({ functionName: 'f', payload, log: 'START RequestId: 1\nEND RequestId: 1', functionError: 'Unhandled' }, stdout.stream, stderr.stream);
    assert.equal(stdout.text(), `${payload}\n`);
    assert.equal(stderr.text(), 'START RequestId: 1\nEND RequestId: 1\n');
    assert.equal(describeFunctionError(payload), 'TypeError: boom');
    assert.equal(describeFunctionError('not json'), undefined);
  });
});
