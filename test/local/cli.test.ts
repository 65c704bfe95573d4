import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { CLI, FIXTURES, PROJECT_ROOT } from '../helpers';
import { cdkProject, runCli } from '../cli/run-cli';
import { writeAssembly } from './fixture';
import { childPids, eventually, waitingInPool } from './processes';

let assembly: string;
let cwd: string;
const cleanup: string[] = [];

before(() => {
  assembly = writeAssembly('Cli', [
    {
      id: 'Greet',
      functionName: 'greet',
      files: { 'index.mjs': "export const handler = async (event, context) => { console.log('greeting', event.name); return { greeting: `hi ${event.name}`, version: context.functionVersion }; };" },
      extra: {
        GreetV1: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Greet' } } },
        GreetLive: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Greet' }, FunctionVersion: { 'Fn::GetAtt': ['GreetV1', 'Version'] }, Name: 'live' } },
      },
    },
    { id: 'Endpoint', functionName: 'endpoint', files: { 'index.js': 'exports.handler = async () => process.env.AWS_ENDPOINT_URL ?? null;' } },
    { id: 'Fails', functionName: 'fails', files: { 'index.js': "exports.handler = async () => { throw new RangeError('too far'); };" } },
  ]);
  // Inside the repository, so that `node --import tsx` resolves tsx as it does for a user of this repo.
  fs.mkdirSync(path.join(PROJECT_ROOT, '.test-tmp'), { recursive: true });
  cwd = fs.mkdtempSync(path.join(PROJECT_ROOT, '.test-tmp', 'local-cli-'));
  cleanup.push(assembly, cwd);
});

after(() => cleanup.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The CLI with standard input, for `--event -`. */
function runWithStdin(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

test('invoke --local prints the response on stdout and the log on stderr, runs the alias by default, and records the REPORT', async () => {
  const event = path.join(cwd, 'event.json');
  fs.writeFileSync(event, '{"name":"Ada"}');
  const r = await runCli(['invoke', 'Cli/Greet', '--local', '--app', assembly, '--event', event], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { greeting: 'hi Ada', version: '1' });
  assert.match(r.stderr, /^START RequestId: \S+ Version: 1$/m);
  assert.match(r.stderr, /\tINFO\tgreeting Ada$/m);
  assert.match(r.stderr, /^REPORT RequestId: .*Init Duration: [\d.]+ ms/m);
  const reports = fs.readFileSync(path.join(cwd, '.lambdakit', 'local-reports.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(reports.at(-1).function, 'Cli/Greet');
  assert.equal(reports.at(-1).version, '1');

  const latest = await runCli(['invoke', 'greet', '--local', '--app', assembly, '--qualifier', '$LATEST'], cwd);
  assert.deepEqual(JSON.parse(latest.stdout), { greeting: 'hi undefined', version: '$LATEST' });
});

test('invoke --local --event - reads the event from standard input', async () => {
  const r = await runWithStdin(['invoke', 'Cli/Greet', '--local', '--app', assembly, '--event', '-'], '{"name":"stdin"}');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).greeting, 'hi stdin');
  const bad = await runWithStdin(['invoke', 'Cli/Greet', '--local', '--app', assembly, '--event', '-'], '{nope');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^lambdakit: the event on standard input is not JSON/m);
});

test('a function error prints the error payload and exits 1 with one line; an unknown function names the ones there are', async () => {
  const r = await runCli(['invoke', 'Cli/Fails', '--local', '--app', assembly], cwd);
  assert.equal(r.code, 1);
  assert.equal(JSON.parse(r.stdout).errorType, 'RangeError');
  assert.match(r.stderr, /^lambdakit: Cli\/Fails failed \(Unhandled\): RangeError: too far$/m);
  assert.doesNotMatch(r.stderr, /^\s+at .*lambdakit/m, 'no stack trace of lambdakit itself');

  const unknown = await runCli(['invoke', 'Cli/Nope', '--local', '--app', assembly], cwd);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^lambdakit: Function not found: .*Cli\/Nope/m);
  assert.match(unknown.stderr, /next: functions in the assembly: Cli\/Greet, Cli\/Endpoint, Cli\/Fails/);
});

