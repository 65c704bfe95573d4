import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AliasModel, AssemblyModel, AsyncInvokeModel, FunctionModel } from '../assembly/model';
import type { TemplateResolver } from '../assembly/resolve';
import { readResources } from '../assembly/resources';
import { readWiring, type QueueMappingWiring, type StreamMappingWiring } from '../assembly/triggers';
import { ResolveError, type ResolvedTarget } from './target';

/**
 * The rest of Lambda's control-plane API beside Invoke, served from the assembly and the
 * running local state, with the service's methods, paths, shapes and errors (the AWS SDK's
 * Smithy model is the reference). Reads describe what runs; a few writes act on the local
 * runtime so that `lambdakit promote`, `rollback` and `concurrency` can be rehearsed; every
 * other write is refused in one line (UNSUPPORTED below). `invoke-api.ts` routes here.
 */

/** What the API reads from (and, for the writes it supports, changes in) the local runtime. `LocalRuntime` implements it. */
export interface LambdaApiRuntime {
  readonly region: string;
  readonly accountId: string;
  readonly assembly: AssemblyModel;
  readonly resolver: TemplateResolver;
  /** Concurrent environments of a function without reserved concurrency. */
  readonly maxEnvironments: number;
  resolve(functionName: string, qualifier?: string): ResolvedTarget;
  functionArn(fn: FunctionModel, qualifier?: string): string;
  aliasesOf(fn: FunctionModel): readonly AliasModel[];
  primaryVersion(fn: FunctionModel, qualifier: string): string | undefined;
  reservedConcurrencyOf(fn: FunctionModel): number | undefined;
  provisionedConfigs(fn: FunctionModel): ReadonlyArray<{ readonly qualifier: string; readonly requested: number }>;
  provisionedEnvironments(fn: FunctionModel, qualifier: string): { readonly allocated: number; readonly available: number };
  codeDirOf(fn: FunctionModel): string | undefined;
  invokeAsync(target: ResolvedTarget, payload: Buffer, trigger?: string): string;
  updateAlias(fn: FunctionModel, name: string, change: { readonly version: string; readonly additionalVersions: AliasModel['additionalVersions'] }): AliasModel;
  setReservedConcurrency(fn: FunctionModel, reserved: number | undefined): void;
  setProvisionedConcurrency(fn: FunctionModel, qualifier: string, count: number): void;
}

/** An event source mapping as the local endpoint reports it. */
export interface LocalEventSourceMapping {
  readonly mapping: QueueMappingWiring | StreamMappingWiring;
  /** The source's ARN (the queue, the Kinesis stream, the table's stream). */
  readonly eventSourceArn: string;
  /** `Enabled` while a poller delivers its records, else `Disabled`. */
  readonly state: 'Enabled' | 'Disabled';
  readonly stateTransitionReason: string;
}

/** InvokeAsync takes what an Event invocation takes (Lambda quotas: 1 MB asynchronous). */
const INVOKE_ASYNC_LIMIT = 1024 * 1024;
/** Bodies of the other calls are small JSON documents. */
const BODY_LIMIT = 256 * 1024;

/** Lambda's account defaults, for GetAccountSettings. */
const ACCOUNT_LIMITS = { TotalCodeSize: 80_530_636_800, CodeSizeUnzipped: 262_144_000, CodeSizeZipped: 52_428_800, ConcurrentExecutions: 1000 };
/** The unreserved concurrency Lambda keeps for the account's other functions. */
const MINIMUM_UNRESERVED = 100;

/** A service error: status, `X-Amzn-ErrorType` and message, as the SDK maps them to its exceptions. */
export class LambdaApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const notFound = (message: string) => new LambdaApiError(404, 'ResourceNotFoundException', message);
const invalid = (message: string) => new LambdaApiError(400, 'InvalidParameterValueException', message);
const validation = (value: unknown, member: string, constraint: string) =>
  new LambdaApiError(400, 'ValidationException', `1 validation error detected: Value '${typeof value === 'string' ? value : JSON.stringify(value)}' at '${member}' failed to satisfy constraint: ${constraint}`);

interface Request {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Buffer;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly operation: string;
  readonly bodyLimit?: number;
  readonly handle: (request: Request) => Reply;
}

