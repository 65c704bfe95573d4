import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import { LambdaFunction } from '../../lib';
import { validateTemplates } from '../../lib/check/cfn-validate';
import { FIXTURES, nagFindings, newStack, template } from '../helpers';

const OK = path.join(FIXTURES, 'handlers', 'ok.ts');

function canaryStack() {
  const { app, stack } = newStack();
  const preHook = new LambdaFunction(stack, 'PreHook', { entry: OK, monitoring: false });
  const postHook = new LambdaFunction(stack, 'PostHook', { entry: OK, monitoring: false });
  const userAlarm = new cloudwatch.Alarm(stack, 'LatencyAlarm', {
    metric: new cloudwatch.Metric({ namespace: 'Shop', metricName: 'CheckoutLatency' }),
    threshold: 1000,
    evaluationPeriods: 1,
  });
  const fn = new LambdaFunction(stack, 'Fn', {
    entry: OK,
    deploymentConfig: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
    deploymentAlarms: [userAlarm],
    preTrafficHook: preHook,
    postTrafficHook: postHook,
    provisionedConcurrency: 2,
  });
  return { app, stack, fn, t: template(stack) };
}

describe('gradual deployment', () => {
  it('creates a CodeDeploy deployment group with the canary preset that rolls back on alarms, failures and stops', () => {
    const { t } = canaryStack();
    t.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      AutoRollbackConfiguration: { Enabled: true, Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM']) },
      AlarmConfiguration: {
        Enabled: true,
        Alarms: [
          { Name: { Ref: Match.stringLikeRegexp('^FnMonitoringErrors') } },
          { Name: { Ref: Match.stringLikeRegexp('^FnMonitoringThrottles') } },
          { Name: { Ref: Match.stringLikeRegexp('^LatencyAlarm') } },
        ],
      },
    });
  });

  it('runs the hooks around the shift of the live alias, which keeps its provisioned concurrency', () => {
    const { t } = canaryStack();
    const aliases = t.findResources('AWS::Lambda::Alias', { Properties: { ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } } });
    const [alias] = Object.values(aliases);
    assert.ok(alias, 'the live alias keeps its provisioned concurrency');
    assert.deepEqual(Object.keys(alias.UpdatePolicy.CodeDeployLambdaAliasUpdate).sort(), ['AfterAllowTrafficHook', 'ApplicationName', 'BeforeAllowTrafficHook', 'DeploymentGroupName']);
  });

  it('gives CodeDeploy a role with no managed policy, naming only this function, its alias and its hooks', () => {
    const { t } = canaryStack();
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'codedeploy.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^FnDeploymentServiceRoleDefaultPolicy'),
      PolicyDocument: {
        Statement: [
          {
            Action: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetProvisionedConcurrencyConfig'],
            Effect: 'Allow',
            Resource: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Fn[0-9A-F]{8}$'), 'Arn'] }, { Ref: Match.stringLikeRegexp('^FnAlias') }],
          },
          {
            Action: 'lambda:InvokeFunction',
            Effect: 'Allow',
            Resource: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^PreHook'), 'Arn'] }, { 'Fn::GetAtt': [Match.stringLikeRegexp('^PostHook'), 'Arn'] }],
          },
        ],
      },
    });
    // The hooks may report their verdict to this deployment group only.
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^PreHookServiceRoleDefaultPolicy'),
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'codedeploy:PutLifecycleEventHookExecutionStatus' })]) },
    });
  });

  it('passes cdk-nag and cfn-validate with zero findings', () => {
    const { app, stack } = canaryStack();
    assert.deepEqual(nagFindings(stack), []);
    const assembly = app.synth();
    const results = validateTemplates([path.join(assembly.directory, assembly.getStackByName(stack.stackName).templateFile)]);
    assert.deepEqual([...results.values()].flat(), []);
  });

  it('refuses hooks without a deployment preset', () => {
    const { stack } = newStack();
    const hook = new LambdaFunction(stack, 'Hook', { entry: OK });
    assert.throws(() => new LambdaFunction(stack, 'Fn', { entry: OK, preTrafficHook: hook }), /TestStack\/Fn: traffic hooks and deployment alarms need `deploymentConfig`/);
  });
});

describe('default monitoring', () => {
  it('alarms on errors, throttles and p99 duration near the timeout of the live alias', () => {
    const { stack } = newStack();
    new LambdaFunction(stack, 'Fn', { entry: OK });
    const t = template(stack);
    for (const metric of ['Errors', 'Throttles']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: 'AWS/Lambda',
        Dimensions: Match.arrayWith([{ Name: 'Resource', Value: Match.anyValue() }]),
        Threshold: 1,
      });
    }
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Duration', ExtendedStatistic: 'p99', Threshold: 9000, EvaluationPeriods: 3 });
  });

  it('puts every function on one dashboard per stack', () => {
    const { stack } = newStack();
    new LambdaFunction(stack, 'One', { entry: OK });
    new LambdaFunction(stack, 'Two', { entry: OK });
    const t = template(stack);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dashboard] = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['One invocations', 'One errors', 'One duration', 'One throttles', 'One concurrency', 'One DLQ depth', 'Two invocations']) {
      assert.ok(body.includes(title), `dashboard has "${title}"`);
    }
  });

  it('can be turned off', () => {
    const { stack } = newStack();
    new LambdaFunction(stack, 'Fn', { entry: OK, monitoring: false });
    const t = template(stack);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 1); // the dead-letter queue's depth
  });
});
