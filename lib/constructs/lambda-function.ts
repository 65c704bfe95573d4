import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, AssetHashType, Duration, Size, Stack, Stage, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type BundleResult, bundle } from '../bundling/bundler';
import type { BuildLanguage, BuildResult, RuntimeBuilder } from '../bundling/builder';
import { customBuilder } from '../bundling/custom';
import { detectLanguage, runtimeFamilyOf } from '../bundling/detect';
import { goBuilder } from '../bundling/go';
import { checkPackageSize } from '../bundling/package-size';
import { pythonBuilder } from '../bundling/python';
import { rustBuilder } from '../bundling/rust';
import { BUNDLING_OPTION_FIELDS, type BundlingOptions } from '../bundling/options';
import { LambdakitError, isLambdakitError } from '../errors';
import { acknowledge } from '../private/acknowledgements';
import { applyChecksFromContext } from '../private/checks';
import { cacheDirectory, findProjectRoot } from '../private/project';
import { esbuildTarget, latestRuntime } from '../private/runtime';
import { dropRedundantRoleDependency } from '../private/dependencies';
import { edgeUsageErrors, validateEdgeProps } from '../private/edge';
import { OwnRolePolicies, grantEdgeLogs, grantInsightsLogs, grantNetworkInterfaces, grantTracing, narrowFileSystem } from '../private/execution-role';
import { validateFunctionProps } from '../private/validate-function';
import { FunctionMonitoring } from './function-monitoring';
import { GradualDeployment, type GradualDeploymentOptions } from './gradual-deployment';
import { NodeLayer } from './node-layer';
import { PythonLayer } from './python-layer';
import { bindPowertools, type PowertoolsOptions, withPowertools } from './powertools';
import type { ITrigger } from '../triggers/trigger';
import * as access from './resource-access';

/** Target-tracking auto scaling of the alias's provisioned concurrency. */
export interface ProvisionedConcurrencyScaling {
  /** Fewest provisioned environments. */
  readonly minCapacity: number;
  /** Most provisioned environments. */
  readonly maxCapacity: number;
  /**
   * Provisioned concurrency utilization to hold, between 0.1 and 0.9.
   * @default 0.7
   */
  readonly utilizationTarget?: number;
}

/**
 * aws-cdk-lib's options that lambdakit replaces: `ephemeralStorageSize` also takes MB as a
 * number, and the log-retention custom resource is never created (the function owns its log group).
 */
type ReplacedFunctionOptions = 'ephemeralStorageSize' | 'logRetentionRole' | 'logRetentionRetryOptions';

/**
 * Properties of a LambdaFunction: every `lambda.FunctionOptions` setting aws-cdk-lib knows
 * (VPC, file systems, KMS, SnapStart, Insights, ADOT, extensions, code signing...), the
 * esbuild options, and lambdakit's own. A setting left unset keeps lambdakit's default.
 */
