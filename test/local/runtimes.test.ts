import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAssembly } from '../../lib/assembly/read';
import { goBuilder } from '../../lib/bundling/go';
import { hostArchitecture } from '../../lib/bundling/output';
import { rustBuilder } from '../../lib/bundling/rust';
import { LocalLambda } from '../../lib/local';
import { bootstrapCommand } from '../../lib/local/environment';
import { otherThan, RUNTIME_FIXTURES, runtimeProject } from '../bundling/runtimes-helpers';
import { writeAssembly } from './fixture';

// Go and Rust functions run locally from their builds (go and cargo must be on PATH: CI installs them).
const host = hostArchitecture() ?? 'x86_64';
const foreign = otherThan(host);

/** Stages a build as the function's asset, and its host build (if any) where LambdaFunction records it. */
function stage(dir: string, id: string, outdir: string, hostOutdir?: string): void {
  fs.cpSync(outdir, path.join(dir, `asset.${id}`), { recursive: true });
  if (hostOutdir) fs.cpSync(hostOutdir, path.join(dir, `host.${id}`), { recursive: true });
}

/** Adds `lambdakit:build` metadata to the stack artifact, as LambdaFunction's node.addMetadata leaves it in the manifest. */
function recordBuilds(dir: string, stackName: string, builds: Record<string, { language: string; entry: string; hostCodeDir?: string }>): void {
  const manifestFile = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  manifest.artifacts[stackName].metadata = Object.fromEntries(Object.entries(builds).map(([id, data]) => [`/${stackName}/${id}`, [{ type: 'lambdakit:build', data }]]));
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
}

describe('bootstrapCommand', () => {
  const script = (first: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-bootstrap-')), 'bootstrap');
    fs.writeFileSync(file, `${first}\necho hi\n`, { mode: 0o755 });
    return file;
  };

  it('runs #!/bin/sh scripts with bash, as Amazon Linux 2023 does (its sh is bash), shebang arguments kept', () => {
    for (const first of ['#!/bin/sh', '#!/usr/bin/env sh', '#! /bin/sh']) {
      const file = script(first);
      const { command, args } = bootstrapCommand(file);
      assert.equal(path.basename(command), 'bash', first);
      assert.deepEqual(args, [file]);
    }
    const withFlag = script('#!/bin/sh -e');
    assert.deepEqual(bootstrapCommand(withFlag).args, ['-e', withFlag]);
  });

  it('executes anything else as it is', () => {
    for (const first of ['#!/bin/bash', '#!/usr/bin/env python3', '#!/bin/shell-of-mine']) {
      const file = script(first);
      assert.deepEqual(bootstrapCommand(file), { command: file, args: [] }, first);
    }
  });
});

describe('local runs of Go, Rust and custom runtimes', () => {
  let dir: string;
  let local: LocalLambda;

  before(async () => {
    const go = goBuilder.build(runtimeProject('go').request(foreign));
    const rust = rustBuilder.build(runtimeProject('rust').request(host));
    dir = writeAssembly('Langs', [
      { id: 'Go', functionName: 'go', runtime: 'provided.al2023', handler: 'bootstrap', files: {}, properties: { Architectures: [foreign === 'arm64' ? 'arm64' : 'x86_64'] } },
      { id: 'Rust', functionName: 'rust', runtime: 'provided.al2023', handler: 'bootstrap', files: {} },
      { id: 'Bash', functionName: 'bash', runtime: 'provided.al2023', handler: 'function.handler', files: {} },
      {
        // A runtime that writes no final newline at init and per event, in Node.js so it needs no toolchain.
        id: 'Partial',
        functionName: 'partial',
        runtime: 'provided.al2023',
        files: {
          bootstrap: `#!${process.execPath}
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime/invocation/';
process.stdout.write('init without newline');
(async () => {
  for (;;) {
    const next = await fetch(api + 'next');
    const id = next.headers.get('lambda-runtime-aws-request-id');
    await next.text();
    process.stdout.write('partial ' + id);
    await (await fetch(api + id + '/response', { method: 'POST', body: '"ok"' })).text();
  }
})();
`,
        },
      },
    ]);
    stage(dir, 'Go', go.outdir, go.hostOutdir);
    stage(dir, 'Rust', rust.outdir, rust.hostOutdir);
    stage(dir, 'Bash', path.join(RUNTIME_FIXTURES, 'custom'));
    recordBuilds(dir, 'Langs', {
      Go: { language: 'go', entry: 'functions/go', hostCodeDir: 'host.Go' },
      Rust: { language: 'rust', entry: 'functions/rust' },
      Bash: { language: 'custom', entry: 'functions/custom' },
    });
    local = await LocalLambda.start({ assembly: readAssembly(dir), port: 0, reportsFile: false });
  });

  after(async () => {
    await local?.close({ drainMs: 0 });
  });

  it('reads the language and the host build from lambdakit:build metadata', () => {
    const fns = readAssembly(dir).functions;
    const go = fns.find((f) => f.functionName === 'go')!;
    assert.equal(go.language, 'go');
    assert.equal(go.localCodeDir, path.join(dir, 'host.Go'));
    assert.equal(go.codeDir, path.join(dir, 'asset.Go'), 'the deploy build stays the asset');
    const rust = fns.find((f) => f.functionName === 'rust')!;
    assert.equal(rust.language, 'rust');
    assert.equal(rust.localCodeDir, undefined);
  });

  it(`runs a Go function deployed on ${foreign} from its host build`, async () => {
    const result = await local.invoke('go', { n: 1 });
    assert.equal(result.functionError, undefined, result.payload);
    assert.deepEqual(JSON.parse(result.payload), { echo: { n: 1 }, lang: 'go' });
    assert.match(result.log, /^go: handling [0-9a-f-]{36}$/m);
  });

  it('reports a Go function error through the Runtime API', async () => {
    const result = await local.invoke('go', { fail: true });
    assert.equal(result.functionError, 'Unhandled');
    assert.equal(JSON.parse(result.payload).errorType, 'EchoError');
  });

  it('runs a Rust function', async () => {
    const result = await local.invoke('rust', { n: 2 });
    assert.equal(result.functionError, undefined, result.payload);
    assert.deepEqual(JSON.parse(result.payload), { echo: { n: 2 }, lang: 'rust' });
  });

  it('runs the AWS docs style bash runtime (#!/bin/sh with set -euo pipefail) where sh is dash', async () => {
    const result = await local.invoke('bash', { n: 3 });
    assert.equal(result.functionError, undefined, `${result.payload}\n${result.log}`);
    assert.deepEqual(JSON.parse(result.payload), { echo: { n: 3 }, lang: 'bash' });
  });

  it('keeps output without a final newline off the START and END lines', async () => {
    const bash = await local.invoke('bash', {});
    assert.match(bash.log, /^bash: handling [0-9a-f-]{36}\nEND RequestId: /m);
    const cold = await local.invoke('partial', {});
    assert.match(cold.log, /^START RequestId: [^\n]+\ninit without newline/);
    assert.match(cold.log, /partial [0-9a-f-]{36}\nEND RequestId: /);
    const warm = await local.invoke('partial', {});
    assert.match(warm.log, /^START RequestId: [^\n]+\npartial [0-9a-f-]{36}\nEND RequestId: /);
    for (const log of [bash.log, cold.log, warm.log]) assert.doesNotMatch(log, /\S(START|END|REPORT) RequestId/);
  });
});
