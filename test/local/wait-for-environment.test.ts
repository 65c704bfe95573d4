import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readAssembly } from '../../lib/assembly/read';
import { LocalLambda } from '../../lib/local';
import { writeAssembly } from './fixture';
import { childPids } from './processes';

// `lambdakit dev`'s mode: past the local cap of environments, invocations wait instead of throttling.
let local: LocalLambda;
const before_ = childPids();

before(async () => {
  const dir = writeAssembly('Wait', [
    { id: 'Pause', functionName: 'pause', files: { 'index.js': 'exports.handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms)); return { pid: process.pid, version: "v1" }; };' } },
  ]);
  local = await LocalLambda.start({ assembly: readAssembly(dir), port: 0, reportsFile: false, maxEnvironments: 2, waitForEnvironment: true });
});

after(async () => {
  await local.close({ drainMs: 0 });
  assert.deepEqual(childPids().filter((pid) => !before_.includes(pid)), [], 'every environment process has exited');
});

test('five concurrent invocations on two environments all succeed, two at a time', async () => {
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: 5 }, () => local.invoke('pause', { ms: 200 })));
  assert.deepEqual(results.map((r) => r.statusCode), [200, 200, 200, 200, 200]);
  assert.deepEqual(results.map((r) => r.functionError), [undefined, undefined, undefined, undefined, undefined]);
  assert.equal(new Set(results.map((r) => JSON.parse(r.payload).pid)).size, 2, 'no more than two processes ran them');
  assert.ok(Date.now() - started >= 600, 'three rounds of 200 ms: the extra invocations waited rather than ran at once');
});

test('an invocation waiting while its function is recycled (a save in watch mode) runs on the new pool instead of failing', async () => {
  const fn = local.runtime.resolve('pause').fn;
  const busy = [local.invoke('pause', { ms: 300 }), local.invoke('pause', { ms: 300 })];
  await new Promise((r) => setTimeout(r, 50));
  const waiting = local.invoke('pause', { ms: 1 });
  await new Promise((r) => setTimeout(r, 20));
  await local.runtime.recycle(fn);
  const outcomes = await Promise.allSettled([...busy, waiting]);
  const last = outcomes[2];
  assert.equal(last.status, 'fulfilled', last.status === 'rejected' ? String(last.reason) : '');
  assert.equal((last as PromiseFulfilledResult<{ statusCode: number }>).value.statusCode, 200);
});
