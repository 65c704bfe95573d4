import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../helpers';
import { writeAssembly } from './fixture';
import { eventually } from './processes';
import { startLocalCli } from './serve-cli';

// `lambdakit local` as a user runs it, in a project directory of its own (the journal lives in
// <project>/.lambdakit/async), killed and started again.
let assembly: string;
let cwd: string;
let ranFile: string;

before(() => {
  fs.mkdirSync(path.join(PROJECT_ROOT, '.test-tmp'), { recursive: true });
  cwd = fs.mkdtempSync(path.join(PROJECT_ROOT, '.test-tmp', 'durable-'));
  ranFile = path.join(cwd, 'ran.txt');
  assembly = writeAssembly('Durable', [
    {
      id: 'Record',
      functionName: 'record',
      // Each run appends its request id; slow enough that a queue of events is still waiting when the server dies.
      files: { 'index.js': `exports.handler = async (event, context) => { await new Promise((r) => setTimeout(r, event.ms ?? 20)); require('node:fs').appendFileSync(${JSON.stringify(ranFile)}, context.awsRequestId + '\\n'); return 'ok'; };` },
      // A dead-letter queue no event may reach: nothing fails, and there is no services endpoint.
      properties: { DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:123456789012:never' } },
    },
  ]);
});

after(() => {
  fs.rmSync(cwd, { recursive: true, force: true });
  fs.rmSync(assembly, { recursive: true, force: true });
});

const startLocal = (maxEnvironments: number) => startLocalCli(assembly, cwd, ['--max-environments', String(maxEnvironments)], { AWS_ENDPOINT_URL: '' });

/** One Event invocation through the Invoke API; resolves to the request id of its 202. */
function sendEvent(url: string, payload: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/2015-03-31/functions/record/invocations`, { method: 'POST', headers: { 'x-amz-invocation-type': 'Event', 'content-type': 'application/json' } }, (res) => {
      res.resume();
      if (res.statusCode === 202) resolve(String(res.headers['x-amzn-requestid']));
      else reject(new Error(`status ${res.statusCode}`));
    });
    req.on('error', reject);
    req.end(JSON.stringify(payload));
  });
}

const ran = () => (fs.existsSync(ranFile) ? fs.readFileSync(ranFile, 'utf8').split('\n').filter(Boolean) : []);

test('every event accepted with 202 runs at least once, though the server was SIGKILLed while they waited', async () => {
  fs.rmSync(ranFile, { force: true });
  const first = await startLocal(2);
  let accepted: string[];
  try {
    accepted = await Promise.all(Array.from({ length: 200 }, (_, i) => sendEvent(first.url, { i })));
    first.child.kill('SIGKILL');
    await first.exited;
  } finally {
    if (first.child.exitCode === null) first.child.kill('SIGKILL');
  }
  const before = new Set(ran());
  assert.ok(before.size < accepted.length, `the kill came while events were still waiting (${before.size} of ${accepted.length} had run)`);

  const second = await startLocal(2);
  try {
    assert.ok(
      await eventually(() => new Set(ran()).size >= accepted.length && accepted.every((id) => ran().includes(id)), 60_000),
      `${accepted.filter((id) => !ran().includes(id)).length} accepted events never ran; stderr:\n${second.stderr()}`,
    );
    assert.match(second.stderr(), /resuming \d+ asynchronous invocation\(s\) accepted before the last stop/);
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0, second.stderr());
  } finally {
    if (second.child.exitCode === null) second.child.kill('SIGKILL');
  }
  assert.deepEqual(fs.readdirSync(path.join(cwd, '.lambdakit', 'async')), [], 'the journal is empty once every event has run');
});

test('Ctrl-C with events waiting for a free environment dead-letters none of them: they are kept and run on the next start', async () => {
  fs.rmSync(ranFile, { force: true });
  const first = await startLocal(1);
  let accepted: string[];
  try {
    accepted = await Promise.all(Array.from({ length: 30 }, (_, i) => sendEvent(first.url, { i, ms: 200 })));
    assert.ok(await eventually(() => ran().length >= 1, 10_000), first.stderr());
    first.child.kill('SIGINT');
    assert.equal(await first.exited, 0, first.stderr());
  } finally {
    if (first.child.exitCode === null) first.child.kill('SIGKILL');
  }
  assert.doesNotMatch(first.stderr(), /dead-letter/, 'a throttled event is not a failed one');
  const kept = Number(/(\d+) asynchronous invocation\(s\) not finished are kept in \S+; they resume on the next start/.exec(first.stderr())?.[1]);
  assert.ok(kept > 0 && kept === accepted.length - ran().length, `kept ${kept}, ran ${ran().length} of ${accepted.length}:\n${first.stderr()}`);

  const second = await startLocal(4);
  try {
    assert.ok(await eventually(() => accepted.every((id) => ran().includes(id)), 30_000), second.stderr());
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0, second.stderr());
  } finally {
    if (second.child.exitCode === null) second.child.kill('SIGKILL');
  }
  assert.doesNotMatch(second.stderr(), /dead-letter/);
});
