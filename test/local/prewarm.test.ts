import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { readAssembly } from '../../lib/assembly/read';
import type { AssemblyModel } from '../../lib/assembly/model';
import { LocalLambda, type LocalLambdaOptions } from '../../lib/local';
import { invokeLocal } from '../../lib/local/invoke-local';
import { PROJECT_ROOT } from '../helpers';
import { writeAssembly } from './fixture';
import { allChildPids, eventually, isReaper, killAll, processGroup, running } from './processes';

// Node.js runtime processes started ahead of cold starts (lib/local/prewarm.ts): what the handler
// sees is what a freshly spawned environment's handler sees, Init Duration starts at placement,
// and a waiting process is supervised like an environment but belongs to no function.

/** What a handler can observe of its process, taken at init and at invocation. */
const PROBE = `const fs = require('node:fs');
const initial = fs.readFileSync('/proc/self/environ', 'utf8').split('\\0');
const atInit = { env: Object.entries(process.env), cwd: process.cwd(), uptimeMs: process.uptime() * 1000 };
const spin = Number(process.env.INIT_SPIN_MS || 0);
for (const until = Date.now() + spin; Date.now() < until; );
exports.handler = async () => ({
  atInit,
  env: Object.entries(process.env).filter(([name]) => name !== '_X_AMZN_TRACE_ID'),
  cwd: process.cwd(),
  argv: process.argv,
  execArgv: process.execArgv,
  globals: Object.getOwnPropertyNames(globalThis).sort(),
  fds: fs.readdirSync('/proc/self/fd').length,
  maxHeaderSize: require('node:http').maxHeaderSize,
  prestarted: initial.includes('LAMBDAKIT_PREWARM=1'),
  marker: initial.find((v) => v.startsWith('LAMBDAKIT_ENVIRONMENT=')),
  pid: process.pid,
});`;

/** The same, for a Python handler. */
const PY_PROBE = `import os, sys
with open('/proc/self/environ', 'rb') as f:
    INITIAL = f.read().split(b'\\0')
AT_INIT = {'env': list(os.environ.items()), 'cwd': os.getcwd()}

def handler(event, context):
    return {
        'atInit': AT_INIT,
        'env': [kv for kv in os.environ.items() if kv[0] != '_X_AMZN_TRACE_ID'],
        'cwd': os.getcwd(),
        'argv': sys.argv,
        'path': sys.path,
        'flags': repr(sys.flags),
        'hash': hash('lambdakit'),
        'fds': len(os.listdir('/proc/self/fd')),
        'prestarted': b'LAMBDAKIT_PREWARM=1' in INITIAL,
        'pid': os.getpid(),
    }
`;

type PyProbe = {
  atInit: { env: [string, string][]; cwd: string };
  env: [string, string][];
  cwd: string;
  argv: string[];
  path: string[];
  flags: string;
  hash: number;
  fds: number;
  prestarted: boolean;
  pid: number;
};

type Probe = {
  atInit: { env: [string, string][]; cwd: string; uptimeMs: number };
  env: [string, string][];
  cwd: string;
  argv: string[];
  execArgv: string[];
  globals: string[];
  fds: number;
  maxHeaderSize: number;
  prestarted: boolean;
  marker: string;
  pid: number;
};

let dir: string;
let assembly: AssemblyModel;
const instances: LocalLambda[] = [];
const known = new Set<number>();

before(() => {
  dir = writeAssembly('Pre', [
    { id: 'Probe', functionName: 'probe', memory: 192, files: { 'index.js': PROBE }, environment: { GREETING: 'hi', NODE_OPTIONS: '--max-http-header-size=12345' } },
    { id: 'SlowInit', functionName: 'slow-init', files: { 'index.js': PROBE }, environment: { INIT_SPIN_MS: '150' } },
    { id: 'BadOptions', functionName: 'bad-options', files: { 'index.js': PROBE }, environment: { NODE_OPTIONS: '--no-such-node-option' } },
  ]);
  assembly = readAssembly(dir);
});

