import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { readAssembly } from '../../lib/assembly/read';
import { LocalLambda, ThrottledError } from '../../lib/local';
import { writeAssembly } from './fixture';
import { childPids, eventually } from './processes';

let local: LocalLambda;
let client: LambdaClient;
let reportsFile: string;
let assemblyDir: string;
const before_ = childPids();

before(async () => {
  const dir = writeAssembly('Life', [
    { id: 'Echo', functionName: 'echo', memory: 192, files: { 'index.js': 'let calls = 0; exports.handler = async (event, context) => ({ event, calls: ++calls, pid: process.pid, cc: context.clientContext });' } },
    { id: 'Pause', functionName: 'pause', files: { 'index.js': 'exports.handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms)); return process.pid; };' } },
    { id: 'Crash', functionName: 'crash', timeout: 1, files: { 'index.js': 'exports.handler = async (event) => { if (event.how === "exit") process.exit(1); if (event.how === "hang") await new Promise(() => setInterval(() => {}, 1000)); if (event.how === "throw") setTimeout(() => { throw new Error("async boom"); }); await new Promise((r) => setTimeout(r, 100)); return process.pid; };' } },
    { id: 'Off', functionName: 'off', reserved: 0, files: { 'index.js': 'exports.handler = async () => 1;' } },
    {
      id: 'Ready',
      functionName: 'ready',
      files: { 'index.js': 'exports.handler = async () => ({ type: process.env.AWS_LAMBDA_INITIALIZATION_TYPE, pid: process.pid });' },
      extra: {
        ReadyV1: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Ready' } } },
        ReadyLive: {
          Type: 'AWS::Lambda::Alias',
          Properties: { FunctionName: { Ref: 'Ready' }, FunctionVersion: { 'Fn::GetAtt': ['ReadyV1', 'Version'] }, Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } },
        },
      },
    },
    {
      // A custom runtime that treats AWS_LAMBDA_RUNTIME_API as host:port, as most runtime clients do.
      id: 'HostPort',
      functionName: 'host-port',
      runtime: 'provided.al2023',
      handler: 'unused',
      files: {
        bootstrap: `#!/usr/bin/env python3
import http.client, json, os
conn = http.client.HTTPConnection(os.environ['AWS_LAMBDA_RUNTIME_API'])
while True:
    conn.request('GET', '/2018-06-01/runtime/invocation/next')
    res = conn.getresponse()
    event = json.loads(res.read())
    request_id = res.getheader('Lambda-Runtime-Aws-Request-Id')
    conn.request('POST', '/2018-06-01/runtime/invocation/%s/response' % request_id, json.dumps({'api': os.environ['AWS_LAMBDA_RUNTIME_API'], 'event': event}))
    conn.getresponse().read()
`,
      },
    },
    {
      id: 'PyContext',
      functionName: 'py-context',
      runtime: 'python3.13',
      handler: 'app.handler',
      files: { 'app.py': "def handler(event, context):\n    cc = context.client_context\n    return {'custom': cc.custom if cc else None, 'version': context.function_version, 'arn': context.invoked_function_arn}\n" },
    },
    {
      id: 'Waits',
      functionName: 'waits',
      timeout: 1,
      files: {
        'index.js': `const fs = require('node:fs');
exports.handler = (event, context, callback) => {
  if (event.noWait) context.callbackWaitsForEmptyEventLoop = false;
  if (event.forever) setInterval(() => {}, 100);
  else setTimeout(() => fs.writeFileSync(event.marker, 'written'), event.delay);
  callback(null, 'answered');
};`,
      },
    },
    {
      id: 'Single',
      functionName: 'single',
      reserved: 1,
      files: { 'index.js': 'exports.handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms ?? 0)); return "ran"; };' },
      extra: {
        SingleV1: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Single' } } },
        SingleLive: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Single' }, FunctionVersion: { 'Fn::GetAtt': ['SingleV1', 'Version'] }, Name: 'live' } },
      },
    },
    {
      id: 'Weighted',
      functionName: 'weighted',
      files: { 'index.js': 'exports.handler = async (e, context) => context.functionVersion;' },
      extra: {
        WeightedV1: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Weighted' } } },
        WeightedV2: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Weighted' } } },
        WeightedLive: {
          Type: 'AWS::Lambda::Alias',
          Properties: {
            FunctionName: { Ref: 'Weighted' },
            Name: 'live',
            FunctionVersion: { 'Fn::GetAtt': ['WeightedV1', 'Version'] },
            RoutingConfig: { AdditionalVersionWeights: [{ FunctionVersion: { 'Fn::GetAtt': ['WeightedV2', 'Version'] }, FunctionWeight: 0.5 }] },
          },
        },
      },
    },
  ]);
  reportsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-reports-')), 'local-reports.jsonl');
  assemblyDir = dir;
  local = await LocalLambda.start({ assembly: readAssembly(dir), port: 0, reportsFile, idleTimeoutMs: 300, maxEnvironments: 3 });
  client = new LambdaClient({ endpoint: local.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});

after(async () => {
  client.destroy();
  await local.close({ drainMs: 0 });
  assert.deepEqual(childPids().filter((pid) => !before_.includes(pid)), [], 'every environment process has exited');
});

const json = (payload?: Uint8Array) => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));

