import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CreateAliasCommand, GetFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { runCli } from '../cli/run-cli';
import { lambdaClient, opsProject } from './fixture';
import { DUMMY_AWS_ENV, type Moto, deployAssembly, physicalIds, startMoto } from './moto';

describe('lambdakit concurrency (against moto)', () => {
  let moto: Moto;
  let dir: string;
  let ids: Record<string, string>;
  let env: Record<string, string>;
  let lambda: ReturnType<typeof lambdaClient>;
  const reserved = async () => (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: ids.Hello }))).ReservedConcurrentExecutions;

  before(async () => {
    moto = await startMoto();
    dir = opsProject('ops-concurrency');
    await deployAssembly(moto.endpoint, dir);
    ids = await physicalIds(moto.endpoint, 'Ops');
    lambda = lambdaClient(moto.endpoint);
    await lambda.send(new CreateAliasCommand({ FunctionName: ids.Hello, Name: 'live', FunctionVersion: '1' }));
    env = { ...DUMMY_AWS_ENV, AWS_ENDPOINT_URL: moto.endpoint };
  });
  after(async () => {
    lambda?.destroy();
    await moto?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads reserved concurrency (and says the endpoint cannot tell provisioned)', async () => {
    const result = await runCli(['concurrency', 'Ops/Hello'], dir, env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      `Ops/Hello (${ids.Hello})\n  reserved concurrency: 5\n  provisioned concurrency on live: unknown (the endpoint does not implement GetProvisionedConcurrencyConfig)\n`,
    );
  });

  it('sets reserved concurrency, notes the drift from the template, and removes it with "none"', async () => {
    const set = await runCli(['concurrency', 'Ops/Hello', '--reserved', '12', '--json'], dir, env);
    assert.equal(set.code, 0, set.stderr);
    const report = JSON.parse(set.stdout);
    assert.equal(report.reservedConcurrency, 12);
    assert.deepEqual(report.notes, ['the template reserves 5; the next cdk deploy of Ops sets it back']);
    assert.equal(await reserved(), 12);

    const none = await runCli(['concurrency', 'Ops/Hello', '--reserved', 'none'], dir, env);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /reserved concurrency: none \(unreserved pool\)/);
    assert.equal(await reserved(), undefined);
  });

  it('says in one line that moto does not implement provisioned concurrency, and rejects bad numbers', async () => {
    const provisioned = await runCli(['concurrency', 'Ops/Hello', '--provisioned', '2'], dir, env);
    assert.equal(provisioned.code, 1);
    assert.equal(provisioned.stderr, `lambdakit: ${moto.endpoint} gave no valid answer to PutProvisionedConcurrencyConfig (HTTP 404); the endpoint may not implement it\n`);
    const bad = await runCli(['concurrency', 'Ops/Hello', '--reserved', '-3'], dir, env);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'lambdakit: --reserved must be a whole number or "none", got -3\n');
  });
});
