import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { appInput } from '../../lib/ops/app';
import { runCli } from '../cli/run-cli';
import { opsProject } from './fixture';
import { DUMMY_AWS_ENV, freePort } from './moto';

const dir = opsProject('ops-app');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An app command that writes the fixture's assembly to CDK_OUTDIR, as `cdk synth` has an app do. */
const COPY_APP = `node -e "require('fs').cpSync('cdk.out', process.env.CDK_OUTDIR, { recursive: true })"`;

describe('--app is a cloud assembly directory or an app command, as in the CDK CLI', () => {
  it('reads a directory holding manifest.json as an assembly and anything else as a command', () => {
    assert.deepEqual(appInput('cdk.out', 'other.out', dir), { kind: 'assembly', assembly: 'cdk.out' });
    assert.deepEqual(appInput('npx tsx bin/app.ts', 'other.out', dir), { kind: 'command', command: 'npx tsx bin/app.ts', assembly: 'other.out' });
    assert.deepEqual(appInput(undefined, 'cdk.out', dir), { kind: 'default', assembly: 'cdk.out' });
    fs.mkdirSync(path.join(dir, 'empty.out'), { recursive: true });
    assert.throws(() => appInput('empty.out', 'cdk.out', dir), /no cloud assembly at empty.out \(manifest.json is missing\)/);
  });

  it('runs an app command into --output and maps construct paths through what it wrote', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    // Ops/Nope is refused from the assembly alone, before any AWS call: the answer lists the assembly's functions.
    const result = await runCli(['promote', 'Ops/Nope', '--app', COPY_APP, '--output', 'synth.out', '--endpoint-url', closed], dir, { ...DUMMY_AWS_ENV });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'lambdakit: no function at construct path Ops/Nope in synth.out\n  next: functions of the assembly: Ops/Hello, Ops/Canary\n');
    assert.ok(fs.existsSync(path.join(dir, 'synth.out', 'manifest.json')));
  });

  it('says in one line when --app is neither an assembly nor a command', async () => {
    const result = await runCli(['status', 'Ops/Hello', '--app', 'missing.out'], dir, { ...DUMMY_AWS_ENV });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'lambdakit: --app missing.out is neither a cloud assembly directory nor a command that runs\n  next: pass --app a directory holding manifest.json (cdk.out), or the app command, e.g. --app "npx tsx bin/app.ts"\n',
    );
  });

  it('check refuses an assembly: its checks run while the app synthesizes', async () => {
    const result = await runCli(['check', '--app', 'cdk.out'], dir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^lambdakit: check synthesizes the app itself; --app cdk.out is a cloud assembly\n {2}next: leave --app out/);
  });
});
