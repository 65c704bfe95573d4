import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventsources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { validateTemplates } from '../../lib/check/cfn-validate';
// @ts-expect-error -- a plain .mjs script without declarations
import { lintTemplates } from '../../scripts/cfn-lint.mjs';
import { LambdaFunction, LambdakitError } from '../../lib';
import { FIXTURES, nagFindings, newStack, template } from '../helpers';

const OK = path.join(FIXTURES, 'handlers', 'ok.ts');
const PY = path.join(FIXTURES, 'python', 'lambda_function.py');

type Json = Record<string, any>;
const statementsOf = (json: Json, policyPrefix: string): Json[] =>
  Object.entries(json.Resources as Record<string, Json>)
    .filter(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith(policyPrefix))
    .flatMap(([, r]) => r.Properties.PolicyDocument.Statement);
/** Every IAM statement: AWS::IAM::Policy resources and roles' inline policies (where a function's own statements are). */
const allStatements = (json: Json): Json[] =>
  Object.values(json.Resources as Record<string, Json>).flatMap((r) =>
    r.Type === 'AWS::IAM::Policy'
      ? r.Properties.PolicyDocument.Statement
      : r.Type === 'AWS::IAM::Role'
        ? (r.Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement)
        : [],
  );

/** The "done when" stack: VPC + RDS proxy, EFS, KMS environment, secret, parameter, SnapStart Python. */
function openStack() {
  const { app, stack } = newStack('Open');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1, flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.REJECT } } });
  const proxySg = new ec2.SecurityGroup(stack, 'ProxySg', { vpc, allowAllOutbound: false, description: 'RDS proxy' });
  // The database belongs to a data team's stack; the function reaches it through its proxy.
  const proxy = rds.DatabaseProxy.fromDatabaseProxyAttributes(stack, 'Proxy', {
    dbProxyArn: 'arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0123456789abcdef0',
    dbProxyName: 'orders',
    endpoint: 'orders.proxy-abc.us-east-1.rds.amazonaws.com',
    securityGroups: [proxySg],
  });
  const db = new LambdaFunction(stack, 'Db', { entry: OK, vpc });
  db.useDatabaseProxy(proxy, 'app_user');

  const fileSystem = new efs.FileSystem(stack, 'Files', { vpc, encrypted: true, removalPolicy: RemovalPolicy.DESTROY });
  const accessPoint = fileSystem.addAccessPoint('Ap', { path: '/lambda', createAcl: { ownerGid: '1001', ownerUid: '1001', permissions: '750' }, posixUser: { gid: '1001', uid: '1001' } });
  const files = new LambdaFunction(stack, 'Files2', { entry: OK, vpc, filesystem: lambda.FileSystem.fromEfsAccessPoint(accessPoint, '/mnt/data') });

  const key = new kms.Key(stack, 'EnvKey', { enableKeyRotation: true });
  const encrypted = new LambdaFunction(stack, 'Encrypted', { entry: OK, environmentEncryption: key, environment: { MODE: 'strict' } });
  const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-creds-AbCdEf');
  const parameter = new ssm.StringParameter(stack, 'Param', { stringValue: 'blue' });
  encrypted.useSecret(secret).useParameter(parameter, { env: 'COLOUR_PARAMETER' });

  const snap = new LambdaFunction(stack, 'Snap', { entry: PY, snapStart: lambda.SnapStartConf.ON_PUBLISHED_VERSIONS });
  return { app, stack, db, files, encrypted, snap, key, json: template(stack).toJSON() as Json };
}

const open = openStack();

