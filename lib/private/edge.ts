import { Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { LambdakitError } from '../errors';

/** The settings of a function that Lambda@Edge restricts. */
export interface EdgeInput {
  readonly runtime?: lambda.Runtime;
  readonly architecture?: lambda.Architecture;
  readonly environment?: { readonly [name: string]: string };
  readonly layers?: readonly lambda.ILayerVersion[];
  readonly vpc?: unknown;
  readonly filesystem?: unknown;
  readonly tracing?: lambda.Tracing;
  readonly deadLetterQueue?: unknown;
  readonly deadLetterTopic?: unknown;
  readonly reservedConcurrency?: number;
  readonly reservedConcurrentExecutions?: number;
  readonly provisionedConcurrency?: number;
  readonly provisionedConcurrencyScaling?: unknown;
  readonly snapStart?: unknown;
  readonly retryAttempts?: number;
  readonly maxEventAge?: unknown;
  readonly onSuccess?: unknown;
  readonly onFailure?: unknown;
  readonly deploymentConfig?: unknown;
  readonly triggers?: readonly unknown[];
}

/**
 * What CloudFront's "Restrictions on Lambda@Edge" rule out, checked before
 * anything is synthesized so the deploy does not fail late in CloudFront.
 * Every problem is named in one error.
 */
export function validateEdgeProps(constructPath: string, scope: IConstruct, props: EdgeInput, ephemeralStorageMb: number): void {
  const problems: string[] = [];
  const region = Stack.of(scope).region;
  if (!Token.isUnresolved(region) && region !== 'us-east-1') problems.push(`its stack is in ${region}; Lambda@Edge functions must be created in us-east-1`);
  if (props.runtime && props.runtime.family !== lambda.RuntimeFamily.NODEJS && props.runtime.family !== lambda.RuntimeFamily.PYTHON) {
    problems.push(`runtime ${props.runtime.name} is not offered at the edge (Node.js and Python only)`);
  }
  if (props.architecture && props.architecture.name !== lambda.Architecture.X86_64.name) problems.push('Lambda@Edge runs x86_64 only (drop `architecture`)');
  if (props.environment && Object.keys(props.environment).length) problems.push('Lambda@Edge has no environment variables (drop `environment`)');
  if (props.layers?.length) problems.push('Lambda@Edge does not support layers');
  if (props.vpc || props.filesystem) problems.push('Lambda@Edge functions cannot be in a VPC or mount a file system');
  if (props.tracing && props.tracing !== lambda.Tracing.DISABLED) problems.push('Lambda@Edge does not support X-Ray tracing');
  if (props.deadLetterQueue || props.deadLetterTopic) problems.push('Lambda@Edge does not support dead-letter queues');
  if (props.reservedConcurrency !== undefined || props.reservedConcurrentExecutions !== undefined || props.provisionedConcurrency !== undefined || props.provisionedConcurrencyScaling) {
    problems.push('Lambda@Edge does not support reserved or provisioned concurrency');
  }
  if (props.snapStart) problems.push('Lambda@Edge does not support SnapStart');
  if (ephemeralStorageMb > 512) problems.push(`ephemeralStorageSize ${ephemeralStorageMb} MB is over Lambda@Edge's 512 MB`);
  if (props.retryAttempts !== undefined || props.maxEventAge || props.onSuccess || props.onFailure) {
    problems.push('CloudFront invokes edge functions synchronously: retryAttempts, maxEventAge and destinations do not apply');
  }
  if (props.deploymentConfig) problems.push('CloudFront invokes a numbered version, not the alias CodeDeploy shifts (drop `deploymentConfig`)');
  if (props.triggers?.length) problems.push('CloudFront is the only source of an edge function (drop `triggers`)');
  if (problems.length) {
    throw new LambdakitError(`edge function: ${problems.join('; ')}`, {
      code: 'EdgeFunctionInvalid',
      path: constructPath,
      value: problems.length,
      hint: 'see "Restrictions on Lambda@Edge" in the CloudFront developer guide',
    });
  }
}

/**
 * Synth-time check of a non-edge function: a CloudFront distribution that
 * associates one of its versions as Lambda@Edge would fail at deploy time on
 * lambdakit's regional defaults (arm64, DLQ, environment, tracing).
 */
export function edgeUsageErrors(fn: lambda.Function): string[] {
  const stack = Stack.of(fn);
  const versionIds = fn.node
    .findAll()
    .filter((c): c is lambda.CfnVersion => c instanceof lambda.CfnVersion)
    .map((v) => stack.getLogicalId(v));
  if (!versionIds.length) return [];
  const errors: string[] = [];
  for (const construct of distributionsOf(fn.node.root)) {
    // The L1 property holds camelCase keys; the L2 Distribution renders PascalCase ones.
    const config = Stack.of(construct).resolve(construct.distributionConfig) as Record<string, unknown> | undefined;
    const field = (object: unknown, name: string): unknown => {
      const o = (object ?? {}) as Record<string, unknown>;
      return o[name] ?? o[name.charAt(0).toLowerCase() + name.slice(1)];
    };
    const behaviors = [field(config, 'DefaultCacheBehavior'), ...((field(config, 'CacheBehaviors') as unknown[] | undefined) ?? [])];
    const associations = JSON.stringify(behaviors.map((b) => field(b, 'LambdaFunctionAssociations') ?? []));
    if (versionIds.some((id) => associations.includes(id))) {
      errors.push(
        `${fn.node.path} is a Lambda@Edge function of CloudFront distribution ${construct.node.path}, but was built as a regional function (arm64, dead-letter queue, environment, tracing); set \`edge: true\` on it`,
      );
    }
  }
  return errors;
}

/**
 * The app's CloudFront distributions, found with one walk of the tree per
 * validation pass rather than one per function (which made synth quadratic in
 * the number of functions). aws-cdk-lib validates the whole tree synchronously,
 * so the list is dropped once the pass's synchronous run ends.
 */
const distributionCache = new WeakMap<IConstruct, cloudfront.CfnDistribution[]>();
function distributionsOf(root: IConstruct): cloudfront.CfnDistribution[] {
  let found = distributionCache.get(root);
  if (!found) {
    found = root.node.findAll().filter((c): c is cloudfront.CfnDistribution => c instanceof cloudfront.CfnDistribution);
    distributionCache.set(root, found);
    queueMicrotask(() => distributionCache.delete(root));
  }
  return found;
}