test('LocalLambda.invoke runs a function without HTTP and answers like the Invoke API', async () => {
  const r = await local.invoke('Life/Echo', { a: 1 }, { clientContext: { custom: { k: 'v' } } });
  assert.equal(r.statusCode, 200);
  assert.equal(r.executedVersion, '$LATEST');
  assert.equal(r.functionError, undefined);
  assert.deepEqual(JSON.parse(r.payload).event, { a: 1 });
  assert.deepEqual(JSON.parse(r.payload).cc, { custom: { k: 'v' } });
  assert.match(r.log, /^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/m);
  assert.match(r.log, /REPORT RequestId: .*Memory Size: 192 MB/);
  assert.equal((await local.invoke('echo', '{}', { invocationType: 'DryRun' })).statusCode, 204);
  assert.equal((await local.invoke('echo', '{}', { invocationType: 'Event' })).statusCode, 202);
  await assert.rejects(local.invoke('Life/Nope', {}), (e: Error & { code?: string; hint?: string }) => e.code === 'ResourceNotFound' && /Life\/Echo/.test(e.hint ?? ''));
  await assert.rejects(local.invoke('off', {}), (e: unknown) => e instanceof ThrottledError && e.reason === 'ReservedFunctionConcurrentInvocationLimitExceeded');
  const crashed = await local.invoke('crash', { how: 'exit' });
  assert.equal(crashed.functionError, 'Unhandled');
  assert.equal(crashed.errorType, 'Runtime.ExitError');
});

test('every REPORT is recorded for lambdakit cost in the agreed shape, Init Duration only on cold starts', async () => {
  // A service of its own, with an idle timeout no test run reaches: the second and third calls are warm however slow the machine.
  const ownReports = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-reports-')), 'local-reports.jsonl');
  const own = await LocalLambda.start({ assembly: readAssembly(assemblyDir), port: 0, reportsFile: ownReports, idleTimeoutMs: 600_000, provisionedConcurrency: false });
  let lines: Record<string, unknown>[] = [];
  try {
    const served: { calls: number; pid: number }[] = [];
    for (let i = 0; i < 3; i++) served.push(JSON.parse((await own.invoke('Life/Echo', {})).payload));
    assert.deepEqual(served.map((s) => s.calls), [1, 2, 3], 'one environment served all three calls');
    assert.equal(new Set(served.map((s) => s.pid)).size, 1);
    // The file is appended through a stream: wait until the lines land.
    const read = () => (fs.existsSync(ownReports) ? fs.readFileSync(ownReports, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
    assert.ok(await eventually(() => read().length >= 3), 'three REPORT lines recorded');
    lines = read();
  } finally {
    await own.close({ drainMs: 0 });
  }
  assert.equal(lines.length, 3);
  assert.ok(lines.every((r) => r.function === 'Life/Echo'));
  const [cold, ...warm] = lines;
  assert.deepEqual(Object.keys(cold).sort(), ['billedDurationMs', 'durationMs', 'function', 'functionName', 'initDurationMs', 'maxMemoryUsedMb', 'memoryMb', 'time', 'version'].sort());
  assert.equal(cold.functionName, 'echo');
  assert.equal(cold.version, '$LATEST');
  assert.equal(cold.memoryMb, 192);
  assert.ok(typeof cold.durationMs === 'number' && typeof cold.billedDurationMs === 'number' && (cold.billedDurationMs as number) >= 1);
  assert.ok((cold.maxMemoryUsedMb as number) > 0);
  assert.ok(!Number.isNaN(Date.parse(cold.time as string)));
  assert.ok(warm.every((r) => !('initDurationMs' in r)), 'warm invocations carry no init duration');
  // Lambda bills the INIT phase of on-demand invocations (since August 2025): billed = ceil(init + duration), at least 1 ms.
  // durationMs and initDurationMs are rounded to 0.01 ms in the file, hence the slack.
  const billedOf = (r: Record<string, unknown>) => (r.durationMs as number) + ((r.initDurationMs as number | undefined) ?? 0);
  for (const r of lines) {
    const billed = r.billedDurationMs as number;
    assert.ok(billed >= Math.max(1, billedOf(r) - 0.02) && billed <= Math.max(1, billedOf(r)) + 1.02, JSON.stringify(r));
  }
});

test('warm environments are reused; concurrent callers get more, up to the limit; beyond it they are throttled', async () => {
  const first = json((await client.send(new InvokeCommand({ FunctionName: 'echo' }))).Payload);
  const second = json((await client.send(new InvokeCommand({ FunctionName: 'echo' }))).Payload);
  assert.equal(second.pid, first.pid, 'the same process served both');
  assert.equal(second.calls, first.calls + 1, 'module state survives between warm invocations');

  const calls = Array.from({ length: 4 }, () => client.send(new InvokeCommand({ FunctionName: 'pause', Payload: Buffer.from('{"ms":400}') })).then((r) => json(r.Payload) as number, (e: Error) => e.name));
  const results = await Promise.all(calls);
  const pids = results.filter((r) => typeof r === 'number');
  assert.equal(new Set(pids).size, 3, 'three environments ran side by side (maxEnvironments 3)');
  assert.deepEqual(results.filter((r) => typeof r === 'string'), ['TooManyRequestsException']);
});

test('idle environments are reclaimed', async () => {
  await client.send(new InvokeCommand({ FunctionName: 'pause', Payload: Buffer.from('{"ms":1}') }));
  assert.ok(local.runtime.environmentCount > 0);
  assert.ok(await eventually(() => local.runtime.environmentCount === 2), 'reclaimed after idleTimeoutMs; only the two provisioned environments of ready:live stay');
});

test('a crashed, hung or throwing environment is replaced by a new process, and its process is gone', async () => {
  const ok = json((await client.send(new InvokeCommand({ FunctionName: 'crash', Payload: Buffer.from('{}') }))).Payload) as number;
  const hang = await client.send(new InvokeCommand({ FunctionName: 'crash', Payload: Buffer.from('{"how":"hang"}') }));
  assert.equal(json(hang.Payload).errorType, 'Sandbox.Timedout');
  const thrown = await client.send(new InvokeCommand({ FunctionName: 'crash', Payload: Buffer.from('{"how":"throw"}') }));
  assert.equal(thrown.FunctionError, 'Unhandled');
  assert.equal(json(thrown.Payload).errorMessage, 'async boom');
  const after = json((await client.send(new InvokeCommand({ FunctionName: 'crash', Payload: Buffer.from('{}') }))).Payload) as number;
  assert.notEqual(after, ok, 'a new environment');
  assert.ok(await eventually(() => !childPids().includes(ok)), 'the old process has exited');
});

test('a weighted alias routes to both of its versions', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    const r = await client.send(new InvokeCommand({ FunctionName: 'weighted', Qualifier: 'live' }));
    assert.equal(json(r.Payload), r.ExecutedVersion);
    seen.add(r.ExecutedVersion!);
  }
  assert.deepEqual([...seen].sort(), ['1', '2']);
});