export interface LambdaFunctionProps extends Omit<lambda.FunctionOptions, ReplacedFunctionOptions>, BundlingOptions, GradualDeploymentOptions {
  /**
   * The handler file: a `.ts`/`.js`/`.mjs`/`.cjs` entry that esbuild bundles, or a `.py`
   * module whose directory becomes the asset. Relative paths start at the project root.
   * @example 'functions/hello/handler.ts'
   */
  readonly entry: string;
  /**
   * Name of the exported handler function.
   * @default 'handler' for Node.js; 'lambda_handler' for Python
   */
  readonly handler?: string;
  /**
   * Lambda runtime.
   * @default - the newest Node.js runtime aws-cdk-lib offers; the newest Python runtime for a `.py` entry
   */
  readonly runtime?: lambda.Runtime;
  /**
   * Instruction set.
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;
  /**
   * Memory in MB, 128-10,240.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Longest an invocation may run, at most 15 minutes.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Size of /tmp, 512-10,240 MB: a number of MB or a `Size`.
   * @default 512
   */
  readonly ephemeralStorageSize?: number | Size;
  /**
   * Environment variables. Together with lambdakit's own (`NODE_OPTIONS`) at most 4 KB.
   * @default - none
   */
  readonly environment?: { readonly [name: string]: string };
  /**
   * Description shown in the console.
   * @default - none
   */
  readonly description?: string;
  /**
   * Physical function name.
   * @default - CloudFormation generates one
   */
  readonly functionName?: string;
  /**
   * Execution role. When given, lambdakit adds its statements to it and does not create one.
   * @default - a dedicated role whose inline policy names only this function's own resources
   */
  readonly role?: iam.IRole;
  /**
   * Layers, at most 5. Packages of `NodeLayer`s are left out of the bundle.
   * @default - none
   */
  readonly layers?: lambda.ILayerVersion[];
  /**
   * Project root: esbuild's working directory and the base of relative `entry` paths.
   * @default - the nearest directory with a package.json, from the current directory
   */
  readonly projectRoot?: string;
  /**
   * X-Ray tracing mode.
   * @default lambda.Tracing.ACTIVE
   */
  readonly tracing?: lambda.Tracing;
  /**
   * How long the function's log group keeps events.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Log format. JSON lets Lambda filter by level and adds the request id to every line.
   * @default lambda.LoggingFormat.JSON
   */
  readonly loggingFormat?: lambda.LoggingFormat;
  /**
   * Lowest application log level Lambda keeps (JSON format only).
   * @default lambda.ApplicationLogLevel.INFO
   */
  readonly applicationLogLevel?: lambda.ApplicationLogLevel;
  /**
   * Lowest platform log level Lambda keeps (JSON format only).
   * @default lambda.SystemLogLevel.WARN
   */
  readonly systemLogLevel?: lambda.SystemLogLevel;
  /**
   * Queue receiving asynchronous events that failed every attempt.
   * @default - a new queue, encrypted with SQS-managed keys, SSL-only, 14 days retention, with a depth alarm
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Retries of a failed asynchronous invocation, 0-2 (applies to the alias that triggers invoke).
   * @default - Lambda's default, 2
   */
  readonly retryAttempts?: number;
  /**
   * Longest an asynchronous event waits before it is dropped to the dead-letter queue, 60 s-6 h.
   * @default - Lambda's default, 6 hours
   */
  readonly maxEventAge?: Duration;
  /**
   * Destination for records of successful asynchronous invocations.
   * @default - none
   */
  readonly onSuccess?: lambda.IDestination;
  /**
   * Destination for records of asynchronous invocations that failed every attempt.
   * @default - none; failed events go to the dead-letter queue
   */
  readonly onFailure?: lambda.IDestination;
  /**
   * Name of the alias that triggers and callers use. It points at a version published
   * whenever code or configuration changes.
   * @default 'live'
   */
  readonly aliasName?: string;
  /**
   * Provisioned concurrency on the alias.
   * @default - none
   */
  readonly provisionedConcurrency?: number;
  /**
   * Auto scaling of the alias's provisioned concurrency.
   * @default - none
   */
  readonly provisionedConcurrencyScaling?: ProvisionedConcurrencyScaling;
  /**
   * Concurrency reserved for (and capping) the function. Same as aws-cdk-lib's
   * `reservedConcurrentExecutions`, which is accepted too.
   * @default - the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /**
   * Lambda@Edge mode, for a function that CloudFront runs (`edgeLambdas`): us-east-1 only,
   * x86_64, no dead-letter queue, no environment variables (so no `NODE_OPTIONS`), no layers,
   * VPC, tracing or concurrency settings, the role assumable by `edgelambda.amazonaws.com`,
   * and log permissions in every region. A function used by a distribution without it fails synth.
   * @default false
   */
  readonly edge?: boolean;
  /**
   * Default alarms (errors and throttles on the alias, p99 duration near the timeout)
   * and a row on the stack's dashboard.
   * @default true (false with `edge`: replicas report in the regions that serve requests)
   */
  readonly monitoring?: boolean;
  /**
   * What invokes the function (queues, streams, topics, buckets, rules, schedules,
   * routes...). Each trigger invokes the `live` alias. More can be added with `addTrigger`.
   * @default - none
   */
  readonly triggers?: ITrigger[];
  /**
   * Powertools for AWS Lambda: the POWERTOOLS_* environment (service name, metrics namespace,
   * log level kept equal to `applicationLogLevel`, debug sampling), the idempotency table's
   * grant, and the public Powertools layer instead of bundling (see `PowertoolsOptions`).
   * @default - none
   */
  readonly powertools?: PowertoolsOptions;
}

const DEFAULT_MEMORY_MB = 512;
const DEFAULT_TIMEOUT = Duration.seconds(10);
const DEFAULT_EPHEMERAL_MB = 512;
/** Lambda@Edge's limits for viewer events, which also fit origin events. */
const EDGE_MEMORY_MB = 128;
const EDGE_TIMEOUT = Duration.seconds(5);

/** Props that are lambdakit's own: never passed to lambda.Function. */
const LAMBDAKIT_FIELDS = [
  'entry', 'handler', 'runtime', 'projectRoot', 'aliasName', 'provisionedConcurrency', 'provisionedConcurrencyScaling',
  'reservedConcurrency', 'edge', 'monitoring', 'triggers', 'powertools', 'deploymentConfig', 'deploymentAlarms', 'preTrafficHook', 'postTrafficHook',
] as const satisfies readonly (keyof LambdaFunctionProps)[];

