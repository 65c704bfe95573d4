import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { customBuilder } from '../../lib/bundling/custom';
import { LambdakitError } from '../../lib/errors';
import { isExecutable, runtimeProject } from './runtimes-helpers';

describe('customBuilder', () => {
  it('takes the directory as it is: the same files, bootstrap still executable, interpreter caches left out', () => {
    const project = runtimeProject('custom');
    fs.writeFileSync(path.join(project.entry, 'function.sh'), 'handler () { echo "$1"; }\n');
    fs.mkdirSync(path.join(project.entry, '__pycache__'));
    fs.writeFileSync(path.join(project.entry, '__pycache__', 'x.pyc'), 'junk');
    const result = customBuilder.build(project.request('arm64', { handler: 'function.handler' }));
    assert.deepEqual(fs.readdirSync(result.outdir).sort(), ['bootstrap', 'function.sh']);
    assert.ok(isExecutable(path.join(result.outdir, 'bootstrap')));
    assert.equal(fs.readFileSync(path.join(result.outdir, 'bootstrap'), 'utf8'), fs.readFileSync(path.join(project.entry, 'bootstrap'), 'utf8'));
    assert.equal(result.handler, 'function.handler', 'the runtime gets its handler as _HANDLER');
    assert.equal(result.hostOutdir, undefined);
    assert.notEqual(result.outdir, project.entry, 'a snapshot in the cache, not the working directory');
  });

  it('is cached by content: the same hash from another checkout, a new one after an edit', () => {
    const a = runtimeProject('custom');
    const b = runtimeProject('custom', 'lambdakit-runtime-other-checkout-');
    const first = customBuilder.build(a.request('arm64'));
    assert.equal(first.cached, false);
    assert.equal(customBuilder.build(a.request('arm64')).cached, true);
    assert.equal(customBuilder.build(b.request('arm64')).hash, first.hash);
    fs.appendFileSync(path.join(a.entry, 'bootstrap'), '# edited\n');
    const edited = customBuilder.build(a.request('arm64'));
    assert.equal(edited.cached, false);
    assert.notEqual(edited.hash, first.hash);
  });

  it('rejects a bootstrap that is not executable, naming the chmod to run', () => {
    const project = runtimeProject('custom');
    fs.chmodSync(path.join(project.entry, 'bootstrap'), 0o644);
    assert.throws(() => customBuilder.build(project.request('arm64')), (e: LambdakitError) => e.code === 'BootstrapNotExecutable' && /chmod \+x/.test(e.hint ?? ''));
  });

  it('rejects a binary bootstrap built for the other architecture', () => {
    const project = runtimeProject('custom');
    // An ELF header for x86-64 (e_machine 0x3E) is enough: the check reads only the header.
    const header = Buffer.alloc(64);
    header.writeUInt32BE(0x7f454c46, 0);
    header[4] = 2;
    header[5] = 1;
    header.writeUInt16LE(0x3e, 18);
    fs.writeFileSync(path.join(project.entry, 'bootstrap'), header, { mode: 0o755 });
    assert.throws(() => customBuilder.build(project.request('arm64')), (e: LambdakitError) => e.code === 'BootstrapArchitectureMismatch' && /x86_64/.test(e.message));
    assert.equal(customBuilder.build(project.request('x86_64')).cached, false);
  });
});