/** Writes refused locally, each with the reason it gives (method and path from the SDK's model). */
const UNSUPPORTED: ReadonlyArray<readonly [string, string, string, string]> = [
  ['POST', '/2015-03-31/functions', 'CreateFunction', 'it serves the functions of the cloud assembly; add the function to the app and synthesize'],
  ['DELETE', '/2015-03-31/functions/{FunctionName}', 'DeleteFunction', 'it serves the functions of the cloud assembly; remove the function from the app and synthesize'],
  ['PUT', '/2015-03-31/functions/{FunctionName}/code', 'UpdateFunctionCode', 'code comes from the cloud assembly; synthesize again (lambdakit dev --watch rebuilds on save)'],
  ['PUT', '/2015-03-31/functions/{FunctionName}/configuration', 'UpdateFunctionConfiguration', 'configuration comes from the cloud assembly; change the app and synthesize'],
  ['POST', '/2015-03-31/functions/{FunctionName}/versions', 'PublishVersion', 'versions come from the cloud assembly (AWS::Lambda::Version)'],
  ['POST', '/2015-03-31/functions/{FunctionName}/aliases', 'CreateAlias', 'aliases come from the cloud assembly (UpdateAlias is supported)'],
  ['DELETE', '/2015-03-31/functions/{FunctionName}/aliases/{Name}', 'DeleteAlias', 'aliases come from the cloud assembly (UpdateAlias is supported)'],
  ['PUT', '/2019-09-25/functions/{FunctionName}/event-invoke-config', 'PutFunctionEventInvokeConfig', 'asynchronous invocation settings come from the cloud assembly (AWS::Lambda::EventInvokeConfig)'],
  ['POST', '/2019-09-25/functions/{FunctionName}/event-invoke-config', 'UpdateFunctionEventInvokeConfig', 'asynchronous invocation settings come from the cloud assembly (AWS::Lambda::EventInvokeConfig)'],
  ['DELETE', '/2019-09-25/functions/{FunctionName}/event-invoke-config', 'DeleteFunctionEventInvokeConfig', 'asynchronous invocation settings come from the cloud assembly (AWS::Lambda::EventInvokeConfig)'],
  ['POST', '/2015-03-31/event-source-mappings', 'CreateEventSourceMapping', 'event source mappings come from the cloud assembly and run under lambdakit dev'],
  ['PUT', '/2015-03-31/event-source-mappings/{UUID}', 'UpdateEventSourceMapping', 'event source mappings come from the cloud assembly and run under lambdakit dev'],
  ['DELETE', '/2015-03-31/event-source-mappings/{UUID}', 'DeleteEventSourceMapping', 'event source mappings come from the cloud assembly and run under lambdakit dev'],
  ['POST', '/2015-03-31/functions/{FunctionName}/policy', 'AddPermission', 'it checks no resource policies'],
  ['DELETE', '/2015-03-31/functions/{FunctionName}/policy/{StatementId}', 'RemovePermission', 'it checks no resource policies'],
  ['GET', '/2015-03-31/functions/{FunctionName}/policy', 'GetPolicy', 'it checks no resource policies'],
  ['POST', '/2017-03-31/tags/{Resource}', 'TagResource', 'tags come from the cloud assembly'],
  ['DELETE', '/2017-03-31/tags/{Resource}', 'UntagResource', 'tags come from the cloud assembly'],
  ['POST', '/2021-10-31/functions/{FunctionName}/url', 'CreateFunctionUrlConfig', 'it serves no function URLs (lambdakit dev serves them under /url/<function>)'],
  ['GET', '/2021-10-31/functions/{FunctionName}/url', 'GetFunctionUrlConfig', 'it serves no function URLs (lambdakit dev serves them under /url/<function>)'],
  ['PUT', '/2021-10-31/functions/{FunctionName}/url', 'UpdateFunctionUrlConfig', 'it serves no function URLs (lambdakit dev serves them under /url/<function>)'],
  ['DELETE', '/2021-10-31/functions/{FunctionName}/url', 'DeleteFunctionUrlConfig', 'it serves no function URLs (lambdakit dev serves them under /url/<function>)'],
  ['GET', '/2021-10-31/functions/{FunctionName}/urls', 'ListFunctionUrlConfigs', 'it serves no function URLs (lambdakit dev serves them under /url/<function>)'],
  ['PUT', '/2024-08-31/functions/{FunctionName}/recursion-config', 'PutFunctionRecursionConfig', 'it detects no recursive loops'],
  ['PUT', '/2021-07-20/functions/{FunctionName}/runtime-management-config', 'PutRuntimeManagementConfig', 'functions run on this machine\'s runtimes'],
  ['PUT', '/2020-06-30/functions/{FunctionName}/code-signing-config', 'PutFunctionCodeSigningConfig', 'it verifies no code signatures'],
  ['DELETE', '/2020-06-30/functions/{FunctionName}/code-signing-config', 'DeleteFunctionCodeSigningConfig', 'it verifies no code signatures'],
];

/** A path template of the SDK's model as a regular expression with named segments. */
function pathPattern(template: string): RegExp {
  return new RegExp(`^${template.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`);
}

/** `2026-11-23T01:06:27.025+0000`, the format of Lambda's LastModified strings. */
function lambdaTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** A UUID-shaped id derived from text: stable across runs, as the service's are for one resource. */
function stableUuid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function intParam(query: URLSearchParams, name: string, member: string, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw)) throw validation(raw, member, 'Member must be a number');
  if (n < 1) throw validation(raw, member, 'Member must have value greater than or equal to 1');
  if (n > max) throw validation(raw, member, `Member must have value less than or equal to ${max}`);
  return n;
}

