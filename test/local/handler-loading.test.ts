import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, test } from 'node:test';
import { readAssembly } from '../../lib/assembly/read';
import { LocalLambda } from '../../lib/local';
import { writeAssembly } from './fixture';

// The Node.js bootstrap loads a handler as Lambda's runtime client does (aws-lambda-nodejs-runtime-
// interface-client, UserFunction): CommonJS through require, ES modules through import(), the
// export path after the module's name possibly nested.

/** Reports how it was loaded: require() gives the module a parent (the requiring module); import() of CommonJS does not. */
const REPORTS = `const loadedBy = module.parent ? 'require' : 'import';
module.exports = { handlers: { get: async () => ({ loadedBy }) }, plain: async () => ({ loadedBy }) };`;

let dir: string;
let local: LocalLambda;

before(async () => {
  dir = writeAssembly('Load', [
    { id: 'Cjs', functionName: 'cjs', handler: 'index.plain', files: { 'index.js': REPORTS } },
    { id: 'Nested', functionName: 'nested', handler: 'index.handlers.get', files: { 'index.js': REPORTS } },
    { id: 'Sub', functionName: 'sub', handler: 'src/app.plain', files: { 'src/app.cjs': REPORTS } },
    { id: 'TypeModule', functionName: 'type-module', handler: 'index.handler', files: { 'package.json': '{ "type": "module" }', 'index.js': 'export const handler = async () => ({ esm: typeof require === "undefined" });' } },
    { id: 'EsmWithoutType', functionName: 'esm-without-type', handler: 'index.handler', files: { 'index.js': 'export const handler = async () => 1;' } },
  ]);
  local = await LocalLambda.start({ assembly: readAssembly(dir), port: 0, reportsFile: false });
});

after(async () => {
  await local.close({ drainMs: 0 });
  fs.rmSync(dir, { recursive: true, force: true });
});

const payload = async (name: string) => {
  const r = await local.invoke(name, {});
  return JSON.parse(r.payload) as Record<string, unknown>;
};

test('a CommonJS .js or .cjs handler is loaded with require, as Lambda loads it', async () => {
  assert.deepEqual(await payload('cjs'), { loadedBy: 'require' });
  assert.deepEqual(await payload('sub'), { loadedBy: 'require' }, 'in a subdirectory, .cjs');
});

test('the export path may be nested: index.handlers.get', async () => {
  assert.deepEqual(await payload('nested'), { loadedBy: 'require' });
});

test('a .js ES module is imported when its package.json says "type": "module"; without it, required as an ES module (Node.js 20.19+ and 22.12+ detect the syntax, as the nodejs22.x and nodejs24.x runtimes do)', async () => {
  assert.deepEqual(await payload('type-module'), { esm: true });
  assert.equal((await local.invoke('esm-without-type', {})).payload, '1');
});
