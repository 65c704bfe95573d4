import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepareAssembly } from '../../lib/local/inputs';

// A project whose CDK app is a small Node.js script (no aws-cdk-lib, so each synth takes a few
// milliseconds): it loads a module of its own and writes an assembly with one stack whose
// function was bundled (a lambdakit:bundle entry naming a bundler cache slot that lists the
// function's inputs, an npm package among them) and one Python function (lambdakit:build).
function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-synth-skip-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  write('cdk.json', JSON.stringify({ app: 'node app.js', context: { greeting: 'hello' } }));
  write('stack.js', "exports.name = 'Api';\n");
  write('functions/hello/handler.ts', 'export const handler = async () => "hi";\n');
  write('node_modules/dep/package.json', JSON.stringify({ name: 'dep', version: '1.0.0' }));
  write('node_modules/dep/index.js', 'module.exports = 1;\n');
  write('functions/quote/handler.py', 'def handler(event, context):\n    return 1\n');
  write('functions/quote/requirements.txt', 'requests==2.32.0\n');
  write(
    'node_modules/.cache/lambdakit/slot/manifest.json',
    JSON.stringify({ key: 'slot', inputs: { 'functions/hello/handler.ts': 'x', 'node_modules/dep/index.js': 'y' } }),
  );
  write(
    'app.js',
    `const fs = require('fs'); const path = require('path');
const { name } = require('./stack');
const out = process.env.CDK_OUTDIR;
fs.appendFileSync(path.join(__dirname, 'runs'), 'run\\n');
fs.writeFileSync(path.join(out, name + '.template.json'), JSON.stringify({ Resources: {} }));
fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ version: '36.0.0', artifacts: { [name]: {
  type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region',
  properties: { templateFile: name + '.template.json' },
  metadata: { ['/' + name + '/Hello']: [{ type: 'lambdakit:bundle', data: { entry: 'functions/hello/handler.ts', cacheSlot: 'node_modules/.cache/lambdakit/slot' } }],
              ['/' + name + '/Quote']: [{ type: 'lambdakit:build', data: { language: 'python', entry: 'functions/quote/handler.py' } }] } } } }));
`,
  );
  return dir;
}

const runs = (dir: string) => fs.readFileSync(path.join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length;

/** Starts as dev does (synth 'auto') and says what it did. */
async function start(dir: string, synth: boolean | 'auto' = 'auto'): Promise<string> {
  const { synth: decision } = await prepareAssembly({ cwd: dir, synth });
  return decision.action === 'synthesized' ? `synthesized: ${decision.reason}` : decision.action;
}

/** Changes a file and moves its modification time, as an editor's save does. */
function edit(dir: string, file: string, text: string): void {
  fs.writeFileSync(path.join(dir, file), text);
  const later = new Date(Date.now() + 5_000);
  fs.utimesSync(path.join(dir, file), later, later);
}

test('dev synthesizes once, then skips synth while nothing the assembly came from changed; --synth forces it', async () => {
  const dir = project();
  assert.equal(await start(dir), 'synthesized: no assembly yet');
  assert.equal(await start(dir), 'skipped');
  // A file touched without a change is compared by content.
  const later = new Date(Date.now() + 10_000);
  fs.utimesSync(path.join(dir, 'stack.js'), later, later);
  assert.equal(await start(dir), 'skipped');
  assert.equal(runs(dir), 1);
  assert.match(await start(dir, true), /^synthesized: asked for/);
  assert.equal(runs(dir), 2);
  // The record lives beside the assembly, never inside it.
  assert.ok(fs.existsSync(path.join(dir, '.lambdakit', 'synth-inputs', 'cdk.out.json')));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'cdk.out')).sort(), ['Api.template.json', 'manifest.json']);
});

test('a change to a module the app loads, to cdk.json, or to a function source or dependency synthesizes again', async () => {
  const dir = project();
  await start(dir);
  edit(dir, 'stack.js', "exports.name = 'Api'; // changed\n");
  assert.equal(await start(dir), 'synthesized: stack.js changed');
  edit(dir, 'cdk.json', JSON.stringify({ app: 'node app.js', context: { greeting: 'hi' } }));
  assert.match(await start(dir), /^synthesized: the app command, its context/);
  edit(dir, 'functions/hello/handler.ts', 'export const handler = async () => "hello";\n');
  assert.equal(await start(dir), 'synthesized: functions/hello/handler.ts changed');
  edit(dir, 'node_modules/dep/package.json', JSON.stringify({ name: 'dep', version: '1.1.0' }));
  assert.equal(await start(dir), 'synthesized: node_modules/dep/package.json changed');
  edit(dir, 'functions/quote/requirements.txt', 'requests==2.32.3\n');
  assert.equal(await start(dir), 'synthesized: functions/quote/requirements.txt changed');
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}');
  assert.equal(await start(dir), 'synthesized: package-lock.json was created');
  assert.equal(await start(dir), 'skipped');
  assert.equal(runs(dir), 7);
});

test('an assembly written by something else since lambdakit synthesized it is synthesized again; --no-synth uses it as it is', async () => {
  const dir = project();
  await start(dir);
  fs.writeFileSync(path.join(dir, 'cdk.out', 'Api.template.json'), JSON.stringify({ Resources: { Other: { Type: 'AWS::SNS::Topic' } } }));
  assert.equal(await start(dir, false), 'not-asked');
  assert.equal(await start(dir), 'synthesized: cdk.out was written since lambdakit synthesized it');
  assert.equal(runs(dir), 2);
});