/** One page of a list: `Marker` is the offset of the next item, as an opaque token. */
function page<T>(items: readonly T[], query: URLSearchParams, maxLimit: number, defaultSize: number): { items: T[]; nextMarker?: string } {
  const size = intParam(query, 'MaxItems', 'maxItems', maxLimit) ?? defaultSize;
  const marker = query.get('Marker');
  let start = 0;
  if (marker !== null && marker !== '') {
    const decoded = /^lk1-(\d+)$/.exec(Buffer.from(marker, 'base64url').toString('utf8'));
    if (!decoded || Number(decoded[1]) > items.length) throw invalid(`Invalid pagination marker: ${marker}`);
    start = Number(decoded[1]);
  }
  const end = start + size;
  return { items: items.slice(start, end), nextMarker: end < items.length ? Buffer.from(`lk1-${end}`).toString('base64url') : undefined };
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new LambdaApiError(400, 'InvalidRequestContentException', `Could not parse request body into json: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new LambdaApiError(400, 'InvalidRequestContentException', 'Could not parse request body into json: expected an object');
  return parsed as Record<string, unknown>;
}

/** Size and SHA-256 of a code directory (its files, unzipped), computed once per directory. */
function codeDigest(dir: string | undefined, cache: Map<string, { size: number; sha256: string }>): { size: number; sha256: string } {
  if (!dir || !fs.existsSync(dir)) return { size: 0, sha256: createHash('sha256').digest('base64') };
  const cached = cache.get(dir);
  if (cached) return cached;
  const hash = createHash('sha256');
  let size = 0;
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = path.posix.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) {
        const content = fs.readFileSync(path.join(dir, rel));
        size += content.length;
        hash.update(rel).update('\0').update(content);
      }
    }
  };
  walk('');
  const digest = { size, sha256: hash.digest('base64') };
  cache.set(dir, digest);
  return digest;
}

/**
 * Lambda's API (beside Invoke) over a local runtime: routing and handlers. The server
 * hands it every request Invoke does not take; `handles` says whether it knows the path.
 */
export class LambdaApi {
  private readonly routes: Route[];
  private readonly codeDigests = new Map<string, { size: number; sha256: string }>();
  /** When the local provisioned-concurrency settings changed, by `<function name>:<qualifier>`. */
  private readonly provisionedChanged = new Map<string, Date>();
  private eventSourceMappings: () => readonly LocalEventSourceMapping[];
  private readonly started = new Date();

  constructor(private readonly runtime: LambdaApiRuntime) {
    this.eventSourceMappings = () => this.assemblyMappings();
    const fn = '/2015-03-31/functions/{FunctionName}';
    const route = (method: string, template: string, operation: string, handle: Route['handle'], bodyLimit?: number): Route => ({ method, pattern: pathPattern(template), operation, handle, bodyLimit });
    this.routes = [
      route('GET', '/2015-03-31/functions', 'ListFunctions', (r) => this.listFunctions(r)),
      route('GET', fn, 'GetFunction', (r) => this.getFunction(r)),
      route('GET', `${fn}/configuration`, 'GetFunctionConfiguration', (r) => ({ status: 200, body: this.configurationOf(r) })),
      route('GET', `${fn}/versions`, 'ListVersionsByFunction', (r) => this.listVersions(r)),
      route('GET', `${fn}/aliases`, 'ListAliases', (r) => this.listAliases(r)),
      route('GET', `${fn}/aliases/{Name}`, 'GetAlias', (r) => this.getAlias(r)),
      route('PUT', `${fn}/aliases/{Name}`, 'UpdateAlias', (r) => this.updateAlias(r), BODY_LIMIT),
      route('GET', '/2019-09-30/functions/{FunctionName}/concurrency', 'GetFunctionConcurrency', (r) => this.getConcurrency(r)),
      route('PUT', '/2017-10-31/functions/{FunctionName}/concurrency', 'PutFunctionConcurrency', (r) => this.putConcurrency(r), BODY_LIMIT),
      route('DELETE', '/2017-10-31/functions/{FunctionName}/concurrency', 'DeleteFunctionConcurrency', (r) => this.deleteConcurrency(r)),
      // ListProvisionedConcurrencyConfigs is the same path with `?List=ALL`.
      route('GET', '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', 'GetProvisionedConcurrencyConfig', (r) => (r.query.get('List') === 'ALL' ? this.listProvisioned(r) : this.getProvisioned(r))),
      route('PUT', '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', 'PutProvisionedConcurrencyConfig', (r) => this.putProvisioned(r), BODY_LIMIT),
      route('DELETE', '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', 'DeleteProvisionedConcurrencyConfig', (r) => this.deleteProvisioned(r)),
      route('GET', '/2019-09-25/functions/{FunctionName}/event-invoke-config', 'GetFunctionEventInvokeConfig', (r) => this.getEventInvokeConfig(r)),
      route('GET', '/2019-09-25/functions/{FunctionName}/event-invoke-config/list', 'ListFunctionEventInvokeConfigs', (r) => this.listEventInvokeConfigs(r)),
      route('GET', '/2016-08-19/account-settings', 'GetAccountSettings', () => this.accountSettings()),
      route('GET', '/2015-03-31/event-source-mappings', 'ListEventSourceMappings', (r) => this.listMappings(r)),
      route('GET', '/2015-03-31/event-source-mappings/{UUID}', 'GetEventSourceMapping', (r) => this.getMapping(r)),
      route('GET', '/2017-03-31/tags/{Resource}', 'ListTags', (r) => this.listTags(r)),
      route('POST', '/2014-11-13/functions/{FunctionName}/invoke-async', 'InvokeAsync', (r) => this.invokeAsync(r), INVOKE_ASYNC_LIMIT),
      ...UNSUPPORTED.map(([method, template, operation, why]) =>
        route(method, template, operation, () => {
          throw invalid(`${operation} is not supported by lambdakit local: ${why}`);
        }),
      ),
    ];
  }

  /**
   * Replaces where event source mappings come from: `lambdakit dev` reports its pollers (with
   * the ARNs the local services gave the sources) and whether each runs.
   * `undefined` goes back to the default: the assembly's mappings, Disabled (`lambdakit local` runs no pollers).
   */
  public setEventSourceMappings(provider: (() => readonly LocalEventSourceMapping[]) | undefined): void {
    this.eventSourceMappings = provider ?? (() => this.assemblyMappings());
  }

  /** Whether a request is one of the operations this API knows (supported or refused). */
  public handles(method: string | undefined, pathname: string): boolean {
    return this.routes.some((r) => r.method === method && r.pattern.test(pathname));
  }

  /** Answers one request this API handles. */
  public async handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const route = this.routes.find((r) => r.method === req.method && r.pattern.test(url.pathname))!;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size <= (route.bodyLimit ?? BODY_LIMIT)) chunks.push(chunk as Buffer);
    }
    let reply: Reply;
    try {
      if (size > (route.bodyLimit ?? BODY_LIMIT)) throw new LambdaApiError(413, 'RequestTooLargeException', `Request must be smaller than ${route.bodyLimit ?? BODY_LIMIT} bytes for the ${route.operation} operation`);
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(route.pattern.exec(url.pathname)!.groups ?? {})) {
        try {
          params[name] = decodeURIComponent(value);
        } catch {
          throw new LambdaApiError(400, 'ValidationException', `${name} '${value}' is not correctly URL-encoded`);
        }
      }
      reply = route.handle({ params, query: url.searchParams, body: Buffer.concat(chunks) });
    } catch (error) {
      const e =
        error instanceof LambdaApiError
          ? error
          : error instanceof ResolveError
            ? new LambdaApiError(error.kind === 'NotFound' ? 404 : 400, error.kind === 'NotFound' ? 'ResourceNotFoundException' : error.kind === 'QualifierMismatch' ? 'InvalidParameterValueException' : 'ValidationException', error.message)
            : undefined;
      if (!e) throw error;
      reply = { status: e.status, body: { Type: 'User', Message: e.message, message: e.message } };
      res.setHeader('x-amzn-errortype', e.type);
    }
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': crypto.randomUUID() });
    res.end(text);
  }

  // --- functions and versions ---

  private lastModified(fn: FunctionModel): Date {
    const stack = this.runtime.assembly.stacks.find((s) => s.stackName === fn.stackName);
    try {
      return fs.statSync(stack ? path.resolve(this.runtime.assembly.directory, stack.templateFile) : this.runtime.assembly.directory).mtime;
    } catch {
      return this.started;
    }
  }

  /** FunctionConfiguration of a version, its ARN qualified by `arnQualifier` (none for the unqualified function). */
  private configuration(fn: FunctionModel, version: string, arnQualifier?: string): Record<string, unknown> {
    const resolver = this.runtime.resolver;
    const code = codeDigest(this.runtime.codeDirOf(fn), this.codeDigests);
    const { values } = resolver.resolveMap(fn.stackName, fn.environment);
    const logGroup = resolver.resolve(fn.stackName, fn.logGroup) ?? `/aws/lambda/${fn.functionName}`;
    const deadLetter = fn.deadLetterTarget === undefined ? undefined : resolver.resolve(fn.stackName, fn.deadLetterTarget);
    const json = fn.logFormat === 'JSON';
    const config: Record<string, unknown> = {
      FunctionName: fn.functionName,
      FunctionArn: this.runtime.functionArn(fn, arnQualifier),
      Runtime: fn.runtime,
      Handler: fn.handler,
      CodeSize: code.size,
      Description: '',
      Timeout: fn.timeoutSeconds,
      MemorySize: fn.memoryMb,
      LastModified: lambdaTime(this.lastModified(fn)),
      CodeSha256: code.sha256,
      Version: version,
      ...(Object.keys(values).length > 0 ? { Environment: { Variables: values } } : {}),
      ...(deadLetter ? { DeadLetterConfig: { TargetArn: deadLetter } } : {}),
      TracingConfig: { Mode: fn.tracing ?? 'PassThrough' },
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: [fn.architecture],
      EphemeralStorage: { Size: fn.ephemeralStorageMb },
      SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
      LoggingConfig: { LogFormat: json ? 'JSON' : 'Text', LogGroup: logGroup, ...(json ? { ApplicationLogLevel: fn.applicationLogLevel ?? 'INFO', SystemLogLevel: fn.systemLogLevel ?? 'INFO' } : {}) },
    };
    config.RevisionId = stableUuid(JSON.stringify(config));
    return config;
  }

  /** The function (and qualifier) a request names; a weighted alias reads as its own version. */
  private target(request: Request, qualifierParam = request.query.get('Qualifier') ?? undefined): { fn: FunctionModel; qualifier?: string; version: string } {
    const resolved = this.runtime.resolve(request.params.FunctionName, qualifierParam);
    const explicit = qualifierParam || (resolved.invokedFunctionArn !== this.runtime.functionArn(resolved.fn) ? resolved.qualifier : undefined);
    return { fn: resolved.fn, qualifier: explicit, version: this.runtime.primaryVersion(resolved.fn, resolved.qualifier) ?? resolved.version };
  }

  private configurationOf(request: Request): Record<string, unknown> {
    const { fn, qualifier, version } = this.target(request);
    return this.configuration(fn, version, qualifier);
  }

  private listFunctions(request: Request): Reply {
    const all = request.query.get('FunctionVersion');
    if (all !== null && all !== 'ALL') throw validation(all, 'functionVersion', 'Member must satisfy enum value set: [ALL]');
    const functions = [...this.runtime.assembly.functions].sort((a, b) => a.functionName.localeCompare(b.functionName));
    const configs = functions.flatMap((fn) => (all === 'ALL' ? ['$LATEST', ...fn.versions.map((v) => v.version)].map((v) => this.configuration(fn, v, v)) : [this.configuration(fn, '$LATEST')]));
    const { items, nextMarker } = page(configs, request.query, 10_000, 50);
    return { status: 200, body: { Functions: items, ...(nextMarker ? { NextMarker: nextMarker } : {}) } };
  }

  private tags(fn: FunctionModel): Record<string, string> {
    // CloudFormation tags every function it creates with its stack and logical id.
    return { 'aws:cloudformation:logical-id': fn.logicalId, 'aws:cloudformation:stack-name': fn.stackName, 'lambdakit:construct-path': fn.constructPath };
  }

  private getFunction(request: Request): Reply {
    const { fn, qualifier, version } = this.target(request);
    const reserved = this.runtime.reservedConcurrencyOf(fn);
    const codeDir = this.runtime.codeDirOf(fn);
    return {
      status: 200,
      body: {
        Configuration: this.configuration(fn, version, qualifier),
        Code: { RepositoryType: 'S3', ...(codeDir ? { Location: pathToFileURL(codeDir).href } : {}) },
        Tags: this.tags(fn),
        ...(reserved !== undefined ? { Concurrency: { ReservedConcurrentExecutions: reserved } } : {}),
      },
    };
  }

  private listVersions(request: Request): Reply {
    const { fn } = this.target(request, undefined);
    const versions = ['$LATEST', ...fn.versions.map((v) => v.version)].map((v) => this.configuration(fn, v, v));
    const { items, nextMarker } = page(versions, request.query, 10_000, 50);
    return { status: 200, body: { Versions: items, ...(nextMarker ? { NextMarker: nextMarker } : {}) } };
  }

  private listTags(request: Request): Reply {
    const resource = request.params.Resource;
    if (!resource.startsWith('arn:')) throw validation(resource, 'resource', 'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:[a-zA-Z0-9-_]+)');
    return { status: 200, body: { Tags: this.tags(this.runtime.resolve(resource).fn) } };
  }

  // --- aliases ---

  private aliasBody(fn: FunctionModel, alias: AliasModel): Record<string, unknown> {
    const weights = Object.fromEntries(alias.additionalVersions.map((v) => [v.version, v.weight]));
    const body: Record<string, unknown> = {
      AliasArn: this.runtime.functionArn(fn, alias.name),
      Name: alias.name,
      FunctionVersion: alias.version,
      Description: '',
      ...(alias.additionalVersions.length > 0 ? { RoutingConfig: { AdditionalVersionWeights: weights } } : {}),
    };
    return { ...body, RevisionId: stableUuid(JSON.stringify(body)) };
  }

  private aliasOf(fn: FunctionModel, name: string): AliasModel {
    const alias = this.runtime.aliasesOf(fn).find((a) => a.name === name);
    if (!alias) throw notFound(`Alias not found: ${this.runtime.functionArn(fn, name)}`);
    return alias;
  }

  private listAliases(request: Request): Reply {
    const { fn } = this.target(request, undefined);
    const version = request.query.get('FunctionVersion');
    const aliases = this.runtime
      .aliasesOf(fn)
      .filter((a) => version === null || a.version === version || a.additionalVersions.some((v) => v.version === version))
      .map((a) => this.aliasBody(fn, a));
    const { items, nextMarker } = page(aliases, request.query, 10_000, 50);
    return { status: 200, body: { Aliases: items, ...(nextMarker ? { NextMarker: nextMarker } : {}) } };
  }

  private getAlias(request: Request): Reply {
    const { fn } = this.target(request, undefined);
    return { status: 200, body: this.aliasBody(fn, this.aliasOf(fn, request.params.Name)) };
  }

  /** UpdateAlias acts: the local alias routes by the new version and weights from the next invocation. */
  private updateAlias(request: Request): Reply {
    const { fn } = this.target(request, undefined);
    const current = this.aliasOf(fn, request.params.Name);
    const body = parseJson(request.body);
    if (body.RevisionId !== undefined && body.RevisionId !== this.aliasBody(fn, current).RevisionId) {
      throw new LambdaApiError(412, 'PreconditionFailedException', 'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id');
    }
    const published = fn.versions.map((v) => v.version);
    const version = body.FunctionVersion === undefined ? current.version : String(body.FunctionVersion);
    if (version !== '$LATEST' && !published.includes(version)) throw notFound(`Function not found: ${this.runtime.functionArn(fn, version)}`);
    let additionalVersions = current.additionalVersions;
    const routing = body.RoutingConfig as { AdditionalVersionWeights?: Record<string, unknown> } | undefined;
    if (routing !== undefined) {
      const weights = Object.entries(routing?.AdditionalVersionWeights ?? {});
      if (weights.length > 1) throw validation(routing.AdditionalVersionWeights, 'routingConfig.additionalVersionWeights', 'Map value must satisfy constraint: [Member must have length less than or equal to 1]');
      for (const [v, w] of weights) {
        if (typeof w !== 'number' || w < 0 || w > 1) throw validation(w, `routingConfig.additionalVersionWeights.${v}`, 'Member must have value between 0.0 and 1.0');
        if (!published.includes(v)) throw notFound(`Function not found: ${this.runtime.functionArn(fn, v)}`);
        if (v === version) throw invalid(`Invalid function version ${v}. Function version ${v} is already included in routing configuration.`);
      }
      if (weights.length > 0 && version === '$LATEST') throw invalid('$LATEST is not supported for an alias pointing to more than 1 version');
      additionalVersions = weights.map(([v, w]) => ({ version: v, weight: w as number }));
    } else if (additionalVersions.some((v) => v.version === version)) {
      throw invalid(`Invalid function version ${version}. Function version ${version} is already included in routing configuration.`);
    }
    const updated = this.runtime.updateAlias(fn, current.name, { version, additionalVersions });
    return { status: 200, body: this.aliasBody(fn, updated) };
  }

  // --- concurrency ---

  private getConcurrency(request: Request): Reply {
    const { fn } = this.target(request, undefined);
    const reserved = this.runtime.reservedConcurrencyOf(fn);
    return { status: 200, body: reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved } };
  }

  private unreserved(except?: FunctionModel): number {
    const reserved = this.runtime.assembly.functions.filter((f) => f !== except).reduce((sum, f) => sum + (this.runtime.reservedConcurrencyOf(f) ?? 0), 0);
    return ACCOUNT_LIMITS.ConcurrentExecutions - reserved;
  }

  /** PutFunctionConcurrency acts: the function's local concurrency budget becomes this reserved concurrency. */
  private putConcurrency(request: Request): Reply {
    const { fn } = this.target(request, undefined);
    const value = parseJson(request.body).ReservedConcurrentExecutions;
    if (value === undefined || value === null) throw validation('null', 'reservedConcurrentExecutions', 'Member must not be null');
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw validation(value, 'reservedConcurrentExecutions', 'Member must have value greater than or equal to 0');
    if (this.unreserved(fn) - value < MINIMUM_UNRESERVED) {
      throw invalid(`Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MINIMUM_UNRESERVED}].`);
    }
    this.runtime.setReservedConcurrency(fn, value);
    return { status: 200, body: { ReservedConcurrentExecutions: value } };
  }

  private deleteConcurrency(request: Request): Reply {
    const { fn } = this.target(request, undefined);
    this.runtime.setReservedConcurrency(fn, undefined);
    return { status: 204 };
  }

  private provisionedBody(fn: FunctionModel, qualifier: string, requested: number): Record<string, unknown> {
    const { allocated, available } = this.runtime.provisionedEnvironments(fn, qualifier);
    const ready = Math.min(available, requested);
    return {
      RequestedProvisionedConcurrentExecutions: requested,
      AvailableProvisionedConcurrentExecutions: ready,
      AllocatedProvisionedConcurrentExecutions: Math.min(allocated, requested),
      Status: ready >= requested ? 'READY' : 'IN_PROGRESS',
      ...(ready >= requested ? {} : { StatusReason: `${ready} of ${requested} local execution environments initialised` }),
      LastModified: lambdaTime(this.provisionedChanged.get(`${fn.functionName}:${qualifier}`) ?? this.lastModified(fn)),
    };
  }

  /** The function and an alias or version qualifier, as the provisioned-concurrency calls require. */
  private qualified(request: Request): { fn: FunctionModel; qualifier: string } {
    const raw = request.query.get('Qualifier');
    if (raw === null || raw === '') throw validation('null', 'qualifier', 'Member must not be null');
    const { fn } = this.target(request, raw);
    return { fn, qualifier: raw };
  }

  private getProvisioned(request: Request): Reply {
    const { fn, qualifier } = this.qualified(request);
    const config = this.runtime.provisionedConfigs(fn).find((c) => c.qualifier === qualifier);
    if (!config) throw new LambdaApiError(404, 'ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function');
    return { status: 200, body: this.provisionedBody(fn, qualifier, config.requested) };
  }

  /** `GET .../provisioned-concurrency?List=ALL` is ListProvisionedConcurrencyConfigs, on the same path as Get. */
  private listProvisioned(request: Request): Reply {
    const { fn } = this.target(request, undefined);
    const configs = this.runtime.provisionedConfigs(fn).map((c) => ({ FunctionArn: this.runtime.functionArn(fn, c.qualifier), ...this.provisionedBody(fn, c.qualifier, c.requested) }));
    const { items, nextMarker } = page(configs, request.query, 50, 50);
    return { status: 200, body: { ProvisionedConcurrencyConfigs: items, ...(nextMarker ? { NextMarker: nextMarker } : {}) } };
  }

  /** PutProvisionedConcurrencyConfig acts: local provisioned environments start (or stop) to match. */
  private putProvisioned(request: Request): Reply {
    const { fn, qualifier } = this.qualified(request);
    const value = parseJson(request.body).ProvisionedConcurrentExecutions;
    if (value === undefined || value === null) throw validation('null', 'provisionedConcurrentExecutions', 'Member must not be null');
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw validation(value, 'provisionedConcurrentExecutions', 'Member must have value greater than or equal to 1');
    if (qualifier === '$LATEST') throw invalid('Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
    const reserved = this.runtime.reservedConcurrencyOf(fn);
    const others = this.runtime.provisionedConfigs(fn).filter((c) => c.qualifier !== qualifier).reduce((sum, c) => sum + c.requested, 0);
    if (reserved !== undefined && others + value > reserved) {
      throw invalid(`Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function`);
    }
    this.runtime.setProvisionedConcurrency(fn, qualifier, value);
    this.provisionedChanged.set(`${fn.functionName}:${qualifier}`, new Date());
    return { status: 202, body: this.provisionedBody(fn, qualifier, value) };
  }

  private deleteProvisioned(request: Request): Reply {
    const { fn, qualifier } = this.qualified(request);
    if (!this.runtime.provisionedConfigs(fn).some((c) => c.qualifier === qualifier)) {
      throw new LambdaApiError(404, 'ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function');
    }
    this.runtime.setProvisionedConcurrency(fn, qualifier, 0);
    this.provisionedChanged.delete(`${fn.functionName}:${qualifier}`);
    return { status: 204 };
  }

  // --- asynchronous invocation ---

  private eventInvokeConfigs(fn: FunctionModel): Array<{ qualifier: string; config: AsyncInvokeModel }> {
    const configs: Array<{ qualifier: string; config: AsyncInvokeModel }> = [];
    if (fn.asyncInvoke) configs.push({ qualifier: '$LATEST', config: fn.asyncInvoke });
    for (const alias of fn.aliases) if (alias.asyncInvoke) configs.push({ qualifier: alias.name, config: alias.asyncInvoke });
    return configs;
  }

  private eventInvokeBody(fn: FunctionModel, qualifier: string, config: AsyncInvokeModel): Record<string, unknown> {
    const destination = (value: AsyncInvokeModel['onSuccess']) => (value === undefined ? undefined : this.runtime.resolver.resolve(fn.stackName, value));
    const onSuccess = destination(config.onSuccess);
    const onFailure = destination(config.onFailure);
    return {
      // A timestamp member: epoch seconds in REST JSON.
      LastModified: this.lastModified(fn).getTime() / 1000,
      FunctionArn: this.runtime.functionArn(fn, qualifier),
      MaximumRetryAttempts: config.maximumRetryAttempts,
      MaximumEventAgeInSeconds: config.maximumEventAgeSeconds,
      DestinationConfig: { OnSuccess: onSuccess ? { Destination: onSuccess } : {}, OnFailure: onFailure ? { Destination: onFailure } : {} },
    };
  }

  private getEventInvokeConfig(request: Request): Reply {
    const { fn, qualifier } = this.target(request);
    const wanted = qualifier ?? '$LATEST';
    const found = this.eventInvokeConfigs(fn).find((c) => c.qualifier === wanted);
    if (!found) throw notFound(`The function ${this.runtime.functionArn(fn, wanted)} doesn't have an EventInvokeConfig`);
    return { status: 200, body: this.eventInvokeBody(fn, wanted, found.config) };
  }

  private listEventInvokeConfigs(request: Request): Reply {
    const { fn } = this.target(request, undefined);
    const configs = this.eventInvokeConfigs(fn).map((c) => this.eventInvokeBody(fn, c.qualifier, c.config));
    const { items, nextMarker } = page(configs, request.query, 50, 50);
    return { status: 200, body: { FunctionEventInvokeConfigs: items, ...(nextMarker ? { NextMarker: nextMarker } : {}) } };
  }

  /** The deprecated InvokeAsync: an Event invocation of the unqualified function, on the same queue. */
  private invokeAsync(request: Request): Reply {
    const target = this.runtime.resolve(request.params.FunctionName);
    const payload = request.body.length === 0 ? Buffer.from('{}') : request.body;
    try {
      JSON.parse(payload.toString('utf8'));
    } catch (error) {
      throw new LambdaApiError(400, 'InvalidRequestContentException', `Could not parse request body into json: ${(error as Error).message}`);
    }
    this.runtime.invokeAsync(target, payload, 'invoke-async');
    return { status: 202, body: { Status: 202 } };
  }

  private accountSettings(): Reply {
    const functions = this.runtime.assembly.functions;
    const totalCodeSize = functions.reduce((sum, fn) => sum + codeDigest(this.runtime.codeDirOf(fn), this.codeDigests).size, 0);
    return {
      status: 200,
      body: {
        AccountLimit: { ...ACCOUNT_LIMITS, UnreservedConcurrentExecutions: this.unreserved() },
        AccountUsage: { TotalCodeSize: totalCodeSize, FunctionCount: functions.length },
      },
    };
  }

  // --- event source mappings ---

  /** The assembly's SQS, Kinesis and DynamoDB mappings, with the ARNs their sources have locally; no poller runs them. */
  private assemblyMappings(): LocalEventSourceMapping[] {
    const wiring = readWiring(this.runtime.assembly, readResources(this.runtime.assembly, this.runtime.resolver));
    const reason = 'lambdakit local runs no pollers (lambdakit dev does)';
    return [
      ...wiring.queueMappings.map((mapping) => ({ mapping, eventSourceArn: mapping.queue.arn, state: 'Disabled' as const, stateTransitionReason: reason })),
      // A table's stream ARN exists only once a service made the stream: this stands in for it.
      ...wiring.streamMappings.map((mapping) => ({ mapping, eventSourceArn: mapping.kind === 'kinesis' ? mapping.source.arn : `${mapping.source.arn}/stream/lambdakit-local`, state: 'Disabled' as const, stateTransitionReason: reason })),
    ];
  }

  private mappingUuid(m: LocalEventSourceMapping): string {
    return stableUuid(`${m.mapping.target.fn.stackName}/${m.mapping.logicalId}`);
  }

  private mappingBody(m: LocalEventSourceMapping): Record<string, unknown> {
    const { mapping } = m;
    const fn = mapping.target.fn;
    const uuid = this.mappingUuid(m);
    const stream = 'source' in mapping ? mapping : undefined;
    const onFailure = stream?.onFailure ? this.runtime.resolver.resolve(stream.onFailure.stackName, stream.onFailure.value) : undefined;
    const queue = 'queue' in mapping ? mapping : undefined;
    return {
      UUID: uuid,
      ...(stream ? { StartingPosition: stream.startingPosition, ParallelizationFactor: stream.parallelizationFactor } : {}),
      BatchSize: mapping.batchSize,
      MaximumBatchingWindowInSeconds: mapping.maximumBatchingWindowSeconds,
      EventSourceArn: m.eventSourceArn,
      ...(mapping.filters.length > 0 ? { FilterCriteria: { Filters: mapping.filters.map((f) => ({ Pattern: JSON.stringify(f) })) } } : {}),
      FunctionArn: this.runtime.functionArn(fn, mapping.target.qualifier === '$LATEST' ? undefined : mapping.target.qualifier),
      LastModified: this.lastModified(fn).getTime() / 1000,
      LastProcessingResult: m.state === 'Enabled' ? 'OK' : 'No records processed',
      State: m.state,
      StateTransitionReason: m.stateTransitionReason,
      ...(stream
        ? {
            DestinationConfig: { OnFailure: onFailure ? { Destination: onFailure } : {} },
            MaximumRecordAgeInSeconds: stream.maximumRecordAgeInSeconds,
            BisectBatchOnFunctionError: stream.bisectBatchOnFunctionError,
            MaximumRetryAttempts: stream.maximumRetryAttempts,
            ...(stream.tumblingWindowInSeconds !== undefined ? { TumblingWindowInSeconds: stream.tumblingWindowInSeconds } : {}),
          }
        : {}),
      ...(queue?.maximumConcurrency !== undefined ? { ScalingConfig: { MaximumConcurrency: queue.maximumConcurrency } } : {}),
      FunctionResponseTypes: mapping.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
      EventSourceMappingArn: `arn:aws:lambda:${this.runtime.region}:${this.runtime.accountId}:event-source-mapping:${uuid}`,
    };
  }

  private listMappings(request: Request): Reply {
    const functionName = request.query.get('FunctionName');
    const sourceArn = request.query.get('EventSourceArn');
    const fn = functionName === null ? undefined : this.runtime.resolve(functionName).fn;
    const mappings = this.eventSourceMappings().filter((m) => (fn === undefined || m.mapping.target.fn === fn) && (sourceArn === null || m.eventSourceArn === sourceArn));
    const { items, nextMarker } = page(
      mappings.map((m) => this.mappingBody(m)),
      request.query,
      10_000,
      100,
    );
    return { status: 200, body: { EventSourceMappings: items, ...(nextMarker ? { NextMarker: nextMarker } : {}) } };
  }

  private getMapping(request: Request): Reply {
    const found = this.eventSourceMappings().find((m) => this.mappingUuid(m) === request.params.UUID);
    if (!found) throw notFound(`The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: ${crypto.randomUUID()})`);
    return { status: 200, body: this.mappingBody(found) };
  }
}
