import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../helpers';
import { writeAssembly } from './fixture';
import { eventually } from './processes';
import { startLocalCli } from './serve-cli';

// Ctrl-C on `lambdakit local` while a synchronous invocation runs: the caller still gets its answer.
let assembly: string;
let cwd: string;

before(() => {
  fs.mkdirSync(path.join(PROJECT_ROOT, '.test-tmp'), { recursive: true });
  cwd = fs.mkdtempSync(path.join(PROJECT_ROOT, '.test-tmp', 'drain-'));
  assembly = writeAssembly('Drain', [
    { id: 'Slow', functionName: 'slow', timeout: 60, files: { 'index.js': "exports.handler = async (event) => { console.log('started'); await new Promise((r) => setTimeout(r, event.ms)); return { slept: event.ms }; };" } },
  ]);
});

after(() => {
  fs.rmSync(cwd, { recursive: true, force: true });
  fs.rmSync(assembly, { recursive: true, force: true });
});

const startLocal = () => startLocalCli(assembly, cwd);

/** A RequestResponse invocation; resolves with the status and body, or the connection error. */
function invoke(url: string, ms: number): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.request(`${url}/2015-03-31/functions/slow/invocations`, { method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (error) => resolve({ error: error.message }));
    });
    req.on('error', (error) => resolve({ error: error.message }));
    req.end(JSON.stringify({ ms }));
  });
}

test('SIGINT lets a running synchronous invocation finish and answer, refuses new ones, then exits 0', async () => {
  const server = await startLocal();
  try {
    const running = invoke(server.url, 1_500);
    assert.ok(await eventually(() => /\[Drain\/Slow\] .*started/.test(server.stderr()), 10_000), server.stderr());
    server.child.kill('SIGINT');
    assert.ok(await eventually(() => /SIGINT: letting 1 running invocation\(s\) finish/.test(server.stderr())), server.stderr());
    const late = await invoke(server.url, 1);
    assert.ok(late.error !== undefined || late.status === 503, `a call after Ctrl-C is refused: ${JSON.stringify(late)}`);
    assert.deepEqual(await running, { status: 200, body: '{"slept":1500}' });
    assert.equal(await server.exited, 0, server.stderr());
  } finally {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
});

test('a second SIGINT stops at once, without waiting for the running invocation', async () => {
  const server = await startLocal();
  try {
    const running = invoke(server.url, 50_000);
    assert.ok(await eventually(() => /\[Drain\/Slow\] .*started/.test(server.stderr()), 10_000), server.stderr());
    server.child.kill('SIGINT');
    assert.ok(await eventually(() => /Ctrl-C again stops at once/.test(server.stderr())), server.stderr());
    server.child.kill('SIGINT');
    assert.equal(await server.exited, 0, server.stderr());
    const answer = await running;
    assert.ok(answer.error !== undefined || answer.status !== 200, JSON.stringify(answer));
  } finally {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
});