/**
 * aws-cdk-lib settings lambdakit applies itself, with its defaults (the log group, tracing in
 * its own policy, the dead-letter queue, async settings on the alias, event sources on the alias).
 */
const HANDLED_FIELDS = [
  'architecture', 'memorySize', 'timeout', 'ephemeralStorageSize', 'environment', 'reservedConcurrentExecutions',
  'tracing', 'logRetention', 'logRemovalPolicy', 'logGroup', 'logFormat', 'loggingFormat',
  'applicationLogLevel', 'applicationLogLevelV2', 'systemLogLevel', 'systemLogLevelV2',
  'deadLetterQueue', 'deadLetterQueueEnabled', 'deadLetterTopic', 'retryAttempts', 'maxEventAge', 'onSuccess', 'onFailure', 'events',
] as const satisfies readonly (keyof LambdaFunctionProps)[];

type LambdakitOnlyField = Exclude<keyof LambdaFunctionProps, keyof lambda.FunctionOptions>;
type UnclassifiedField = Exclude<LambdakitOnlyField, (typeof LAMBDAKIT_FIELDS)[number] | (typeof BUNDLING_OPTION_FIELDS)[number]>;
// A compile error here names a lambdakit prop that is neither listed as lambdakit's own nor as a bundling option.
const everyOwnFieldListed: [UnclassifiedField] extends [never] ? true : UnclassifiedField = true;
void everyOwnFieldListed;

type PassThroughOptions = Omit<LambdaFunctionProps, (typeof LAMBDAKIT_FIELDS)[number] | (typeof HANDLED_FIELDS)[number] | (typeof BUNDLING_OPTION_FIELDS)[number]>;

/** The aws-cdk-lib settings that reach lambda.Function untouched: everything not picked out above. */
function passThroughOptions(props: LambdaFunctionProps): PassThroughOptions {
  const rest: Record<string, unknown> = { ...props };
  for (const field of [...LAMBDAKIT_FIELDS, ...HANDLED_FIELDS, ...BUNDLING_OPTION_FIELDS]) delete rest[field];
  return rest as PassThroughOptions;
}

/** The esbuild options of the props, picked by the bundler's typed field list. */
function pickBundlingOptions(props: LambdaFunctionProps): BundlingOptions {
  const picked: Record<string, unknown> = {};
  for (const field of BUNDLING_OPTION_FIELDS) if (props[field] !== undefined) picked[field] = props[field];
  return picked as BundlingOptions;
}

function storageMegabytes(value: number | Size): number {
  return typeof value === 'number' ? value : value.toMebibytes();
}

/** `reservedConcurrency` and aws-cdk-lib's `reservedConcurrentExecutions` name one setting. */
function reservedConcurrencyOf(constructPath: string, props: LambdaFunctionProps): number | undefined {
  const ours = props.reservedConcurrency;
  const cdk = props.reservedConcurrentExecutions;
  if (ours !== undefined && cdk !== undefined && ours !== cdk) {
    throw new LambdakitError(`reservedConcurrency ${ours} and reservedConcurrentExecutions ${cdk} name the same setting with different values`, {
      code: 'ReservedConcurrencyConflict',
      path: constructPath,
      value: [ours, cdk],
      hint: 'set only one of them',
    });
  }
  return ours ?? cdk;
}

/** Options only meaningful with aws-cdk-lib's log-retention custom resource, which lambdakit never creates. */
function rejectReplacedOptions(constructPath: string, props: LambdaFunctionProps): void {
  const untyped = props as unknown as Record<string, unknown>;
  const given = ['logRetentionRole', 'logRetentionRetryOptions'].filter((field) => untyped[field] !== undefined);
  if (given.length) {
    throw new LambdakitError(`${given.join(' and ')} configure aws-cdk-lib's log-retention custom resource, which lambdakit does not create: the function owns its log group`, {
      code: 'LogRetentionResourceOption',
      path: constructPath,
      hint: 'drop them; `logRetention` sets the retention of the function\'s own log group directly',
    });
  }
  if (props.deadLetterQueue && props.deadLetterQueueEnabled === false) {
    throw new LambdakitError('deadLetterQueue is given but deadLetterQueueEnabled is false', { code: 'DeadLetterConflict', path: constructPath });
  }
  if (props.deadLetterTopic && (props.deadLetterQueue || props.deadLetterQueueEnabled !== undefined)) {
    throw new LambdakitError('deadLetterTopic cannot be combined with deadLetterQueue or deadLetterQueueEnabled: a function has one dead-letter target', {
      code: 'DeadLetterConflict',
      path: constructPath,
    });
  }
}

