import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Every check lambdakit acknowledges, in one place, with the reason.
 *
 * Only rules that contradict themselves or the AWS API are acknowledged, and
 * each on the narrowest construct that needs it. Acknowledgements are written
 * as `Validations.ACKNOWLEDGED_RULES_METADATA_KEY` metadata because
 * `Validations.acknowledge()` rejects finding ids that contain an ARN
 * (cdk-nag #2351); cdk-nag reads the same metadata.
 */
export const ACKNOWLEDGEMENTS = {
  /** X-Ray trace writes: AWS defines no resource-level permissions for these actions. */
  xrayWrites: {
    'AwsSolutions-IAM5[Resource::*]':
      'xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions; IAM only accepts "*" for them',
  },
  /**
   * X-Ray trace writes as the `Tracing` inline policy of a role lambdakit created, recorded on
   * the CfnRole (see OwnRolePolicies): the role's inline policies hold only lambdakit's
   * statements, and statements added to the role later go to its default policy, a separate
   * resource these do not cover.
   */
  xrayWritesInline: {
    'AwsSolutions-IAM5[Resource::*]':
      'xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions; IAM only accepts "*" for them',
    'Serverless-LambdaStarPermissions':
      'the only wildcard in this role\'s inline policies is X-Ray\'s "*" (xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions); statements added to the role go to its default policy, which this does not cover',
  },
  /** CodeDeploy reading alarm states during a gradual deployment. */
  deploymentAlarmRead: {
    'AwsSolutions-IAM5[Resource::*]':
      'CodeDeploy reads alarm states with cloudwatch:DescribeAlarms, a read-only list call; it is granted on all alarms as AWS\'s own AWSCodeDeployRoleForLambdaLimited grants it, alone in this policy',
  },
  /** A dead-letter queue asked to have its own dead-letter queue. */
  deadLetterQueue: {
    'AwsSolutions-SQS3': 'this queue is itself a dead-letter queue; giving it another one only moves the problem',
    'Serverless-SQSRedrivePolicy': 'this queue is itself a dead-letter queue; giving it another one only moves the problem',
  },
  /** The bucket receiving another bucket's server access logs. */
  accessLogBucket: {
    'AwsSolutions-S1': 'this bucket receives server access logs; logging its own access would write a log object per log object',
  },
  /** An HTTP route its author declared public (`auth: 'none'`). */
  publicRoute: {
    'AwsSolutions-APIG4': 'the route was declared public (auth: \'none\') by its author; every other route is IAM-authorized by default',
  },
  /** An on-failure destination asked of an SQS event source mapping. */
  sqsMappingDestination: {
    'Serverless-LambdaEventSourceMappingDestination':
      'the Lambda API offers no on-failure destination for SQS event source mappings; failures go to the queue\'s redrive dead-letter queue',
  },
  /** A REST API without a WAF web ACL (none given). */
  restApiWithoutWaf: {
    'AwsSolutions-APIG3':
      'AWS WAF is a separately priced, account-specific service; lambdakit associates the web ACL given as `webAclArn` and cannot create a meaningful one itself',
  },
  /** A REST API stage without execution logging. */
  restApiExecutionLogs: {
    'AwsSolutions-APIG6':
      'execution logging needs the account-wide API Gateway CloudWatch role, which one API must not own; JSON access logs are on, and `executionLogging: true` turns execution logs on where the account role exists',
  },
  /** REST methods authorized by IAM rather than a Cognito user pool. */
  restApiIamAuth: {
    'AwsSolutions-COG4': 'the method is authorized with IAM (SigV4); a Cognito user pool is one choice of authorizer, not a requirement',
  },
  /** A Lambda@Edge function: CloudFront's restrictions rule out a dead-letter queue and X-Ray. */
  edgeFunction: {
    'Serverless-LambdaDLQ': 'Lambda@Edge does not support dead-letter queues; CloudFront invokes edge functions synchronously and reports failures to the viewer',
    'Serverless-LambdaTracing': 'Lambda@Edge does not support AWS X-Ray tracing',
  },
  /** aws-cdk-lib's bucket-notifications custom resource handler. */
  bucketNotificationsHandler: {
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
      'aws-cdk-lib\'s bucket notifications handler runs only during deployment to configure S3 notifications; its role and code belong to aws-cdk-lib',
  },
} as const;

/** Why object-level grants name `<bucket arn>/<prefix>*`: S3 object actions take object ARNs. */
const OBJECT_PATTERN_REASON =
  'S3 object actions apply to object ARNs; the key-prefix pattern is the narrowest resource that covers the objects this function reads or writes';

/**
 * Acknowledges AwsSolutions-IAM5 for exactly the given object-ARN patterns of
 * a policy. The finding id holds the resolved ARN (with cross-stack imports
 * known only at synth), so it is written when the tree is validated.
 */
export function acknowledgeObjectPatterns(policy: IConstruct, resources: string[]): void {
  acknowledgeResourcePatterns(policy, resources, OBJECT_PATTERN_REASON);
}

/** Why each wildcard resource of a function's own grants cannot be narrower. */
export const PATTERN_REASONS = {
  networkInterfaces:
    'Lambda creates, attaches and deletes the function\'s network interfaces itself; their ids do not exist before Lambda creates them, so network-interface/* is the narrowest resource',
  ec2Describe: 'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets have no resource-level permissions; IAM only accepts "*" for them',
  insightsLogs:
    'the Lambda Insights extension writes to the account\'s shared /aws/lambda-insights log group with one log stream per execution environment; stream names are chosen at run time',
  edgeLogs:
    'Lambda@Edge replicas write to /aws/lambda/us-east-1.<function> in whichever region serves the request, with one stream per execution environment',
} as const;

/**
 * Acknowledges AwsSolutions-IAM5 for exactly the given resources of a policy,
 * with the reason. The finding id holds the resolved ARN, so it is written
 * when the tree is validated.
 */
export function acknowledgeResourcePatterns(policy: IConstruct, resources: string[], reason: string): void {
  const data: Record<string, string> = {};
  policy.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, data);
  policy.node.addValidation({
    validate: () => {
      for (const resource of resources) data[`AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(policy).resolve(resource))}]`] = reason;
      return [];
    },
  });
}

/** A CloudFormation value as cdk-nag names it in finding ids (`<Logical.Attr>`, `<Ref>`, joined strings). */
function flattenReference(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const v = value as Record<string, unknown>;
  if (Array.isArray(v['Fn::Join'])) {
    const [delimiter, items] = v['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (v['Fn::Sub'] !== undefined) return flattenReference(v['Fn::Sub']);
  if (Array.isArray(v['Fn::GetAtt'])) {
    const [resource, attribute] = v['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (v['Fn::ImportValue'] !== undefined) return flattenReference(v['Fn::ImportValue']);
  if (v.Ref !== undefined) return `<${flattenReference(v.Ref)}>`;
  return JSON.stringify(value);
}

export type AcknowledgementSet = keyof typeof ACKNOWLEDGEMENTS;

/** Records one set of acknowledgements on a construct (and so on every resource under it). */
export function acknowledge(scope: IConstruct, set: AcknowledgementSet): void {
  scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { ...ACKNOWLEDGEMENTS[set] });
}
