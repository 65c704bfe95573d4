import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Duration, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSdkPolicy, LambdaFunction, LambdakitError, OutputFormat } from '../../lib';
import { FIXTURES, PROJECT_ROOT, nagFindings, newStack, scratchProject, template } from '../helpers';

const OK = path.join(FIXTURES, 'handlers', 'ok.ts');

function defaultFunction() {
  const { app, stack } = newStack();
  const fn = new LambdaFunction(stack, 'Fn', { entry: OK });
  return { app, stack, fn, t: template(stack) };
}

describe('LambdaFunction defaults', () => {
  it('runs on the newest Node.js runtime aws-cdk-lib offers, arm64, with explicit memory, timeout and storage', () => {
    const { t } = defaultFunction();
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 10,
      EphemeralStorage: { Size: 512 },
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  it('logs JSON to its own log group with a retention period', () => {
    const { t } = defaultFunction();
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    t.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^FnLogGroup') }, ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' },
    });
  });

  it('has a dedicated role with no managed policies and inline statements naming only its own resources', () => {
    const { t } = defaultFunction();
    t.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.absent(),
      Policies: [
        {
          PolicyName: 'Execution',
          PolicyDocument: {
            Statement: [
              { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnLogGroup'), 'Arn'] } },
              { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnDeadLetterQueue'), 'Arn'] } },
            ],
          },
        },
        // The only "*" resource is the X-Ray statement, alone in its own inline policy.
        { PolicyName: 'Tracing', PolicyDocument: { Statement: [{ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' }] } },
      ],
    });
    // Role, function, log group, queue and its policy, four alarms, version, alias; the stack's dashboard.
    t.resourceCountIs('AWS::IAM::Policy', 0);
    assert.equal(Object.keys(t.toJSON().Resources).length, 12);
  });

  it('acknowledges X-Ray\'s "*" on the role resource only: a "*" statement added to the role is still reported', () => {
    const { stack, fn } = defaultFunction();
    const cfnRole = fn.role!.node.defaultChild!;
    const acknowledged = (c: { node: { metadata: Array<{ type: string; data: unknown }> } }) =>
      c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.keys(m.data as object));
    assert.deepEqual(acknowledged(cfnRole as never), ['AwsSolutions-IAM5[Resource::*]', 'Serverless-LambdaStarPermissions']);
    // What those acknowledgements cover: the role's inline policies, whose only wildcard is X-Ray's.
    const inline = (template(stack).findResources('AWS::IAM::Role') as Record<string, any>);
    const statements = Object.values(inline).flatMap((r) => r.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement));
    const wildcards = statements.filter((st: any) => [st.Resource].flat().includes('*') || [st.Action].flat().some((a: string) => a.endsWith('*')));
    assert.deepEqual(wildcards.map((st: any) => st.Action), [['xray:PutTraceSegments', 'xray:PutTelemetryRecords']]);
    assert.deepEqual(acknowledged(fn.role as never), [], 'not on the Role construct, whose default policy is its child');
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
    assert.deepEqual(nagFindings(stack), ['AwsSolutions-IAM5[Resource::*] TestStack/Fn/ServiceRole/DefaultPolicy/Resource']);
  });

  it('grants a given log group and dead-letter queue through the default policy, not inline (their policies could name the role)', () => {
    const { stack } = newStack();
    const group = new logs.LogGroup(stack, 'Shared', { retention: logs.RetentionDays.ONE_WEEK });
    const queue = new sqs.Queue(stack, 'Dead', { enforceSSL: true });
    new LambdaFunction(stack, 'Fn', { entry: OK, logGroup: group, deadLetterQueue: queue });
    const t = template(stack);
    t.hasResourceProperties('AWS::IAM::Role', {
      Policies: [{ PolicyName: 'Tracing', PolicyDocument: { Statement: [Match.objectLike({ Resource: '*' })] } }],
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^FnServiceRoleDefaultPolicy'),
      PolicyDocument: {
        Statement: [
          { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Shared'), 'Arn'] } },
          { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Dead'), 'Arn'] } },
        ],
      },
    });
    const [fn] = Object.values(t.findResources('AWS::Lambda::Function'));
    assert.deepEqual(fn.DependsOn.map((id: string) => id.replace(/[0-9A-F]{8}$/, '')), ['FnServiceRoleDefaultPolicy']);
  });

  it('keeps X-Ray in a TracingPolicy of its own on a role it did not create', () => {
    const { stack } = newStack();
    const role = new iam.Role(stack, 'Given', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new LambdaFunction(stack, 'Fn', { entry: OK, role });
    const t = template(stack);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^FnTracingPolicy'),
      PolicyDocument: { Statement: [{ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' }] },
    });
    t.hasResourceProperties('AWS::IAM::Role', { Policies: Match.absent() });
    const [fnResource] = Object.values(t.findResources('AWS::Lambda::Function'));
    assert.ok(fnResource.DependsOn.some((id: string) => id.startsWith('FnTracingPolicy')), String(fnResource.DependsOn));
    assert.deepEqual(nagFindings(stack), []);
  });

  it('sends failed asynchronous events to an encrypted, SSL-only dead-letter queue with a depth alarm', () => {
    const { t } = defaultFunction();
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
    t.hasResourceProperties('AWS::Lambda::Function', { DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnDeadLetterQueue'), 'Arn'] } } });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('publishes a version and points a live alias at it', () => {
    const { t } = defaultFunction();
    t.resourceCountIs('AWS::Lambda::Version', 1);
    t.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionVersion: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnCurrentVersion'), 'Version'] },
    });
    t.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
  });

  it('does not make the function depend on the role it already references (cfn-lint W3005), but on policies added to it', () => {
    const [alone] = Object.values(defaultFunction().t.findResources('AWS::Lambda::Function'));
    // Its inline policies are created with the role, which the function references.
    assert.equal(alone.DependsOn, undefined);
    const { stack } = newStack();
    new LambdaFunction(stack, 'Fn', { entry: OK }).addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:us-east-1:123456789012:other'] }),
    );
    const [granted] = Object.values(template(stack).findResources('AWS::Lambda::Function'));
    assert.deepEqual(granted.DependsOn.map((id: string) => id.replace(/[0-9A-F]{8}$/, '')), ['FnServiceRoleDefaultPolicy']);
  });

  it('passes cdk-nag AwsSolutions and Serverless with zero findings', () => {
    const { stack } = defaultFunction();
    assert.deepEqual(nagFindings(stack), []);
  });

  it('passes @aws/cloudformation-validate with zero warnings or errors', async () => {
    const { app } = defaultFunction();
    const assembly = app.synth();
    const { validateTemplates } = await import('../../lib/check/cfn-validate');
    const results = validateTemplates(assembly.stacks.map((s) => path.join(assembly.directory, s.templateFile)));
    assert.deepEqual([...results.values()].flat(), []);
  });
});

describe('LambdaFunction options', () => {
  it('puts retries, event age and destinations on the alias that triggers invoke', () => {
    const { stack } = newStack();
    const target = new LambdaFunction(stack, 'Target', { entry: OK });
    new LambdaFunction(stack, 'Fn', {
      entry: OK,
      retryAttempts: 0,
      maxEventAge: Duration.minutes(5),
      onFailure: new (require('aws-cdk-lib/aws-lambda-destinations').LambdaDestination)(target),
    });
    template(stack).hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      Qualifier: { 'Fn::Select': [7, { 'Fn::Split': [':', { Ref: Match.stringLikeRegexp('^FnAlias') }] }] },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 300,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('sets reserved concurrency on the function and provisioned concurrency with auto scaling on the alias', () => {
    const { stack } = newStack();
    new LambdaFunction(stack, 'Fn', {
      entry: OK,
      reservedConcurrency: 20,
      provisionedConcurrency: 2,
      provisionedConcurrencyScaling: { minCapacity: 2, maxCapacity: 10, utilizationTarget: 0.6 },
    });
    const t = template(stack);
    t.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 20 });
    t.hasResourceProperties('AWS::Lambda::Alias', { ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 10,
      ScalableDimension: 'lambda:function:ProvisionedConcurrency',
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 0.6 }),
    });
  });

  it('writes ESM as index.mjs with a require shim', () => {
    const { stack } = newStack();
    const fn = new LambdaFunction(stack, 'Fn', { entry: OK, format: OutputFormat.ESM, minify: false });
    template(stack).hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler' });
    assert.equal(fn.bundle?.fileName, 'index.mjs');
    const code = fs.readFileSync(path.join(fn.bundle!.outdir, 'index.mjs'), 'utf8');
    assert.match(code, /createRequire/);
    assert.match(code, /export\s*\{/);
  });

  it('writes a source map unless told not to, and then leaves NODE_OPTIONS alone', () => {
    const { stack } = newStack();
    const withMap = new LambdaFunction(stack, 'WithMap', { entry: OK });
    const without = new LambdaFunction(stack, 'Without', { entry: OK, sourcemap: false, environment: { STAGE: 'prod' } });
    assert.ok(fs.existsSync(path.join(withMap.bundle!.outdir, 'index.js.map')));
    assert.ok(!fs.existsSync(path.join(without.bundle!.outdir, 'index.js.map')));
    const t = template(stack);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
    });
    // Only the function without a source map has STAGE, so this matches that one function.
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { STAGE: 'prod', NODE_OPTIONS: Match.absent() } },
    });
  });

  it('bundles the AWS SDK by default and leaves it to the runtime on request', () => {
    const { stack } = newStack();
    // The entry is written into a scratch project (not test/fixtures) that resolves packages from this one's node_modules.
    const projectRoot = scratchProject();
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(projectRoot, 'node_modules'), 'dir');
    const sdkEntry = path.join(projectRoot, 'uses-sdk.ts');
    fs.writeFileSync(sdkEntry, "import { LambdaClient } from '@aws-sdk/client-lambda';\nconst client = new LambdaClient({});\nexport const handler = async () => typeof client;\n");
    try {
      const bundled = new LambdaFunction(stack, 'Bundled', { entry: sdkEntry, projectRoot });
      const runtime = new LambdaFunction(stack, 'Runtime', { entry: sdkEntry, projectRoot, awsSdk: AwsSdkPolicy.RUNTIME });
      assert.ok(bundled.bundle!.contributors.some((c) => c.name.startsWith('@aws-sdk/')), 'the SDK is in the bundle');
      assert.ok(runtime.bundle!.bytes < bundled.bundle!.bytes / 10, `${runtime.bundle!.bytes} vs ${bundled.bundle!.bytes}`);
      assert.match(fs.readFileSync(path.join(runtime.bundle!.outdir, 'index.js'), 'utf8'), /require\("@aws-sdk\/client-lambda"\)/);
    } finally {
      fs.rmSync(projectRoot, { recursive: true, force: true });
    }
  });

  it('deploys a Python module as an asset directory with module.function handler', () => {
    const { stack } = newStack();
    new LambdaFunction(stack, 'Py', { entry: path.join(FIXTURES, 'python', 'lambda_function.py') });
    template(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: Match.stringLikeRegexp('^python3\\.'),
      Handler: 'lambda_function.lambda_handler',
      Environment: Match.absent(),
    });
    assert.deepEqual(nagFindings(stack), []);
  });

  it('is found relative to the project root', () => {
    const { stack } = newStack();
    const fn = new LambdaFunction(stack, 'Fn', { entry: 'test/fixtures/handlers/ok.ts', projectRoot: PROJECT_ROOT });
    assert.ok(fn.bundle!.inputs.includes('test/fixtures/handlers/ok.ts'));
  });
});

