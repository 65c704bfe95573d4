import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from './helpers';

const INDEX = path.join(PROJECT_ROOT, 'lib', 'index.ts');

/** Runs a snippet in a fresh Node.js process with tsx, as a CDK app would load lambdakit. */
function run(code: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: PROJECT_ROOT, encoding: 'utf8' });
}

describe('the package entry', () => {
  it('loads neither the local runtime nor the cost estimates for an app that only builds constructs', () => {
    const loaded = JSON.parse(
      run(`const lk = require(${JSON.stringify(INDEX)}); void lk.LambdaFunction; void lk.QueueTrigger; void lk.httpApiEvent;
process.stdout.write(JSON.stringify(Object.keys(require.cache)));`),
    ) as string[];
    const relative = loaded.map((f) => path.relative(PROJECT_ROOT, f).split(path.sep).join('/'));
    assert.ok(relative.includes('lib/constructs/lambda-function.ts'));
    assert.deepEqual(relative.filter((f) => /^lib\/(local|cost|dev|ops)\//.test(f) || f.includes('@smithy/core') || f.includes('@aws-sdk/')), []);
  });

  it('still exports every value of lib/local and lib/cost, loading a module on first use of one of its names', () => {
    const out = JSON.parse(
      run(`const lk = require(${JSON.stringify(INDEX)});
const local = require(${JSON.stringify(path.join(PROJECT_ROOT, 'lib', 'local', 'index.ts'))});
const cost = require(${JSON.stringify(path.join(PROJECT_ROOT, 'lib', 'cost', 'index.ts'))});
const missing = [...Object.keys(local), ...Object.keys(cost)].filter((k) => lk[k] !== (k in local ? local : cost)[k]);
process.stdout.write(JSON.stringify({ missing, keys: Object.keys(lk).length }));`),
    ) as { missing: string[] };
    assert.deepEqual(out.missing, []);
    const lazy = JSON.parse(
      run(`const lk = require(${JSON.stringify(INDEX)}); const before = Object.keys(require.cache).some((f) => f.includes('/lib/local/'));
const Local = lk.LocalLambda; const after = Object.keys(require.cache).some((f) => f.includes('/lib/local/'));
process.stdout.write(JSON.stringify({ before, after, isClass: /^class /.test(Function.prototype.toString.call(Local)) }));`),
    );
    assert.deepEqual(lazy, { before: false, after: true, isClass: true });
  });

  it('names every lazily loaded export for ES module importers (cjs-module-lexer reads exports.<name> =)', () => {
    const source = fs.readFileSync(INDEX, 'utf8');
    const keys = JSON.parse(
      run(`process.stdout.write(JSON.stringify([...Object.keys(require(${JSON.stringify(path.join(PROJECT_ROOT, 'lib', 'local', 'index.ts'))})), ...Object.keys(require(${JSON.stringify(path.join(PROJECT_ROOT, 'lib', 'cost', 'index.ts'))}))]))`),
    ) as string[];
    // (Checked on the source: under tsx, esbuild's own output hides `export *` names from the lexer anyway.)
    assert.deepEqual(keys.filter((k) => !new RegExp(`\\bexports\\.${k} =`).test(source)), []);
  });
});
