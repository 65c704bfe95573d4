import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { runCli } from '../cli/run-cli';
import { CLI } from '../helpers';
import { DUMMY_AWS_ENV, type Moto, deployAssembly, freePort, physicalIds, startMoto } from '../ops/moto';
import { costProject } from './fixture';

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

describe('lambdakit cost --cloudwatch (against moto)', () => {
  let moto: Moto;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    moto = await startMoto();
    dir = costProject('cost-cloudwatch');
    await deployAssembly(moto.endpoint, dir);
    // As in a pull request that adds a stack: Jobs is in the assembly but not deployed.
    const { CloudFormationClient, DeleteStackCommand } = await import('@aws-sdk/client-cloudformation');
    const cfn = new CloudFormationClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await cfn.send(new DeleteStackCommand({ StackName: 'Jobs' })).finally(() => cfn.destroy());
    const ids = await physicalIds(moto.endpoint, 'Shop');
    const cloudWatch = new CloudWatchClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      const at = new Date(Date.now() - 3_600_000);
      const dimensions = (name: string) => [{ Name: 'FunctionName', Value: name }];
      // shop-browse has its name in the template; Checkout's comes from the stack (ListStackResources).
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/Lambda',
          MetricData: [
            { MetricName: 'Invocations', Dimensions: dimensions('shop-browse'), Value: 1000, Unit: 'Count', Timestamp: at },
            // 600 invocations of 100 ms and 400 of 200 ms: mean 140 ms
            { MetricName: 'Duration', Dimensions: dimensions('shop-browse'), Values: [100, 200], Counts: [600, 400], Unit: 'Milliseconds', Timestamp: at },
            { MetricName: 'Invocations', Dimensions: dimensions(ids.Checkout), Value: 500, Unit: 'Count', Timestamp: at },
            { MetricName: 'Duration', Dimensions: dimensions(ids.Checkout), Values: [30.2], Counts: [500], Unit: 'Milliseconds', Timestamp: at },
          ],
        }),
      );
    } finally {
      cloudWatch.destroy();
    }
    env = { ...DUMMY_AWS_ENV, AWS_ENDPOINT_URL: moto.endpoint };
  });
  after(async () => {
    await moto?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads invocations and the mean duration of each deployed function, scaled to a month', async () => {
    const result = await runCli(['cost', '--cloudwatch', '--cloudwatch-days', '1', '--json'], dir, env);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    const fn = (p: string) => report.functions.find((f: { constructPath: string }) => f.constructPath === p);
    // 1,000 invocations in 1 day → 1,000 / 86,400 s × 2,628,000 s = 30,416.67 a month
    const browse = fn('Shop/Browse');
    assert.equal(Math.round(browse.invocationsPerMonth * 100) / 100, 30_416.67);
    assert.equal(browse.billedDurationMs, 140);
    assert.deepEqual(browse.assumptions, ['invocations: 1,000 in CloudWatch over 1 d, scaled to a month', 'duration: CloudWatch mean over 1 d']);
    // Checkout, named through its stack: 500 invocations of 30.2 ms (billed 31 ms) → 15,208.33 a month
    const checkout = fn('Shop/Checkout');
    assert.equal(Math.round(checkout.invocationsPerMonth * 100) / 100, 15_208.33);
    assert.equal(checkout.billedDurationMs, 31);
    // A stack that is not deployed yet does not fail the estimate: it has nothing measured.
    assert.deepEqual(fn('Jobs/Resize').assumptions, ['not deployed: nothing in CloudWatch, fixed costs only']);
    // The price list the CLI ships beside its code (dist/cost in the package), named from the project.
    assert.equal(report.prices.file, path.relative(dir, path.join(path.dirname(CLI), '..', 'cost', 'prices.json')));

    // What the user gives wins over what was measured, and the table says which was used.
    const table = await runCli(['cost', '--cloudwatch', '--cloudwatch-days', '1', '--duration-ms', '80', '--stack', 'Shop'], dir, env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Shop\/Browse .* 30,417 +80 ms .*invocations: 1,000 in CloudWatch over 1 d, scaled to a month; duration from --duration-ms$/m);
  });

  it('fails in one line when the endpoint cannot be reached', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = await runCli(['cost', '--cloudwatch', '--endpoint-url', closed], dir, { ...DUMMY_AWS_ENV });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^lambdakit: cannot reach ${closed} \\(ECONNREFUSED\\) for \\w+\\n {2}next: check --endpoint-url / AWS_ENDPOINT_URL and the network\\n$`));
  });

  it('fails in one line without credentials, and never asks AWS without --cloudwatch', async () => {
    const result = await runCli(['cost', '--cloudwatch', '--endpoint-url', moto.endpoint], dir, NO_CREDENTIALS);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'lambdakit: no AWS credentials found\n  next: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (dummy values for a local endpoint)\n');
    const offline = await runCli(['cost', '--traffic', 'traffic.json', '--endpoint-url', 'http://127.0.0.1:9'], dir, NO_CREDENTIALS);
    assert.equal(offline.code, 0, offline.stderr);
  });
});
