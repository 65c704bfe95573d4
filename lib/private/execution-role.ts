import { Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { PATTERN_REASONS, acknowledgeResourcePatterns } from './acknowledgements';

/**
 * Statements that aws-cdk-lib would give a function through AWS managed
 * policies (AWSLambdaVPCAccessExecutionRole, CloudWatchLambdaInsightsExecutionRolePolicy),
 * written instead as inline policies on exact resources. Each lives in a
 * policy of its own so that an acknowledgement names only its wildcards, and
 * the function depends on it: Lambda checks ENI permissions when it creates
 * the function.
 */

/** Lambda's network-interface permissions for a function in a VPC. */
export function grantNetworkInterfaces(fn: lambda.Function, vpc: ec2.IVpc, subnetSelection: ec2.SubnetSelection | undefined): iam.Policy | undefined {
  if (!fn.role) return undefined;
  const stack = Stack.of(fn);
  const arn = (type: string, id: string) => `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:${type}/${id}`;
  const interfaces = arn('network-interface', '*');
  const subnets = vpc.selectSubnets(subnetSelection).subnetIds.map((id) => arn('subnet', id));
  const groups = fn.connections.securityGroups.map((group) => arn('security-group', group.securityGroupId));
  const policy = new iam.Policy(fn, 'NetworkInterfacePolicy', {
    statements: [
      // IAM evaluates CreateNetworkInterface against the new interface, its subnet and its security groups.
      new iam.PolicyStatement({ actions: ['ec2:CreateNetworkInterface'], resources: [interfaces, ...subnets, ...groups] }),
      new iam.PolicyStatement({
        actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: [interfaces],
      }),
      new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], resources: ['*'] }),
    ],
  });
  policy.attachToRole(fn.role);
  acknowledgeResourcePatterns(policy, [interfaces], PATTERN_REASONS.networkInterfaces);
  acknowledgeResourcePatterns(policy, ['*'], PATTERN_REASONS.ec2Describe);
  dependOn(fn, policy);
  return policy;
}

/** What the Lambda Insights extension writes: its shared log group, nothing else. */
export function grantInsightsLogs(fn: lambda.Function): iam.Policy | undefined {
  if (!fn.role) return undefined;
  const stack = Stack.of(fn);
  const group = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:/aws/lambda-insights`;
  const streams = `${group}:*`;
  const policy = new iam.Policy(fn, 'InsightsPolicy', {
    statements: [
      new iam.PolicyStatement({ actions: ['logs:CreateLogGroup'], resources: [streams] }),
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [streams] }),
    ],
  });
  policy.attachToRole(fn.role);
  acknowledgeResourcePatterns(policy, [streams], PATTERN_REASONS.insightsLogs);
  dependOn(fn, policy);
  return policy;
}

/** Lambda@Edge: replicas log to `/aws/lambda/us-east-1.<name>` in every region, and edgelambda assumes the role. */
export function grantEdgeLogs(fn: lambda.Function): iam.Policy | undefined {
  if (!fn.role) return undefined;
  const stack = Stack.of(fn);
  const streams = `arn:${stack.partition}:logs:*:${stack.account}:log-group:/aws/lambda/us-east-1.${fn.functionName}:*`;
  const policy = new iam.Policy(fn, 'EdgeLogsPolicy', {
    statements: [
      new iam.PolicyStatement({ actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], resources: [streams] }),
    ],
  });
  policy.attachToRole(fn.role);
  acknowledgeResourcePatterns(policy, [streams], PATTERN_REASONS.edgeLogs);
  return policy;
}

function dependOn(fn: Construct, policy: iam.Policy): void {
  const cfnFunction = fn.node.defaultChild as lambda.CfnFunction;
  cfnFunction.addResourceDependency(policy.node.defaultChild as iam.CfnPolicy);
}

/**
 * aws-cdk-lib's EFS configuration grants `elasticfilesystem:ClientMount` on "*" (limited by an
 * access-point condition). ClientMount accepts the file system's ARN, so the same grant is
 * written on that ARN, keeping the access-point condition.
 */
export function narrowFileSystem(filesystem: lambda.FileSystem): lambda.FileSystem {
  const policies = filesystem.config.policies ?? [];
  const named = policies.flatMap((p) => p.resources).find((r) => r !== '*');
  if (!named) return filesystem;
  const narrowed = policies.map((statement) => {
    const json = statement.toStatementJson() as { Resource?: string | string[] };
    const resources = [json.Resource ?? []].flat();
    if (!resources.includes('*')) return statement;
    return iam.PolicyStatement.fromJson({ ...json, Resource: resources.map((r) => (r === '*' ? named : r)) });
  });
  return new NarrowedFileSystem({ ...filesystem.config, policies: narrowed });
}

/** lambda.FileSystem's constructor is protected; its factories cannot take other policies. */
class NarrowedFileSystem extends lambda.FileSystem {
  constructor(config: lambda.FileSystemConfig) {
    super(config);
  }
}
