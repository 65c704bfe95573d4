import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdakitError } from '../errors';
import type {
  AliasModel,
  AssemblyModel,
  AsyncInvokeModel,
  FunctionModel,
  ResourceModel,
  StackModel,
  TemplateValue,
  VersionModel,
} from './model';

interface ManifestArtifact {
  readonly type: string;
  readonly properties?: { readonly templateFile?: string; readonly file?: string };
  readonly displayName?: string;
  readonly additionalMetadataFile?: string;
  readonly metadata?: Record<string, Array<{ type: string; data?: unknown }>>;
}

interface Template {
  readonly Resources?: Record<
    string,
    { Type: string; Properties?: Record<string, TemplateValue>; Metadata?: Record<string, unknown>; UpdatePolicy?: { CodeDeployLambdaAliasUpdate?: Record<string, TemplateValue> } }
  >;
  readonly Outputs?: Record<string, unknown>;
}

type Properties = { readonly [key: string]: TemplateValue };

/**
 * Reads a cloud assembly directory (`cdk.out`) into the typed model. This is
 * the only place in lambdakit that parses templates.
 */
export function readAssembly(directory: string): AssemblyModel {
  const dir = path.resolve(directory);
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new LambdakitError(`no cloud assembly at ${directory} (manifest.json is missing)`, {
      code: 'AssemblyNotFound',
      file: manifestFile,
      hint: 'run `npx cdk synth` first, or pass the assembly directory with --app',
    });
  }
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(manifestFile);
  const artifacts = manifest.artifacts ?? {};
  const stacks: StackModel[] = [];
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (artifact.type === 'aws:cloudformation:stack') {
      stacks.push(readStack(dir, artifactId, artifact, artifacts));
    } else if (artifact.type === 'cdk:cloud-assembly') {
      // Nested stages (`new Stage(...)`) are assemblies of their own.
      const nestedDir = (artifact.properties as { directoryName?: string } | undefined)?.directoryName;
      if (nestedDir) stacks.push(...readAssembly(path.join(dir, nestedDir)).stacks);
    }
  }
  stacks.sort((a, b) => (a.stackName < b.stackName ? -1 : a.stackName > b.stackName ? 1 : 0));
  return { directory: dir, stacks, functions: stacks.flatMap((s) => s.functions) };
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new LambdakitError(`cannot read ${file}: ${(error as Error).message}`, { code: 'AssemblyUnreadable', file, cause: error });
  }
}

