import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { LambdakitError } from '../errors';

/**
 * Powertools for AWS Lambda settings of a function (`powertools` on `LambdaFunction`):
 * the `POWERTOOLS_*` environment its Logger and Metrics read, the idempotency table and
 * its grant, and where the library comes from (the bundle, or AWS's public layer).
 */
export interface PowertoolsOptions {
  /**
   * `POWERTOOLS_SERVICE_NAME`: the `service` key of every log line and the `service` dimension of every metric.
   * @default - the function's construct id
   */
  readonly serviceName?: string;
  /**
   * `POWERTOOLS_METRICS_NAMESPACE`: the CloudWatch namespace of the function's metrics
   * (1-255 characters of `0-9A-Za-z._-/#:` and space, not starting with `AWS/`).
   * @default - none: Powertools' Metrics falls back to `default_namespace` and warns
   */
  readonly metricsNamespace?: string;
  /**
   * Least severe line Powertools' Logger writes (`POWERTOOLS_LOG_LEVEL`). With JSON logs (the default)
   * it is also the function's `applicationLogLevel`: Lambda passes that to the runtime as
   * `AWS_LAMBDA_LOG_LEVEL`, which Logger obeys over its own setting, so the two are kept equal
   * (an `applicationLogLevel` that differs fails synth). `FATAL` is Logger's `CRITICAL`.
   * @default - the function's `applicationLogLevel` (INFO unless set)
   */
  readonly logLevel?: lambda.ApplicationLogLevel;
  /**
   * `POWERTOOLS_LOGGER_SAMPLE_RATE`: share of invocations, 0-1, that Logger switches to DEBUG.
   * Needs `loggingFormat: LoggingFormat.TEXT`: under JSON logs Lambda's `AWS_LAMBDA_LOG_LEVEL`
   * overrides the sampled level (and Lambda drops the DEBUG lines), so sampling would do nothing.
   * @default 0
   */
  readonly logSampleRate?: number;
  /**
   * `POWERTOOLS_LOGGER_LOG_EVENT`: Logger's `injectLambdaContext` logs each incoming event.
   * @default false
   */
  readonly logEvent?: boolean;
  /**
   * Table of the idempotency utility's DynamoDB persistence layer (partition key `id`, TTL on
   * `expiration`). The function may `GetItem`, `PutItem`, `UpdateItem` and `DeleteItem` on it
   * (the four commands `DynamoDBPersistenceLayer` sends), and its KMS key when it has one;
   * its name is passed in `IDEMPOTENCY_TABLE_NAME`.
   * @default - none
   */
  readonly idempotencyTable?: dynamodb.ITable;
  /**
   * Use AWS's public Powertools for AWS Lambda (TypeScript) layer for the stack's region
   * (Powertools 2.35.0, layer version 50, arm64 and x86_64, nodejs22.x and nodejs24.x) and
   * leave `@aws-lambda-powertools/*` out of the bundle. Keep the packages as devDependencies
   * at the same version for local runs and tests.
   * @default false - the Powertools packages the handler imports are bundled from npm (esbuild keeps what is used)
   */
  readonly layer?: boolean;
}

/** The Powertools release the public layer ARNs below hold, and the npm version to install beside it. */
export const POWERTOOLS_LAYER_POWERTOOLS_VERSION = '2.35.0';

/** Layer version of Powertools 2.35.0, from Powertools' docs/getting-started/lambda-layers.md at its release. */
const LAYER_VERSION = 50;
const LAYER_NAME = 'AWSLambdaPowertoolsTypeScriptV2';
/** The layer's publishing account, by partition and region; commercial regions share one. */
const COMMERCIAL_ACCOUNT = '094274105915';
const OTHER_PARTITIONS: Record<string, { partition: string; account: string }> = {
  'us-gov-west-1': { partition: 'aws-us-gov', account: '165093116878' },
  'us-gov-east-1': { partition: 'aws-us-gov', account: '165087284144' },
  'cn-north-1': { partition: 'aws-cn', account: '498634801083' },
};
/** Regions where publishing is paused below 2.35.0 (me-south-1 at layer 46, me-central-1 at 45). */
const PAUSED_REGIONS = new Set(['me-south-1', 'me-central-1']);
/** The layer's CompatibleRuntimes; it holds JavaScript only, so both architectures run it. */
const LAYER_RUNTIMES = ['nodejs22.x', 'nodejs24.x'];

/** What `DynamoDBPersistenceLayer` sends: GetItem (consistent read), PutItem (conditional), UpdateItem, DeleteItem. */
export const IDEMPOTENCY_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
export const IDEMPOTENCY_TABLE_ENV = 'IDEMPOTENCY_TABLE_NAME';

/** Logger's names for Lambda's levels: FATAL is CRITICAL. */
function loggerLevel(level: lambda.ApplicationLogLevel): string {
  return level === lambda.ApplicationLogLevel.FATAL ? 'CRITICAL' : level;
}