test('invoke --local synthesizes the app first when cdk.out is missing, and runs its Node and Python functions', async () => {
  const lib = path.join(PROJECT_ROOT, 'lib');
  const dir = cdkProject(
    'local-synth',
    `import { App, Stack } from 'aws-cdk-lib';
import { LambdaFunction } from ${JSON.stringify(lib)};
const app = new App();
const stack = new Stack(app, 'Synth');
new LambdaFunction(stack, 'Ok', { entry: ${JSON.stringify(path.join(FIXTURES, 'handlers', 'ok.ts'))} });
new LambdaFunction(stack, 'Py', { entry: ${JSON.stringify(path.join(FIXTURES, 'python', 'lambda_function.py'))} });
app.synth();
`,
  );
  cleanup.push(dir);
  fs.writeFileSync(path.join(dir, 'event.json'), '{"name":"synth"}');
  const ok = await runCli(['invoke', 'Synth/Ok', '--local', '--event', 'event.json'], dir);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout), { greeting: 'hi synth' });
  assert.ok(fs.existsSync(path.join(dir, 'cdk.out', 'manifest.json')));

  // A Python function as LambdaFunction stages it (lambda_function.lambda_handler), run with python3.
  const py = await runCli(['invoke', 'Synth/Py', '--local', '--event', 'event.json'], dir);
  assert.equal(py.code, 0, py.stderr);
  const response = JSON.parse(py.stdout);
  assert.equal(response.statusCode, 200);
  assert.deepEqual(JSON.parse(response.body), { echo: { name: 'synth' } });
  // LambdaFunction logs in JSON with SystemLogLevel WARN: as on Lambda, START/END/REPORT (INFO) are not written,
  // and the cold start is still recorded for lambdakit cost.
  assert.doesNotMatch(py.stderr, /^REPORT RequestId: /m);
  const reports = fs.readFileSync(path.join(dir, '.lambdakit', 'local-reports.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(reports.some((r) => r.function === 'Synth/Py' && r.initDurationMs > 0), JSON.stringify(reports));
});

test('lambdakit local serves the Invoke API until Ctrl-C, streams prefixed logs, and leaves no process behind', async () => {
  const child = spawn(process.execPath, [CLI, 'local', '--port', '0', '--app', assembly, '--no-reports', '--endpoint-url', 'http://127.0.0.1:4566'], {
    cwd,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    assert.ok(await eventually(() => /http:\/\/127\.0\.0\.1:\d+/.test(stdout), 20_000), stderr);
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout)![0];
    assert.match(stdout, /Cli\/Greet\s+greet\s+nodejs24\.x\s+qualifiers: \$LATEST, 1, live/);
    const client = new LambdaClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const r = await client.send(new InvokeCommand({ FunctionName: 'greet', Qualifier: 'live', Payload: Buffer.from('{"name":"server"}') }));
    assert.equal(JSON.parse(Buffer.from(r.Payload!).toString()).greeting, 'hi server');
    await assert.rejects(client.send(new InvokeCommand({ FunctionName: 'other' })), ResourceNotFoundException);
    const endpoint = await client.send(new InvokeCommand({ FunctionName: 'endpoint' }));
    assert.equal(JSON.parse(Buffer.from(endpoint.Payload!).toString()), 'http://127.0.0.1:4566', 'functions call the local services given with --endpoint-url');
    client.destroy();
    // The remote invoke (no --local) speaks the same API: pointed at this server, it runs the local code.
    const empty = path.join(cwd, 'empty.out');
    fs.mkdirSync(empty, { recursive: true });
    fs.writeFileSync(path.join(empty, 'manifest.json'), '{"version":"48.0.0","artifacts":{}}');
    const remote = await runCli(['invoke', 'greet', '--qualifier', 'live', '--app', empty, '--endpoint-url', url, '--region', 'us-east-1'], cwd, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
    assert.equal(remote.code, 0, remote.stderr);
    assert.deepEqual(JSON.parse(remote.stdout), { greeting: 'hi undefined', version: '1' });
    assert.match(remote.stderr, /^REPORT RequestId: /m, 'the log tail comes back through X-Amz-Log-Result');
    assert.ok(await eventually(() => /\[Cli\/Greet\] REPORT RequestId/.test(stderr)), stderr);
    assert.match(stderr, /\[Cli\/Greet\] START RequestId: \S+ Version: 1/);
    assert.match(stderr, /\[Cli\/Greet\] .*\tINFO\tgreeting server/);
    const processes = childPids(child.pid);
    assert.equal(processes.filter((pid) => !waitingInPool(pid)).length, 2, 'one warm environment per function called (besides the runtime processes started ahead of cold starts)');
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.ok(await eventually(() => processes.every((pid) => !fs.existsSync(`/proc/${pid}`) || /\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')))), 'the environment exited with the server');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
