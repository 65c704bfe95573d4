import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cdkProject, runCli } from '../cli/run-cli';
import { FIXTURES } from '../helpers';
import { costProject, writeLocalReports, writeTraffic } from './fixture';

/** The row of a table line that starts with `name`, split on runs of two or more spaces. */
function row(stdout: string, name: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `no row ${name} in:\n${stdout}`);
  return line.split(/ {2,}/);
}

/** A one-line failure: exit 1, `lambdakit: <message>` and at most a `next:` line, never a stack trace. */
function assertOneLineError(result: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^lambdakit: [^\n]+\n( {2}next: [^\n]+\n)?$/);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

describe('lambdakit cost', () => {
  let dir: string;
  const env = { AWS_REGION: '', AWS_DEFAULT_REGION: '' };
  const cost = (args: string[]) => runCli(['cost', ...args], dir, env);

  before(() => {
    dir = costProject('cost-cli');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints each function and stack with its split, its assumptions, the free tier once, and the total', async () => {
    const result = await cost(['--traffic', 'traffic.json']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Lambda cost per month: us-east-1 prices taken \d{4}-\d{2}-\d{2} \(.*prices\.json, v1\), 730 h month, USD$/m);
    // FUNCTION ARCH MEMORY INVOCATIONS DURATION REQUESTS COMPUTE EPHEMERAL PROVISIONED TOTAL ASSUMPTIONS
    assert.deepEqual(row(result.stdout, 'Shop/Browse').slice(0, 11), [
      'Shop/Browse', 'arm64', '512 MB', '3,000,000', '120 ms', '$0.60', '$2.40', '$0.00', '$0.00', '$3.00', 'invocations from traffic.json; duration from traffic.json',
    ]);
    const checkout = row(result.stdout, 'Shop/Checkout');
    assert.deepEqual(checkout.slice(0, 10), ['Shop/Checkout', 'x86_64', '1024 MB', '10,000,000', '50 ms', '$2.00', '$4.86', '$0.00', '$21.90', '$28.76']);
    assert.match(checkout[10], /provisioned concurrency 2 on live, all month; steady traffic/);
    assert.deepEqual(row(result.stdout, 'Shop (stack)').slice(1, 8), ['13,000,000', '$2.60', '$7.26', '$0.00', '$21.90', '$31.76', '2 functions']);
    assert.deepEqual(row(result.stdout, 'Jobs/Resize').slice(3, 11), ['0', '-', '$0.00', '$0.00', '$0.00', '$0.00', '$0.00', 'no traffic given: fixed costs only']);
    // Only Shop/Browse has no provisioned concurrency: 1,000,000 of its requests and all its 180,000 GB-s are free.
    assert.deepEqual(row(result.stdout, 'free tier').slice(1, 4), ['-$0.20', '-$2.40', '-$2.60']);
    assert.deepEqual(row(result.stdout, 'TOTAL').slice(1), ['$29.16', '2 stacks, 3 functions']);
  });

  it('--json gives the same figures for CI, and --no-free-tier leaves the free tier out', async () => {
    const result = await cost(['--traffic', 'traffic.json', '--json', '--no-free-tier']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.prices.region, 'us-east-1');
    assert.deepEqual(report.stacks.map((s: { stackName: string; total: number }) => [s.stackName, Math.round(s.total * 100) / 100]), [['Jobs', 0], ['Shop', 31.76]]);
    assert.equal(report.freeTier.applied, false);
    assert.equal(Math.round(report.total * 100) / 100, 31.76);
    const browse = report.functions.find((f: { constructPath: string }) => f.constructPath === 'Shop/Browse');
    assert.deepEqual({ billed: browse.billedDurationMs, gbSeconds: browse.gbSeconds.onDemand, assumptions: browse.assumptions }, {
      billed: 120,
      gbSeconds: 180_000,
      assumptions: ['invocations from traffic.json', 'duration from traffic.json'],
    });
  });

  it('--budget fails the run naming the stack, its estimate and the budget, after printing the table', async () => {
    const over = await cost(['--traffic', 'traffic.json', '--budget', '25']);
    assert.equal(over.code, 1);
    assert.equal(over.stderr, 'lambdakit: stack Shop is estimated at $31.76/month, over the budget of $25.00/month\n  next: lower memory or provisioned concurrency (see --memory for a what-if), or raise --budget\n');
    assert.match(over.stdout, /^TOTAL +\$29\.16/m);
    // The free tier belongs to the account: it does not bring a stack under its budget.
    const json = await cost(['--traffic', 'traffic.json', '--budget', '30', '--json']);
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout).overBudget.map((o: { stackName: string }) => o.stackName), ['Shop']);
    const under = await cost(['--traffic', 'traffic.json', '--budget', '31.76']);
    assert.equal(under.code, 0, under.stderr);
  });

  it('--stack keeps one stack; --invocations and --duration-ms apply to functions without their own figures', async () => {
    // Jobs/Resize: Arm 2048 MB, 4096 MB ephemeral, 1,000,000 × 200 ms
    // compute 1,000,000 × 0.2 s × 2 GB = 400,000 GB-s × $0.0000133334 = $5.33336; ephemeral 200,000 s × 3.5 GB × $0.0000000309 = $0.02163
    // requests $0.20 → $5.55499 → $5.55
    const result = await cost(['--stack', 'Jobs', '--invocations', '1000000', '--duration-ms', '200', '--no-free-tier']);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /Shop/);
    assert.deepEqual(row(result.stdout, 'Jobs/Resize').slice(3, 11), ['1,000,000', '200 ms', '$0.20', '$5.33', '$0.02', '$0.00', '$5.55', 'invocations from --invocations; duration from --duration-ms']);
    // A duration above the timeout is billed as the timeout.
    const capped = await cost(['--stack', 'Jobs', '--invocations', '10', '--duration-ms', '45000']);
    assert.match(row(capped.stdout, 'Jobs/Resize')[10], /capped at the 30 s timeout/);
    assert.equal(row(capped.stdout, 'Jobs/Resize')[4], '30000 ms');
  });

  it('uses the local REPORT lines: a percentile of the durations times the local factor, and says so', async () => {
    writeLocalReports(dir, 'Jobs/Resize', 2048, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    writeLocalReports(dir, 'Jobs/Resize', 128, [5000]); // another memory size: not used while runs at the current one exist
    // p90 of 10 runs = 90 ms, × 2 = 180 ms; compute 1,000,000 × 0.18 s × 2 GB = 360,000 GB-s × $0.0000133334 = $4.800024
    // ephemeral 180,000 s × 3.5 GB × $0.0000000309 = $0.019467; requests $0.20 → $5.019491 → $5.02
    const result = await cost(['--stack', 'Jobs', '--invocations', '1000000', '--no-free-tier']);
    assert.equal(result.code, 0, result.stderr);
    const resize = row(result.stdout, 'Jobs/Resize');
    assert.deepEqual(resize.slice(4, 10), ['180 ms', '$0.20', '$4.80', '$0.02', '$0.00', '$5.02']);
    assert.match(resize[10], /duration: p90 of 10 local runs \(90 ms\) × 2 local factor/);
    // The factor and the percentile are the user's to change: p50 = 50 ms × 1.5 = 75 ms.
    const tuned = await cost(['--stack', 'Jobs', '--invocations', '1000000', '--local-factor', '1.5', '--local-percentile', '50']);
    assert.equal(row(tuned.stdout, 'Jobs/Resize')[4], '75 ms');
    assert.match(row(tuned.stdout, 'Jobs/Resize')[10], /p50 of 10 local runs \(50 ms\) × 1\.5 local factor/);
    fs.rmSync(path.join(dir, '.lambdakit'), { recursive: true, force: true });
  });

  it('--memory shows each function at other sizes, with the duration unchanged (io) and scaled by CPU share (cpu)', async () => {
    const result = await cost(['--stack', 'Shop', '--traffic', 'traffic.json', '--memory', '256,1024']);
    assert.equal(result.code, 0, result.stderr);
    const whatIf = result.stdout.slice(result.stdout.indexOf('Memory what-if'));
    // Shop/Browse at 256 MB: io 3,000,000 × 0.12 s × 0.25 GB = 90,000 GB-s × $0.0000133334 = $1.20 + $0.60 requests = $1.80
    //                        cpu 240 ms: 180,000 GB-s = $2.40 + $0.60 = $3.00
    assert.match(whatIf, /^Shop\/Browse +256 MB +120 ms +240 ms +\$1\.80 +\$3\.00$/m);
    assert.match(whatIf, /^ +512 MB \* +120 ms +120 ms +\$3\.00 +\$3\.00$/m);
    assert.match(whatIf, /^ +1024 MB +120 ms +60 ms +\$5\.40 +\$3\.00$/m);
  });

  it('bad input fails in one line that names it', async () => {
    writeTraffic(dir, 'unknown.json', { functions: { 'Shop/Nope': { invocationsPerMonth: 1 } } });
    assertOneLineError(await cost(['--traffic', 'unknown.json']), /traffic file .*unknown\.json names a function the assembly does not have: Shop\/Nope\n {2}next: functions of the assembly: Jobs\/Resize, Shop\/Browse, Shop\/Checkout/);
    writeTraffic(dir, 'negative.json', { functions: { 'shop-browse': { invocationsPerMonth: -5, durationMs: 0 } } });
    assertOneLineError(await cost(['--traffic', 'negative.json']), /shop-browse: invocationsPerMonth must be a number of 0 or more, got -5; shop-browse: durationMs must be a number above 0, got 0/);
    writeTraffic(dir, 'typo.json', { functions: { 'Shop/Browse': { invocations: 5 } } });
    assertOneLineError(await cost(['--traffic', 'typo.json']), /Shop\/Browse: unknown field "invocations" \(fields: invocationsPerMonth, durationMs\)/);
    writeTraffic(dir, 'broken.json', '{ "functions": ');
    assertOneLineError(await cost(['--traffic', 'broken.json']), /traffic file .*broken\.json is not valid JSON/);
    writeTraffic(dir, 'shape.json', ['Shop/Browse']);
    assertOneLineError(await cost(['--traffic', 'shape.json']), /must be an object with a "functions" object/);
    assertOneLineError(await cost(['--traffic', 'missing.json']), /traffic file .*missing\.json does not exist/);
    assertOneLineError(await cost(['--memory', '64,512,20000']), /^lambdakit: --memory 64, 20000: memory sizes must be whole MB from 128 to 10240\n/);
    assertOneLineError(await cost(['--memory', '512.5']), /--memory 512\.5: memory sizes must be whole MB/);
    assertOneLineError(await cost(['--invocations', '-1']), /--invocations must be a number of invocations per month, 0 or more, got -1/);
    assertOneLineError(await cost(['--invocations', '100']), /^lambdakit: no duration for Jobs\/Resize, Shop\/Browse, Shop\/Checkout, which have invocations\n {2}next: pass --duration-ms/);
    assertOneLineError(await cost(['--stack', 'Nope']), /no stack Nope in the assembly\n {2}next: stacks: Jobs, Shop/);
    assertOneLineError(await cost(['--region', 'eu-west-1']), /^lambdakit: the price file has no Lambda prices for region eu-west-1 \(it has us-east-1; taken \d{4}-\d{2}-\d{2}\)\n/);
    assertOneLineError(await cost(['--budget', '-3']), /--budget must be USD per month, 0 or more, got -3/);
  });

  it('takes the region from AWS_REGION when --region is not given', async () => {
    const result = await runCli(['cost'], dir, { AWS_REGION: 'ap-south-2', AWS_DEFAULT_REGION: '' });
    assertOneLineError(result, /no Lambda prices for region ap-south-2/);
  });
});

