import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { BuildResult } from '../../lib/bundling/builder';
import { goBuilder } from '../../lib/bundling/go';
import { hostArchitecture } from '../../lib/bundling/output';
import { LambdakitError } from '../../lib/errors';
import { elfMachine, isExecutable, otherThan, runtimeProject, withPath } from './runtimes-helpers';

// Builds need `go` on PATH (CI installs golang-go): without it these tests fail, they do not skip.
const host = hostArchitecture() ?? 'x86_64';
const foreign = otherThan(host);

describe('goBuilder', () => {
  const project = runtimeProject('go');
  let forForeign: BuildResult;
  let forHost: BuildResult;

  before(() => {
    forForeign = goBuilder.build(project.request(foreign));
    forHost = goBuilder.build(project.request(host));
  });

  it('builds an executable bootstrap for the function architecture, and nothing else', () => {
    assert.deepEqual(fs.readdirSync(forForeign.outdir), ['bootstrap']);
    assert.equal(elfMachine(path.join(forForeign.outdir, 'bootstrap')), foreign);
    assert.ok(isExecutable(path.join(forForeign.outdir, 'bootstrap')));
    assert.equal(forForeign.handler, 'bootstrap');
    assert.equal(forForeign.bytes, fs.statSync(path.join(forForeign.outdir, 'bootstrap')).size);
  });

  it('adds a host build for local runs exactly when the architectures differ', () => {
    assert.ok(forForeign.hostOutdir);
    assert.equal(elfMachine(path.join(forForeign.hostOutdir, 'bootstrap')), host);
    assert.equal(forHost.hostOutdir, undefined);
    assert.equal(elfMachine(path.join(forHost.outdir, 'bootstrap')), host);
    // The host build of one is the deploy build of the other: one cache slot per source and architecture.
    assert.equal(forForeign.hostOutdir, forHost.outdir);
  });

  it('reuses the cache for unchanged sources without running go again', () => {
    const mtime = fs.statSync(path.join(forForeign.outdir, 'bootstrap')).mtimeMs;
    const again = goBuilder.build(project.request(foreign));
    assert.equal(again.cached, true);
    assert.equal(again.hash, forForeign.hash);
    assert.equal(fs.statSync(path.join(again.outdir, 'bootstrap')).mtimeMs, mtime);
  });

  it('gives the same hash from another checkout path and cache (no paths or VCS data in the binary)', () => {
    const elsewhere = runtimeProject('go', 'lambdakit-runtime-other-checkout-');
    const result = goBuilder.build(elsewhere.request(host));
    assert.equal(result.cached, false);
    assert.equal(result.hash, forHost.hash);
  });

  it('rebuilds when a source file changes, from the .go file entry as from the directory', () => {
    const changed = runtimeProject('go');
    const main = path.join(changed.entry, 'main.go');
    const source = fs.readFileSync(main, 'utf8');
    assert.ok(source.includes('"lang":"go"'));
    fs.writeFileSync(main, source.replace('"lang":"go"', '"lang":"golang"'));
    const result = goBuilder.build(changed.request(host, { entry: main }));
    assert.equal(result.cached, false);
    assert.notEqual(result.hash, forHost.hash);
  });

  it('fails with the compiler output, the construct path and the entry when the code does not compile', () => {
    const broken = runtimeProject('go');
    fs.writeFileSync(path.join(broken.entry, 'main.go'), 'package main\n\nfunc main() {\n\tundefinedThing()\n}\n');
    assert.throws(
      () => goBuilder.build(broken.request(host)),
      (e: LambdakitError) => e.code === 'BuildFailed' && e.path === 'S/Fn' && e.file === broken.entry && /main\.go:4:\d+: undefined: undefinedThing/.test(e.message),
    );
  });

  it('names what to install when go is not on PATH', () => {
    const fresh = runtimeProject('go');
    fs.appendFileSync(path.join(fresh.entry, 'main.go'), '// a change, so the cache has nothing\n');
    assert.throws(
      () => withPath('/nonexistent', () => goBuilder.build(fresh.request(host))),
      (e: LambdakitError) => e.code === 'ToolchainMissing' && /go is not installed/.test(e.message) && /apt-get install golang-go or https:\/\/go\.dev\/dl/.test(e.hint ?? ''),
    );
  });

  it('asks for go mod init when the package has no module', () => {
    const bare = runtimeProject('go');
    fs.rmSync(path.join(bare.entry, 'go.mod'));
    assert.throws(() => goBuilder.build(bare.request(host)), (e: LambdakitError) => e.code === 'GoModuleMissing' && /go mod init/.test(e.hint ?? ''));
  });
});
