import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CreateAliasCommand, PublishVersionCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { runCli } from '../cli/run-cli';
import { opsProject, lambdaClient } from './fixture';
import { DUMMY_AWS_ENV, type Moto, deployAssembly, physicalIds, startMoto } from './moto';

describe('lambdakit status (against moto)', () => {
  let moto: Moto;
  let dir: string;
  let ids: Record<string, string>;
  let env: Record<string, string>;

  before(async () => {
    moto = await startMoto();
    dir = opsProject('ops-status');
    await deployAssembly(moto.endpoint, dir);
    ids = await physicalIds(moto.endpoint, 'Ops');
    const lambda = lambdaClient(moto.endpoint);
    // moto's CloudFormation published version 1 and skipped the alias; add version 2 and a 90/10 alias.
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: ids.Hello, Description: 'v2' }));
    await lambda.send(new PublishVersionCommand({ FunctionName: ids.Hello }));
    await lambda.send(new CreateAliasCommand({ FunctionName: ids.Hello, Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } }));
    lambda.destroy();
    env = { ...DUMMY_AWS_ENV, AWS_ENDPOINT_URL: moto.endpoint };
  });
  after(async () => {
    await moto?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows one function named by construct path as a table, with its environment', async () => {
    const result = await runCli(['status', 'Ops/Hello'], dir, env);
    assert.equal(result.code, 0, result.stderr);
    const [header, row] = result.stdout.split('\n');
    assert.match(header, /^FUNCTION +NAME +VERSION +ALIASES +RESERVED +PROVISIONED +MEMORY +TIMEOUT +RUNTIME +ARCH +LAST MODIFIED +CODE SIZE$/);
    const cells = row.split(/ {2,}/);
    assert.deepEqual(cells.slice(0, 9), ['Ops/Hello', ids.Hello, '2', 'live→1 (90%), 2 (10%)', '5', '?', '256 MB', '7 s', 'nodejs22.x']);
    assert.match(result.stdout, /^environment:\n {2}GREETING=hello$/m);
    // moto does not implement ListProvisionedConcurrencyConfigs; status says so instead of failing.
    assert.match(result.stdout, /PROVISIONED "\?": the endpoint does not implement ListProvisionedConcurrencyConfigs/);
  });

  it('takes a function name too, and --endpoint-url instead of AWS_ENDPOINT_URL', async () => {
    const result = await runCli(['status', ids.Hello, '--json', '--endpoint-url', moto.endpoint], dir, { ...DUMMY_AWS_ENV });
    assert.equal(result.code, 0, result.stderr);
    const [status] = JSON.parse(result.stdout).functions;
    assert.equal(status.function, ids.Hello);
    assert.equal(status.functionName, ids.Hello);
  });

  it('lists every function of the assembly with --json', async () => {
    const result = await runCli(['status', '--json'], dir, env);
    assert.equal(result.code, 0, result.stderr);
    const { functions } = JSON.parse(result.stdout);
    assert.deepEqual(functions.map((f: { function: string }) => f.function), ['Ops/Hello', 'Ops/Canary']);
    const hello = functions[0];
    assert.equal(hello.functionName, ids.Hello);
    assert.equal(hello.stack, 'Ops');
    assert.equal(hello.latestVersion, '2');
    assert.deepEqual(hello.aliases, [{ name: 'live', version: '1', additionalVersionWeights: { '2': 0.1 } }]);
    assert.equal(hello.reservedConcurrency, 5);
    assert.equal(hello.provisionedConcurrency, null);
    assert.equal(hello.memoryMb, 256);
    assert.equal(hello.timeoutSeconds, 7);
    assert.equal(hello.runtime, 'nodejs22.x');
    assert.deepEqual(hello.environment, { GREETING: 'hello' });
    assert.equal(typeof hello.codeSize, 'number');
    assert.equal(typeof hello.lastModified, 'string');
    assert.equal(functions[1].reservedConcurrency, null);
    assert.deepEqual(functions[1].aliases, []);
  });
});
