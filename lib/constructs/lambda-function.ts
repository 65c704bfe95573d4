import * as fs from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, CfnResource, Duration, Lazy, Size, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type BundleResult, bundle } from '../bundling/bundler';
import type { BundlingOptions } from '../bundling/options';
import { enableChecksFromEnvironment } from '../check/enable';
import { LambdakitError } from '../errors';
import { acknowledge } from '../private/acknowledgements';
import { cacheDirectory, findProjectRoot } from '../private/project';
import { esbuildTarget, isPythonRuntime, latestRuntime } from '../private/runtime';
import { dropRedundantRoleDependency } from '../private/dependencies';
import { validateFunctionProps } from '../private/validate-function';
import { FunctionMonitoring } from './function-monitoring';
import { GradualDeployment, type GradualDeploymentOptions } from './gradual-deployment';
import { NodeLayer } from './node-layer';
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

/** Properties of a LambdaFunction. */
export interface LambdaFunctionProps extends BundlingOptions, GradualDeploymentOptions {
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
   * Size of /tmp in MB, 512-10,240.
   * @default 512
   */
  readonly ephemeralStorageSize?: number;
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
   * Concurrency reserved for (and capping) the function.
   * @default - the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /**
   * Default alarms (errors and throttles on the alias, p99 duration near the timeout)
   * and a row on the stack's dashboard.
   * @default true
   */
  readonly monitoring?: boolean;
  /**
   * What invokes the function (queues, streams, topics, buckets, rules, schedules,
   * routes...). Each trigger invokes the `live` alias. More can be added with `addTrigger`.
   * @default - none
   */
  readonly triggers?: ITrigger[];
}

const DEFAULT_MEMORY_MB = 512;
const DEFAULT_TIMEOUT = Duration.seconds(10);
const DEFAULT_EPHEMERAL_MB = 512;

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
    const projectRoot = path.resolve(props.projectRoot ?? findProjectRoot(process.cwd()));
    const entry = path.resolve(projectRoot, props.entry);
    const python = entry.endsWith('.py') || (props.runtime !== undefined && isPythonRuntime(props.runtime));
    const runtime = props.runtime ?? latestRuntime(python ? 'python' : 'nodejs');
    const handlerName = props.handler ?? (python ? 'lambda_handler' : 'handler');
    const timeout = props.timeout ?? DEFAULT_TIMEOUT;
    const memorySize = props.memorySize ?? DEFAULT_MEMORY_MB;
    const ephemeralStorageSize = props.ephemeralStorageSize ?? DEFAULT_EPHEMERAL_MB;
    const sourcemap = !python && (props.sourcemap ?? true);
    const environment: Record<string, string> = { ...(props.environment ?? {}) };
    if (sourcemap) {
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
      reservedConcurrency: props.reservedConcurrency,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      scaling: props.provisionedConcurrencyScaling,
    });

    let code: lambda.Code;
    let handler: string;
    let bundleResult: BundleResult | undefined;
    if (python) {
      if (!fs.existsSync(entry)) {
        throw new LambdakitError(`entry file ${path.relative(projectRoot, entry)} does not exist`, {
          code: 'EntryNotFound',
          path: constructPath,
          file: entry,
          hint: 'pass `entry` as the path of the Python module that defines the handler',
        });
      }
      code = lambda.Code.fromAsset(path.dirname(entry), { exclude: ['__pycache__', '*.pyc', '.venv'] });
      handler = `${path.basename(entry, '.py')}.${handlerName}`;
    } else if (Stack.of(scope).bundlingRequired) {
      bundleResult = bundle({
        ...props,
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
    } else {
      // `cdk deploy OtherStack` leaves this stack out of `aws:cdk:bundling-stacks`: skip the work.
      code = skippedBundleCode(projectRoot, constructPath);
      handler = `index.${handlerName}`;
    }

    super(scope, id, {
      code,
      handler,
      runtime,
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      memorySize,
      timeout,
      ephemeralStorageSize: Size.mebibytes(ephemeralStorageSize),
      environment,
      description: props.description,
      functionName: props.functionName,
      role: props.role,
      layers: props.layers,
      reservedConcurrentExecutions: props.reservedConcurrency,
    });
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
    enableChecksFromEnvironment(this);

    const cfnFunction = this.node.defaultChild as lambda.CfnFunction;

    // The role aws-cdk-lib creates carries the AWS managed AWSLambdaBasicExecutionRole
    // (logs:* on every log group). Replace it with statements on this function's own log group.
    const ownRole = props.role === undefined;
    if (ownRole && this.role) {
      (this.role.node.defaultChild as iam.CfnRole).managedPolicyArns = undefined;
    }
    dropRedundantRoleDependency(cfnFunction, this.role);

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.functionLogGroup = logGroup;
    const loggingFormat = props.loggingFormat ?? lambda.LoggingFormat.JSON;
    cfnFunction.loggingConfig = {
      logGroup: logGroup.logGroupName,
      logFormat: loggingFormat,
      applicationLogLevel: loggingFormat === lambda.LoggingFormat.JSON ? (props.applicationLogLevel ?? lambda.ApplicationLogLevel.INFO) : undefined,
      systemLogLevel: loggingFormat === lambda.LoggingFormat.JSON ? (props.systemLogLevel ?? lambda.SystemLogLevel.WARN) : undefined,
    };
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    // Tracing is set here rather than through lambda.Function so that the X-Ray
    // statement (Resource "*", the only form IAM accepts) sits in a policy of
    // its own and its acknowledgement cannot cover any other statement.
    const tracing = props.tracing ?? lambda.Tracing.ACTIVE;
    if (tracing !== lambda.Tracing.DISABLED) {
      cfnFunction.tracingConfig = { mode: tracing };
      const tracingPolicy = new iam.Policy(this, 'TracingPolicy', {
        statements: [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
      });
      if (this.role) tracingPolicy.attachToRole(this.role);
      acknowledge(tracingPolicy, 'xrayWrites');
      cfnFunction.addResourceDependency(tracingPolicy.node.defaultChild as iam.CfnPolicy);
    }

    let deadLetterQueue = props.deadLetterQueue;
    if (!deadLetterQueue) {
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
    cfnFunction.deadLetterConfig = { targetArn: deadLetterQueue.queueArn };
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetterQueue.queueArn] }));

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
    if (props.monitoring ?? true) {
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
    if (props.provisionedConcurrencyScaling) {
      const scaling = props.provisionedConcurrencyScaling;
      this.alias
        .addAutoScaling({ minCapacity: scaling.minCapacity, maxCapacity: scaling.maxCapacity })
        .scaleOnUtilization({ utilizationTarget: scaling.utilizationTarget ?? 0.7 });
    }
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

  /** The log group the function writes to (created with the function, with retention). */
  public override get logGroup(): logs.ILogGroup {
    return this.functionLogGroup;
  }
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
