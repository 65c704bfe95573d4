import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LambdakitError } from '../../lib';
import { checkPackageSize } from '../../lib/bundling/package-size';

const MB = 1024 * 1024;

function dirWith(files: Record<string, number | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-size-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    if (typeof content === 'number') {
      fs.writeFileSync(path.join(dir, name), '');
      fs.truncateSync(path.join(dir, name), content); // sparse: size without writing the bytes
    } else fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe('package size quotas', () => {
  it('code plus layers over 250 MB unzipped fails, naming the biggest packages of code and layers', () => {
    const code = dirWith({ 'index.js': 1000, 'node_modules/huge/data.bin': 150 * MB });
    const layer = dirWith({ 'python/numpy/core.so': 110 * MB });
    assert.throws(
      () => checkPackageSize('App/Fn', code, [{ label: 'App/Deps', dir: layer }]),
      (e: unknown) =>
        e instanceof LambdakitError &&
        e.code === 'PackageTooLarge' &&
        /^App\/Fn: code and layers take 260\.00 MB unzipped, over Lambda's 250 MB; top contributors: node_modules\/huge 150\.00 MB, layer App\/Deps: python 110\.00 MB/.test(e.message),
    );
    // Without the layer the same code fits.
    assert.equal(checkPackageSize('App/Fn', code).unzippedBytes, 150 * MB + 1000);
  });

  it('code over 50 MB zipped fails; 60 MB that compresses well passes', () => {
    const incompressible = dirWith({ 'bootstrap': randomBytes(52 * MB) });
    assert.throws(() => checkPackageSize('App/Go', incompressible), /App\/Go: code is 52\.\d\d MB zipped, over Lambda's 50 MB for a \.zip package; top contributors: bootstrap/);
    const compressible = dirWith({ 'data.json': Buffer.alloc(60 * MB, 'a') });
    assert.equal(checkPackageSize('App/Data', compressible).unzippedBytes, 60 * MB);
  });
});