function readStack(dir: string, artifactId: string, artifact: ManifestArtifact, artifacts: Record<string, ManifestArtifact>): StackModel {
  const templateFile = path.join(dir, artifact.properties?.templateFile ?? `${artifactId}.template.json`);
  const template = readJson<Template>(templateFile);
  const stackName = (artifact.properties as { stackName?: string } | undefined)?.stackName ?? artifactId;

  // Construct paths come from the stack's metadata (`/Stack/Hello/Resource` → logical id).
  const metadata: Record<string, Array<{ type: string; data?: unknown }>> = {
    ...(artifact.metadata ?? {}),
    ...(artifact.additionalMetadataFile && fs.existsSync(path.join(dir, artifact.additionalMetadataFile))
      ? readJson<Record<string, Array<{ type: string; data?: unknown }>>>(path.join(dir, artifact.additionalMetadataFile))
      : {}),
  };
  const pathOf = new Map<string, string>();
  const bundles = new Map<string, { entry: string; cacheSlot?: string }>();
  const builds = new Map<string, BuildMetadata>();
  for (const [constructPath, entries] of Object.entries(metadata)) {
    for (const entry of entries) {
      if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') pathOf.set(entry.data, constructPath.replace(/^\//, ''));
      if (entry.type === 'lambdakit:bundle' && entry.data && typeof entry.data === 'object') bundles.set(constructPath.replace(/^\//, ''), entry.data as { entry: string; cacheSlot?: string });
      if (entry.type === 'lambdakit:build' && entry.data && typeof entry.data === 'object') builds.set(constructPath.replace(/^\//, ''), entry.data as BuildMetadata);
    }
  }

  const assetDirs = readAssetDirs(dir, artifactId, artifacts);
  const resources: ResourceModel[] = Object.entries(template.Resources ?? {}).map(([logicalId, resource]) => ({
    stackName,
    logicalId,
    type: resource.Type,
    properties: resource.Properties ?? {},
    cdkPath: (resource.Metadata?.['aws:cdk:path'] as string | undefined) ?? pathOf.get(logicalId),
  }));
  const functions = resources
    .filter((r) => r.type === 'AWS::Lambda::Function')
    .map((r) => readFunction(dir, stackName, r, resources, template, assetDirs))
    .map((fn) => {
      const recorded = bundles.get(fn.constructPath);
      return recorded ? { ...fn, bundle: { entry: recorded.entry, cacheSlot: recorded.cacheSlot } } : fn;
    })
    .map((fn) => withBuild(dir, fn, builds.get(fn.constructPath)));
  return { stackName, artifactId, templateFile, template, resources, functions };
}

/** What LambdaFunction records about a build (`lambdakit:build`): its language, and a host build for local runs. */
interface BuildMetadata {
  readonly language?: string;
  readonly entry?: string;
  /** The host build's directory, posix and relative to the assembly directory. */
  readonly hostCodeDir?: string;
}

const LANGUAGES = new Set(['nodejs', 'python', 'go', 'rust', 'custom']);

function withBuild(dir: string, fn: FunctionModel, build: BuildMetadata | undefined): FunctionModel {
  if (!build) return fn;
  const language = typeof build.language === 'string' && LANGUAGES.has(build.language) ? (build.language as FunctionModel['language']) : undefined;
  const localCodeDir = typeof build.hostCodeDir === 'string' && build.hostCodeDir ? path.resolve(dir, ...build.hostCodeDir.split('/')) : undefined;
  return { ...fn, ...(language ? { language } : {}), ...(localCodeDir ? { localCodeDir } : {}) };
}

/** Maps S3 object keys of file assets to their staged directories. */
function readAssetDirs(dir: string, artifactId: string, artifacts: Record<string, ManifestArtifact>): Map<string, string> {
  const result = new Map<string, string>();
  const candidates = Object.values(artifacts)
    .filter((a) => a.type === 'cdk:asset-manifest' && a.properties?.file)
    .map((a) => a.properties!.file!)
    .filter((file) => file.startsWith(`${artifactId}.`) || Object.keys(artifacts).length < 50);
  for (const file of candidates) {
    const assets = readJson<{ files?: Record<string, { source?: { path?: string }; destinations?: Record<string, { objectKey?: string }> }> }>(
      path.join(dir, file),
    );
    for (const asset of Object.values(assets.files ?? {})) {
      if (!asset.source?.path) continue;
      for (const destination of Object.values(asset.destinations ?? {})) {
        if (destination.objectKey) result.set(destination.objectKey, path.join(dir, asset.source.path));
      }
    }
  }
  return result;
}

const APPLICATION_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
const SYSTEM_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'] as const;

/** A template value that is one of `values` (an intrinsic or anything else is undefined). */
function oneOf<T extends string>(value: unknown, values: readonly T[]): T | undefined {
  return values.find((v) => v === value);
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at, if any. */
export function referencedLogicalId(value: TemplateValue | undefined): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

function num(value: TemplateValue | undefined, fallback: number): number {
  return typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : fallback;
}

function codeDirOf(code: TemplateValue | undefined, metadata: Record<string, unknown> | undefined, dir: string, assetDirs: Map<string, string>): string | undefined {
  const assetPath = metadata?.['aws:asset:path'];
  if (typeof assetPath === 'string') return path.resolve(dir, assetPath);
  if (code && typeof code === 'object' && !Array.isArray(code) && typeof code.S3Key === 'string') return assetDirs.get(code.S3Key);
  return undefined;
}

function readAsync(properties: Properties): AsyncInvokeModel {
  const destinations = (properties.DestinationConfig ?? {}) as { OnSuccess?: { Destination?: TemplateValue }; OnFailure?: { Destination?: TemplateValue } };
  return {
    maximumRetryAttempts: num(properties.MaximumRetryAttempts, 2),
    maximumEventAgeSeconds: num(properties.MaximumEventAgeInSeconds, 21600),
    onSuccess: destinations.OnSuccess?.Destination,
    onFailure: destinations.OnFailure?.Destination,
  };
}

function readFunction(
  dir: string,
  stackName: string,
  fn: ResourceModel,
  resources: ResourceModel[],
  template: Template,
  assetDirs: Map<string, string>,
): FunctionModel {
  const p = fn.properties;
  const refersToFunction = (value: TemplateValue | undefined) => referencedLogicalId(value) === fn.logicalId;

  const versions: VersionModel[] = resources
    .filter((r) => r.type === 'AWS::Lambda::Version' && refersToFunction(r.properties.FunctionName))
    .map((r, index) => {
      const provisioned = r.properties.ProvisionedConcurrencyConfig as { ProvisionedConcurrentExecutions?: TemplateValue } | undefined;
      return {
        logicalId: r.logicalId,
        version: String(index + 1),
        provisionedConcurrency: provisioned ? num(provisioned.ProvisionedConcurrentExecutions, 0) : undefined,
      };
    });
  const versionOf = (value: TemplateValue | undefined): string => {
    const id = referencedLogicalId(value);
    const found = versions.find((v) => v.logicalId === id);
    if (found) return found.version;
    return typeof value === 'string' ? value : '$LATEST';
  };

  const invokeConfigs = resources.filter((r) => r.type === 'AWS::Lambda::EventInvokeConfig' && refersToFunction(r.properties.FunctionName));
  const aliases: AliasModel[] = resources
    .filter((r) => r.type === 'AWS::Lambda::Alias' && refersToFunction(r.properties.FunctionName))
    .map((r) => {
      const name = String(r.properties.Name);
      const routing = r.properties.RoutingConfig as { AdditionalVersionWeights?: Array<{ FunctionVersion: TemplateValue; FunctionWeight: TemplateValue }> } | undefined;
      const provisioned = r.properties.ProvisionedConcurrencyConfig as { ProvisionedConcurrentExecutions?: TemplateValue } | undefined;
      // CDK names the alias in Qualifier through Fn::Select over the alias ARN; look for its logical id anywhere inside.
      const config = invokeConfigs.find((c) => c.properties.Qualifier === name || JSON.stringify(c.properties.Qualifier ?? null).includes(`"${r.logicalId}"`));
      const shift = template.Resources?.[r.logicalId]?.UpdatePolicy?.CodeDeployLambdaAliasUpdate;
      return {
        logicalId: r.logicalId,
        name,
        codeDeploy: shift ? { applicationName: shift.ApplicationName, deploymentGroupName: shift.DeploymentGroupName } : undefined,
        version: versionOf(r.properties.FunctionVersion),
        additionalVersions: (routing?.AdditionalVersionWeights ?? []).map((w) => ({ version: versionOf(w.FunctionVersion), weight: num(w.FunctionWeight, 0) })),
        provisionedConcurrency: provisioned ? num(provisioned.ProvisionedConcurrentExecutions, 0) : undefined,
        asyncInvoke: config ? readAsync(config.properties) : undefined,
      };
    });
  const unqualifiedConfig = invokeConfigs.find((c) => c.properties.Qualifier === '$LATEST');

  const logging = (p.LoggingConfig ?? {}) as { LogGroup?: TemplateValue; LogFormat?: string; ApplicationLogLevel?: unknown; SystemLogLevel?: unknown };
  const hasPhysicalName = typeof p.FunctionName === 'string';
  const functionName = hasPhysicalName ? (p.FunctionName as string) : `${stackName}-${fn.logicalId}`;
  const constructPath = (fn.cdkPath ?? `${stackName}/${fn.logicalId}`).replace(/\/Resource$/, '');
  const layerDirs = ((p.Layers ?? []) as TemplateValue[])
    .map((layer) => resources.find((r) => r.logicalId === referencedLogicalId(layer) && r.type === 'AWS::Lambda::LayerVersion'))
    .map((layer) => (layer ? codeDirOf(layer.properties.Content, template.Resources?.[layer.logicalId]?.Metadata, dir, assetDirs) : undefined))
    .filter((d): d is string => d !== undefined);
  const dlq = p.DeadLetterConfig as { TargetArn?: TemplateValue } | undefined;
  const tracing = (p.TracingConfig as { Mode?: string } | undefined)?.Mode;

  return {
    stackName,
    logicalId: fn.logicalId,
    constructPath,
    functionName,
    hasPhysicalName,
    runtime: typeof p.Runtime === 'string' ? p.Runtime : 'provided.al2023',
    handler: typeof p.Handler === 'string' ? p.Handler : 'index.handler',
    codeDir: codeDirOf(p.Code, template.Resources?.[fn.logicalId]?.Metadata, dir, assetDirs),
    layerDirs,
    architecture: Array.isArray(p.Architectures) && p.Architectures[0] === 'arm64' ? 'arm64' : 'x86_64',
    memoryMb: num(p.MemorySize, 128),
    timeoutSeconds: num(p.Timeout, 3),
    ephemeralStorageMb: num((p.EphemeralStorage as { Size?: TemplateValue } | undefined)?.Size, 512),
    reservedConcurrency: p.ReservedConcurrentExecutions === undefined ? undefined : num(p.ReservedConcurrentExecutions, 0),
    tracing: tracing === 'Active' || tracing === 'PassThrough' ? tracing : undefined,
    environment: ((p.Environment as { Variables?: Properties } | undefined)?.Variables ?? {}) as Properties,
    logGroup: logging.LogGroup ?? `/aws/lambda/${functionName}`,
    logFormat: logging.LogFormat === 'JSON' || logging.LogFormat === 'Text' ? logging.LogFormat : undefined,
    applicationLogLevel: oneOf(logging.ApplicationLogLevel, APPLICATION_LOG_LEVELS),
    systemLogLevel: oneOf(logging.SystemLogLevel, SYSTEM_LOG_LEVELS),
    deadLetterTarget: dlq?.TargetArn,
    asyncInvoke: unqualifiedConfig ? readAsync(unqualifiedConfig.properties) : undefined,
    versions,
    aliases,
  };
}

/** Finds a function by construct path (`Stack/Hello`), function name, or logical id (`Stack/Hello4A628BD4`). */
export function findFunction(assembly: AssemblyModel, name: string): FunctionModel | undefined {
  const wanted = name.replace(/^\//, '').replace(/\/Resource$/, '');
  return (
    assembly.functions.find((f) => f.constructPath === wanted) ??
    assembly.functions.find((f) => f.functionName === wanted) ??
    assembly.functions.find((f) => `${f.stackName}/${f.logicalId}` === wanted)
  );
}