/**
 * A Lambda function bundled in-process by esbuild, with production defaults:
 * the newest runtime, arm64, explicit memory and timeout, active tracing, JSON
 * logs in its own log group with retention, a dedicated role scoped to that
 * log group, an encrypted SSL-only dead-letter queue with a depth alarm, and a
 * `live` alias on a version published whenever code or configuration changes.
 */
export class LambdaFunction extends lambda.Function {
  /** The alias that triggers and callers invoke. */
  public readonly alias: lambda.Alias;
  /** True for a Lambda@Edge function (`edge`). */
  public readonly edge: boolean;
  private readonly functionLogGroup: logs.ILogGroup;
  /** The queue receiving failed asynchronous events. */
  public readonly deadLetterQueue?: sqs.IQueue;
  /** Alarm on the dead-letter queue's depth (when lambdakit created the queue). */
  public readonly deadLetterQueueAlarm?: cloudwatch.Alarm;
  /** The default alarms and dashboard row (unless `monitoring` is false). */
  public readonly monitoring?: FunctionMonitoring;
  /** The CodeDeploy deployment of the alias (when `deploymentConfig` is set). */
  public readonly deployment?: GradualDeployment;
  /** Bundle size and contributors; undefined for Python functions and skipped bundling. */
  public readonly bundle?: BundleResult;