test('reserved concurrency belongs to the function: a call on one version uses it up for the others', async () => {
  const running = local.invoke('single', { ms: 400 });
  await new Promise((r) => setTimeout(r, 100));
  await assert.rejects(local.invoke('single', {}, { qualifier: 'live' }), (e: unknown) => e instanceof ThrottledError && e.limit === 1);
  assert.equal(JSON.parse((await running).payload), 'ran');
  assert.equal(JSON.parse((await local.invoke('single', {}, { qualifier: 'live' })).payload), 'ran', 'free again once the first call ended');
  assert.ok(local.runtime.environmentCount >= 1);
});

test('callback handlers: the response waits for an empty event loop unless callbackWaitsForEmptyEventLoop is false', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-wait-'));
  const waited = path.join(dir, 'waited');
  const r = await local.invoke('waits', { marker: waited, delay: 200 });
  assert.equal(JSON.parse(r.payload), 'answered');
  assert.ok(fs.existsSync(waited), 'the pending timer ran before the response was sent');

  const early = path.join(dir, 'early');
  const e = await local.invoke('waits', { marker: early, delay: 800, noWait: true });
  assert.equal(JSON.parse(e.payload), 'answered');
  assert.ok(!fs.existsSync(early), 'with callbackWaitsForEmptyEventLoop = false the response did not wait for the timer');

  const hung = await local.invoke('waits', { forever: true });
  assert.equal(hung.errorType, 'Sandbox.Timedout', 'an interval never lets the loop empty: the invocation times out, as on Lambda');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('provisioned concurrency: environments start with the runtime, answer warm from the first call, and are not reclaimed', async () => {
  // Started before any call, and still there after several idle timeouts (300 ms here).
  await new Promise((r) => setTimeout(r, 1_000));
  const first = await local.invoke('ready', {}, { qualifier: 'live' });
  assert.equal(JSON.parse(first.payload).type, 'provisioned-concurrency');
  assert.doesNotMatch(first.log, /Init Duration/, 'no cold start on a provisioned environment');
  const onDemand = await local.invoke('ready', {});
  assert.equal(JSON.parse(onDemand.payload).type, 'on-demand', '$LATEST has no provisioned concurrency');
  assert.match(onDemand.log, /Init Duration/);
});

test('AWS_LAMBDA_RUNTIME_API is a plain host:port, so runtime clients that parse it as an authority work', async () => {
  const r = await local.invoke('host-port', { k: 1 });
  assert.equal(r.functionError, undefined, r.payload);
  const body = JSON.parse(r.payload);
  assert.match(body.api, /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(body.event, { k: 1 });
});

test('Python handlers get the client context as Lambda\'s Python runtime shapes it', async () => {
  const r = await local.invoke('py-context', {}, { clientContext: { custom: { tenant: 't1' } } });
  assert.deepEqual(JSON.parse(r.payload), { custom: { tenant: 't1' }, version: '$LATEST', arn: 'arn:aws:lambda:us-east-1:123456789012:function:py-context' });
});
