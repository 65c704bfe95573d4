import { Lazy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { PATTERN_REASONS, acknowledge, acknowledgeResourcePatterns } from './acknowledgements';

/**
 * The inline policies of the role lambdakit creates for a function, written
 * on the AWS::IAM::Role itself rather than as AWS::IAM::Policy resources (two
 * fewer resources per function, and CloudFormation creates them with the
 * role, so the function, which references the role, waits for them).
 *
 * Only statements on resources created with the function (its log group and
 * dead-letter queue) and X-Ray's go here: a resource that could name the role
 * in its own policy would make a cycle with the role. Everything else (grants,
 * triggers, `initialPolicy`, the user's `addToRolePolicy`) lands in the role's
 * default policy, a separate resource.
 *
 * `Execution` holds the statements on exact ARNs; `Tracing` holds the X-Ray
 * statement alone. Its acknowledgements (AwsSolutions-IAM5[Resource::*], and
 * Serverless-LambdaStarPermissions, which looks only at a role's inline
 * policies) are recorded on the CfnRole, not on the Role construct: cdk-nag
 * matches an acknowledgement against the finding's resource and its
 * ancestors, and the default policy is a sibling of the CfnRole, so a "*"
 * statement added to the role anywhere else is still reported. Nothing but
 * this module writes the role's `Policies`.
 */
export class OwnRolePolicies {
  private readonly documents = new Map<'Execution' | 'Tracing', iam.PolicyDocument>();

  /** The policies of `role` when lambdakit created it for the function (`undefined` for a role given as `role`). */
  public static of(fn: lambda.Function, ownRole: boolean): OwnRolePolicies | undefined {
    const cfnRole = fn.role?.node.defaultChild;
    if (!ownRole || !(fn.role instanceof iam.Role) || !(cfnRole instanceof iam.CfnRole)) return undefined;
    return new OwnRolePolicies(cfnRole);
  }

  private constructor(private readonly cfnRole: iam.CfnRole) {
    cfnRole.policies = Lazy.any(
      {
        produce: () =>
          [...this.documents]
            .filter(([, document]) => !document.isEmpty)
            .map(([policyName, policyDocument]) => ({ policyName, policyDocument })),
      },
      { omitEmptyArray: true },
    );
  }

  /** A statement on the log group or dead-letter queue created with the function. */
  public addExecution(statement: iam.PolicyStatement): void {
    this.document('Execution').addStatements(statement);
  }

  /** X-Ray's trace writes, which IAM accepts only on "*", alone in `Tracing`, acknowledged on the CfnRole only. */
  public addTracing(): void {
    this.document('Tracing').addStatements(tracingStatement());
    acknowledge(this.cfnRole, 'xrayWritesInline');
  }

  private document(name: 'Execution' | 'Tracing'): iam.PolicyDocument {
    let document = this.documents.get(name);
    if (!document) this.documents.set(name, (document = new iam.PolicyDocument()));
    return document;
  }
}

/** xray:PutTraceSegments and PutTelemetryRecords have no resource-level permissions. */
export function tracingStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] });
}

/**
 * X-Ray's statement for a role lambdakit did not create: a policy of its own
 * (`TracingPolicy`), acknowledged on that policy only, which the function
 * depends on so it can trace from its first invocation.
 */
export function grantTracing(fn: lambda.Function): iam.Policy | undefined {
  if (!fn.role) return undefined;
  const policy = new iam.Policy(fn, 'TracingPolicy', { statements: [tracingStatement()] });
  policy.attachToRole(fn.role);
  acknowledge(policy, 'xrayWrites');
  dependOn(fn, policy);
  return policy;
}

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