  constructor(scope: Construct, id: string, props: LambdaFunctionProps) {
    const constructPath = scope.node.path ? `${scope.node.path}/${id}` : id;
    rejectReplacedOptions(constructPath, props);
    props = withPowertools(constructPath, id, props);
    const edge = props.edge ?? false;
    const projectRoot = path.resolve(props.projectRoot ?? findProjectRoot(process.cwd()));
    const entry = path.resolve(projectRoot, props.entry);
    const language = languageOf(entry, constructPath);
    const runtime = runtimeFor(constructPath, language, props.runtime, path.relative(projectRoot, entry));
    const python = language === 'python';
    const node = language === 'nodejs';
    const handlerName = props.handler ?? (python ? 'lambda_handler' : node ? 'handler' : 'bootstrap');
    const timeout = props.timeout ?? (edge ? EDGE_TIMEOUT : DEFAULT_TIMEOUT);
    const memorySize = props.memorySize ?? (edge ? EDGE_MEMORY_MB : DEFAULT_MEMORY_MB);
    const ephemeralStorageSize = storageMegabytes(props.ephemeralStorageSize ?? DEFAULT_EPHEMERAL_MB);
    const reservedConcurrency = reservedConcurrencyOf(constructPath, props);
    const bundling = pickBundlingOptions(props);
    // Lambda@Edge has no environment variables, so NODE_OPTIONS cannot turn source maps on there.
    const sourcemap = node && (bundling.sourcemap ?? !edge);
    const environment: Record<string, string> = { ...(props.environment ?? {}) };
    if (sourcemap && !edge) {
      const existing = environment.NODE_OPTIONS;
      if (!existing || (!Token.isUnresolved(existing) && !existing.includes('--enable-source-maps'))) {
        environment.NODE_OPTIONS = existing ? `${existing} --enable-source-maps` : '--enable-source-maps';
      }
    }

    validateFunctionProps(constructPath, {
      memorySize,
      timeout,
      ephemeralStorageSize,
      environment,
      layers: props.layers ?? [],
      provisionedConcurrency: props.provisionedConcurrency,
      reservedConcurrency,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      scaling: props.provisionedConcurrencyScaling,
    });
    if (edge) validateEdgeProps(constructPath, scope, props, ephemeralStorageSize);
    if (props.filesystem && !props.vpc) {
      throw new LambdakitError('`filesystem` needs `vpc`: Lambda mounts EFS through network interfaces in the file system\'s VPC', {
        code: 'FilesystemWithoutVpc',
        path: constructPath,
        hint: 'pass the VPC of the file system as `vpc` (and `vpcSubnets` with a mount target in each)',
      });
    }

    const architecture = props.architecture ?? (edge ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64);
    // Layers lambdakit built count towards the 250 MB: their directories are known.
    const layerDirs = (props.layers ?? []).flatMap((layer) => {
      const dir = (layer as { codeDirectory?: string }).codeDirectory;
      return dir ? [{ label: layer.node.path, dir }] : [];
    });
    let code: lambda.Code;
    let handler: string;
    let bundleResult: BundleResult | undefined;
    let buildResult: BuildResult | undefined;
    if (!Stack.of(scope).bundlingRequired) {
      // `cdk deploy OtherStack` leaves this stack out of `aws:cdk:bundling-stacks`: skip the work.
      code = skippedBundleCode(projectRoot, constructPath);
      handler = python ? `${path.basename(entry, '.py')}.${handlerName}` : node ? `index.${handlerName}` : 'bootstrap';
    } else if (node) {
      bundleResult = bundle({
        ...bundling,
        sourcemap,
        constructPath,
        entry,
        handler: handlerName,
        projectRoot,
        runtimeTarget: esbuildTarget(runtime),
        layerModules: (props.layers ?? []).flatMap((layer) => (layer instanceof NodeLayer ? layer.packages : [])),
        cacheDir: cacheDirectory(projectRoot, 'bundles'),
      });
      code = lambda.Code.fromAsset(bundleResult.outdir, { assetHash: bundleResult.hash, assetHashType: AssetHashType.CUSTOM });
      handler = `${path.basename(bundleResult.fileName, path.extname(bundleResult.fileName))}.${handlerName}`;
      checkPackageSize(constructPath, bundleResult.outdir, layerDirs);
    } else {
      buildResult = BUILDERS[language].build({
        constructPath,
        entry,
        projectRoot,
        cacheRoot: cacheDirectory(projectRoot, ''),
        architecture: architecture.name === lambda.Architecture.X86_64.name ? 'x86_64' : 'arm64',
        runtime: runtime.name,
        handler: handlerName,
        layerPackages: (props.layers ?? []).flatMap((layer) => (layer instanceof PythonLayer ? layer.packages : [])),
      });
      code = lambda.Code.fromAsset(buildResult.outdir, { assetHash: buildResult.hash, assetHashType: AssetHashType.CUSTOM });
      handler = buildResult.handler;
      checkPackageSize(constructPath, buildResult.outdir, layerDirs);
    }

    super(scope, id, {
      // Every aws-cdk-lib setting lambdakit does not handle itself reaches lambda.Function as given.
      ...passThroughOptions(props),
      code,
      handler,
      runtime,
      architecture,
      memorySize,
      timeout,
      ephemeralStorageSize: Size.mebibytes(ephemeralStorageSize),
      environment,
      reservedConcurrentExecutions: reservedConcurrency,
      deadLetterTopic: props.deadLetterTopic,
      filesystem: props.filesystem ? narrowFileSystem(props.filesystem) : undefined,
      // lambdakit writes the tracing config and its X-Ray policy itself (below); aws-cdk-lib
      // would otherwise add the "*" statement to the role's default policy (ADOT turns it on).
      tracing: lambda.Tracing.DISABLED,
    });
    this.edge = edge;
    this.bundle = bundleResult;
    if (bundleResult) {
      // Recorded in the assembly's metadata (not the template), for tools that report bundle sizes.
      this.node.addMetadata('lambdakit:bundle', {
        entry: path.relative(projectRoot, entry).split(path.sep).join('/'),
        bytes: bundleResult.bytes,
        contributors: bundleResult.contributors.slice(0, 5),
        // Lets `lambdakit dev` rebuild this bundle in-process when one of its inputs changes.
        cacheSlot: path.relative(projectRoot, bundleResult.slot).split(path.sep).join('/'),
      });
    }
    for (const warning of buildResult?.warnings ?? []) Annotations.of(this).addWarningV2('lambdakit:build', warning);
    if (buildResult) {
      const assemblyDir = Stage.of(this)?.outdir;
      this.node.addMetadata('lambdakit:build', {
        language,
        entry: path.relative(projectRoot, entry).split(path.sep).join('/'),
        bytes: buildResult.bytes,
        contributors: buildResult.contributors.slice(0, 5),
        // What `lambdakit local`/`dev` run when the deploy build targets another CPU or platform.
        hostCodeDir: buildResult.hostOutdir && assemblyDir ? path.relative(assemblyDir, buildResult.hostOutdir).split(path.sep).join('/') : undefined,
      });
    }
    applyChecksFromContext(this);
    bindPowertools(this, props.powertools, projectRoot);

    const cfnFunction = this.node.defaultChild as lambda.CfnFunction;

    // The role aws-cdk-lib creates carries AWS managed policies (AWSLambdaBasicExecutionRole:
    // logs:* on every log group; AWSLambdaVPCAccessExecutionRole and the Insights policy on "*").
    // Replace them with statements on this function's own resources.
    const ownRole = props.role === undefined;
    if (ownRole && this.role) {
      (this.role.node.defaultChild as iam.CfnRole).managedPolicyArns = undefined;
    }
    // Statements on the log group and dead-letter queue created here, and X-Ray's, are inline
    // policies of the role lambdakit creates (see OwnRolePolicies); others go to its default policy.
    const rolePolicies = OwnRolePolicies.of(this, ownRole);
    dropRedundantRoleDependency(cfnFunction, this.role);
    if (props.vpc) grantNetworkInterfaces(this, props.vpc, props.vpcSubnets);
    if (props.insightsVersion) grantInsightsLogs(this);
    if (props.environmentEncryption) {
      this.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.environmentEncryption.keyRef.keyArn] }));
    }

    if (edge) {
      // CloudFront replicates the function; edgelambda.amazonaws.com runs the replicas with this role.
      if (ownRole && this.role instanceof iam.Role) {
        this.role.assumeRolePolicy?.addStatements(
          new iam.PolicyStatement({ actions: ['sts:AssumeRole'], principals: [new iam.ServicePrincipal('edgelambda.amazonaws.com')] }),
        );
      }
      grantEdgeLogs(this);
      acknowledge(this, 'edgeFunction');
      // The log group lambdakit would create cannot receive the replicas' logs, which land in each region.
      this.functionLogGroup = logs.LogGroup.fromLogGroupName(this, 'EdgeLogGroup', `/aws/lambda/us-east-1.${this.functionName}`);
    } else {
      this.functionLogGroup = this.configureLogging(props, cfnFunction, rolePolicies);
    }

    // Tracing is set here rather than through lambda.Function so that the X-Ray
    // statement (Resource "*", the only form IAM accepts) sits in a policy of
    // its own and its acknowledgement cannot cover any other statement: the
    // role's `Tracing` inline policy, or `TracingPolicy` on a role given as `role`.
    const tracing = props.tracing ?? (edge ? lambda.Tracing.DISABLED : lambda.Tracing.ACTIVE);
    if (tracing !== lambda.Tracing.DISABLED) {
      cfnFunction.tracingConfig = { mode: tracing };
      if (rolePolicies) rolePolicies.addTracing();
      else grantTracing(this);
    }

    // Failed asynchronous events: the given queue or topic, none when asked (or at the edge), else a new queue.
    let deadLetterQueue = props.deadLetterQueue;
    const noDeadLetters = edge || props.deadLetterQueueEnabled === false || props.deadLetterTopic !== undefined;
    if (!deadLetterQueue && !noDeadLetters) {
      const queue = new sqs.Queue(this, 'DeadLetterQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      deadLetterQueue = queue;
      acknowledge(queue, 'deadLetterQueue');
      this.deadLetterQueueAlarm = new cloudwatch.Alarm(this, 'DeadLetterQueueAlarm', {
        alarmDescription: `Failed asynchronous events of ${constructPath} are waiting in its dead-letter queue`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    this.deadLetterQueue = deadLetterQueue;
    if (deadLetterQueue) {
      cfnFunction.deadLetterConfig = { targetArn: deadLetterQueue.queueArn };
      const send = new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetterQueue.queueArn] });
      // The queue created here (no `deadLetterQueue` given) goes inline; a given one could name the role.
      if (rolePolicies && props.deadLetterQueue === undefined) rolePolicies.addExecution(send);
      else this.addToRolePolicy(send);
    }

    this.alias = new lambda.Alias(this, 'Alias', {
      aliasName: props.aliasName ?? 'live',
      version: this.currentVersion,
      provisionedConcurrentExecutions: props.provisionedConcurrency,
    });
    if (props.retryAttempts !== undefined || props.maxEventAge !== undefined || props.onSuccess || props.onFailure) {
      this.alias.configureAsyncInvoke({
        retryAttempts: props.retryAttempts,
        maxEventAge: props.maxEventAge,
        onSuccess: props.onSuccess,
        onFailure: props.onFailure,
      });
    }
    if (props.monitoring ?? !edge) {
      this.monitoring = new FunctionMonitoring(this, 'Monitoring', {
        function: this,
        alias: this.alias,
        timeout,
        deadLetterQueue,
        title: id,
      });
    }
    if (props.deploymentConfig) {
      this.deployment = new GradualDeployment(this, 'Deployment', {
        function: this,
        alias: this.alias,
        deploymentConfig: props.deploymentConfig,
        deploymentAlarms: props.deploymentAlarms,
        preTrafficHook: props.preTrafficHook,
        postTrafficHook: props.postTrafficHook,
        defaultAlarms: this.monitoring?.deploymentAlarms ?? [],
      });
    } else if (props.preTrafficHook || props.postTrafficHook || props.deploymentAlarms) {
      throw new LambdakitError('traffic hooks and deployment alarms need `deploymentConfig` (a CodeDeploy preset such as LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES)', {
        code: 'DeploymentConfigMissing',
        path: constructPath,
      });
    }
    for (const trigger of props.triggers ?? []) this.addTrigger(trigger);
    // aws-cdk-lib's event sources bind to the alias, like lambdakit's triggers (see addEventSource).
    for (const source of props.events ?? []) this.addEventSource(source);
    if (props.provisionedConcurrencyScaling) {
      const scaling = props.provisionedConcurrencyScaling;
      this.alias
        .addAutoScaling({ minCapacity: scaling.minCapacity, maxCapacity: scaling.maxCapacity })
        .scaleOnUtilization({ utilizationTarget: scaling.utilizationTarget ?? 0.7 });
    }
    if (!edge) this.node.addValidation({ validate: () => edgeUsageErrors(this) });
  }

  /** The function's own log group (created, or the one given as `logGroup`) and its LoggingConfig. */
  private configureLogging(props: LambdaFunctionProps, cfnFunction: lambda.CfnFunction, rolePolicies: OwnRolePolicies | undefined): logs.ILogGroup {
    let logGroup: logs.ILogGroup;
    if (props.logGroup) {
      const given = props.logGroup as logs.ILogGroupRef & Partial<logs.ILogGroup>;
      logGroup = given.logGroupArn && given.logGroupName
        ? (given as logs.ILogGroup)
        : logs.LogGroup.fromLogGroupArn(this, 'GivenLogGroup', given.logGroupRef.logGroupArn);
    } else {
      logGroup = new logs.LogGroup(this, 'LogGroup', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: props.logRemovalPolicy,
      });
    }
    const loggingFormat = props.loggingFormat ?? (props.logFormat as lambda.LoggingFormat | undefined) ?? lambda.LoggingFormat.JSON;
    const json = loggingFormat === lambda.LoggingFormat.JSON;
    cfnFunction.loggingConfig = {
      logGroup: logGroup.logGroupName,
      logFormat: loggingFormat,
      applicationLogLevel: json ? (props.applicationLogLevelV2 ?? props.applicationLogLevel ?? lambda.ApplicationLogLevel.INFO) : undefined,
      systemLogLevel: json ? (props.systemLogLevelV2 ?? props.systemLogLevel ?? lambda.SystemLogLevel.WARN) : undefined,
    };
    const write = new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] });
    // The log group created here goes inline; a given one could name the role in its resource policy.
    if (rolePolicies && !props.logGroup) rolePolicies.addExecution(write);
    else this.addToRolePolicy(write);
    return logGroup;
  }

  /**
   * Called by aws-cdk-lib when a version's `edgeArn` is used (CloudFront `edgeLambdas`).
   * A regional lambdakit function (arm64, DLQ, NODE_OPTIONS, tracing) cannot run at the edge.
   * @internal
   */
  public override _checkEdgeCompatibility(): void {
    if (!this.edge) {
      throw new LambdakitError(
        'is used as a Lambda@Edge function (a CloudFront distribution associates its version) but was built as a regional function (arm64, dead-letter queue, NODE_OPTIONS, tracing)',
        { code: 'EdgeModeMissing', path: this.node.path, hint: 'set `edge: true` on it (us-east-1, x86_64, no environment or DLQ)' },
      );
    }
    super._checkEdgeCompatibility();
  }

  /**
   * Binds an aws-cdk-lib event source (`SqsEventSource`, `DynamoEventSource`...) to the
   * `live` alias, as lambdakit's triggers do, so traffic shifting and provisioned
   * concurrency apply to it. aws-cdk-lib's own implementation would bind `$LATEST`.
   */
  public override addEventSource(source: lambda.IEventSource): void {
    source.bind(this.alias);
  }

  /** Wires a source that invokes this function's alias (see `lambdakit/triggers`). */
  public addTrigger(trigger: ITrigger): this {
    trigger.bind(this);
    return this;
  }

  /** Grants the narrowest table actions for `access` and passes the table name in `TABLE_NAME` (or `env`). */
  public useTable(table: dynamodb.ITable, options?: access.UseTableOptions): this {
    access.useTable(this, table, options);
    return this;
  }

  /** Grants object reads and/or writes (under `prefix`) and passes the bucket name in `BUCKET_NAME` (or `env`). */
  public useBucket(bucket: s3.IBucket, options?: access.UseBucketOptions): this {
    access.useBucket(this, bucket, options);
    return this;
  }

  /** Grants sending to the queue and passes its URL in `QUEUE_URL` (or `env`). */
  public useQueue(queue: sqs.IQueue, options?: access.UseOptions): this {
    access.useQueue(this, queue, options);
    return this;
  }

  /** Grants publishing to the topic and passes its ARN in `TOPIC_ARN` (or `env`). */
  public useTopic(topic: sns.ITopic, options?: access.UseOptions): this {
    access.useTopic(this, topic, options);
    return this;
  }

  /** Grants putting records on the stream and passes its name in `STREAM_NAME` (or `env`). */
  public useStream(stream: kinesis.IStream, options?: access.UseOptions): this {
    access.useStream(this, stream, options);
    return this;
  }

  /** Grants putting events on the bus and passes its name in `EVENT_BUS_NAME` (or `env`). */
  public useEventBus(bus: events.IEventBus, options?: access.UseOptions): this {
    access.useEventBus(this, bus, options);
    return this;
  }

  /**
   * Grants `secretsmanager:GetSecretValue`/`DescribeSecret` on the secret (and `kms:Decrypt` on its
   * key through Secrets Manager) and passes its ARN in `SECRET_ARN` (or `env`).
   */
  public useSecret(secret: secretsmanager.ISecret, options?: access.UseOptions): this {
    access.useSecret(this, secret, options);
    return this;
  }

  /** Grants `ssm:GetParameter(s)` on the parameter and passes its name in `PARAMETER_NAME` (or `env`). */
  public useParameter(parameter: ssm.IParameter, options?: access.UseParameterOptions): this {
    access.useParameter(this, parameter, options);
    return this;
  }

  /**
   * Grants `rds-db:connect` as `dbUser` through the proxy, lets the function's security groups
   * reach it, and passes its endpoint in `DB_PROXY_ENDPOINT` (or `env`).
   */
  public useDatabaseProxy(proxy: rds.IDatabaseProxy, dbUser: string, options?: access.UseOptions): this {
    access.useDatabaseProxy(this, proxy, dbUser, options);
    return this;
  }

  /** The log group the function writes to (created with the function with retention, or the one given). */
  public override get logGroup(): logs.ILogGroup {
    return this.functionLogGroup;
  }
}

