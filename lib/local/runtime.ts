import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AliasModel, AssemblyModel, FunctionModel } from '../assembly/model';
import { TemplateResolver } from '../assembly/resolve';
import { LambdakitError } from '../errors';
import { AsyncJournal } from './async-journal';
import { drainRunning } from './deadline';
import { AsyncQueue, type AsyncQueueOptions, type AsyncQueueReport, type AsyncInvoker } from './async-queue';
import { Destinations } from './destinations';
import type { EnvironmentSpec, InvocationOutcome, ResponseStreamListener } from './environment';
import { ConcurrencyBudget, FunctionPool, PoolClosedError } from './pool';
import { PrewarmPool } from './prewarm';
import { RuntimeApiServer } from './runtime-api';
import { ResolveError, functionKey, type ResolvedTarget } from './target';

export { ResolveError, type ResolvedTarget } from './target';

export interface LocalRuntimeOptions {
  readonly assembly: AssemblyModel;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** Resolves the functions' environment variables (`lambdakit dev` passes one that knows the local services). */
  readonly resolver?: TemplateResolver;
  /** Variables every environment gets on top of Lambda's own (e.g. AWS_ENDPOINT_URL). */
  readonly extraEnvironment?: Readonly<Record<string, string>>;
  /** Most concurrent invocations (and environments) of a function without reserved concurrency, all versions together. @default 16 */
  readonly maxEnvironments?: number;
  /**
   * What an invocation beyond `maxEnvironments` gets: a 429 ConcurrentInvocationLimitExceeded
   * (false), or a wait for a running one to finish (true; `lambdakit dev` does that, since the cap
   * protects this machine and Lambda would not throttle there). Reserved concurrency always throttles.
   * @default false
   */
  readonly waitForEnvironment?: boolean;
  /** Idle environments stop after this long. @default 300000 */
  readonly idleTimeoutMs?: number;
  /** JSON lines of every REPORT, for `lambdakit cost`; false to disable. @default '<cwd>/.lambdakit/local-reports.jsonl' */
  readonly reportsFile?: string | false;
  /** Every line a function writes (and START/END/REPORT), with the function it came from. */
  readonly onLog?: (fn: FunctionModel, text: string) => void;
  /** Called after each invocation. */
  readonly onInvocation?: (entry: InvocationLogEntry) => void;
  /**
   * Start the environments of provisioned concurrency (aliases and versions that have it) with
   * the runtime, as Lambda keeps them initialised: their invocations are warm from the first.
   * @default true
   */
  readonly provisionedConcurrency?: boolean;
  /** Asynchronous invocations: retry delays, the journal, and where dead letters and destination records go. */
  readonly async?: AsyncOptions;
  /**
   * Keep a Node.js runtime process started ahead of the next cold start (one per kind: memory
   * size, startup variables), waiting to be placed in an environment and given its function
   * (lib/local/prewarm.ts); false spawns every environment's process at its cold start.
   * @default true
   */
  readonly prewarm?: boolean;
}

export interface AsyncOptions extends Omit<AsyncQueueOptions, 'invoker' | 'resolver' | 'destinations' | 'journal'> {
  /** Endpoint of the services receiving dead letters and destination records (e.g. moto's URL). */
  readonly endpoint?: string;
  /**
   * Directory of the write-ahead journal of accepted Event invocations: they survive a crash
   * or a stop, and resume when a runtime starts on the same directory (at least once).
   * `lambdakit local` and `dev` use `<project>/.lambdakit/async`.
   * @default - no journal: accepted events live in memory only
   */
  readonly journalDir?: string;
}

export interface InvokeOptions {
  /** Client context as JSON text (already decoded from base64). */
  readonly clientContext?: string;
  /** Who invoked, for the reports and logs. @default 'invoke' */
  readonly trigger?: string;
  /** @default - a new UUID */
  readonly requestId?: string;
  /** Wait for a free environment instead of a ThrottledError when the function's concurrency is used up. @default false */
  readonly waitForEnvironment?: boolean;
  /** Abandons the invocation while it waits for a free environment (it then rejects with PoolClosedError). */
  readonly signal?: AbortSignal;
  /** Takes a streamed response's chunks as they arrive (InvokeWithResponseStream, streaming function URLs). @default - gathered into the payload */
  readonly stream?: ResponseStreamListener;
}