describe('LambdaFunction accepts every lambda.FunctionOptions setting', () => {
  it('a VPC function gets VpcConfig, working connections, and ENI permissions on its own subnets and security group, no managed policy', () => {
    const t = template(open.stack);
    t.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^DbSecurityGroup'), 'GroupId'] }] },
    });
    assert.equal(open.db.connections.securityGroups.length, 1);
    for (const role of Object.values(open.json.Resources as Record<string, Json>).filter((r) => r.Type === 'AWS::IAM::Role')) {
      assert.equal(role.Properties.ManagedPolicyArns, undefined, 'no AWS managed policy (AWSLambdaVPCAccessExecutionRole) on any role');
    }
    const eni = statementsOf(open.json, 'DbNetworkInterfacePolicy');
    const create = eni.find((s) => s.Action === 'ec2:CreateNetworkInterface');
    assert.ok(create, 'CreateNetworkInterface granted');
    const resources = JSON.stringify(create.Resource);
    assert.match(resources, /network-interface\/\*/);
    assert.equal((resources.match(/:subnet\//g) ?? []).length, 2, 'the two private subnets the function runs in, by id');
    assert.match(resources, /security-group\//);
    assert.ok(!resources.includes('"*"'));
    const describeStatement = eni.find((s) => [s.Action].flat().includes('ec2:DescribeNetworkInterfaces'));
    assert.deepEqual(describeStatement?.Resource, '*', 'Describe* has no resource-level permissions');
    // Lambda checks ENI permissions when it creates the function: the policy must exist first.
    const dbFunction = Object.entries(open.json.Resources as Record<string, Json>).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('Db'))!;
    assert.ok((dbFunction[1].DependsOn as string[]).some((d) => d.startsWith('DbNetworkInterfacePolicy')));
  });

  it('useDatabaseProxy grants rds-db:connect for one user through that proxy and passes its endpoint', () => {
    const connect = allStatements(open.json).find((s) => s.Action === 'rds-db:connect');
    assert.ok(connect);
    assert.match(JSON.stringify(connect.Resource), /dbuser:.*\/app_user/);
    template(open.stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DB_PROXY_ENDPOINT: 'orders.proxy-abc.us-east-1.rds.amazonaws.com' }) },
    });
  });

  it('an EFS function mounts the access point, with client actions on that file system only', () => {
    template(open.stack).hasResourceProperties('AWS::Lambda::Function', {
      FileSystemConfigs: [{ Arn: Match.anyValue(), LocalMountPath: '/mnt/data' }],
    });
    const mount = allStatements(open.json).find((s) => [s.Action].flat().includes('elasticfilesystem:ClientMount'));
    assert.ok(mount);
    const fileSystemId = Object.keys(open.json.Resources).find((k) => open.json.Resources[k].Type === 'AWS::EFS::FileSystem')!;
    assert.ok(!JSON.stringify(mount.Resource).includes('"*"'), 'no "*" for ClientMount');
    assert.match(JSON.stringify(mount.Resource), new RegExp(`file-system/.*${fileSystemId}`));
    assert.ok(JSON.stringify(mount.Condition).includes('elasticfilesystem:AccessPointArn'));
  });

  it('a customer key encrypts the environment, with kms:Decrypt on that key only', () => {
    const keyId = Object.keys(open.json.Resources).find((k) => open.json.Resources[k].Type === 'AWS::KMS::Key')!;
    template(open.stack).hasResourceProperties('AWS::Lambda::Function', { KmsKeyArn: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    const decrypts = statementsOf(open.json, 'EncryptedServiceRole').filter((s) => [s.Action].flat().includes('kms:Decrypt'));
    assert.ok(decrypts.length >= 1);
    for (const d of decrypts) assert.deepEqual(d.Resource, { 'Fn::GetAtt': [keyId, 'Arn'] });
  });

  it('useSecret and useParameter grant reads on exactly that secret and parameter and pass them in the environment', () => {
    const stmts = statementsOf(open.json, 'EncryptedServiceRole');
    const secret = stmts.find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    assert.deepEqual(secret?.Action, ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
    assert.equal(secret?.Resource, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-creds-AbCdEf');
    const parameter = stmts.find((s) => [s.Action].flat().includes('ssm:GetParameter'));
    assert.deepEqual(parameter?.Action, ['ssm:GetParameter', 'ssm:GetParameters']);
    assert.ok(JSON.stringify(parameter?.Resource).includes('parameter'));
    template(open.stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { MODE: 'strict', SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-creds-AbCdEf', COLOUR_PARAMETER: { Ref: Match.anyValue() }, NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  it('SnapStart applies to the published version the live alias points at', () => {
    const t = template(open.stack);
    t.hasResourceProperties('AWS::Lambda::Function', { Runtime: Match.stringLikeRegexp('^python3'), SnapStart: { ApplyOn: 'PublishedVersions' } });
    const snapVersion = Object.keys(open.json.Resources).find((k) => k.startsWith('SnapCurrentVersion') && open.json.Resources[k].Type === 'AWS::Lambda::Version');
    assert.ok(snapVersion);
    t.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', FunctionVersion: { 'Fn::GetAtt': [snapVersion, 'Version'] } });
  });

  it('the whole stack passes cdk-nag, cfn-validate and cfn-lint with no finding', () => {
    assert.deepEqual(nagFindings(open.stack), []);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-open-'));
    const file = path.join(dir, 'Open.template.json');
    fs.writeFileSync(file, JSON.stringify(open.json));
    assert.deepEqual(validateTemplates([file]).get(file), []);
    assert.deepEqual(lintTemplates([file]).findings, []);
  });

  it('every wildcard resource is one AWS allows no narrower: ENI ids, Describe*, X-Ray', () => {
    const wildcards = allStatements(open.json)
      .filter((s) => JSON.stringify(s.Resource).includes('*'))
      .flatMap((s) => [s.Action].flat())
      .sort();
    const allowed = new Set([
      'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
      'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords',
      // The flow log's role (aws-cdk-lib's VPC) writes to its own log group's streams.
      'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams',
    ]);
    assert.deepEqual(wildcards.filter((a) => !allowed.has(a)), []);
  });
});

describe('settings a user sets win; unset ones keep lambdakit defaults', () => {
  it('passes aws-cdk-lib settings through: description, recursive loop, runtime management, initial policy, code signing', () => {
    const { stack } = newStack();
    const queue = new sqs.Queue(stack, 'Audit', { enforceSSL: true });
    new LambdaFunction(stack, 'Fn', {
      entry: OK,
      description: 'orders',
      recursiveLoop: lambda.RecursiveLoop.ALLOW,
      runtimeManagementMode: lambda.RuntimeManagementMode.FUNCTION_UPDATE,
      initialPolicy: [new (require('aws-cdk-lib/aws-iam').PolicyStatement)({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] })],
      ephemeralStorageSize: Size.gibibytes(1),
      reservedConcurrentExecutions: 3,
    });
    const t = template(stack);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'orders',
      RecursiveLoop: 'Allow',
      RuntimeManagementConfig: { UpdateRuntimeOn: 'FunctionUpdate' },
      EphemeralStorage: { Size: 1024 },
      ReservedConcurrentExecutions: 3,
      // Defaults that were not overridden stay.
      Architectures: ['arm64'],
      MemorySize: 512,
      TracingConfig: { Mode: 'Active' },
    });
  });

  it('Insights adds its layer and writes only to /aws/lambda-insights, without the managed policy', () => {
    const { stack } = newStack();
    new LambdaFunction(stack, 'Fn', { entry: OK, insightsVersion: lambda.LambdaInsightsVersion.VERSION_1_0_404_0 });
    const json = template(stack).toJSON() as Json;
    const fn = Object.values(json.Resources as Record<string, Json>).find((r) => r.Type === 'AWS::Lambda::Function')!;
    assert.equal(fn.Properties.Layers.length, 1);
    const insights = statementsOf(json, 'FnInsightsPolicy');
    assert.ok(insights.length > 0);
    for (const s of insights) assert.match(JSON.stringify(s.Resource), /log-group:\/aws\/lambda-insights:\*/);
    for (const role of Object.values(json.Resources as Record<string, Json>).filter((r) => r.Type === 'AWS::IAM::Role')) assert.equal(role.Properties.ManagedPolicyArns, undefined);
    assert.deepEqual(nagFindings(stack), []);
  });

  it('ADOT and the Parameters and Secrets extension add their layers and configuration', () => {
    const { stack } = newStack();
    new LambdaFunction(stack, 'Fn', {
      entry: OK,
      adotInstrumentation: { layerVersion: lambda.AdotLayerVersion.fromJavaScriptSdkLayerVersion(lambda.AdotLambdaLayerJavaScriptSdkVersion.LATEST), execWrapper: lambda.AdotLambdaExecWrapper.REGULAR_HANDLER },
      paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, { cacheSize: 100 }),
    });
    const fn = Object.values(template(stack).toJSON().Resources as Record<string, Json>).find((r) => r.Type === 'AWS::Lambda::Function')!;
    assert.equal(fn.Properties.Layers.length, 2);
    assert.equal(fn.Properties.Environment.Variables.AWS_LAMBDA_EXEC_WRAPPER, '/opt/otel-handler');
    assert.equal(fn.Properties.Environment.Variables.PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE, '100');
    assert.deepEqual(nagFindings(stack), []);
  });

  it('a given log group replaces the function\'s own; deadLetterTopic replaces the queue; deadLetterQueueEnabled false has none', () => {
    const { stack } = newStack();
    const group = new logs.LogGroup(stack, 'Shared', { retention: logs.RetentionDays.ONE_WEEK });
    const sns = require('aws-cdk-lib/aws-sns');
    const topic = new sns.Topic(stack, 'Dead', { enforceSSL: true });
    new LambdaFunction(stack, 'WithTopic', { entry: OK, logGroup: group, deadLetterTopic: topic });
    new LambdaFunction(stack, 'NoDlq', { entry: OK, deadLetterQueueEnabled: false });
    const t = template(stack);
    t.resourceCountIs('AWS::Logs::LogGroup', 2); // Shared + NoDlq's own
    t.resourceCountIs('AWS::SQS::Queue', 0);
    t.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: Match.objectLike({ LogGroup: { Ref: Match.stringLikeRegexp('^Shared') } }),
      DeadLetterConfig: { TargetArn: { Ref: Match.stringLikeRegexp('^Dead') } },
    });
  });

  it('refuses conflicting and custom-resource-only options by name', () => {
    const { stack } = newStack();
    assert.throws(() => new LambdaFunction(stack, 'A', { entry: OK, reservedConcurrency: 2, reservedConcurrentExecutions: 3 }), /A: reservedConcurrency 2 and reservedConcurrentExecutions 3/);
    assert.throws(() => new LambdaFunction(stack, 'B', { entry: OK, logRetentionRole: {} } as never), (e: unknown) => e instanceof LambdakitError && e.code === 'LogRetentionResourceOption');
    const efsFs = { config: { arn: 'arn', localMountPath: '/mnt/x', connections: undefined } } as unknown as lambda.FileSystem;
    assert.throws(() => new LambdaFunction(stack, 'C', { entry: OK, filesystem: efsFs }), /C: `filesystem` needs `vpc`/);
  });

  it('SnapStart on a runtime without it fails synth with aws-cdk-lib\'s reason', () => {
    const { stack } = newStack();
    assert.throws(() => new LambdaFunction(stack, 'NodeSnap', { entry: OK, snapStart: lambda.SnapStartConf.ON_PUBLISHED_VERSIONS }), /SnapStart currently not supported by runtime nodejs24\.x/);
  });

  it('a public subnet needs allowPublicSubnet, with aws-cdk-lib\'s reason', () => {
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'pub', subnetType: ec2.SubnetType.PUBLIC }] });
    assert.throws(() => new LambdaFunction(stack, 'Pub', { entry: OK, vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }), /public subnet can NOT access the internet/);
    new LambdaFunction(stack, 'Pub2', { entry: OK, vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC }, allowPublicSubnet: true });
  });
});

