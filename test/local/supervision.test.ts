import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { readAssembly } from '../../lib/assembly/read';
import type { AssemblyModel } from '../../lib/assembly/model';
import { LocalLambda, type LocalLambdaOptions } from '../../lib/local';
import { PROJECT_ROOT } from '../helpers';
import { writeAssembly } from './fixture';
import { allChildPids, commandLine, eventually, isReaper, killAll, processGroup, running } from './processes';

// No process started by the local runtime may outlive it: not the runtime process of an environment,
// not what a handler starts (in the environment's process group, in a session of its own, or a
// daemon reparented to init), however the environment or lambdakit itself ends.

/**
 * Starts sleeps that would outlive the handler: a child, a detached child (setsid), a double-forked
 * daemon (reparented to init), and a child that dropped every environment variable (so only its
 * process group ties it to the environment).
 */
const SPAWN = `const fs = require('node:fs');
const { execFileSync, spawn } = require('node:child_process');
function spawnSleepers(file) {
  const detached = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
  detached.unref();
  const attached = spawn('sleep', ['1000'], { stdio: 'ignore' });
  attached.unref();
  const daemon = Number(execFileSync('sh', ['-c', 'setsid sleep 1000 >/dev/null 2>&1 </dev/null & echo $!'], { encoding: 'utf8' }));
  const scrubbed = spawn('env', ['-i', 'sleep', '1000'], { stdio: 'ignore' });
  scrubbed.unref();
  const pids = { runtime: process.pid, attached: attached.pid, detached: detached.pid, daemon, scrubbed: scrubbed.pid };
  if (file) fs.writeFileSync(file, JSON.stringify(pids));
  return pids;
}
`;

let dir: string;
let assembly: AssemblyModel;
let work: string;
const known = new Set<number>();
const instances: LocalLambda[] = [];

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-supervision-'));
  dir = writeAssembly('Sup', [
    {
      id: 'Spawner',
      functionName: 'spawner',
      timeout: 1,
      memory: 128,
      files: {
        'index.js': `${SPAWN}
exports.handler = async (event) => {
  const pids = spawnSleepers(event.file);
  if (event.then === 'hang') await new Promise(() => setInterval(() => {}, 1000));
  if (event.then === 'exit') process.exit(3);
  if (event.then === 'grow') { globalThis.kept = Buffer.alloc(200 * 1024 * 1024, 1); await new Promise(() => setInterval(() => {}, 1000)); }
  return pids;
};`,
      },
    },
    {
      id: 'InitFails',
      functionName: 'init-fails',
      environment: { PIDS_FILE: path.join(work, 'init.json') },
      files: { 'index.js': `${SPAWN}\nspawnSleepers(process.env.PIDS_FILE);\nthrow new Error('init fails after starting children');\nexports.handler = async () => 1;` },
    },
    {
      id: 'Busy',
      functionName: 'busy',
      timeout: 60,
      files: { 'index.js': "const fs = require('node:fs');\nexports.handler = async (event) => { fs.writeFileSync(event.file, String(process.pid)); while (true) {} };" },
    },
  ]);
  assembly = readAssembly(dir);
});