export interface InvocationLogEntry {
  readonly fn: FunctionModel;
  readonly version: string;
  readonly trigger: string;
  readonly outcome: InvocationOutcome;
  /** The event the function received (the dev console shows and replays it). */
  readonly event: Buffer;
}

/** `maxEnvironments` when not given: the local stand-in for the account's concurrency. */
export const DEFAULT_MAX_ENVIRONMENTS = 16;

/** The most environments per function `maxEnvironments` may allow: each one is a process on this machine. */
export const MAX_ENVIRONMENTS_LIMIT = 1000;

/** Rejects a `maxEnvironments` that is not a whole number within 1..MAX_ENVIRONMENTS_LIMIT, naming the option. */
export function checkMaxEnvironments(max: number | undefined): void {
  if (max !== undefined && !(Number.isInteger(max) && max >= 1 && max <= MAX_ENVIRONMENTS_LIMIT)) {
    throw new LambdakitError(`maxEnvironments (--max-environments) must be a whole number from 1 to ${MAX_ENVIRONMENTS_LIMIT}, got ${max}`, { code: 'InvalidOption', value: max });
  }
}

const NAME = /^[a-zA-Z0-9-_]+$/;
const QUALIFIER = /^(|[a-zA-Z0-9$_-]+)$/;
const ARN = /^arn:(aws[a-zA-Z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_.]+)(?::([a-zA-Z0-9$_-]+))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([a-zA-Z0-9-_.]+)(?::([a-zA-Z0-9$_-]+))?$/;

/**
 * A `nodejs24.x` function runs on this machine's Node.js, which may be older: the AWS SDK
 * would then print its "upgrade Node.js" notice into the function's log on every cold start,
 * something the function never does on Lambda.
 */
function hostNodeNotice(runtime: string): Record<string, string> {
  const declared = Number(/^nodejs(\d+)/.exec(runtime)?.[1] ?? 0);
  const host = Number(process.versions.node.split('.')[0]);
  return declared > host ? { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } : {};
}

/**
 * Where X-Ray SDKs send segments. Lambda's is 169.254.79.129:2000; locally there is no daemon there,
 * and 127.0.0.1:2000 is where the X-Ray daemon listens when a developer runs one (its default):
 * segments (UDP, fire and forget) then reach it, and go nowhere otherwise.
 */
const XRAY_DAEMON_ADDRESS = '127.0.0.1:2000';

