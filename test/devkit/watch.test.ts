import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { DevServer } from '../../lib/dev/dev';
import { cdkProject } from '../cli/run-cli';

// A small app in its own project directory: two functions sharing one module, one with a module of its own.
let dir: string;
let dev: DevServer;
const rebuilds: Array<{ function: string; ms: number; error?: string }> = [];
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
  fs.writeFileSync(path.join(dir, 'src', 'shared.ts'), "export const greeting = 'v1';\n");
  fs.writeFileSync(path.join(dir, 'src', 'a.ts'), "import { greeting } from './shared';\nexport const handler = async () => ({ statusCode: 200, body: `a ${greeting}` });\n");
  fs.writeFileSync(path.join(dir, 'src', 'b.ts'), "export const handler = async () => ({ statusCode: 200, body: 'b v1' });\n");
  dev = await DevServer.start({ cwd: dir, synth: true, port: 0, lambdaPort: 0, json: true, out, err: out, watch: true, reportsFile: false });
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
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(rebuilds.map((r) => r.function), ['Watch/A'], 'B does not import shared.ts');
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
