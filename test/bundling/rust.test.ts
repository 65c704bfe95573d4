import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { BuildResult } from '../../lib/bundling/builder';
import { hostArchitecture } from '../../lib/bundling/output';
import { checkGlibc, rustBuilder } from '../../lib/bundling/rust';
import { LambdakitError } from '../../lib/errors';
import { elfMachine, isExecutable, otherThan, runtimeProject, withPath } from './runtimes-helpers';

// Builds need cargo on PATH with the host's linux target: without them these tests fail, they do not skip.
const host = hostArchitecture() ?? 'x86_64';
const triple = (arch: string) => `${arch === 'arm64' ? 'aarch64' : 'x86_64'}-unknown-linux-gnu`;
const sysroot = spawnSync('rustc', ['--print', 'sysroot'], { encoding: 'utf8' }).stdout?.trim() ?? '';
const foreignInstalled = ['gnu', 'musl'].some((libc) => fs.existsSync(path.join(sysroot, 'lib', 'rustlib', triple(otherThan(host)).replace('gnu', libc))));

describe('rustBuilder', () => {
  const project = runtimeProject('rust');
  let built: BuildResult;

  before(() => {
    built = rustBuilder.build(project.request(host));
  });

  it('builds the crate binary into an executable bootstrap for the architecture, and nothing else', () => {
    assert.deepEqual(fs.readdirSync(built.outdir), ['bootstrap']);
    assert.equal(elfMachine(path.join(built.outdir, 'bootstrap')), host);
    assert.ok(isExecutable(path.join(built.outdir, 'bootstrap')));
    assert.equal(built.handler, 'bootstrap');
    assert.equal(built.hostOutdir, undefined, 'the deploy build runs here');
  });

  it('reuses the cache for unchanged sources without running cargo again', () => {
    const mtime = fs.statSync(path.join(built.outdir, 'bootstrap')).mtimeMs;
    const again = rustBuilder.build(project.request(host));
    assert.equal(again.cached, true);
    assert.equal(again.hash, built.hash);
    assert.equal(fs.statSync(path.join(again.outdir, 'bootstrap')).mtimeMs, mtime);
  });

  it('gives the same hash from another checkout path and cache (paths remapped, symbols stripped)', () => {
    const elsewhere = runtimeProject('rust', 'lambdakit-runtime-other-checkout-path-');
    const result = rustBuilder.build(elsewhere.request(host));
    assert.equal(result.cached, false);
    assert.equal(result.hash, built.hash);
    assert.doesNotMatch(fs.readFileSync(path.join(result.outdir, 'bootstrap')).toString('latin1'), /lambdakit-runtime-/);
  });

  it('rebuilds when a source file changes', () => {
    const changed = runtimeProject('rust');
    const main = path.join(changed.entry, 'src', 'main.rs');
    const source = fs.readFileSync(main, 'utf8');
    assert.ok(source.includes('\\"lang\\":\\"rust\\"'));
    fs.writeFileSync(main, source.replace('\\"lang\\":\\"rust\\"', '\\"lang\\":\\"rs\\"'));
    const result = rustBuilder.build(changed.request(host));
    assert.equal(result.cached, false);
    assert.notEqual(result.hash, built.hash);
  });

  it('files a build made without Cargo.lock under the lock cargo wrote, so the next synth is cached', () => {
    const unlocked = runtimeProject('rust');
    fs.rmSync(path.join(unlocked.entry, 'Cargo.lock'));
    assert.equal(rustBuilder.build(unlocked.request(host)).cached, false);
    assert.ok(fs.existsSync(path.join(unlocked.entry, 'Cargo.lock')));
    assert.equal(rustBuilder.build(unlocked.request(host)).cached, true);
  });

  it('fails with the compiler output, the construct path and the entry when the code does not compile', () => {
    const broken = runtimeProject('rust');
    fs.writeFileSync(path.join(broken.entry, 'src', 'main.rs'), 'fn main() {\n    undefined_thing();\n}\n');
    assert.throws(
      () => rustBuilder.build(broken.request(host)),
      (e: LambdakitError) => e.code === 'BuildFailed' && e.path === 'S/Fn' && e.file === broken.entry && /cannot find function `undefined_thing`/.test(e.message) && /src\/main\.rs:2/.test(e.message),
    );
  });

  it('fails synth with the rustup line to run when the target standard library is not installed', { skip: foreignInstalled && `${triple(otherThan(host))} is installed here` }, () => {
    assert.throws(
      () => rustBuilder.build(project.request(otherThan(host))),
      (e: LambdakitError) => e.code === 'RustTargetMissing' && e.hint === `rustup target add ${triple(otherThan(host))}`,
    );
  });

  it('passes a gnu build whose glibc symbols Amazon Linux 2023 has, and fails one needing newer, pointing at musl', () => {
    assert.doesNotThrow(() => checkGlibc({ constructPath: 'S/Fn', entry: project.entry }, triple(host), path.join(built.outdir, 'bootstrap')));
    const newer = path.join(project.root, 'needs-new-glibc');
    fs.writeFileSync(newer, Buffer.from('\x7fELF...GLIBC_2.17\0GLIBC_2.38\0GLIBC_2.34\0', 'latin1'));
    assert.throws(
      () => checkGlibc({ constructPath: 'S/Fn', entry: project.entry }, 'aarch64-unknown-linux-gnu', newer),
      (e: LambdakitError) => e.code === 'GlibcTooNew' && /GLIBC_2\.38/.test(e.message) && e.hint === 'rustup target add aarch64-unknown-linux-musl (lambdakit then builds a static musl binary)',
    );
  });

  it('names rustup when cargo is not on PATH', () => {
    assert.throws(
      () => withPath('/nonexistent', () => rustBuilder.build(project.request(host))),
      (e: LambdakitError) => e.code === 'ToolchainMissing' && /(rustc|cargo) is not installed/.test(e.message) && /rustup/.test(e.hint ?? ''),
    );
  });

  it('picks the binary named bootstrap (or after the package) when the crate has several', () => {
    const several = runtimeProject('rust');
    fs.mkdirSync(path.join(several.entry, 'src', 'bin'));
    fs.writeFileSync(path.join(several.entry, 'src', 'bin', 'tool.rs'), 'fn main() { println!("a tool, not the function"); }\n');
    const result = rustBuilder.build(several.request(host));
    const echo = spawnSync(path.join(result.outdir, 'bootstrap'), [], { encoding: 'utf8', env: {} });
    assert.doesNotMatch(echo.stdout, /a tool/);
    assert.match(echo.stderr, /AWS_LAMBDA_RUNTIME_API/, 'the echo binary ran and asked for its Runtime API');
  });
});