describe('lambdakit cost on a synthesized LambdaFunction app', () => {
  let dir: string;
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('synthesizes when cdk.out is missing and prices the provisioned concurrency and ephemeral storage LambdaFunction configures', async () => {
    const lib = path.resolve(__dirname, '..', '..', 'lib');
    const entry = path.join(FIXTURES, 'handlers', 'ok.ts');
    dir = cdkProject(
      'cost-synth',
      `import { App, Stack } from 'aws-cdk-lib';
import { LambdaFunction } from ${JSON.stringify(lib)};
const app = new App();
const stack = new Stack(app, 'Warm');
new LambdaFunction(stack, 'Api', { entry: ${JSON.stringify(entry)}, memorySize: 1024, provisionedConcurrency: 1 });
new LambdaFunction(stack, 'Batch', { entry: ${JSON.stringify(entry)}, ephemeralStorageSize: 2560 });
app.synth();
`,
    );
    writeTraffic(dir, 'traffic.json', { functions: { 'Warm/Batch': { invocationsPerMonth: 1_000_000, durationMs: 1000 } } });
    const priced = await runCli(['cost', '--traffic', 'traffic.json', '--no-free-tier'], dir, { AWS_REGION: 'us-east-1' });
    assert.equal(priced.code, 0, priced.stderr);
    assert.ok(fs.existsSync(path.join(dir, 'cdk.out', 'manifest.json')));
    // Warm/Api: Arm (LambdaFunction's default), 1 GB, provisioned 1 on live: 1 × 1 GB × 2,628,000 s × $0.0000033334 = $8.7601752 → $8.76
    assert.deepEqual(row(priced.stdout, 'Warm/Api').slice(1, 10), ['arm64', '1024 MB', '0', '-', '$0.00', '$0.00', '$0.00', '$8.76', '$8.76']);
    // Warm/Batch: Arm 512 MB, 2560 MB ephemeral, 1,000,000 × 1 s
    // compute 500,000 GB-s × $0.0000133334 = $6.6667; ephemeral 1,000,000 s × 2 GB × $0.0000000309 = $0.0618; requests $0.20 → $6.9285 → $6.93
    assert.deepEqual(row(priced.stdout, 'Warm/Batch').slice(5, 10), ['$0.20', '$6.67', '$0.06', '$0.00', '$6.93']);
    assert.deepEqual(row(priced.stdout, 'Warm (stack)').slice(1, 7), ['1,000,000', '$0.20', '$6.67', '$0.06', '$8.76', '$15.69']);
  });
});