after(async () => {
  await Promise.all(instances.map((l) => l.close({ drainMs: 0 })));
  killAll(known);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startLocal(options: Partial<LocalLambdaOptions> = {}): Promise<LocalLambda> {
  const local = await LocalLambda.start({ assembly, port: 0, reportsFile: false, ...options });
  instances.push(local);
  return local;
}

async function probe(local: LocalLambda, name: string): Promise<{ probe: Probe; initDurationMs: number | undefined }> {
  const r = await local.invoke(name, {});
  assert.equal(r.functionError, undefined, r.payload);
  const result = JSON.parse(r.payload) as Probe;
  known.add(result.pid);
  const init = /Init Duration: ([\d.]+) ms/.exec(r.log);
  return { probe: result, initDurationMs: init ? Number(init[1]) : undefined };
}

/** Variables that differ between any two environments, prestarted or not: the Runtime API's port, the log stream, the markers. */
const PER_ENVIRONMENT = new Set(['AWS_LAMBDA_RUNTIME_API', 'AWS_LAMBDA_LOG_STREAM_NAME', 'LAMBDAKIT_OWNER', 'LAMBDAKIT_ENVIRONMENT']);
const comparable = (env: [string, string][]) => env.map(([name, value]) => [name, PER_ENVIRONMENT.has(name) ? '<per environment>' : value]);

test('a handler in a prestarted process sees what a freshly spawned one sees: the same variables in the same order, cwd, argv, execArgv, globals, open files and startup options', async () => {
  const pooled = await startLocal();
  await pooled.runtime.prewarm!.ready();
  const fresh = await startLocal({ prewarm: false });
  assert.equal(fresh.runtime.prewarm, undefined);
  const a = (await probe(pooled, 'probe')).probe;
  const b = (await probe(fresh, 'probe')).probe;
  assert.equal(a.prestarted, true, 'the first cold start took the prestarted process');
  assert.equal(b.prestarted, false);
  assert.deepEqual(comparable(a.env), comparable(b.env));
  assert.deepEqual(comparable(a.atInit.env), comparable(b.atInit.env), 'already at module load');
  assert.deepEqual(a.env.map(([name]) => name).slice(-3), ['AWS_LAMBDA_RUNTIME_API', 'LAMBDAKIT_OWNER', 'LAMBDAKIT_ENVIRONMENT'], 'the markers come last, as spawnEnvironment gives them');
  assert.equal(a.cwd, b.cwd);
  assert.equal(a.atInit.cwd, b.cwd);
  assert.equal(a.cwd, fs.realpathSync(assembly.functions.find((f) => f.functionName === 'probe')!.codeDir!));
  assert.deepEqual(a.argv, b.argv);
  assert.deepEqual(a.execArgv, ['--max-old-space-size=192']);
  assert.deepEqual(a.execArgv, b.execArgv);
  assert.deepEqual(a.globals, b.globals);
  assert.equal(a.fds, b.fds, 'the placement pipe is closed before the handler loads');
  assert.equal(a.maxHeaderSize, 12345, 'NODE_OPTIONS of the function applied at startup');
  assert.equal(b.maxHeaderSize, 12345);
  // The marker the process got at spawn is the id of the environment it was placed in, and what its children inherit.
  assert.equal(a.marker, `LAMBDAKIT_ENVIRONMENT=${new Map(a.env).get('LAMBDAKIT_ENVIRONMENT')}`);
});

test('Init Duration runs from placement to the first /next: the time spent waiting in the pool is not in it', async () => {
  const local = await startLocal();
  await local.runtime.prewarm!.ready();
  await new Promise((resolve) => setTimeout(resolve, 600));
  const { probe: result, initDurationMs } = await probe(local, 'slow-init');
  assert.equal(result.prestarted, true);
  assert.ok(result.atInit.uptimeMs >= 600, `the process had waited (${result.atInit.uptimeMs} ms)`);
  assert.ok(initDurationMs !== undefined && initDurationMs >= 150, `init includes the handler's module load (${initDurationMs} ms)`);
  assert.ok(initDurationMs! < 450, `init does not include the wait (${initDurationMs} ms)`);
});

test('prestarted processes are no function\'s environments, the pool refills after a placement, and close() stops them', async () => {
  const others = new Set(allChildPids());
  const local = await startLocal();
  const pool = local.runtime.prewarm!;
  await pool.ready();
  // Two kinds: the probe's (192 MB, its NODE_OPTIONS) and the others' (256 MB); the bad NODE_OPTIONS kind never gets ready.
  assert.ok(await eventually(() => pool.waiting === 2), `waiting: ${pool.waiting}`);
  assert.equal(local.runtime.environmentCount, 0);
  const waiting = allChildPids().filter((pid) => !others.has(pid) && !isReaper(pid) && environOf(pid).includes('LAMBDAKIT_PREWARM=1'));
  assert.equal(waiting.length, 2);
  waiting.forEach((pid) => known.add(pid));
  for (const pid of waiting) {
    assert.equal(processGroup(pid), pid, 'leads a process group of its own');
    assert.ok(/LAMBDAKIT_ENVIRONMENT=[0-9a-f-]{36}/.test(environOf(pid)) && /LAMBDAKIT_OWNER=[0-9a-f-]{36}/.test(environOf(pid)), 'marked at spawn');
  }
  const { probe: result } = await probe(local, 'probe');
  assert.ok(waiting.includes(result.pid), 'the environment runs in a process that was waiting');
  assert.equal(local.runtime.environmentCount, 1);
  await pool.ready();
  assert.ok(await eventually(() => pool.waiting === 2), 'the pool started another for the kind taken');
  const refilled = allChildPids().filter((pid) => !others.has(pid) && environOf(pid).includes('LAMBDAKIT_PREWARM=1') && !waiting.includes(pid) && pid !== result.pid);
  refilled.forEach((pid) => known.add(pid));
  assert.ok(refilled.length >= 1);
  await local.close({ drainMs: 0 });
  assert.ok(await eventually(() => [...waiting, ...refilled].every((pid) => !running(pid))), 'every prestarted process is gone after close()');
});

test('a kind whose process cannot start (a bad NODE_OPTIONS) is not started again, and its invocations fail as a spawned environment does', async () => {
  const withPool = await startLocal();
  const without = await startLocal({ prewarm: false });
  const a = await withPool.invoke('bad-options', {});
  const b = await without.invoke('bad-options', {});
  assert.equal(a.errorType, 'Runtime.ExitError');
  assert.equal(a.errorType, b.errorType);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(withPool.runtime.prewarm!.waiting, 2, 'the two working kinds wait; the broken one is not restarted');
});

test('a Python handler in a prestarted process sees what a freshly spawned one sees: variables in order, cwd, argv, sys.path, flags, hash seed, open files', async () => {
  // An app of its own: the pool keeps three kinds, and the shared one has three Node.js kinds.
  const python = readAssembly(writeAssembly('Py', [{ id: 'Py', functionName: 'py', runtime: 'python3.12', handler: 'main.handler', files: { 'main.py': PY_PROBE }, environment: { GREETING: 'hi', PYTHONHASHSEED: '7' } }]));
  const pooled = await startLocal({ assembly: python });
  await pooled.runtime.prewarm!.ready();
  assert.equal(pooled.runtime.prewarm!.waiting, 1);
  const fresh = await startLocal({ assembly: python, prewarm: false });
  const run = async (local: LocalLambda) => {
    const r = await local.invoke('py', {});
    assert.equal(r.functionError, undefined, r.payload);
    const result = JSON.parse(r.payload) as PyProbe;
    known.add(result.pid);
    return result;
  };
  const [a, b] = [await run(pooled), await run(fresh)];
  assert.equal(a.prestarted, true, 'the first cold start took the prestarted Python process');
  assert.equal(b.prestarted, false);
  assert.deepEqual(comparable(a.env), comparable(b.env));
  assert.deepEqual(comparable(a.atInit.env), comparable(b.atInit.env), 'already at module load');
  assert.equal(a.cwd, b.cwd);
  assert.equal(a.atInit.cwd, b.cwd);
  assert.deepEqual(a.argv, b.argv);
  assert.deepEqual(a.path, b.path);
  assert.equal(a.flags, b.flags);
  assert.equal(a.hash, b.hash, 'PYTHONHASHSEED of the function applied at startup');
  assert.equal(a.fds, b.fds, 'the placement pipe is closed before the handler loads');
});

test('`prewarm: false` and `lambdakit invoke --local` start none', async () => {
  const local = await startLocal({ prewarm: false });
  assert.equal(local.runtime.prewarm, undefined);
  const out: string[] = [];
  const stdout = { write: (text: string) => out.push(text) } as unknown as NodeJS.WritableStream;
  await invokeLocal({ app: dir, function: 'probe', reportsFile: false, stdout, stderr: { write: () => true } as unknown as NodeJS.WritableStream });
  const result = JSON.parse(out.join('')) as Probe;
  known.add(result.pid);
  assert.equal(result.prestarted, false, 'the one-shot invoke spawns its environment');
});

test('SIGKILL of lambdakit: a process waiting in the pool is gone too', async () => {
  const script = path.join(os.tmpdir(), `lambdakit-prewarm-host-${process.pid}.ts`);
  fs.writeFileSync(
    script,
    `import { readAssembly } from ${JSON.stringify(path.join(PROJECT_ROOT, 'lib', 'assembly', 'read'))};
import { LocalLambda } from ${JSON.stringify(path.join(PROJECT_ROOT, 'lib', 'local'))};
async function main() {
  const local = await LocalLambda.start({ assembly: readAssembly(${JSON.stringify(dir)}), port: 0, reportsFile: false });
  await local.runtime.prewarm!.ready();
  process.stdout.write('ready\\n');
}
void main();
`,
  );
  const host = spawn(process.execPath, ['--import', 'tsx', script], { cwd: PROJECT_ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  known.add(host.pid!);
  try {
    await new Promise<void>((resolve, reject) => {
      host.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      host.once('exit', (code) => reject(new Error(`the host exited (${code})`)));
    });
    const waiting = allChildPids(host.pid).filter((pid) => environOf(pid).includes('LAMBDAKIT_PREWARM=1'));
    waiting.forEach((pid) => known.add(pid));
    assert.equal(waiting.length, 2);
    const exited = new Promise((resolve) => host.once('exit', resolve));
    host.kill('SIGKILL');
    await exited;
    assert.ok(await eventually(() => waiting.every((pid) => !running(pid))), `still running: ${waiting.filter(running)}`);
  } finally {
    fs.rmSync(script, { force: true });
  }
});

function environOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').join('\n');
  } catch {
    return '';
  }
}
