import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { bundle, type BundleRequest } from '../../lib/bundling/bundler';
import { LambdaFunction } from '../../lib';
import { newStack, template } from '../helpers';

/** A throwaway project with an entry that imports a helper module. */
function project() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-bundle-'));
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"p","private":true}\n');
  fs.mkdirSync(path.join(root, 'src', 'lib'), { recursive: true });
  fs.writeFileSync(path.join(root, 'src', 'handler.ts'), "import { greet } from './lib/greet';\nexport const handler = async () => greet('a');\n");
  fs.writeFileSync(path.join(root, 'src', 'lib', 'greet.ts'), 'export const greet = (n: string) => `hello ${n}`;\n');
  const request = (extra: Partial<BundleRequest> = {}): BundleRequest => ({
    constructPath: 'S/Fn',
    entry: path.join(root, 'src', 'handler.ts'),
    handler: 'handler',
    projectRoot: root,
    runtimeTarget: 'node24',
    cacheDir: path.join(root, 'node_modules', '.cache', 'lambdakit', 'bundles'),
    ...extra,
  });
  return { root, request };
}

describe('bundle', () => {
  it('gives the same hash for the same sources, and reuses the cache without running esbuild', () => {
    const { request } = project();
    const first = bundle(request());
    const second = bundle(request());
    assert.equal(first.cached, false);
    assert.equal(second.cached, true);
    assert.equal(second.hash, first.hash);
  });

  it('gives the same hash in a different cache directory (nothing machine-specific in the output)', () => {
    const { request, root } = project();
    const a = bundle(request());
    const b = bundle(request({ cacheDir: path.join(root, 'node_modules', '.cache', 'other') }));
    assert.equal(b.cached, false);
    assert.equal(b.hash, a.hash);
  });

  it('rebuilds when a file of the import graph changes, and only then', () => {
    const { request, root } = project();
    const before = bundle(request());
    fs.writeFileSync(path.join(root, 'src', 'lib', 'greet.ts'), 'export const greet = (n: string) => `hi ${n}`;\n');
    const after = bundle(request());
    assert.equal(after.cached, false);
    assert.notEqual(after.hash, before.hash);
    assert.equal(bundle(request()).cached, true);
  });

  it('rebuilds when a bundling option changes', () => {
    const { request } = project();
    const minified = bundle(request());
    const readable = bundle(request({ minify: false }));
    assert.equal(readable.cached, false);
    assert.notEqual(readable.hash, minified.hash);
  });

  it('records project-relative posix inputs and per-file size contributors', () => {
    const { request } = project();
    const result = bundle(request());
    assert.deepEqual(result.inputs, ['src/handler.ts', 'src/lib/greet.ts']);
    assert.ok(result.bytes > 0);
    assert.deepEqual(result.contributors.map((c) => c.name).sort(), ['src/handler.ts', 'src/lib/greet.ts']);
  });

  it('reports a syntax error with the construct path and the file location', () => {
    const { request, root } = project();
    fs.writeFileSync(path.join(root, 'src', 'lib', 'greet.ts'), 'export const greet = (n: string) => {\n');
    assert.throws(() => bundle(request()), /^LambdakitError: S\/Fn: bundling src\/handler.ts failed: src\/lib\/greet.ts:2:0: Unexpected end of file/);
  });
});

describe('LambdaFunction bundling', () => {
  it('is skipped for stacks that aws:cdk:bundling-stacks leaves out', () => {
    const { stack } = newStack('Skipped', { 'aws:cdk:bundling-stacks': ['OtherStack'] });
    const fn = new LambdaFunction(stack, 'Fn', { entry: path.join(__dirname, '..', 'fixtures', 'handlers', 'ok.ts') });
    assert.equal(fn.bundle, undefined);
    template(stack).hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler' });
  });

  it('is done for the stacks aws:cdk:bundling-stacks names', () => {
    const { stack } = newStack('Wanted', { 'aws:cdk:bundling-stacks': ['Wanted'] });
    const fn = new LambdaFunction(stack, 'Fn', { entry: path.join(__dirname, '..', 'fixtures', 'handlers', 'ok.ts') });
    assert.ok(fn.bundle);
  });

  it('gives an unchanged function the same asset (S3 key) on the next synth, so it does not redeploy', () => {
    const keys = [0, 1].map(() => {
      const { stack } = newStack();
      new LambdaFunction(stack, 'Fn', { entry: path.join(__dirname, '..', 'fixtures', 'handlers', 'ok.ts') });
      const [fn] = Object.values(template(stack).findResources('AWS::Lambda::Function'));
      return fn.Properties.Code.S3Key;
    });
    assert.equal(keys[0], keys[1]);
  });
});
