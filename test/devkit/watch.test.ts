import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { synthesize } from '../../lib/assembly/synth';
import { digestDirectory } from '../../lib/bundling/output';
import { DevServer } from '../../lib/dev/dev';
import { cdkProject } from '../cli/run-cli';

// A small app in its own project directory: two functions sharing one module, one with a module of its own.
let dir: string;
let dev: DevServer;
/** Content digest of every asset directory of an assembly, by directory name. */
const assets = (out: string) => Object.fromEntries(fs.readdirSync(path.join(dir, out)).filter((n) => n.startsWith('asset.')).sort().map((n) => [n, digestDirectory(path.join(dir, out, n)).hash]));
let synthesized: Record<string, string>;
const SOURCES: Record<string, string> = {
  'shared.ts': "export const greeting = 'v1';\n",
  'a.ts': "import { greeting } from './shared';\nexport const handler = async () => ({ statusCode: 200, body: `a ${greeting}` });\n",
  'b.ts': "export const handler = async () => ({ statusCode: 200, body: 'b v1' });\n",
};
const rebuilds: Array<{ function: string; file: string; ms: number; error?: string }> = [];
const out = {
  write: (chunk: string) => {
    for (const line of chunk.split('\n').filter((l) => l.startsWith('{'))) {
      const entry = JSON.parse(line);
      if (typeof entry.message === 'string' && /rebuil/.test(entry.message)) rebuilds.push(entry);
    }
  },
} as unknown as NodeJS.WritableStream;

before(async () => {
  dir = cdkProject('dev-watch', `
import { App, Stack } from 'aws-cdk-lib';
import { HttpApi, LambdaFunction } from '${path.resolve(__dirname, '../../lib').split(path.sep).join('/')}';
const app = new App();
const stack = new Stack(app, 'Watch');
const api = new HttpApi(stack, 'Http');
api.addRoute('GET /a', new LambdaFunction(stack, 'A', { entry: 'src/a.ts', monitoring: false }), { auth: 'none' });
api.addRoute('GET /b', new LambdaFunction(stack, 'B', { entry: 'src/b.ts', monitoring: false }), { auth: 'none' });
app.synth();
`);
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"watch-app","private":true}');
  for (const [name, text] of Object.entries(SOURCES)) fs.writeFileSync(path.join(dir, 'src', name), text);
  dev = await DevServer.start({ cwd: dir, synth: true, port: 0, lambdaPort: 0, json: true, out, err: out, watch: true, reportsFile: false });
  synthesized = assets('cdk.out');
});

after(async () => {
  await dev?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const get = async (p: string) => (await fetch(`${dev.gateway!.url}${p}`)).text();

test('saving a module rebuilds only the functions that import it; the next request runs the new code', async () => {
  assert.equal(await get('/a'), 'a v1');
  assert.equal(await get('/b'), 'b v1');
  fs.writeFileSync(path.join(dir, 'src', 'shared.ts'), "export const greeting = 'v2';\n");
  await until(() => rebuilds.length >= 1);
  // Saves are handled one after another: once a later save of b.ts has rebuilt B, every rebuild the save of shared.ts caused is logged.
  fs.writeFileSync(path.join(dir, 'src', 'b.ts'), SOURCES['b.ts']);
  await until(() => rebuilds.some((r) => r.file === 'src/b.ts'));
  assert.deepEqual([...new Set(rebuilds.filter((r) => r.file === 'src/shared.ts').map((r) => r.function))], ['Watch/A'], 'B does not import shared.ts');
  assert.deepEqual(rebuilds.filter((r) => r.error !== undefined), []);
  assert.equal(await get('/a'), 'a v2');
  assert.equal(await get('/b'), 'b v1');
});

test('a save that does not compile is reported and the previous code keeps serving', async () => {
  rebuilds.length = 0;
  fs.writeFileSync(path.join(dir, 'src', 'b.ts'), 'export const handler = async () => ({ statusCode: 200, body: ;\n');
  await until(() => rebuilds.length >= 1);
  assert.match(String(rebuilds[0].error), /bundling|Expected/);
  assert.equal(await get('/b'), 'b v1');
});

test('watch mode never writes into cdk.out: after edits, a revert and a synth it is what a clean synth produces', async () => {
  // The tests above rebuilt A while dev ran: its new code runs from dev's own staging directory.
  const a = dev.assembly.functions.find((f) => f.constructPath === 'Watch/A')!;
  assert.ok(dev.local!.runtime.codeDirOf(a)!.startsWith(path.join(dir, '.lambdakit', 'dev-code')), dev.local!.runtime.codeDirOf(a));
  assert.deepEqual(assets('cdk.out'), synthesized, 'cdk.out still holds exactly what synth produced');

  // `synthesized` is what a clean synth of these sources produced (dev's own, at its start).
  for (const [name, text] of Object.entries(SOURCES)) fs.writeFileSync(path.join(dir, 'src', name), text);
  assert.equal((await synthesize({ cwd: dir, output: 'cdk.out' })).exitCode, 0);
  assert.deepEqual(assets('cdk.out'), synthesized);
});

test('when the local AWS services die, dev reports it in one line (the CLI then stops everything, exit code 1)', async () => {
  process.kill(dev.moto!.pid!, 'SIGKILL');
  const reason = await dev.failure;
  assert.match(reason, /^the local AWS services \(moto_server, http:\/\/127\.0\.0\.1:\d+\) killed by SIGKILL.*; their tables, queues and buckets are gone, so dev stops$/);
  assert.doesNotMatch(reason, /\n/);
});