describe('LambdaFunction validation', () => {
  const cases: Array<[string, Partial<ConstructorParameters<typeof LambdaFunction>[2]>, RegExp]> = [
    ['memory below 128 MB', { memorySize: 64 }, /TestStack\/Fn: memorySize 64 MB is outside 128-10,240 MB/],
    ['memory above 10,240 MB', { memorySize: 20_000 }, /memorySize 20000 MB is outside 128-10,240 MB/],
    ['timeout over 900 s', { timeout: Duration.minutes(16) }, /TestStack\/Fn: timeout 960 s is over the 900 s/],
    ['ephemeral storage below 512 MB', { ephemeralStorageSize: 256 }, /ephemeralStorageSize 256 MB is outside 512-10,240 MB/],
    ['provisioned above reserved', { reservedConcurrency: 2, provisionedConcurrency: 5 }, /provisionedConcurrency 5 is above reservedConcurrency 2/],
    ['environment over 4 KB', { environment: { BIG: 'x'.repeat(4100) } }, /environment variables take \d+ bytes, over Lambda's 4 KB/],
    ['retry attempts over 2', { retryAttempts: 3 }, /retryAttempts 3 is outside 0-2/],
  ];
  for (const [name, props, message] of cases) {
    it(`rejects ${name}, naming the construct and the limit`, () => {
      const { stack } = newStack();
      assert.throws(() => new LambdaFunction(stack, 'Fn', { entry: OK, ...props }), (error: unknown) => {
        assert.ok(error instanceof LambdakitError);
        assert.match(error.message, message);
        assert.ok(error.limit, 'the limit is carried on the error');
        return true;
      });
    });
  }

  it('rejects more than 5 layers', () => {
    const { stack } = newStack();
    const layers = Array.from({ length: 6 }, (_, i) => lambda.LayerVersion.fromLayerVersionArn(stack, `L${i}`, `arn:aws:lambda:us-east-1:123456789012:layer:l${i}:1`));
    assert.throws(() => new LambdaFunction(stack, 'Fn', { entry: OK, layers }), /TestStack\/Fn: 6 layers attached, Lambda allows at most 5/);
  });

  it('names every broken limit in one message', () => {
    const { stack } = newStack();
    assert.throws(
      () => new LambdaFunction(stack, 'Fn', { entry: OK, memorySize: 1, timeout: Duration.minutes(20) }),
      /TestStack\/Fn: 2 settings break Lambda's limits: memorySize 1 MB .*; timeout 1200 s/,
    );
  });

  it('fails on a missing entry with the construct path and the file', () => {
    const { stack } = newStack();
    assert.throws(() => new LambdaFunction(stack, 'Fn', { entry: 'functions/nope/handler.ts', projectRoot: PROJECT_ROOT }), (error: unknown) => {
      assert.ok(error instanceof LambdakitError);
      assert.equal(error.code, 'EntryNotFound');
      assert.match(error.message, /^TestStack\/Fn: entry file functions\/nope\/handler.ts does not exist/);
      return true;
    });
  });

  it('fails when the entry does not export the handler, listing what it does export', () => {
    const { stack } = newStack();
    assert.throws(
      () => new LambdaFunction(stack, 'Fn', { entry: path.join(FIXTURES, 'handlers', 'other-export.ts') }),
      /TestStack\/Fn: entry test\/fixtures\/handlers\/other-export.ts does not export the handler 'handler' \(it exports 'helper', 'main'\)/,
    );
  });

  it('accepts the handler name that the entry does export', () => {
    const { stack } = newStack();
    new LambdaFunction(stack, 'Fn', { entry: path.join(FIXTURES, 'handlers', 'other-export.ts'), handler: 'main' });
    template(stack).hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.main' });
  });

  it('fails synth when the bundle is over its size budget, listing the top contributors', () => {
    const { stack } = newStack();
    assert.throws(
      () => new LambdaFunction(stack, 'Fn', { entry: path.join(FIXTURES, 'handlers', 'big.ts'), bundleSizeLimit: 10_000 }),
      /TestStack\/Fn: bundle is [\d.]+ KB, over its budget of 9.8 KB; top contributors: test\/fixtures\/handlers\/lib\/table.ts [\d.]+ KB/,
    );
  });

  it('does not validate values that are only known at deploy time', () => {
    const { stack } = newStack();
    const { CfnParameter } = require('aws-cdk-lib');
    const memory = new CfnParameter(stack, 'Memory', { type: 'Number' });
    new LambdaFunction(stack, 'Fn', { entry: OK, memorySize: memory.valueAsNumber });
    template(stack).hasResourceProperties('AWS::Lambda::Function', { MemorySize: { Ref: 'Memory' } });
  });
});