after(async () => {
  await Promise.all(instances.map((l) => l.close({ drainMs: 0 })));
  // Whatever the outcome, a failing run must not leave sleeps and busy loops behind.
  killAll(known);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

async function startLocal(options: Partial<LocalLambdaOptions> = {}): Promise<LocalLambda> {
  const local = await LocalLambda.start({ assembly, port: 0, reportsFile: false, ...options });
  instances.push(local);
  return local;
}

type Pids = { runtime: number; attached: number; detached: number; daemon: number; scrubbed: number };

function remember(pids: Pids): Pids {
  for (const pid of Object.values(pids)) known.add(pid);
  return pids;
}

function pidsFrom(file: string): Pids {
  return remember(JSON.parse(fs.readFileSync(file, 'utf8')) as Pids);
}

async function assertAllGone(pids: Record<string, number>, what: string): Promise<void> {
  const left = () => Object.entries(pids).filter(([, pid]) => running(pid));
  assert.ok(await eventually(() => left().length === 0), `${what}: still running: ${JSON.stringify(Object.fromEntries(left()))}`);
}

test('close(): the environment and everything its handler started are gone, and so is the reaper; the environment leads a process group of its own', async () => {
  const local = await startLocal();
  const r = await local.invoke('spawner', {});
  assert.equal(r.functionError, undefined, r.payload);
  const pids = remember(JSON.parse(r.payload));
  assert.ok(Object.values(pids).every(running), 'all started');
  assert.equal(processGroup(pids.runtime), pids.runtime, 'the runtime process is its group leader, so terminal signals to lambdakit do not reach it');
  const reapers = allChildPids().filter(isReaper);
  assert.equal(reapers.length, 1, 'one reaper watches the environments');
  await local.close({ drainMs: 0 });
  await assertAllGone({ ...pids, reaper: reapers[0] }, 'after close()');
});

test('a timeout kills the handler\'s children with the environment, and the runtime keeps serving', async () => {
  const local = await startLocal();
  const file = path.join(work, 'timeout.json');
  const r = await local.invoke('spawner', { file, then: 'hang' });
  assert.equal(r.errorType, 'Sandbox.Timedout');
  await assertAllGone(pidsFrom(file), 'after a timeout');
  const next = await local.invoke('spawner', {});
  assert.equal(next.functionError, undefined, 'a new environment answers');
  remember(JSON.parse(next.payload));
});

test('recycle(fn) stops the function\'s environments with all they started', async () => {
  const local = await startLocal();
  const pids = remember(JSON.parse((await local.invoke('spawner', {})).payload));
  assert.equal(await local.runtime.recycle(assembly.functions.find((f) => f.functionName === 'spawner')!), 1);
  await assertAllGone(pids, 'after recycle');
});

test('an environment whose runtime exits, fails init, or runs out of memory leaves no children behind', async () => {
  const local = await startLocal();
  const exitFile = path.join(work, 'exit.json');
  const exited = await local.invoke('spawner', { file: exitFile, then: 'exit' });
  assert.equal(exited.errorType, 'Runtime.ExitError');
  await assertAllGone(pidsFrom(exitFile), 'after Runtime.ExitError');

  const init = await local.invoke('init-fails', {});
  assert.equal(init.functionError, 'Unhandled');
  await assertAllGone(pidsFrom(path.join(work, 'init.json')), 'after an init failure');

  const oomFile = path.join(work, 'oom.json');
  const oom = await local.invoke('spawner', { file: oomFile, then: 'grow' });
  assert.equal(oom.errorType, 'Runtime.OutOfMemory');
  await assertAllGone(pidsFrom(oomFile), 'after an out-of-memory kill');
});

test('an idle environment reclaimed by the pool takes its children with it', async () => {
  const local = await startLocal({ idleTimeoutMs: 200 });
  const pids = remember(JSON.parse((await local.invoke('spawner', {})).payload));
  await assertAllGone(pids, 'after the idle timeout');
  assert.equal(local.runtime.environmentCount, 0);
});

/**
 * A separate Node.js process using the runtime. With `kill`, it leaves a busy loop running and an
 * idle environment whose handler started children, and waits to be SIGKILLed; with `exit`, it
 * closes the runtime once told to (a line on stdin) and must then exit on its own.
 */
function startHost(mode: 'kill' | 'exit', busyFile: string): ChildProcess {
  const script = path.join(work, `host-${mode}.ts`);
  fs.writeFileSync(
    script,
    `import { readAssembly } from ${JSON.stringify(path.join(PROJECT_ROOT, 'lib', 'assembly', 'read'))};
import { LocalLambda } from ${JSON.stringify(path.join(PROJECT_ROOT, 'lib', 'local'))};
async function main() {
  const local = await LocalLambda.start({ assembly: readAssembly(${JSON.stringify(dir)}), port: 0, reportsFile: false });
  ${mode === 'kill' ? `void local.invoke('busy', { file: ${JSON.stringify(busyFile)} });` : ''}
  const r = await local.invoke('spawner', {});
  process.stdout.write(r.payload + '\\n');
  ${mode === 'exit' ? "await new Promise((resolve) => process.stdin.once('data', resolve));\n  process.stdin.destroy();\n  await local.close({ drainMs: 0 });" : ''}
}
void main();
`,
  );
  return spawn(process.execPath, ['--import', 'tsx', script], { cwd: PROJECT_ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['pipe', 'pipe', 'inherit'] });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`the host exited (${code}) before printing`)));
  });
}

test('SIGKILL of lambdakit: a busy environment, an idle one and the children of its handler are all gone, and so is the reaper', async () => {
  const busyFile = path.join(work, 'busy.pid');
  const host = startHost('kill', busyFile);
  known.add(host.pid!);
  const pids = remember(JSON.parse(await firstLine(host)));
  assert.ok(await eventually(() => fs.existsSync(busyFile) && fs.readFileSync(busyFile, 'utf8') !== ''), 'the busy loop started');
  const busy = Number(fs.readFileSync(busyFile, 'utf8'));
  known.add(busy);
  // Everything the host started itself: its environments and its reaper.
  const direct = allChildPids(host.pid);
  direct.forEach((pid) => known.add(pid));
  assert.ok(direct.includes(busy) && direct.includes(pids.runtime), 'both environments are children of the host');
  const reaper = direct.find(isReaper);
  const reaperGroup = reaper && processGroup(reaper);

  const exited = new Promise((resolve) => host.once('exit', resolve));
  host.kill('SIGKILL');
  await exited;
  await assertAllGone({ busy, ...pids, ...Object.fromEntries(direct.map((pid) => [`child ${pid}`, pid])) }, 'after SIGKILL of lambdakit');
  assert.ok(reaper, `the reaper was one of the host's children (${direct.map(commandLine).join('; ')})`);
  assert.equal(reaperGroup, reaper, 'in a process group of its own, out of reach of a Ctrl-C meant for lambdakit');
});

test('a process that closes the runtime exits on its own: nothing lambdakit started keeps its event loop alive', async () => {
  const host = startHost('exit', '');
  known.add(host.pid!);
  const pids = remember(JSON.parse(await firstLine(host)));
  const direct = allChildPids(host.pid);
  direct.forEach((pid) => known.add(pid));
  assert.ok(direct.some(isReaper), 'a reaper was running');
  const exited = new Promise<number | null>((resolve) => host.once('exit', resolve));
  host.stdin!.end('close\n');
  assert.equal(await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000).unref())]), 0);
  await assertAllGone({ ...pids, ...Object.fromEntries(direct.map((pid) => [`child ${pid}`, pid])) }, 'after the host exited');
});