/** The fields of the function's props the Powertools settings read and adjust. */
export interface PowertoolsFunctionProps {
  readonly powertools?: PowertoolsOptions;
  readonly environment?: { readonly [name: string]: string };
  readonly loggingFormat?: lambda.LoggingFormat;
  readonly logFormat?: string;
  readonly applicationLogLevel?: lambda.ApplicationLogLevel;
  readonly applicationLogLevelV2?: lambda.ApplicationLogLevel;
  readonly externalModules?: string[];
  readonly edge?: boolean;
}

/**
 * The props with the Powertools settings applied: the POWERTOOLS_* environment, the function's
 * application log level kept equal to Logger's, and `@aws-lambda-powertools/*` external with
 * `layer`. Bad values fail here, all at once, naming the construct and the limit.
 */
export function withPowertools<P extends PowertoolsFunctionProps>(constructPath: string, id: string, props: P): P {
  const options = props.powertools;
  if (!options) return props;
  const problems: Array<{ code: string; text: string; value?: unknown; limit?: string }> = [];
  const known = <T>(value: T | undefined): value is T => value !== undefined && !Token.isUnresolved(value);

  if (props.edge) problems.push({ code: 'PowertoolsAtEdge', text: 'powertools cannot be used with `edge`: Lambda@Edge functions have no environment variables' });
  const serviceName = options.serviceName ?? id;
  if (known(options.serviceName) && options.serviceName.trim() === '') {
    problems.push({ code: 'PowertoolsServiceNameEmpty', text: 'powertools.serviceName is empty', value: options.serviceName, limit: 'at least one non-space character' });
  }
  const namespace = options.metricsNamespace;
  if (known(namespace) && (namespace.length < 1 || namespace.length > 255 || !/^[0-9A-Za-z._\-/#: ]+$/.test(namespace) || namespace.trim() === '' || namespace.startsWith('AWS/'))) {
    problems.push({
      code: 'PowertoolsNamespaceInvalid',
      text: `powertools.metricsNamespace "${namespace}" is not a CloudWatch namespace for custom metrics`,
      value: namespace,
      limit: '1-255 characters of 0-9 A-Z a-z . - _ / # : and space, not starting with AWS/',
    });
  }
  const rate = options.logSampleRate;
  if (known(rate) && (!Number.isFinite(rate) || rate < 0 || rate > 1)) {
    problems.push({ code: 'PowertoolsSampleRateOutOfRange', text: `powertools.logSampleRate ${rate} is outside 0-1`, value: rate, limit: '0-1' });
  }
  const loggingFormat = props.loggingFormat ?? (props.logFormat as lambda.LoggingFormat | undefined) ?? lambda.LoggingFormat.JSON;
  const json = loggingFormat === lambda.LoggingFormat.JSON;
  if (json && known(rate) && rate > 0) {
    problems.push({
      code: 'PowertoolsSamplingUnderJsonLogs',
      text: `powertools.logSampleRate ${rate} has no effect with JSON logs: Lambda passes the application log level as AWS_LAMBDA_LOG_LEVEL, which Logger obeys over sampling, and drops the DEBUG lines`,
      value: rate,
      limit: 'loggingFormat TEXT for debug sampling',
    });
  }
  const given = props.applicationLogLevelV2 ?? props.applicationLogLevel;
  if (json && options.logLevel && given && given !== options.logLevel) {
    problems.push({
      code: 'PowertoolsLogLevelConflict',
      text: `powertools.logLevel ${options.logLevel} differs from applicationLogLevel ${given}: Lambda's level (AWS_LAMBDA_LOG_LEVEL) would win in Logger`,
      value: [options.logLevel, given],
      limit: 'one log level',
    });
  }
  if (problems.length) {
    throw new LambdakitError(problems.map((p) => p.text).join('; '), {
      code: problems[0].code,
      path: constructPath,
      value: problems.length === 1 ? problems[0].value : problems.map((p) => p.value),
      limit: problems.map((p) => p.limit).filter(Boolean).join('; ') || undefined,
      hint: problems.some((p) => p.code === 'PowertoolsSamplingUnderJsonLogs')
        ? 'set loggingFormat: lambda.LoggingFormat.TEXT (Logger still writes JSON lines), or drop logSampleRate'
        : undefined,
    });
  }

  const level = options.logLevel ?? given ?? lambda.ApplicationLogLevel.INFO;
  const settings: Record<string, string> = {
    POWERTOOLS_SERVICE_NAME: serviceName,
    POWERTOOLS_LOG_LEVEL: loggerLevel(level),
    ...(namespace !== undefined ? { POWERTOOLS_METRICS_NAMESPACE: namespace } : {}),
    ...(rate !== undefined && rate !== 0 ? { POWERTOOLS_LOGGER_SAMPLE_RATE: String(rate) } : {}),
    ...(options.logEvent ? { POWERTOOLS_LOGGER_LOG_EVENT: 'true' } : {}),
    ...(options.idempotencyTable ? { [IDEMPOTENCY_TABLE_ENV]: options.idempotencyTable.tableName } : {}),
  };
  const clashes = Object.keys(settings).filter((name) => props.environment?.[name] !== undefined && props.environment[name] !== settings[name]);
  if (clashes.length) {
    throw new LambdakitError(`environment sets ${clashes.join(', ')}, which powertools sets to ${clashes.map((name) => settings[name]).join(', ')}`, {
      code: 'PowertoolsEnvironmentConflict',
      path: constructPath,
      value: clashes,
      hint: 'set them through the powertools option only',
    });
  }
  const environment: Record<string, string> = { ...(props.environment ?? {}), ...settings };
  return {
    ...props,
    environment,
    ...(json && options.logLevel && !given ? { applicationLogLevel: options.logLevel } : {}),
    ...(options.layer ? { externalModules: [...(props.externalModules ?? []), '@aws-lambda-powertools/*'] } : {}),
  };
}

/** The function side of the settings: a role to grant to, layers to add to. */
interface PowertoolsUser extends IConstruct {
  readonly runtime: lambda.Runtime;
  addToRolePolicy(statement: iam.PolicyStatement): void;
  addLayers(...layers: lambda.ILayerVersion[]): void;
}

/** The public layer's ARN for a region; an unresolved region gets the commercial partition's form. */
export function powertoolsLayerArn(constructPath: string, region: string): string {
  if (Token.isUnresolved(region)) return `arn:aws:lambda:${region}:${COMMERCIAL_ACCOUNT}:layer:${LAYER_NAME}:${LAYER_VERSION}`;
  if (PAUSED_REGIONS.has(region) || (region.startsWith('cn-') && !OTHER_PARTITIONS[region]) || (region.startsWith('us-gov-') && !OTHER_PARTITIONS[region])) {
    throw new LambdakitError(`the Powertools for AWS Lambda (TypeScript) ${POWERTOOLS_LAYER_POWERTOOLS_VERSION} layer is not published in ${region}`, {
      code: 'PowertoolsLayerUnavailable',
      path: constructPath,
      value: region,
      limit: 'the regions of Powertools\' layer table',
      hint: 'drop `powertools.layer`: the Powertools packages the handler imports are then bundled',
    });
  }
  const other = OTHER_PARTITIONS[region];
  return `arn:${other?.partition ?? 'aws'}:lambda:${region}:${other?.account ?? COMMERCIAL_ACCOUNT}:layer:${LAYER_NAME}:${LAYER_VERSION}`;
}

/** The installed `@aws-lambda-powertools/commons` version seen from the project, if any. */
function installedPowertoolsVersion(projectRoot: string): string | undefined {
  for (let dir = projectRoot; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'node_modules', '@aws-lambda-powertools', 'commons', 'package.json');
    if (fs.existsSync(manifest)) return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version?: string }).version;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** After the function exists: the idempotency grant and the public layer. */
export function bindPowertools(fn: PowertoolsUser, options: PowertoolsOptions | undefined, projectRoot?: string): void {
  if (!options) return;
  const table = options.idempotencyTable;
  if (table) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...IDEMPOTENCY_ACTIONS], resources: [table.tableArn] }));
    // Records are written and read back: encrypt and decrypt with a customer managed key.
    if (table.encryptionKey) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [table.encryptionKey.keyArn] }));
  }
  if (options.layer) {
    if (!LAYER_RUNTIMES.includes(fn.runtime.name)) {
      throw new LambdakitError(`the Powertools for AWS Lambda (TypeScript) layer runs on ${LAYER_RUNTIMES.join(' and ')}, not ${fn.runtime.name}`, {
        code: 'PowertoolsLayerRuntime',
        path: fn.node.path,
        value: fn.runtime.name,
        limit: LAYER_RUNTIMES.join(', '),
        hint: fn.runtime.family === lambda.RuntimeFamily.NODEJS ? 'use nodejs22.x or newer, or drop `powertools.layer`' : 'drop `powertools.layer` (it is the TypeScript library; the POWERTOOLS_* variables work for any language)',
      });
    }
    fn.addLayers(lambda.LayerVersion.fromLayerVersionArn(fn, 'PowertoolsLayer', powertoolsLayerArn(fn.node.path, Stack.of(fn).region)));
    // The layer runs in Lambda; the installed packages run in tests and local runs: they should be one version.
    const installed = projectRoot ? installedPowertoolsVersion(projectRoot) : undefined;
    if (installed && installed !== POWERTOOLS_LAYER_POWERTOOLS_VERSION) {
      Annotations.of(fn).addWarningV2(
        'lambdakit:powertools-layer-version',
        `the Powertools layer holds ${POWERTOOLS_LAYER_POWERTOOLS_VERSION} but the project has ${installed} installed: tests and local runs use another version than Lambda`,
      );
    }
  }
}
