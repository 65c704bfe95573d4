import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../cli/run-cli';
import { opsProject } from './fixture';
import { DUMMY_AWS_ENV, type Moto, deployAssembly, freePort, startMoto } from './moto';

/** No credentials anywhere: not in the environment, not in files, not from instance metadata. */
const NO_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: '',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
  AWS_WEB_IDENTITY_TOKEN_FILE: '',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

describe('operations commands fail in one line', () => {
  let moto: Moto;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    moto = await startMoto();
    dir = opsProject('ops-failures');
    env = { ...DUMMY_AWS_ENV, AWS_ENDPOINT_URL: moto.endpoint };
  });
  after(async () => {
    await moto?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when the endpoint cannot be reached', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    for (const args of [['status', 'Ops/Hello'], ['promote', 'some-function'], ['logs', 'some-function'], ['concurrency', 'Ops/Hello', '--reserved', '3']]) {
      const result = await runCli([...args, '--endpoint-url', closed], dir, { ...DUMMY_AWS_ENV });
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}`);
      assert.match(result.stderr, new RegExp(`^lambdakit: cannot reach ${closed} \\(ECONNREFUSED\\) for \\w+\\n {2}next: check --endpoint-url / AWS_ENDPOINT_URL and the network\\n$`), args.join(' '));
    }
  });

  it('when the host name does not resolve', async () => {
    const result = await runCli(['status', 'some-function', '--endpoint-url', 'http://no-such-host.invalid:4566'], dir, { ...DUMMY_AWS_ENV });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^lambdakit: cannot reach http:\/\/no-such-host\.invalid:4566 \((ENOTFOUND|EAI_AGAIN)\) for GetFunction\n {2}next: /);
  });

  it('when there are no credentials', async () => {
    const result = await runCli(['status', 'Ops/Hello', '--endpoint-url', moto.endpoint], dir, NO_CREDENTIALS);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'lambdakit: no AWS credentials found\n  next: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (dummy values for a local endpoint)\n');
  });

  it('when the function is unknown, by name or by construct path, or its stack is not deployed', async () => {
    const byName = await runCli(['status', 'no-such-function'], dir, env);
    assert.equal(byName.code, 1);
    assert.equal(
      byName.stderr,
      `lambdakit: no function no-such-function at ${moto.endpoint} (no-such-function is not a construct path of cdk.out)\n  next: give a construct path (e.g. Api/Hello) or a deployed function name; --region picks the region\n`,
    );
    const byPath = await runCli(['promote', 'Ops/Nope'], dir, env);
    assert.equal(byPath.code, 1);
    assert.equal(byPath.stderr, 'lambdakit: no function at construct path Ops/Nope in cdk.out\n  next: functions of the assembly: Ops/Hello, Ops/Canary\n');
    // The stack is in the assembly but not deployed to this (empty) moto.
    const undeployed = await runCli(['concurrency', 'Ops/Hello'], dir, env);
    assert.equal(undeployed.code, 1);
    assert.equal(undeployed.stderr, `lambdakit: stack Ops is not deployed at ${moto.endpoint}\n  next: run \`cdk deploy Ops\`, or point --region / --endpoint-url at the account it is deployed to\n`);
    const all = await runCli(['status'], dir, env);
    assert.equal(all.code, 1);
    assert.match(all.stdout, /^Ops\/Hello +error: stack Ops is not deployed at/m);
  });

  it('when --app names neither an assembly nor a command that runs', async () => {
    const result = await runCli(['status', 'Api/Hello', '--app', 'missing.out'], dir, env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^lambdakit: --app missing.out is neither a cloud assembly directory nor a command that runs\n/);
  });

  it('once the stack is deployed, the same assembly works', async () => {
    await deployAssembly(moto.endpoint, dir);
    const result = await runCli(['concurrency', 'Ops/Hello'], dir, env);
    assert.equal(result.code, 0, result.stderr);
  });
});
