import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURES } from '../helpers';
import { cdkProject, runCli } from './run-cli';

const lib = path.resolve(__dirname, '..', '..', 'lib');
const entry = path.join(FIXTURES, 'handlers', 'ok.ts');
const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('lambdakit check', () => {
  it('reports no findings and exits 0 on a stack of default LambdaFunctions', async () => {
    const dir = cdkProject(
      'check-clean',
      `import { App, Stack } from 'aws-cdk-lib';
import { LambdaFunction } from ${JSON.stringify(lib)};
const app = new App();
const stack = new Stack(app, 'Clean');
for (const id of ['One', 'Two', 'Three']) new LambdaFunction(stack, id, { entry: ${JSON.stringify(entry)} });
app.synth();
`,
    );
    dirs.push(dir);
    const result = await runCli(['check'], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Clean \(.*Clean.template.json\): no findings$/m);
    assert.match(result.stdout, /1 stack\(s\) checked with AwsSolutions \+ Serverless \+ cfn-validate: no findings/);
  });

  it('groups findings by stack, names rule, tool and construct, and exits 1; --json is machine-readable', async () => {
    const dir = cdkProject(
      'check-findings',
      `import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { HttpApi, LambdaFunction, WorkQueue } from ${JSON.stringify(lib)};
const app = new App();
// Stacks of only an HttpApi or a WorkQueue are checked like the others (test/constructs/checks.test.ts shows either alone turns the checks on).
new HttpApi(new Stack(app, 'Api'), 'Api');
new WorkQueue(new Stack(app, 'Work'), 'Jobs');
new LambdaFunction(new Stack(app, 'Good'), 'Fn', { entry: ${JSON.stringify(entry)} });
const bad = new Stack(app, 'Bad');
new LambdaFunction(bad, 'Fn', { entry: ${JSON.stringify(entry)} });
new sqs.Queue(bad, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
app.synth();
`,
    );
    dirs.push(dir);
    const text = await runCli(['check'], dir);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^Good \(.*\): no findings$/m);
    assert.match(text.stdout, /^Api \(.*\): no findings$/m);
    assert.match(text.stdout, /^Work \(.*\): no findings$/m);
    assert.match(text.stdout, /^Bad \(.*\): \d+ findings$/m);
    assert.match(text.stdout, /ERROR {3}AwsSolutions-SQS4 \[cdk-nag AwsSolutions\] Bad\/PlainQueue\/Resource/);
    assert.match(text.stdout, /Serverless-SQSRedrivePolicy \[cdk-nag Serverless\] Bad\/PlainQueue\/Resource/);

    const json = await runCli(['check', '--json'], dir);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout);
    const bad = report.stacks.find((s: { stack: string }) => s.stack === 'Bad');
    assert.ok(bad.findings.some((f: { ruleId: string; constructPath: string; severity: string }) => f.ruleId === 'AwsSolutions-SQS2' && f.constructPath === 'Bad/PlainQueue/Resource' && f.severity === 'error'));
    assert.deepEqual(report.stacks.find((s: { stack: string }) => s.stack === 'Good').findings, []);
    assert.equal(report.errors, report.stacks.flatMap((s: { findings: unknown[] }) => s.findings).length - report.warnings);
  });

  it('says in one line when the app cannot be synthesized, with the app\'s error', async () => {
    const dir = cdkProject('check-broken', `throw new Error('the app is broken on purpose');\n`);
    dirs.push(dir);
    const result = await runCli(['check'], dir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^lambdakit: synth failed \(exit code 1\):/);
    assert.match(result.stderr, /the app is broken on purpose/);
    assert.doesNotMatch(result.stderr, /at runCheck/);
  });

  it('validates with the one cfn-validate aws-cdk-lib bundles and runs on synth; no second copy is installed', () => {
    const root = path.resolve(__dirname, '..', '..');
    const cdkLib = path.dirname(require.resolve('aws-cdk-lib/package.json', { paths: [root] }));
    const bundled = require.resolve('@aws/cloudformation-validate', { paths: [cdkLib] });
    assert.ok(bundled.startsWith(path.join(cdkLib, 'node_modules') + path.sep), bundled);
    assert.throws(() => require.resolve('@aws/cloudformation-validate', { paths: [root] }), /Cannot find module/);
  });

  it('refuses to call an app clean when the checks never ran in it', async () => {
    const dir = cdkProject(
      'check-unchecked',
      `import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
const app = new App();
new sqs.Queue(new Stack(app, 'Plain'), 'Q');
app.synth();
`,
    );
    dirs.push(dir);
    const result = await runCli(['check'], dir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the app ran without lambdakit's checks, so nothing was checked\n {2}next: call enableChecks\(app\)/);
  });
});