describe('aws-cdk-lib event sources attach to the live alias', () => {
  it('fn.addEventSource and the `events` prop create mappings on the alias, not $LATEST', () => {
    const { stack } = newStack();
    const queue = new sqs.Queue(stack, 'Q', { enforceSSL: true, visibilityTimeout: Duration.minutes(2) });
    const other = new sqs.Queue(stack, 'Q2', { enforceSSL: true, visibilityTimeout: Duration.minutes(2) });
    const fn = new LambdaFunction(stack, 'Fn', { entry: OK, events: [new eventsources.SqsEventSource(queue)] });
    fn.addEventSource(new eventsources.SqsEventSource(other));
    const json = template(stack).toJSON() as Json;
    const mappings = Object.values(json.Resources as Record<string, Json>).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    assert.equal(mappings.length, 2);
    for (const m of mappings) assert.match(JSON.stringify(m.Properties.FunctionName), /:live/);
  });
});

describe('Lambda@Edge', () => {
  const edgeStack = (region = 'us-east-1') => {
    const { app } = newStack('Unused');
    return { app, stack: new Stack(app, 'Edge', { env: { region, account: '123456789012' } }) };
  };
  const distribution = (stack: Stack, version: lambda.IVersion) =>
    new cloudfront.Distribution(stack, 'Cdn', {
      defaultBehavior: { origin: new origins.HttpOrigin('example.com'), edgeLambdas: [{ functionVersion: version, eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST }] },
    });

  it('edge mode builds what CloudFront accepts: x86_64, 128 MB / 5 s, no DLQ, environment, tracing or log config; edgelambda may assume the role', () => {
    const { stack } = edgeStack();
    const fn = new LambdaFunction(stack, 'Auth', { entry: OK, edge: true });
    distribution(stack, fn.currentVersion);
    const t = template(stack);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['x86_64'],
      MemorySize: 128,
      Timeout: 5,
      Environment: Match.absent(),
      DeadLetterConfig: Match.absent(),
      TracingConfig: Match.absent(),
      LoggingConfig: Match.absent(),
    });
    t.resourceCountIs('AWS::SQS::Queue', 0);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'edgelambda.amazonaws.com' } })]) },
    });
    const logs = statementsOf(t.toJSON(), 'AuthEdgeLogsPolicy');
    assert.match(JSON.stringify(logs), /log-group:\/aws\/lambda\/us-east-1\./);
    const lambdakitFindings = nagFindings(stack).filter((f) => f.includes('/Auth/'));
    assert.deepEqual(lambdakitFindings, []);
  });

  it('edge mode refuses what Lambda@Edge does not support, naming every problem at once', () => {
    const { stack } = edgeStack();
    assert.throws(
      () => new LambdaFunction(stack, 'Bad', { entry: OK, edge: true, architecture: lambda.Architecture.ARM_64, environment: { A: '1' }, reservedConcurrency: 2 }),
      (e: unknown) => e instanceof LambdakitError && e.code === 'EdgeFunctionInvalid' && /Edge\/Bad: edge function: .*x86_64 only.*no environment variables.*reserved or provisioned concurrency/.test(e.message),
    );
    const other = edgeStack('eu-west-1');
    assert.throws(() => new LambdaFunction(other.stack, 'Far', { entry: OK, edge: true }), /in eu-west-1; Lambda@Edge functions must be created in us-east-1/);
  });

  it('a regional function used as Lambda@Edge fails synth naming the function and `edge: true`', () => {
    const { app, stack } = edgeStack();
    const fn = new LambdaFunction(stack, 'Regional', { entry: OK });
    distribution(stack, fn.currentVersion);
    assert.throws(() => app.synth(), /Edge\/Regional: is used as a Lambda@Edge function/);
  });

  it('so does one associated through the L1 distribution, naming the distribution', () => {
    const { app, stack } = edgeStack();
    const fn = new LambdaFunction(stack, 'Regional', { entry: OK });
    new cloudfront.CfnDistribution(stack, 'Raw', {
      distributionConfig: {
        enabled: true,
        defaultCacheBehavior: {
          targetOriginId: 'o', viewerProtocolPolicy: 'https-only', cachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
          lambdaFunctionAssociations: [{ eventType: 'viewer-request', lambdaFunctionArn: fn.currentVersion.functionArn }],
        },
        origins: [{ id: 'o', domainName: 'example.com', customOriginConfig: { originProtocolPolicy: 'https-only' } }],
      },
    });
    assert.throws(() => app.synth(), /Edge\/Regional is a Lambda@Edge function of CloudFront distribution Edge\/Raw.*set `edge: true`/s);
  });
});
