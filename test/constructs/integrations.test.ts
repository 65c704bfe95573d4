// aws-cdk-lib integrations outside lambdakit's trigger classes, wired to `fn.alias`
// (issue 13, "Triggers outside lambdakit's own classes"): each invokes the `live` alias,
// every invoke grant names the alias only, and the stack passes cdk-nag, cfn-validate
// and cfn-lint.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Duration, type Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwactions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { validateTemplates } from '../../lib/check/cfn-validate';
// @ts-expect-error -- a plain .mjs script without declarations
import { lintTemplates } from '../../scripts/cfn-lint.mjs';
import { LambdaFunction, SecureBucket } from '../../lib';
import { FIXTURES, nagFindings, newStack, template } from '../helpers';

const OK = path.join(FIXTURES, 'handlers', 'ok.ts');

/** What each integration is given: the `live` alias. */
const target = (fn: LambdaFunction): lambda.IFunction => fn.alias;

type Json = Record<string, any>;
type Built = { stack: Stack; fn: LambdaFunction; json: Json; aliasRef: Json };

function build(id: string, wire: (stack: Stack, fn: LambdaFunction) => void): Built {
  const { stack } = newStack(id);
  const fn = new LambdaFunction(stack, 'Fn', { entry: OK });
  wire(stack, fn);
  const json = template(stack).toJSON() as Json;
  return { stack, fn, json, aliasRef: { Ref: stack.getLogicalId(fn.alias.node.defaultChild as lambda.CfnAlias) } };
}

const resourcesOf = (json: Json, type: string): Array<Json & { id: string }> =>
  Object.entries(json.Resources as Record<string, Json>)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => ({ id, ...r }));

/** Every IAM statement of the template (policies and roles' inline policies). */
function statements(json: Json): Json[] {
  return Object.values(json.Resources as Record<string, Json>).flatMap((r) =>
    r.Type === 'AWS::IAM::Policy'
      ? r.Properties.PolicyDocument.Statement
      : r.Type === 'AWS::IAM::Role'
        ? (r.Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement)
        : [],
  );
}

/**
 * Every way of invoking the function names the alias: each `lambda:InvokeFunction`
 * statement's resource is the alias ARN alone (not the function, not `<arn>:*`), and
 * each AWS::Lambda::Permission is on the alias. `expected` is how many of each there are.
 */
function assertInvokesAliasOnly(b: Built, expected: { grants: number; permissions: number }): void {
  const grants = statements(b.json).filter((s) => [s.Action].flat().some((a: string) => a === 'lambda:InvokeFunction' || a === 'lambda:*' || a === 'lambda:Invoke*'));
  assert.equal(grants.length, expected.grants, 'invoke grants');
  for (const g of grants) assert.deepEqual([g.Resource].flat(), [b.aliasRef], 'an invoke grant names the alias only');
  const permissions = resourcesOf(b.json, 'AWS::Lambda::Permission');
  assert.equal(permissions.length, expected.permissions, 'resource-based permissions');
  for (const p of permissions) assert.deepEqual(p.Properties.FunctionName, b.aliasRef, `${p.id} is on the alias`);
  assert.ok(!JSON.stringify(b.json).includes('":*"]'), 'no `<function arn>:*` anywhere');
}

/** cdk-nag findings, minus the listed ones (each `RuleId path-prefix`, with its reason at the call). */
function nagFindingsExcept(b: Built, allowed: Array<[finding: string, pathPrefix: string]>): string[] {
  return nagFindings(b.stack).filter((f) => {
    const space = f.indexOf(' ');
    const [finding, where] = [f.slice(0, space), f.slice(space + 1)];
    return !allowed.some(([r, p]) => finding === r && where.startsWith(`${b.stack.stackName}/${p}`));
  });
}

/**
 * cfn-validate and cfn-lint findings of several stacks, checked in one run of each tool,
 * minus the listed ones (`RuleId logicalIdPrefix` per stack, with the reason at the list).
 */
function templateFindingsExcept(
  stacks: Record<string, Built>,
  allowed: Record<string, Array<[rule: string, logicalIdPrefix: string]>>,
): Record<string, { validate: string[]; lint: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-integrations-'));
  const files = Object.fromEntries(Object.entries(stacks).map(([name, b]) => {
    const file = path.join(dir, `${b.stack.stackName}.template.json`);
    fs.writeFileSync(file, JSON.stringify(b.json, null, 1));
    return [name, file];
  }));
  const validated = validateTemplates(Object.values(files));
  const linted = lintTemplates(Object.values(files)).findings as string[];
  return Object.fromEntries(Object.entries(files).map(([name, file]) => {
    const accepted = (rule: string, where: string) => (allowed[name] ?? []).some(([r, id]) => r === rule && where.startsWith(id));
    const validate = (validated.get(file) ?? [])
      .filter((f: Json) => !accepted(f.ruleId, f.logicalId ?? ''))
      .map((f: Json) => `${f.ruleId} ${f.logicalId} ${f.message}`);
    // lintTemplates findings read `RuleId message (file Resources/<logicalId>/...)`.
    const lint = linted
      .filter((f) => f.includes(`(${file} `))
      .filter((f) => !accepted(f.split(' ')[0], / \(\S+ (?:Resources|Mappings)\/([^/)]+)/.exec(f)?.[1] ?? ''));
    return [name, { validate, lint }];
  }));
}

