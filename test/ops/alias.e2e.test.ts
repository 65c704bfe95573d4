import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CreateAliasCommand, GetAliasCommand, PublishVersionCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { runCli } from '../cli/run-cli';
import { lambdaClient, opsProject } from './fixture';
import { DUMMY_AWS_ENV, type Moto, deployAssembly, physicalIds, startMoto } from './moto';

describe('lambdakit promote / rollback (against moto)', () => {
  let moto: Moto;
  let dir: string;
  let ids: Record<string, string>;
  let env: Record<string, string>;
  let lambda: ReturnType<typeof lambdaClient>;
  const alias = async (fn = ids.Hello) => {
    const got = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: 'live' }));
    return { version: got.FunctionVersion, weights: got.RoutingConfig?.AdditionalVersionWeights ?? {} };
  };

  before(async () => {
    moto = await startMoto();
    dir = opsProject('ops-alias');
    await deployAssembly(moto.endpoint, dir);
    ids = await physicalIds(moto.endpoint, 'Ops');
    lambda = lambdaClient(moto.endpoint);
    // Versions 1 (from the stack), 2 and 3; the alias on 1 as after a deploy of version 1.
    for (const description of ['v2', 'v3']) {
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: ids.Hello, Description: description }));
      await lambda.send(new PublishVersionCommand({ FunctionName: ids.Hello }));
    }
    await lambda.send(new CreateAliasCommand({ FunctionName: ids.Hello, Name: 'live', FunctionVersion: '1' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: ids.Canary, Name: 'live', FunctionVersion: '1' }));
    env = { ...DUMMY_AWS_ENV, AWS_ENDPOINT_URL: moto.endpoint };
  });
  after(async () => {
    lambda?.destroy();
    await moto?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shifts a share of the traffic, then all of it, then rolls back step by step', async () => {
    const canary = await runCli(['promote', 'Ops/Hello', '--weight', '10', '--to-version', '2'], dir, env);
    assert.equal(canary.code, 0, canary.stderr);
    assert.equal(canary.stdout, 'Ops/Hello: alias live: 10% → version 2, 90% stays on 1\n');
    assert.deepEqual(await alias(), { version: '1', weights: { '2': 0.1 } });

    // Rolling back a split removes it: all traffic returns to the alias's own version.
    const undoSplit = await runCli(['rollback', 'Ops/Hello'], dir, env);
    assert.equal(undoSplit.code, 0, undoSplit.stderr);
    assert.match(undoSplit.stdout, /removed the traffic split \(version 1 90%, version 2 10%\); all traffic on version 1/);
    assert.deepEqual(await alias(), { version: '1', weights: {} });

    // Without --to-version: the newest published version.
    const full = await runCli(['promote', 'Ops/Hello'], dir, env);
    assert.equal(full.code, 0, full.stderr);
    assert.equal(full.stdout, 'Ops/Hello: alias live → version 3 (was version 1)\n');
    assert.deepEqual(await alias(), { version: '3', weights: {} });

    // Without a split: the newest version below the current one.
    const back = await runCli(['rollback', 'Ops/Hello', '--json'], dir, env);
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual(JSON.parse(back.stdout).after, { version: '2', additionalVersionWeights: {} });
    assert.deepEqual(await alias(), { version: '2', weights: {} });
  });

  it('refuses impossible moves in one line', async () => {
    const sameVersion = await runCli(['promote', 'Ops/Hello', '--weight', '50', '--to-version', '2'], dir, env);
    assert.equal(sameVersion.code, 1);
    assert.match(sameVersion.stderr, /^lambdakit: Ops\/Hello: alias live already points at version 2; a weighted promote shifts traffic to another version\n {2}next: /);
    const noVersion = await runCli(['promote', 'Ops/Hello', '--to-version', '9'], dir, env);
    assert.equal(noVersion.code, 1);
    assert.match(noVersion.stderr, /no version 9\n {2}next: published versions: 1, 2, 3/);
    const badWeight = await runCli(['promote', 'Ops/Hello', '--weight', '0'], dir, env);
    assert.equal(badWeight.code, 1);
    assert.match(badWeight.stderr, /--weight must be a whole percentage from 1 to 100, got 0/);
    const overWeight = await runCli(['promote', 'Ops/Hello', '--weight', '101'], dir, env);
    assert.equal(overWeight.code, 1);
    assert.match(overWeight.stderr, /--weight must be a whole percentage from 1 to 100, got 101/);
    // `--version` is lambdakit's own flag: the old spelling is refused, not taken for lambdakit's version.
    for (const command of ['promote', 'rollback']) {
      const oldFlag = await runCli([command, 'Ops/Hello', '--version', '1'], dir, env);
      assert.equal(oldFlag.code, 1);
      assert.equal(oldFlag.stderr, "lambdakit: --version is lambdakit's own version flag\n  next: name the function version with --to-version 1\n");
    }
    const noAlias = await runCli(['promote', 'Ops/Hello', '--alias', 'beta'], dir, env);
    assert.equal(noAlias.code, 1);
    assert.match(noAlias.stderr, /has no alias beta/);
    assert.deepEqual(await alias(), { version: '2', weights: {} });
  });

  it('refuses to move an alias a CodeDeploy deployment group owns, and leaves it alone', async () => {
    for (const args of [['promote', 'Ops/Canary'], ['rollback', 'Ops/Canary']]) {
      const result = await runCli(args, dir, env);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        new RegExp(`^lambdakit: Ops/Canary: refusing to ${args[0] === 'promote' ? 'promote' : 'roll back'}: alias live is shifted by CodeDeploy \\(deployment group Ops-Canary-Group\\)\\n {2}next: ship the version with \`cdk deploy\``),
      );
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
    assert.deepEqual(await alias(ids.Canary), { version: '1', weights: {} });
  });
});