/** Builders of the languages esbuild does not bundle, one per language. */
const BUILDERS: Record<Exclude<BuildLanguage, 'nodejs'>, RuntimeBuilder> = {
  python: pythonBuilder,
  go: goBuilder,
  rust: rustBuilder,
  custom: customBuilder,
};

const LANGUAGE_NAMES: Record<BuildLanguage, string> = { nodejs: 'Node.js', python: 'Python', go: 'Go', rust: 'Rust', custom: 'a custom runtime' };

/** The entry's language; a missing entry is reported by its builder, with the construct path. */
function languageOf(entry: string, constructPath: string): BuildLanguage {
  if (!fs.existsSync(entry)) {
    if (entry.endsWith('.py')) return 'python';
    if (entry.endsWith('.go')) return 'go';
    return 'nodejs';
  }
  try {
    return detectLanguage(entry);
  } catch (error) {
    if (isLambdakitError(error)) throw new LambdakitError(error.message, { code: error.code, path: constructPath, file: error.file, value: error.value, hint: error.hint });
    throw error;
  }
}

/** The newest runtime for the entry's language, or the given one when it can run the entry. */
function runtimeFor(constructPath: string, language: BuildLanguage, given: lambda.Runtime | undefined, entry: string): lambda.Runtime {
  const family = runtimeFamilyOf(language);
  const fallback = family === 'provided' ? lambda.Runtime.PROVIDED_AL2023 : latestRuntime(family);
  if (!given) return fallback;
  const fits =
    family === 'nodejs' ? given.family === lambda.RuntimeFamily.NODEJS : family === 'python' ? given.family === lambda.RuntimeFamily.PYTHON : given.name.startsWith('provided');
  if (!fits) {
    throw new LambdakitError(`runtime ${given.name} cannot run the entry ${entry.split(path.sep).join('/')}, which is ${LANGUAGE_NAMES[language]}`, {
      code: 'RuntimeMismatch',
      path: constructPath,
      value: given.name,
      hint: `leave \`runtime\` unset for ${fallback.name}, or pass a ${family === 'provided' ? 'provided.* (OS-only)' : LANGUAGE_NAMES[language]} runtime`,
    });
  }
  return given;
}

/** Stand-in code for a function whose stack is not being bundled this synth. */
function skippedBundleCode(projectRoot: string, constructPath: string): lambda.Code {
  const dir = path.join(cacheDirectory(projectRoot, 'bundles'), 'skipped');
  const file = path.join(dir, 'index.js');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, "exports.handler = async () => { throw new Error('lambdakit skipped bundling this stack; synthesize it to deploy it'); };\n");
  }
  return lambda.Code.fromAsset(dir, { assetHash: `skipped-${constructPath.replace(/[^A-Za-z0-9]/g, '-')}`, assetHashType: AssetHashType.CUSTOM });
}
