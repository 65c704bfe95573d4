import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readAssembly } from '../../lib/assembly/read';
import { ExecutionEnvironment } from '../../lib/local/environment';
import { LocalRuntime } from '../../lib/local/runtime';
import type { NextEvent, RuntimeApiClient, RuntimeApiServer } from '../../lib/local/runtime-api';
import { writeAssembly } from './fixture';
import { eventually } from './processes';

// Replies the Runtime API must refuse, as Lambda's does (the Runtime Interface Emulator's rapid:
// RenderInvalidRequestID, RenderForbiddenWithTypeMsg). The runtime below writes its
// AWS_LAMBDA_RUNTIME_API where the test reads it, answers `{ "hold": false }` events itself and
// leaves `{ "hold": true }` ones to the test, which posts to the Runtime API byte for byte.
const runtimeScript = `#!${process.execPath}
const fs = require('node:fs');
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime/invocation/';
fs.writeFileSync(process.env.ADDRESS_FILE, process.env.AWS_LAMBDA_RUNTIME_API);
(async () => {
  for (;;) {
    const next = await fetch(api + 'next');
    const id = next.headers.get('lambda-runtime-aws-request-id');
    const event = await next.json();
    if (event.hold) await new Promise(() => setInterval(() => {}, 1 << 30));
    await (await fetch(api + id + '/response', { method: 'POST', body: JSON.stringify({ answered: id }) })).text();
  }
})();
`;

describe('the Runtime API refuses replies that are not the awaited one', { timeout: 60_000 }, () => {
  let dir: string;
  let runtime: LocalRuntime;
  const addressFile = (fn: string) => path.join(dir, `address-${fn}`);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-replies-'));
    const assembly = writeAssembly(
      'Replies',
      ['wrong', 'twice'].map((name) => ({ id: name, functionName: name, runtime: 'provided.al2023', handler: 'unused', timeout: 10, environment: { ADDRESS_FILE: addressFile(name) }, files: { bootstrap: runtimeScript } })),
    );
    runtime = await LocalRuntime.start({ assembly: readAssembly(assembly), reportsFile: false });
  });
  after(async () => {
    await runtime?.close({ drainMs: 0 });
  });

  const post = async (port: number, requestId: string, kind: 'response' | 'error', body: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/2018-06-01/runtime/invocation/${requestId}/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  };
  const portOf = async (fn: string) => {
    await eventually(() => fs.existsSync(addressFile(fn)) && fs.readFileSync(addressFile(fn), 'utf8').includes(':'));
    return Number(fs.readFileSync(addressFile(fn), 'utf8').split(':')[1]);
  };

  test('a response or error for another request id than the one in flight is a 400 InvalidRequestID, and the invocation still gets its own answer', async () => {
    const requestId = randomUUID();
    const invocation = runtime.invoke(runtime.resolve('wrong'), Buffer.from('{"hold":true}'), { requestId });
    const port = await portOf('wrong');

    for (const kind of ['response', 'error'] as const) {
      // Until its event is delivered the runtime is not running it (a 403): post until it is.
      let refused = await post(port, randomUUID(), kind, '{"wrong":true}');
      for (let tries = 0; refused.status === 403 && tries < 200; tries++) {
        await new Promise((r) => setTimeout(r, 25));
        refused = await post(port, randomUUID(), kind, '{"wrong":true}');
      }
      assert.equal(refused.status, 400, kind);
      assert.equal(refused.headers['content-type'], 'application/json');
      assert.equal(refused.headers['x-amzn-errortype'], undefined, 'rapid sends no error type header');
      assert.deepEqual(JSON.parse(refused.body), { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
    }

    const accepted = await post(port, requestId, 'response', '{"right":true}');
    assert.equal(accepted.status, 202);
    assert.deepEqual(JSON.parse(accepted.body), { status: 'OK' });
    const outcome = await invocation;
    assert.equal(outcome.ok, true);
    assert.deepEqual(JSON.parse(outcome.payload.toString()), { right: true }, 'the refused posts never reached the caller');
  });

  test('a second response or an error for a request already answered is refused (403 InvalidStateTransition) and changes nothing', async () => {
    const requestId = randomUUID();
    const first = await runtime.invoke(runtime.resolve('twice'), Buffer.from('{"hold":false}'), { requestId });
    assert.deepEqual(JSON.parse(first.payload.toString()), { answered: requestId });
    const port = await portOf('twice');

    for (const kind of ['response', 'error'] as const) {
      const again = await post(port, requestId, kind, '{"again":true}');
      assert.equal(again.status, 403, kind);
      assert.equal(again.headers['content-type'], 'application/json');
      const body = JSON.parse(again.body) as { errorType: string; errorMessage: string };
      assert.equal(body.errorType, 'InvalidStateTransition');
      assert.match(body.errorMessage, new RegExp(`^State transition from (Ready|RuntimeResponseSentState) to ${kind === 'response' ? 'InvocationResponse' : 'InvocationErrorResponse'} failed for runtime\\. Error: State transition is not allowed$`));
    }

    const next = await runtime.invoke(runtime.resolve('twice'), Buffer.from('{"hold":false}'));
    assert.deepEqual(JSON.parse(next.payload.toString()), { answered: next.requestId }, 'the environment serves its next invocation as before');
  });
});

describe('a reply that arrives once the invocation timed out', { timeout: 30_000 }, () => {
  test('is refused with 400 InvalidRequestID and never delivered: the caller gets Sandbox.Timedout', async () => {
    const codeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-late-'));
    fs.writeFileSync(path.join(codeDir, 'bootstrap'), '#!/bin/bash\nexec sleep 60\n', { mode: 0o755 });
    // The Runtime API's side of the environment, held by the test so the reply lands exactly after the timeout fired.
    let client: RuntimeApiClient | undefined;
    const api = { open: async (_id: string, c: RuntimeApiClient) => ((client = c), '127.0.0.1:9'), release: () => {} } as unknown as RuntimeApiServer;
    const env = new ExecutionEnvironment(
      { label: 'Late/Fn', functionName: 'late', version: '$LATEST', runtime: 'provided.al2023', handler: 'unused', codeDir, layerDirs: [], memoryMb: 128, timeoutSeconds: 1, environment: { PATH: process.env.PATH ?? '' } },
      api,
    );
    env.start();
    await eventually(() => client !== undefined);
    let event: NextEvent | undefined;
    client!.next((e) => (event = e));

    const requestId = randomUUID();
    const outcome = env.invoke({ requestId, payload: Buffer.from('{}'), invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:late' });
    assert.equal(event?.requestId, requestId, 'delivered at once to the waiting runtime');
    // Same duration, created after the environment's own timer: runs right after it, before the process is reaped.
    const late = await new Promise<{ refusal: unknown }>((resolve) =>
      setTimeout(() => {
        const reply = { kind: 'response' as const, requestId, body: Buffer.from('"too late"') };
        const refusal = client!.refuses?.(reply);
        client!.reply(reply);
        resolve({ refusal });
      }, 1_000),
    );
    assert.deepEqual(late.refusal, { status: 400, errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
    const result = await outcome;
    assert.equal(result.ok, false);
    assert.equal(result.errorType, 'Sandbox.Timedout');
    assert.doesNotMatch(result.payload.toString(), /too late/);
    await env.kill();
  });
});
