import { Validations } from 'aws-cdk-lib';
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
  /** An on-failure destination asked of an SQS event source mapping. */
  sqsMappingDestination: {
    'Serverless-LambdaEventSourceMappingDestination':
      'the Lambda API offers no on-failure destination for SQS event source mappings; failures go to the queue\'s redrive dead-letter queue',
  },
} as const;

export type AcknowledgementSet = keyof typeof ACKNOWLEDGEMENTS;

/** Records one set of acknowledgements on a construct (and so on every resource under it). */
export function acknowledge(scope: IConstruct, set: AcknowledgementSet): void {
  scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { ...ACKNOWLEDGEMENTS[set] });
}
