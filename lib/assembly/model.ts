/**
 * The typed model of a synthesized cloud assembly (`cdk.out`).
 *
 * Everything downstream of synth — the local runtime, `check`, `cost`,
 * `status` — reads this model, never construct objects. Values that are
 * CloudFormation intrinsics (`{ Ref }`, `{ "Fn::GetAtt" }`, ...) are kept raw
 * as `TemplateValue`; `resolve.ts` turns them into local values.
 */

/** A raw value from a template: a literal or an intrinsic function object. */
export type TemplateValue = string | number | boolean | null | TemplateValue[] | { [key: string]: TemplateValue };

/** A resource of a stack template, with its construct path when CDK recorded one. */
export interface ResourceModel {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: { readonly [key: string]: TemplateValue };
  /** `aws:cdk:path` metadata, e.g. `Api/Hello/Resource`. */
  readonly cdkPath?: string;
}

/** Asynchronous invocation settings (AWS::Lambda::EventInvokeConfig). */
export interface AsyncInvokeModel {
  /** Retry attempts after the first failure, 0-2. AWS default 2. */
  readonly maximumRetryAttempts: number;
  /** Seconds an event may wait in the queue, 60-21600. AWS default 21600. */
  readonly maximumEventAgeSeconds: number;
  /** Destination ARNs (raw template values) for success and failure records. */
  readonly onSuccess?: TemplateValue;
  readonly onFailure?: TemplateValue;
}

/** A published version (AWS::Lambda::Version). */
export interface VersionModel {
  readonly logicalId: string;
  /** Version number as the local runtime numbers them: 1, 2, ... in template order. */
  readonly version: string;
  readonly provisionedConcurrency?: number;
}

/** An alias (AWS::Lambda::Alias). */
export interface AliasModel {
  readonly logicalId: string;
  readonly name: string;
  /** The version the alias points at ("$LATEST" when it names no version resource). */
  readonly version: string;
  /** Weighted routing: additional version and its weight (0-1). */
  readonly additionalVersions: ReadonlyArray<{ readonly version: string; readonly weight: number }>;
  readonly provisionedConcurrency?: number;
  readonly asyncInvoke?: AsyncInvokeModel;
  /** The CodeDeploy application and deployment group that shift this alias (its `UpdatePolicy`), raw. */
  readonly codeDeploy?: { readonly applicationName: TemplateValue; readonly deploymentGroupName: TemplateValue };
}

/** A Lambda function of the assembly, with everything needed to run it locally. */
export interface FunctionModel {
  readonly stackName: string;
  readonly logicalId: string;
  /** Construct path of the function, e.g. `Api/Hello` (the CfnFunction's path without the trailing `/Resource`). */
  readonly constructPath: string;
  /** The `FunctionName` property if set, else the local stand-in `<stack>-<logicalId>`. */
  readonly functionName: string;
  /** True when `functionName` came from the template, false when it is the local stand-in. */
  readonly hasPhysicalName: boolean;
  readonly runtime: string;
  readonly handler: string;
  /** Absolute path of the code asset directory (undefined for inline or S3 code not staged in cdk.out). */
  readonly codeDir?: string;
  /** Absolute paths of layer asset directories, in attachment order (layers defined in the same assembly). */
  readonly layerDirs: string[];
  readonly architecture: 'arm64' | 'x86_64';
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly ephemeralStorageMb: number;
  readonly reservedConcurrency?: number;
  readonly tracing?: 'Active' | 'PassThrough';
  /** Environment variables, raw (values may be intrinsics). */
  readonly environment: { readonly [name: string]: TemplateValue };
  /** Log group name from LoggingConfig (raw), or the default `/aws/lambda/<name>`. */
  readonly logGroup: TemplateValue;
  readonly logFormat?: 'JSON' | 'Text';
  /** `LoggingConfig.ApplicationLogLevel`: the least severe application log line kept (JSON format only). */
  readonly applicationLogLevel?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
  /** `LoggingConfig.SystemLogLevel`: the least severe platform line kept (JSON format only). */
  readonly systemLogLevel?: 'DEBUG' | 'INFO' | 'WARN';
  /** Dead-letter target ARN (raw), from DeadLetterConfig. */
  readonly deadLetterTarget?: TemplateValue;
  /** Unqualified async config (EventInvokeConfig with Qualifier $LATEST). */
  readonly asyncInvoke?: AsyncInvokeModel;
  readonly versions: VersionModel[];
  readonly aliases: AliasModel[];
  /** How lambdakit bundled the function (Node.js functions of LambdaFunction only). */
  readonly bundle?: { readonly entry: string; readonly cacheSlot?: string };
  /** The language lambdakit built the function from (`lambdakit:build` metadata of LambdaFunction). */
  readonly language?: 'nodejs' | 'python' | 'go' | 'rust' | 'custom';
  /**
   * Absolute path of the code to run locally when it differs from `codeDir`: a build for this
   * machine's architecture or platform, made beside the deploy build.
   * @default - `codeDir` runs locally
   */
  readonly localCodeDir?: string;
}

/** One stack of the assembly. */
export interface StackModel {
  readonly stackName: string;
  /** The artifact id (usually equal to the stack name). */
  readonly artifactId: string;
  readonly templateFile: string;
  readonly template: { readonly Resources?: Record<string, unknown>; readonly Outputs?: Record<string, unknown> };
  readonly resources: ResourceModel[];
  readonly functions: FunctionModel[];
}

/** The whole assembly. */
export interface AssemblyModel {
  readonly directory: string;
  readonly stacks: StackModel[];
  readonly functions: FunctionModel[];
}
