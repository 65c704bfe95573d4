import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledge } from '../private/acknowledgements';
import { applyChecksFromContext } from '../private/checks';

/** Options that turn on gradual (CodeDeploy) deployments of a function's alias. */
export interface GradualDeploymentOptions {
  /**
   * Shift the alias to each new version gradually with CodeDeploy, with this preset:
   * `LambdaDeploymentConfig.ALL_AT_ONCE`, `CANARY_10PERCENT_5MINUTES` (and the other
   * canary presets), `LINEAR_10PERCENT_EVERY_1MINUTE`, ...
   * @default - no CodeDeploy; CloudFormation moves the alias at once
   */
  readonly deploymentConfig?: codedeploy.ILambdaDeploymentConfig;
  /**
   * Alarms, besides the function's own errors and throttles alarms, that roll the deployment back.
   * @default - none
   */
  readonly deploymentAlarms?: cloudwatch.IAlarm[];
  /**
   * Function CodeDeploy runs before shifting traffic; it must report back with
   * `PutLifecycleEventHookExecutionStatus`.
   * @default - none
   */
  readonly preTrafficHook?: lambda.IFunction;
  /**
   * Function CodeDeploy runs after shifting traffic.
   * @default - none
   */
  readonly postTrafficHook?: lambda.IFunction;
}

export interface GradualDeploymentProps extends GradualDeploymentOptions {
  readonly deploymentConfig: codedeploy.ILambdaDeploymentConfig;
  readonly function: lambda.IFunction;
  readonly alias: lambda.Alias;
  /** Alarms that always roll back (the function's errors and throttles). */
  readonly defaultAlarms: cloudwatch.IAlarm[];
}

/**
 * A CodeDeploy deployment group that shifts the alias to each new version
 * with the chosen preset, rolls back when an alarm fires or a deployment
 * fails or stops, and runs the optional hooks. Its role has no AWS managed
 * policy: its inline statements name this function and alias.
 */
export class GradualDeployment extends Construct {
  public readonly deploymentGroup: codedeploy.LambdaDeploymentGroup;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: GradualDeploymentProps) {
    super(scope, id);
    applyChecksFromContext(this);
    this.role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('codedeploy.amazonaws.com'),
      description: 'Lets CodeDeploy shift this function\'s alias between versions',
    });
    // aws-cdk-lib attaches AWSCodeDeployRoleForLambdaLimited (alias updates on every function)
    // to the group's role and grants hook invokes on `arn:*`. Handing it a role it cannot
    // change keeps both off; the statements below name only this function, its alias and its hooks.
    this.deploymentGroup = new codedeploy.LambdaDeploymentGroup(this, 'Resource', {
      alias: props.alias,
      deploymentConfig: props.deploymentConfig,
      alarms: [...props.defaultAlarms, ...(props.deploymentAlarms ?? [])],
      preHook: props.preTrafficHook,
      postHook: props.postTrafficHook,
      role: this.role.withoutPolicyUpdates(),
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetProvisionedConcurrencyConfig'],
        resources: [props.function.functionArn, props.alias.functionArn],
      }),
    );
    const hooks = [props.preTrafficHook, props.postTrafficHook].filter((h): h is lambda.IFunction => h !== undefined);
    if (hooks.length > 0) {
      // CodeDeploy invokes hooks unqualified, by name: the function ARN is the whole grant.
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: hooks.map((h) => h.functionArn) }));
    }
    const alarmRead = new iam.Policy(this, 'AlarmReadPolicy', {
      statements: [new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: ['*'] })],
      roles: [this.role],
    });
    acknowledge(alarmRead, 'deploymentAlarmRead');
  }
}