/** Lambda's log stream name format: `2026/11/23/[$LATEST]<32 hex>`. */
function logStreamName(version: string): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/[${version}]${randomUUID().replace(/-/g, '')}`;
}

/**
 * The local Lambda service: resolves function names the way the Invoke API
 * does, keeps a pool of execution environments per function version, runs
 * invocations synchronously or through the asynchronous queue, and records
 * REPORT lines for `lambdakit cost`.
 */
export class LocalRuntime implements AsyncInvoker {
  public static async start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    checkMaxEnvironments(options.maxEnvironments);
    const journal = options.async?.journalDir ? AsyncJournal.open(options.async.journalDir) : undefined;
    const runtime = new LocalRuntime(options, await RuntimeApiServer.start(), journal);
    runtime.warm();
    if (options.provisionedConcurrency !== false) runtime.provision();
    runtime.asyncQueue.resume();
    return runtime;
  }

  /** Starts the runtime processes the Node.js and Python functions' cold starts will take. */
  private warm(): void {
    if (!this.prewarm) return;
    const specs: EnvironmentSpec[] = [];
    for (const fn of this.functions) {
      if (!fn.runtime.startsWith('nodejs') && !fn.runtime.startsWith('python')) continue;
      try {
        specs.push(this.spec(fn, '$LATEST', { quiet: true }));
      } catch {
        // Code that cannot run locally: its invocations say why.
      }
    }
    this.prewarm.warm(specs);
  }

  /** Starts the provisioned environments of every alias and version that has provisioned concurrency. */
  private provision(): void {
    for (const fn of this.functions) this.syncProvisioned(fn);
  }

  /**
   * Keeps as many provisioned environments per version as the function's aliases and versions
   * ask for now (the template's, or what the local Lambda API set), starting or stopping some.
   */
  private syncProvisioned(fn: FunctionModel): void {
    const wanted = new Map<string, number>();
    for (const config of this.provisionedConfigs(fn)) {
      const version = this.primaryVersion(fn, config.qualifier);
      if (version !== undefined) wanted.set(version, (wanted.get(version) ?? 0) + config.requested);
    }
    const prefix = `${functionKey(fn)}@`;
    for (const key of this.pools.keys()) if (key.startsWith(prefix) && !wanted.has(key.slice(prefix.length))) wanted.set(key.slice(prefix.length), 0);
    for (const [version, count] of wanted) {
      if (count === 0 && !this.pools.has(`${prefix}${version}`)) continue;
      try {
        this.poolFor(fn, version).setProvisioned(count);
      } catch (error) {
        // Code that cannot run locally fails its invocations with the reason; nothing to start here.
        this.options.onLog?.(fn, `lambdakit: ${fn.constructPath}: provisioned concurrency not started: ${(error as Error).message}\n`);
      }
    }
  }

  public readonly region: string;
  public readonly accountId: string;
  public readonly resolver: TemplateResolver;
  public readonly asyncQueue: AsyncQueue;
  /** Where dead letters and destination records go (shared with `lambdakit dev`'s stream pollers). */
  public readonly destinations: Destinations;
  /** Runtime processes started ahead of cold starts; undefined with `prewarm: false`. */
  public readonly prewarm?: PrewarmPool;
  private readonly pools = new Map<string, FunctionPool>();
  /** One concurrency budget per function, shared by the pools of its versions. */
  private readonly budgets = new Map<string, ConcurrencyBudget>();
  /** Set by close(): an invocation whose pool closed under it then fails instead of starting a new one. */
  private closing = false;
  private reports?: fs.WriteStream;
  /** Code directories that replace a function's asset (watch mode's rebuilds), by function key. */
  private readonly codeOverrides = new Map<string, string>();
  /** Invocations running, settled or not, for the drain on close. */
  private readonly running = new Set<Promise<void>>();
  private warned = new Set<string>();
  /** Aliases changed through the local Lambda API (UpdateAlias), by function key and alias name. */
  private readonly aliasOverrides = new Map<string, AliasModel>();
  /** Reserved concurrency set (a number) or removed (null) through the local Lambda API, by function key. */
  private readonly reservedOverrides = new Map<string, number | null>();
  /** Provisioned concurrency set (a count, 0 for removed) through the local Lambda API, by `<function key>:<qualifier>`. */
  private readonly provisionedOverrides = new Map<string, number>();

  private constructor(
    private readonly options: LocalRuntimeOptions,
    private readonly api: RuntimeApiServer,
    journal: AsyncJournal | undefined,
  ) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.resolver = options.resolver ?? new TemplateResolver(options.assembly, { region: this.region, accountId: this.accountId });
    const { endpoint, journalDir: _journalDir, ...asyncOptions } = options.async ?? {};
    this.destinations = new Destinations({ region: this.region, endpoint, invokeFunction: (arn, payload, trigger) => this.invokeAsync(this.resolve(arn), payload, trigger) });
    this.asyncQueue = new AsyncQueue({ ...asyncOptions, invoker: this, resolver: this.resolver, destinations: this.destinations, journal });
    if (options.prewarm !== false) this.prewarm = new PrewarmPool();
  }

  public get functions(): readonly FunctionModel[] {
    return this.options.assembly.functions;
  }

  /** The assembly the runtime serves. */
  public get assembly(): AssemblyModel {
    return this.options.assembly;
  }

  /** Environments a function without reserved concurrency may run at once: the local stand-in for the account limit. */
  public get maxEnvironments(): number {
    return this.options.maxEnvironments ?? DEFAULT_MAX_ENVIRONMENTS;
  }

  /** A function's aliases as they route now: the template's, with what UpdateAlias changed. */
  public aliasesOf(fn: FunctionModel): readonly AliasModel[] {
    return fn.aliases.map((a) => this.aliasOverrides.get(`${functionKey(fn)}:${a.name}`) ?? a);
  }

  /**
   * Points an alias at a version with optional weighted routing (UpdateAlias on the local Lambda
   * API): invocations route by it from now on, and its provisioned environments follow it.
   */
  public updateAlias(fn: FunctionModel, name: string, change: { readonly version: string; readonly additionalVersions: AliasModel['additionalVersions'] }): AliasModel {
    const current = this.aliasesOf(fn).find((a) => a.name === name);
    if (!current) throw new ResolveError('NotFound', `Alias not found: ${this.functionArn(fn, name)}`);
    const updated: AliasModel = { ...current, version: change.version, additionalVersions: change.additionalVersions };
    this.aliasOverrides.set(`${functionKey(fn)}:${name}`, updated);
    this.syncProvisioned(fn);
    return updated;
  }

  /** Reserved concurrency now (the template's, or what PutFunctionConcurrency set); undefined for the unreserved pool. */
  public reservedConcurrencyOf(fn: FunctionModel): number | undefined {
    const override = this.reservedOverrides.get(functionKey(fn));
    return override === undefined ? fn.reservedConcurrency : (override ?? undefined);
  }

  /** Sets (a number) or removes (undefined) reserved concurrency; invocations running finish. */
  public setReservedConcurrency(fn: FunctionModel, reserved: number | undefined): void {
    this.reservedOverrides.set(functionKey(fn), reserved ?? null);
    const budget = this.budgets.get(functionKey(fn));
    if (reserved !== undefined) budget?.resize(reserved, true);
    else budget?.resize(this.maxEnvironments, false);
  }

  /** Provisioned concurrency requested per qualifier now (the template's, or what the local Lambda API set). */
  public provisionedConfigs(fn: FunctionModel): ReadonlyArray<{ readonly qualifier: string; readonly requested: number }> {
    const key = functionKey(fn);
    const configs = new Map<string, number>();
    for (const v of fn.versions) if (v.provisionedConcurrency) configs.set(v.version, v.provisionedConcurrency);
    for (const a of fn.aliases) if (a.provisionedConcurrency) configs.set(a.name, a.provisionedConcurrency);
    for (const [k, count] of this.provisionedOverrides) if (k.startsWith(`${key}:`)) configs.set(k.slice(key.length + 1), count);
    return [...configs].filter(([, requested]) => requested > 0).map(([qualifier, requested]) => ({ qualifier, requested }));
  }

  /** Sets (a count) or removes (0) the provisioned concurrency of an alias or version, starting or stopping environments. */
  public setProvisionedConcurrency(fn: FunctionModel, qualifier: string, count: number): void {
    this.provisionedOverrides.set(`${functionKey(fn)}:${qualifier}`, count);
    if (this.options.provisionedConcurrency !== false) this.syncProvisioned(fn);
  }

  /** Provisioned environments of the version a qualifier runs: started (allocated) and initialised (available). */
  public provisionedEnvironments(fn: FunctionModel, qualifier: string): { readonly allocated: number; readonly available: number } {
    const version = this.primaryVersion(fn, qualifier);
    const pool = version === undefined ? undefined : this.pools.get(`${functionKey(fn)}@${version}`);
    return { allocated: pool?.provisionedCount ?? 0, available: pool?.provisionedReady ?? 0 };
  }

  /** The version a qualifier names without weighted routing: `$LATEST`, a version, or an alias's own version. */
  public primaryVersion(fn: FunctionModel, qualifier: string): string | undefined {
    if (qualifier === '$LATEST' || fn.versions.some((v) => v.version === qualifier)) return qualifier;
    return this.aliasesOf(fn).find((a) => a.name === qualifier)?.version;
  }

  /** The ARN of a function as callers see it locally. */
  public functionArn(fn: FunctionModel, qualifier?: string): string {
    const base = `arn:aws:lambda:${this.region}:${this.accountId}:function:${fn.functionName}`;
    return qualifier ? `${base}:${qualifier}` : base;
  }

  /**
   * Resolves a FunctionName as the Invoke API accepts it: a name, `name:qualifier`,
   * a full or partial ARN, or lambdakit's construct path (`Stack/Id`), plus the
   * Qualifier parameter.
   */
  public resolve(functionName: string, qualifierParam?: string): ResolvedTarget {
    let name = functionName;
    let qualifier: string | undefined;
    const arn = ARN.exec(functionName);
    const partial = PARTIAL_ARN.exec(functionName);
    if (arn) {
      if (arn[2] !== this.region || arn[3] !== this.accountId) throw new ResolveError('NotFound', `Function not found: ${functionName}`);
      [name, qualifier] = [arn[4], arn[5]];
    } else if (partial) {
      if (partial[1] !== this.accountId) throw new ResolveError('NotFound', `Function not found: ${functionName}`);
      [name, qualifier] = [partial[2], partial[3]];
    } else if (functionName.startsWith('arn:')) {
      throw new ResolveError('Invalid', `1 validation error detected: Value '${functionName}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`);
    } else if (!functionName.includes('/')) {
      const colon = functionName.indexOf(':');
      if (colon >= 0) [name, qualifier] = [functionName.slice(0, colon), functionName.slice(colon + 1)];
    }
    if (!name.includes('/') && (!NAME.test(name.replace(/\./g, '')) || name.length > 140)) {
      throw new ResolveError('Invalid', `1 validation error detected: Value '${functionName}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+`);
    }
    if (qualifierParam !== undefined && qualifierParam !== '') {
      if (!QUALIFIER.test(qualifierParam) || qualifierParam.length > 128) {
        throw new ResolveError('Invalid', `1 validation error detected: Value '${qualifierParam}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)`);
      }
      if (qualifier !== undefined && qualifier !== qualifierParam) {
        throw new ResolveError('QualifierMismatch', 'The derived qualifier from the function name does not match the specified qualifier.');
      }
      qualifier = qualifierParam;
    }
    const fn =
      this.functions.find((f) => f.functionName === name) ??
      this.functions.find((f) => f.constructPath === name) ??
      this.functions.find((f) => `${f.stackName}/${f.logicalId}` === name);
    if (!fn) throw new ResolveError('NotFound', `Function not found: ${this.functionArnFor(name, qualifier)}`);
    const q = qualifier ?? '$LATEST';
    const version = this.versionFor(fn, q);
    if (version === undefined) throw new ResolveError('NotFound', `Function not found: ${this.functionArn(fn, q)}`);
    return { fn, qualifier: q, version, invokedFunctionArn: this.functionArn(fn, qualifier) };
  }

  private functionArnFor(name: string, qualifier?: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
  }

  /** The version a qualifier runs: `$LATEST`, a published version, or an alias's version (weighted). */
  private versionFor(fn: FunctionModel, qualifier: string): string | undefined {
    if (qualifier === '$LATEST') return '$LATEST';
    if (fn.versions.some((v) => v.version === qualifier)) return qualifier;
    const alias = this.aliasesOf(fn).find((a) => a.name === qualifier);
    if (!alias) return undefined;
    let roll = Math.random();
    for (const extra of alias.additionalVersions) {
      if (roll < extra.weight) return extra.version;
      roll -= extra.weight;
    }
    return alias.version;
  }

  /**
   * Runs an invocation synchronously. Throws ThrottledError when the function's concurrency is
   * used up, unless `waitForEnvironment` (then it waits for a running invocation to finish).
   */
  public async invoke(target: ResolvedTarget, payload: Buffer, options: InvokeOptions = {}): Promise<InvocationOutcome> {
    if (this.closing) throw new LambdakitError('the local runtime is stopping: it takes no new invocations', { code: 'RuntimeStopping' });
    const run = this.run(target, payload, options);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return run;
  }

  private async run(target: ResolvedTarget, payload: Buffer, options: InvokeOptions): Promise<InvocationOutcome> {
    const request = { requestId: options.requestId ?? randomUUID(), payload, invokedFunctionArn: target.invokedFunctionArn, clientContext: options.clientContext, stream: options.stream };
    for (;;) {
      const pool = this.poolFor(target.fn, target.version);
      try {
        const outcome = await pool.invoke(request, options.waitForEnvironment, options.signal);
        this.record(target, outcome, options.trigger ?? 'invoke', payload);
        return outcome;
      } catch (error) {
        // recycle() closed the pool it was waiting in: run it on the new code instead of failing it.
        if (error instanceof PoolClosedError && !this.closing) continue;
        throw error;
      }
    }
  }

  /** Queues an asynchronous invocation (Event); returns its request id. */
  public invokeAsync(target: ResolvedTarget, payload: Buffer, trigger = 'event'): string {
    return this.asyncQueue.enqueue(target, payload, trigger);
  }

  /** Whether a function could run now (DryRun): its code is staged and its runtime is supported. */
  public check(target: ResolvedTarget): void {
    this.spec(target.fn, target.version);
  }

  private poolFor(fn: FunctionModel, version: string): FunctionPool {
    const budgetKey = functionKey(fn);
    const key = `${budgetKey}@${version}`;
    let pool = this.pools.get(key);
    if (!pool) {
      let budget = this.budgets.get(budgetKey);
      if (!budget) {
        const reserved = this.reservedConcurrencyOf(fn);
        budget = reserved !== undefined ? new ConcurrencyBudget(reserved, true) : new ConcurrencyBudget(this.options.maxEnvironments ?? DEFAULT_MAX_ENVIRONMENTS, false, this.options.waitForEnvironment ?? false);
        this.budgets.set(budgetKey, budget);
      }
      pool = new FunctionPool(this.spec(fn, version), this.api, {
        budget,
        idleTimeoutMs: this.options.idleTimeoutMs ?? 300_000,
        onOutput: (text) => this.options.onLog?.(fn, text),
        prestarted: this.prewarm,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** @param quiet leaves the warning about unresolved variables to the function's first real use */
  private spec(fn: FunctionModel, version: string, { quiet = false } = {}): EnvironmentSpec {
    if (!fn.codeDir || !fs.existsSync(fn.codeDir)) {
      throw new LambdakitError(`the code of ${fn.constructPath} is not staged in the assembly (inline or S3 code cannot run locally)`, { code: 'CodeNotStaged', path: fn.constructPath, hint: 'synthesize the app with its assets (npx cdk synth)' });
    }
    // Code rebuilt by watch mode, staged outside the assembly; else a build for this machine, when the
    // deploy build is for another architecture or platform; else the assembly's asset.
    const codeDir = this.codeOverrides.get(functionKey(fn)) ?? fn.localCodeDir ?? fn.codeDir;
    if (!fs.existsSync(codeDir)) {
      throw new LambdakitError(`the local build of ${fn.constructPath} is missing (${codeDir})`, { code: 'CodeNotStaged', path: fn.constructPath, file: codeDir, hint: 'synthesize the app again (npx cdk synth)' });
    }
    const { values, unresolved } = this.resolver.resolveMap(fn.stackName, fn.environment);
    if (unresolved.length && !quiet && !this.warned.has(fn.constructPath)) {
      this.warned.add(fn.constructPath);
      this.options.onLog?.(fn, `lambdakit: ${fn.constructPath}: environment variable(s) ${unresolved.join(', ')} reference values unknown locally; they are left unset\n`);
    }
    const logGroup = this.resolver.resolve(fn.stackName, fn.logGroup) ?? `/aws/lambda/${fn.functionName}`;
    const layerPaths = (sub: string) => fn.layerDirs.map((d) => path.join(d, sub));
    const credentials = process.env.AWS_ACCESS_KEY_ID
      ? { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? '', ...(process.env.AWS_SESSION_TOKEN ? { AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN } : {}) }
      : { AWS_ACCESS_KEY_ID: 'lambdakit-local', AWS_SECRET_ACCESS_KEY: 'lambdakit-local' };
    const json = fn.logFormat === 'JSON';
    const environment: Record<string, string> = {
      // Unreserved on Lambda: the function's own variables may override these two.
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
      AWS_XRAY_DAEMON_ADDRESS: XRAY_DAEMON_ADDRESS,
      ...values,
      ...this.options.extraEnvironment,
      PATH: [...layerPaths('bin'), process.env.PATH ?? '/usr/bin:/bin'].join(path.delimiter),
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      LAMBDA_TASK_ROOT: codeDir,
      LAMBDA_RUNTIME_DIR: path.join(__dirname, 'bootstrap'),
      _HANDLER: fn.handler,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: version,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: logGroup,
      AWS_LAMBDA_LOG_STREAM_NAME: logStreamName(version),
      // Lambda sets the level only for JSON logs, INFO unless ApplicationLogLevel says otherwise.
      ...(json ? { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: fn.applicationLogLevel ?? 'INFO' } : {}),
      _AWS_XRAY_DAEMON_ADDRESS: XRAY_DAEMON_ADDRESS.split(':')[0],
      _AWS_XRAY_DAEMON_PORT: XRAY_DAEMON_ADDRESS.split(':')[1],
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      ...credentials,
      NODE_PATH: [...layerPaths('nodejs/node_modules'), ...layerPaths('nodejs/node20/node_modules')].join(path.delimiter),
      PYTHONPATH: layerPaths('python').join(path.delimiter),
      PYTHONUNBUFFERED: '1',
      ...hostNodeNotice(fn.runtime),
      LD_LIBRARY_PATH: layerPaths('lib').join(path.delimiter),
    };
    return {
      label: fn.constructPath,
      functionName: fn.functionName,
      version,
      runtime: fn.runtime,
      handler: fn.handler,
      codeDir,
      layerDirs: fn.layerDirs,
      memoryMb: fn.memoryMb,
      timeoutSeconds: fn.timeoutSeconds,
      environment,
      ...(json ? { systemLogLevel: fn.systemLogLevel ?? 'INFO' } : {}),
    };
  }

  private record(target: ResolvedTarget, outcome: InvocationOutcome, trigger: string, event: Buffer): void {
    this.options.onInvocation?.({ fn: target.fn, version: target.version, trigger, outcome, event });
    const file = this.options.reportsFile === undefined ? path.join(process.cwd(), '.lambdakit', 'local-reports.jsonl') : this.options.reportsFile;
    if (file === false) return;
    if (!this.reports) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      this.reports = fs.createWriteStream(file, { flags: 'a' });
      this.reports.on('error', () => undefined);
    }
    this.reports.write(
      `${JSON.stringify({
        time: new Date().toISOString(),
        function: target.fn.constructPath,
        functionName: target.fn.functionName,
        version: target.version,
        durationMs: Number(outcome.durationMs.toFixed(2)),
        billedDurationMs: outcome.billedDurationMs,
        memoryMb: outcome.memoryMb,
        maxMemoryUsedMb: outcome.maxMemoryUsedMb,
        ...(outcome.initDurationMs !== undefined ? { initDurationMs: Number(outcome.initDurationMs.toFixed(2)) } : {}),
      })}\n`,
    );
  }

  /** Environments running for one function (all its versions), busy or idle. */
  public environmentsOf(fn: FunctionModel): number {
    return this.budgets.get(functionKey(fn))?.environments ?? 0;
  }

  /** Number of running environments (for tests and the dev summary). */
  public get environmentCount(): number {
    let n = 0;
    for (const pool of this.pools.values()) n += pool.size;
    return n;
  }

  /**
   * Stops a function's environments (warm ones included) after its code changed
   * on disk, so the next invocation starts a fresh one with the new code
   * (`lambdakit dev` watch mode). Returns how many environments were stopped.
   */
  public async recycle(fn: FunctionModel): Promise<number> {
    const prefix = `${functionKey(fn)}@`;
    const pools = [...this.pools.entries()].filter(([key]) => key.startsWith(prefix));
    // Every pool of the function (its versions, aliases) leaves the map at once, before any closes:
    // from here each invocation starts an environment on the current code.
    let stopped = 0;
    for (const [key, pool] of pools) {
      stopped += pool.size;
      this.pools.delete(key);
    }
    await Promise.all(pools.map(([, pool]) => pool.close()));
    return stopped;
  }

  /**
   * Runs a function's code from `codeDir` from now on (watch mode stages its rebuilds there,
   * never in the assembly) and stops its environments so the next invocation starts on it.
   */
  public async replaceCode(fn: FunctionModel, codeDir: string): Promise<number> {
    this.codeOverrides.set(functionKey(fn), codeDir);
    return this.recycle(fn);
  }

  /** The directory a function's code runs from now. */
  public codeDirOf(fn: FunctionModel): string | undefined {
    return this.codeOverrides.get(functionKey(fn)) ?? fn.localCodeDir ?? fn.codeDir;
  }

  /**
   * Stops the runtime: no invocation starts any more; those running (synchronous calls and
   * asynchronous events) get up to `drainMs` to finish, or until `signal` aborts; then every
   * environment and the Runtime API stop. Asynchronous events not finished stay in the journal
   * (or, without one, are reported as undelivered).
   */
  public async close(options: { readonly drainMs?: number; readonly signal?: AbortSignal } = {}): Promise<AsyncQueueReport> {
    this.closing = true;
    const drainMs = options.drainMs ?? 5_000;
    const deadline = Date.now() + drainMs;
    const [report] = await Promise.all([this.asyncQueue.close(drainMs, options.signal), drainRunning(this.running, deadline, options.signal)]);
    await Promise.all([...this.pools.values()].map((p) => p.close()).concat(this.prewarm?.close() ?? []));
    this.pools.clear();
    await this.api.close();
    await new Promise<void>((resolve) => (this.reports ? this.reports.end(resolve) : resolve()));
    return report;
  }

  /** Synchronous invocations running now (the Invoke API, the gateway, pollers, direct calls). */
  public get inFlight(): number {
    return this.running.size;
  }


}