// ---------------------------------------------------------------------------------------

const stepFunctions = build('StepFunctions', (stack, fn) => {
  const invoke = new tasks.LambdaInvoke(stack, 'Greet', { lambdaFunction: target(fn), payloadResponseOnly: true });
  new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(invoke),
    logs: { destination: new logs.LogGroup(stack, 'MachineLogs', { retention: logs.RetentionDays.ONE_MONTH }), level: sfn.LogLevel.ALL },
    tracingEnabled: true,
  });
});

const userPool = build('Cognito', (stack, fn) => {
  const pool = new cognito.UserPool(stack, 'Users', {
    passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
    mfa: cognito.Mfa.REQUIRED,
    mfaSecondFactor: { otp: true, sms: false },
    featurePlan: cognito.FeaturePlan.PLUS,
    standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
  });
  pool.addTrigger(cognito.UserPoolOperation.PRE_SIGN_UP, target(fn));
});

const alarmAction = build('AlarmAction', (stack, fn) => {
  const alarm = new cloudwatch.Alarm(stack, 'Errors', {
    metric: fn.alias.metricErrors({ period: Duration.minutes(1) }),
    threshold: 1,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new cwactions.LambdaAction(target(fn)));
});

const deliveryStream = build('Firehose', (stack, fn) => {
  new firehose.DeliveryStream(stack, 'Clicks', {
    destination: new firehose.S3Bucket(new SecureBucket(stack, 'Archive'), {
      processors: [new firehose.LambdaFunctionProcessor(target(fn), { bufferInterval: Duration.seconds(60) })],
    }),
    encryption: firehose.StreamEncryption.awsOwnedKey(),
  });
});

const topicRule = build('IotRule', (stack, fn) => {
  // aws-cdk-lib has no stable IoT L2: the L1 rule calls the alias ARN, and the alias grants IoT.
  const rule = new iot.CfnTopicRule(stack, 'Readings', {
    topicRulePayload: {
      sql: "SELECT * FROM 'sensors/+/readings'",
      awsIotSqlVersion: '2016-03-23',
      ruleDisabled: false,
      actions: [{ lambda: { functionArn: target(fn).functionArn } }],
    },
  });
  target(fn).addPermission('IotInvoke', {
    principal: new iam.ServicePrincipal('iot.amazonaws.com'),
    sourceArn: rule.attrArn,
    sourceAccount: stack.account,
  });
});

describe('aws-cdk-lib integrations invoke the live alias', () => {
  it('Step Functions LambdaInvoke: the task calls the alias, the state machine role may invoke only the alias', () => {
    const [machine] = resourcesOf(stepFunctions.json, 'AWS::StepFunctions::StateMachine');
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    assert.ok(definition.includes(JSON.stringify(stepFunctions.aliasRef)), 'the task invokes the alias ARN');
    assert.ok(!definition.includes('"Fn::GetAtt":["Fn'), 'and never the function ARN');
    assertInvokesAliasOnly(stepFunctions, { grants: 1, permissions: 0 });
    // The role's other statements: log delivery and X-Ray, which AWS scopes to no resource.
    const [policy] = resourcesOf(stepFunctions.json, 'AWS::IAM::Policy').filter((p) => p.id.startsWith('MachineRole'));
    const onAnything = policy.Properties.PolicyDocument.Statement.filter((s: Json) => s.Resource === '*').flatMap((s: Json) => [s.Action].flat());
    assert.deepEqual(onAnything.sort(), [
      'logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:GetLogDelivery',
      'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:UpdateLogDelivery',
      'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ]);
  });

  it('Cognito user-pool trigger: the pool calls the alias, cognito-idp may invoke only the alias from that pool', () => {
    const [pool] = resourcesOf(userPool.json, 'AWS::Cognito::UserPool');
    assert.deepEqual(pool.Properties.LambdaConfig, { PreSignUp: userPool.aliasRef });
    assertInvokesAliasOnly(userPool, { grants: 0, permissions: 1 });
    const [permission] = resourcesOf(userPool.json, 'AWS::Lambda::Permission');
    assert.equal(permission.Properties.Principal, 'cognito-idp.amazonaws.com');
    assert.deepEqual(permission.Properties.SourceArn, { 'Fn::GetAtt': [pool.id, 'Arn'] });
  });

  it('CloudWatch alarm action: the alarm calls the alias, CloudWatch may invoke only the alias from that alarm', () => {
    const alarms = resourcesOf(alarmAction.json, 'AWS::CloudWatch::Alarm').filter((a) => a.id.startsWith('Errors'));
    assert.equal(alarms.length, 1);
    assert.deepEqual(alarms[0].Properties.AlarmActions, [alarmAction.aliasRef]);
    assertInvokesAliasOnly(alarmAction, { grants: 0, permissions: 1 });
    const [permission] = resourcesOf(alarmAction.json, 'AWS::Lambda::Permission');
    assert.equal(permission.Properties.Principal, 'lambda.alarms.cloudwatch.amazonaws.com');
    assert.deepEqual(permission.Properties.SourceArn, { 'Fn::GetAtt': [alarms[0].id, 'Arn'] });
  });

  it('Firehose LambdaFunctionProcessor: the processor is the alias, the delivery role may invoke only the alias', () => {
    const [stream] = resourcesOf(deliveryStream.json, 'AWS::KinesisFirehose::DeliveryStream');
    const [processor] = stream.Properties.ExtendedS3DestinationConfiguration.ProcessingConfiguration.Processors;
    assert.equal(processor.Type, 'Lambda');
    const arn = processor.Parameters.find((p: Json) => p.ParameterName === 'LambdaArn');
    assert.deepEqual(arn.ParameterValue, deliveryStream.aliasRef);
    assertInvokesAliasOnly(deliveryStream, { grants: 1, permissions: 0 });
  });

  it('IoT topic rule (L1): the rule action is the alias, iot.amazonaws.com may invoke only the alias from that rule', () => {
    const [rule] = resourcesOf(topicRule.json, 'AWS::IoT::TopicRule');
    assert.deepEqual(rule.Properties.TopicRulePayload.Actions, [{ Lambda: { FunctionArn: topicRule.aliasRef } }]);
    assertInvokesAliasOnly(topicRule, { grants: 0, permissions: 1 });
    const [permission] = resourcesOf(topicRule.json, 'AWS::Lambda::Permission');
    assert.equal(permission.Properties.Principal, 'iot.amazonaws.com');
    assert.deepEqual(permission.Properties.SourceArn, { 'Fn::GetAtt': [rule.id, 'Arn'] });
  });
});

/**
 * Findings on the integrations' own roles that no setting of theirs removes. None concerns
 * lambdakit's constructs; each is matched by rule, finding and path, so an invoke grant on
 * `<function arn>:*` (`Resource::<Fn...Arn>:*`) would still fail.
 */
const ACCEPTED: Record<string, Array<[finding: string, pathPrefix: string]>> = {
  // Execution logging and X-Ray tracing (asked by AwsSolutions-SF1/SF2) need log-delivery
  // and X-Ray actions that have no resource-level permissions: aws-cdk-lib grants them on
  // "*" (checked in the Step Functions test above).
  stepFunctions: [['AwsSolutions-IAM5[Resource::*]', 'Machine/Role/DefaultPolicy/']],
  // The S3 destination grants its role aws-cdk-lib's bucket.grantReadWrite (action wildcards
  // and the bucket's objects, `<bucket arn>/*`); the destination takes no narrower grant.
  deliveryStream: [
    'Action::s3:Abort*', 'Action::s3:DeleteObject*', 'Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*',
  ].map((f): [string, string] => [`AwsSolutions-IAM5[${f}]`, 'Clicks/S3 Destination Role/DefaultPolicy/'])
    .concat([['AwsSolutions-IAM5[Resource::<ArchiveDA4CB258.Arn>/*]', 'Clicks/S3 Destination Role/DefaultPolicy/']]),
};

/** cfn-validate / cfn-lint warnings on what aws-cdk-lib emits for the integrations, none on lambdakit's resources. */
const ACCEPTED_IN_TEMPLATE: Record<string, Array<[rule: string, logicalIdPrefix: string]>> = {
  // aws-cdk-lib's StateMachine lists its role in DependsOn as well as reading its ARN.
  stepFunctions: [['W3005', 'Machine']],
  // aws-cdk-lib's DeliveryStream always adds the Firehose CIDR-block mapping, which only
  // `deliveryStream.connections` reads (ingress from Firehose's addresses, e.g. to a database).
  deliveryStream: [['W7001', 'awscdkawskinesisfirehoseCidrBlocks']],
};

describe('each integration stack passes the checks', () => {
  const stacks = { stepFunctions, userPool, alarmAction, deliveryStream, topicRule };
  for (const [name, b] of Object.entries(stacks)) {
    it(`${name}: cdk-nag (AwsSolutions + Serverless) has no finding on lambdakit's constructs or the integration`, () => {
      assert.deepEqual(nagFindingsExcept(b, ACCEPTED[name] ?? []), []);
    });
  }

  it('cfn-validate and cfn-lint report nothing on any of the five templates', () => {
    const clean = Object.fromEntries(Object.keys(stacks).map((name) => [name, { validate: [], lint: [] }]));
    assert.deepEqual(templateFindingsExcept(stacks, ACCEPTED_IN_TEMPLATE), clean);
  });
});
