import * as path from 'node:path';
import * as net from 'node:net';
import * as os from 'node:os';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { AssemblyModel, FunctionModel } from '../assembly/model';
import { TemplateResolver } from '../assembly/resolve';
import { readResources, type AppResources, type DataResourceModel } from '../assembly/resources';
import { LambdakitError } from '../errors';
import { untilDeadline } from '../local/deadline';
import { connectionsDeadline } from '../local/http-guard';
import { DEFAULT_MAX_ENVIRONMENTS, LocalLambda, ThrottledError, checkMaxEnvironments, type AsyncQueueReport, type InvocationLogEntry } from '../local';
import { prepareAssembly, type SynthDecision } from '../local/inputs';
import { ScheduleTimer, startBucketBridge, startBusBridge, startTopicBridge, type BucketSubscription, type RuleSubscription, type TopicSubscription } from './bridges';
import { Gateway, type GatewayResponseStream, type GatewayRoute } from './gateway';
import type { DevInvokeResult, DevInvoker, DevTarget, DevWorker } from './invoker';
import { startMotoServer, type MotoServer } from './moto-server';
import { filterView, matchesFilterPolicy, matchesPattern } from './patterns';
import { SqsPoller, sqsBatchSize } from './pollers/sqs';
import { StreamPoller, dynamodbSource, kinesisSource } from './pollers/streams';
import { parseSchedule } from './schedules';
import { provisionServices, serviceClients, type ProvisionedResource, type ServiceClients } from './services';
import { FunctionWatcher } from './watch';
import { readWiring, type AppWiring, type FunctionTarget, type QueueMappingWiring, type ScheduleWiring, type StreamMappingWiring } from '../assembly/triggers';
import type { LocalEventSourceMapping } from '../local/lambda-api';
import { scheduledEvent, schedulerPayload } from '../events';
import { formatLogEvent } from '../ops/log-format';
import type { ConsoleBackend } from './console/backend';
import { InvocationHistory } from './console/history';
import { ConsoleServer } from './console/server';

export interface DevOptions {
  /** Directory holding cdk.json. @default process.cwd() */
  readonly cwd?: string;
  /** Cloud assembly directory. @default 'cdk.out' */
  readonly app?: string;
  /**
   * Synthesize before starting: `'auto'` unless the assembly is up to date (nothing the app or its
   * functions are built from changed since lambdakit synthesized it), `true` always, `false` never
   * (the assembly as it is; still synthesized when missing).
   * @default 'auto'
   */
  readonly synth?: boolean | 'auto';
  /**
   * The moto_server dev runs against, already starting (the CLI starts it while it loads dev's
   * modules). Dev owns it from then on: it stops it on close, or when starting fails.
   * @default - dev starts moto_server itself (unless `servicesEndpoint`)
   */
  readonly motoServer?: Promise<MotoServer>;
  /** HTTP gateway port. @default 3000 */
  readonly port?: number;
  /** Lambda Invoke API port. @default 3001 */
  readonly lambdaPort?: number;
  /** Local AWS services (moto) port. @default - a free port */
  readonly servicesPort?: number;
  /**
   * Use the AWS services already answering at this URL (a moto_server you run, or any
   * AWS-compatible endpoint) instead of starting moto. Their tables, queues and buckets
   * outlive dev: a restarted dev finds the app's resources there, with their data, and
   * closing dev leaves the services running. Not with `servicesPort`.
   * @example 'http://127.0.0.1:5000'
   * @default - dev starts moto_server and stops it on close
   */
  readonly servicesEndpoint?: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * `Host` names the gateway and the Invoke API accept besides loopback ones and `host` (`--allow-host`);
   * `.example.com` accepts the domain and its subdomains.
   * @default - loopback names and addresses (and `host`) only
   */
  readonly allowedHosts?: readonly string[];
  /** Machine-readable lines (one JSON object each). @default false */
  readonly json?: boolean;
  /** Colour in log lines. @default - when the output is a terminal */
  readonly color?: boolean;
  /** Retry failed asynchronous events after 1 and 2 seconds instead of 1 and 2 minutes. @default false */
  readonly fastRetries?: boolean;
  /**
   * Override every queue's visibility timeout (seconds), so failed messages come
   * back (and reach their dead-letter queue) quickly while trying things out.
   * @default - each queue's own
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Fire every schedule at this interval instead of its expression (for trying them out). @default - the expressions */
  readonly scheduleEveryMs?: number;
  /** Rebuild a function when a source file it imports is saved. @default false (the CLI turns it on) */
  readonly watch?: boolean;
  /** Where log lines go. @default process.stdout */
  readonly out?: NodeJS.WritableStream;
  /** Where function output goes. @default process.stderr */
  readonly err?: NodeJS.WritableStream;
  /** Record REPORT lines for `lambdakit cost`. @default '<cwd>/.lambdakit/local-reports.jsonl' */
  readonly reportsFile?: string | false;
  /**
   * Most environments (processes) a function runs at once; requests beyond wait for one.
   * More environments than cores slow CPU-bound handlers down (they compete for the cores),
   * more overlap handlers that wait on slow calls. A function's reserved concurrency, when
   * set, is its limit instead.
   * @default - two per CPU, at least 4 and at most 16 (defaultDevEnvironments)
   */
  readonly maxEnvironments?: number;
  /**
   * Serve the web console (invocations live, invoke and replay, dead letters, resources) on
   * `port` (0: a free one), guarded like the gateway; false or absent serves none.
   * @default - no console (the CLI serves one on 3002 unless --no-console)
   */
  readonly console?: { readonly port?: number } | false;
}

/**
 * Dev's default cap of environments per function: two per CPU, at least 4 and at most 16.
 * On the 2-core machine GET /hello at 20 connections served about 760 requests/s with 16
 * environments and 1,100/s with 4 (README, *Dev benchmark and soak*): beyond a couple per
 * core the processes only take turns. Machines with 8 or more CPUs keep 16, Lambda-like concurrency.
 */
export function defaultDevEnvironments(cpus = os.availableParallelism()): number {
  return Math.min(DEFAULT_MAX_ENVIRONMENTS, Math.max(4, 2 * cpus));
}

const COLORS = { dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m', reset: '\x1b[0m' };

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * `lambdakit dev`: the whole application on this machine. The local AWS
 * services (moto) hold the app's tables, buckets, queues, topics, streams and
 * buses; the local Lambda runtime runs its functions; the gateway serves its
 * HTTP routes; pollers and bridges deliver its triggers as Lambda would.
 */
export class DevServer {
  public static async start(options: DevOptions = {}): Promise<DevServer> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 3000;
    const lambdaPort = options.lambdaPort ?? 3001;
    // moto_server (half a second of Python start-up) does not depend on the assembly: it starts
    // while the assembly is checked or synthesized.
    try {
      checkMaxEnvironments(options.maxEnvironments);
    } catch (error) {
      await (await options.motoServer?.catch(() => undefined))?.close();
      throw error;
    }
    const phases: Record<string, number> = {};
    const timed = async <T>(name: string, work: Promise<T>): Promise<T> => {
      const started = performance.now();
      const value = await work;
      phases[name] = Math.round(performance.now() - started);
      return value;
    };
    const moto = options.motoServer ?? (options.servicesEndpoint === undefined ? startMotoServer({ port: options.servicesPort, host }) : undefined);
    const motoReady = moto && timed('moto', moto);
    motoReady?.catch(() => undefined);
    let prepared: Awaited<ReturnType<typeof prepareAssembly>>;
    try {
      const consolePort = options.console ? (options.console.port ?? 3002) : 0;
      for (const [p, what] of [[port, '--port (HTTP gateway)'], [lambdaPort, '--lambda-port (Invoke API)'], [consolePort, '--console-port (dev console)']] as const) {
        if (p !== 0 && !(await portFree(p, host))) {
          throw new LambdakitError(`port ${p} on ${host} is already in use (${what}); is another lambdakit dev running?`, { code: 'PortInUse', value: p, hint: 'stop the other process or choose another port' });
        }
      }
      prepared = await timed('assembly', prepareAssembly({ cwd: options.cwd, app: options.app, synth: options.synth ?? 'auto' }));
    } catch (error) {
      await (await moto?.catch(() => undefined))?.close();
      throw error;
    }
    const server = new DevServer(prepared.assembly, options, prepared.synth, phases);
    try {
      await server.boot(host, port, lambdaPort, motoReady);
    } catch (error) {
      if (!server.moto) await (await moto?.catch(() => undefined))?.close();
      await server.close();
      throw error;
    }
    return server;
  }

  public readonly wiring: AppWiring;
  /** The app's tables, queues, topics, streams, buses, buckets, rules and schedules, named as they are locally. */
  public readonly appResources: AppResources;
  /** Resolves the templates' values, with the local services' reports on the resources. */
  private readonly resolver: TemplateResolver;
  /** The moto_server dev started and owns (absent with `servicesEndpoint`). */
  public moto?: MotoServer;
  /** Where the app's AWS services answer: the moto dev started, or `servicesEndpoint`. */
  public servicesEndpoint = '';
  public local?: LocalLambda;
  public gateway?: Gateway;
  /** The web console (when `console` is set) and the invocations it shows. */
  public console?: ConsoleServer;
  public readonly history?: InvocationHistory;
  public resources: ProvisionedResource[] = [];
  private clients?: ServiceClients;
  private streamsClient?: DynamoDBStreamsClient;
  private readonly workers: DevWorker[] = [];
  /** The watcher of watch mode (when on). */
  public watcher?: FunctionWatcher;
  private readonly timers = new Map<string, ScheduleTimer>();
  private readonly out: NodeJS.WritableStream;
  private readonly err: NodeJS.WritableStream;
  private readonly color: boolean;
  /**
   * Settles, with a one-line reason, when something dev cannot run without has died (the local
   * AWS services): the CLI then stops everything and exits non-zero.
   */
  public readonly failure: Promise<string>;
  private fail: (reason: string) => void = () => undefined;
  /** Set once the local services died: the errors of pollers and bridges that follow are not news. */
  private servicesDown = false;

  private constructor(
    public readonly assembly: AssemblyModel,
    private readonly options: DevOptions,
    /** Whether dev synthesized the app before starting, or found the assembly up to date. */
    public readonly synth: SynthDecision,
    /** Milliseconds each start-up phase took (assembly, moto — overlapping the assembly —, provisioning, runtime, gateway, triggers). */
    public readonly bootPhases: Record<string, number>,
  ) {
    this.resolver = new TemplateResolver(assembly);
    this.appResources = readResources(assembly, this.resolver);
    this.wiring = readWiring(assembly, this.appResources);
    this.out = options.out ?? process.stdout;
    this.err = options.err ?? process.stderr;
    this.color = !options.json && (options.color ?? Boolean((this.out as NodeJS.WriteStream).isTTY));
    this.failure = new Promise((resolve) => (this.fail = resolve));
    if (options.console) this.history = new InvocationHistory();
  }

  private paint(color: keyof typeof COLORS, text: string): string {
    return this.color ? `${COLORS[color]}${text}${COLORS.reset}` : text;
  }

  private async boot(host: string, port: number, lambdaPort: number, starting: Promise<MotoServer> | undefined): Promise<void> {
    const external = this.options.servicesEndpoint;
    const phase = (name: string, since: number) => (this.bootPhases[name] = Math.round(performance.now() - since));
    if (external !== undefined) {
      this.servicesEndpoint = checkServicesEndpoint(external, this.options.servicesPort);
    } else {
      const moto = await starting!;
      this.moto = moto;
      this.servicesEndpoint = moto.endpoint;
      // Only a moto dev owns is watched: an external endpoint's owner decides what its outages mean.
      void moto.died.then((how) => {
        // Restarting moto would bring back empty tables, queues and buckets under the same names, and
        // the app would carry on against lost state: stopping says plainly what happened.
        this.servicesDown = true;
        this.fail(`the local AWS services (moto_server, ${moto.endpoint}) ${how}; their tables, queues and buckets are gone, so dev stops`);
      });
    }
    this.clients = serviceClients(this.servicesEndpoint);
    const resolver = this.resolver;
    let since = performance.now();
    try {
      this.resources = await provisionServices(this.appResources, resolver, this.clients, { visibilityTimeoutSeconds: this.options.visibilityTimeoutSeconds });
    } catch (error) {
      if (external === undefined || error instanceof LambdakitError) throw error;
      throw new LambdakitError(`could not create the app's resources at ${this.servicesEndpoint} (--services-endpoint): ${(error as Error).message}`, {
        code: 'ServicesUnreachable',
        value: this.servicesEndpoint,
        hint: 'start moto_server (or the service you meant) there, or leave --services-endpoint out and dev starts moto itself',
      });
    }
    phase('provisioning', since);
    since = performance.now();
    this.local = await LocalLambda.start({
      assembly: this.assembly,
      resolver,
      port: lambdaPort,
      host,
      allowedHosts: this.options.allowedHosts,
      reportsFile: this.options.reportsFile,
      maxEnvironments: this.maxEnvironments,
      // Past the local cap of environments per function, requests wait rather than fail:
      // Lambda would not throttle at 17 concurrent requests, so the gateway must not send 500s.
      waitForEnvironment: true,
      // Functions are built for the newest Lambda runtime but run here on this machine's Node.js: the SDK's notice about it is noise.
      extraEnvironment: { AWS_ENDPOINT_URL: this.servicesEndpoint, LAMBDAKIT_DEV: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      onInvocation: (entry) => this.logInvocation(entry),
      onLog: (fn, text) => this.logOutput(fn, text),
      async: {
        endpoint: this.servicesEndpoint,
        retryDelaysMs: this.options.fastRetries ? [1000, 2000] : undefined,
        // Accepted Event invocations (S3, SNS, EventBridge, schedules, the Invoke API) survive a crash or a stop.
        journalDir: path.join(path.resolve(this.options.cwd ?? process.cwd()), '.lambdakit', 'async'),
        onNotice: (message) => this.event('info', message),
        onDelivery: (d) => this.event(d.error ? 'warn' : 'info', `${d.kind} of ${d.function} → ${d.targetArn.split(':').pop()}${d.error ? ` failed: ${d.error}` : ''}`, { ...d }),
      },
    });
    phase('runtime', since);
    since = performance.now();
    const invoker = this.invoker();
    const routeTargets = new Map<GatewayRoute, DevTarget>();
    const routes: GatewayRoute[] = this.wiring.routes.map((r) => {
      const route: GatewayRoute = { apiId: r.apiId, kind: r.kind, method: r.method, path: r.path, payloadFormat: r.payloadFormat, stage: r.stage, functionLabel: r.target.fn.constructPath, cors: r.cors, binaryMediaTypes: r.binaryMediaTypes, authType: r.authType, invokeMode: r.invokeMode };
      routeTargets.set(route, toDevTarget(r.target));
      return route;
    });
    // REST methods with a MOCK integration (CORS preflights) answer without a function.
    routes.push(...this.wiring.mockRoutes.map((m): GatewayRoute => ({ apiId: m.apiId, kind: 'rest', method: m.method, path: m.path, payloadFormat: '1.0', stage: m.stage, functionLabel: `${m.method} ${m.path} (MOCK)`, mock: m.response })));
    this.gateway = await Gateway.start({
      routes,
      port,
      host,
      allowedHosts: this.options.allowedHosts,
      region: this.clients?.region,
      onError: (message) => this.event('warn', `gateway: ${message}`),
      invoke: (route, event) => invoker.invoke(routeTargets.get(route)!, event, `${route.method} ${route.path}`),
      invokeStream: (route, event, stream) => this.invokeStreaming(routeTargets.get(route)!, event, `${route.method} ${route.path}`, stream),
    });
    phase('gateway', since);
    if (this.options.console) {
      since = performance.now();
      this.console = await ConsoleServer.start({ backend: this.consoleBackend(), history: this.history!, port: this.options.console.port ?? 3002, host, allowedHosts: this.options.allowedHosts, graph: () => this.wiringDiagram() });
      phase('console', since);
    }
    since = performance.now();
    await this.startTriggers(invoker, resolver);
    phase('triggers', since);
    if (this.options.watch) {
      this.watcher = new FunctionWatcher(path.resolve(this.options.cwd ?? process.cwd()), this.assembly.functions, this.local.runtime, (e) =>
        this.event(e.error ? 'warn' : 'info', e.error ? `rebuild of ${e.function} failed (${e.file}), the previous code keeps serving: ${e.error}` : `rebuilt ${e.function} (${e.file}) in ${e.ms.toFixed(0)} ms`, { ...e }),
      );
      this.watcher.start();
      this.workers.push(this.watcher);
    }
  }

  /** A function URL in RESPONSE_STREAM mode: the local runtime hands the response to `stream` as it arrives. */
  private async invokeStreaming(target: DevTarget, payload: string, trigger: string, stream: GatewayResponseStream): Promise<DevInvokeResult> {
    const runtime = this.local!.runtime;
    try {
      const outcome = await runtime.invoke(runtime.resolve(target.functionPath, target.qualifier), Buffer.from(payload), { trigger, stream });
      return { payload: outcome.payload.toString('utf8'), functionError: outcome.ok ? undefined : 'Unhandled' };
    } catch (error) {
      if (error instanceof ThrottledError) return { payload: JSON.stringify({ errorType: 'TooManyRequestsException', errorMessage: error.message }), functionError: 'Throttled' };
      throw error;
    }
  }

  private diagram?: Promise<{ readonly svg: string; readonly nodes: Readonly<Record<string, string>> }>;

  /** The app's wiring as `lambdakit graph` draws it (SVG), and each function's node id on it; drawn once, on first use. */
  private wiringDiagram(): Promise<{ readonly svg: string; readonly nodes: Readonly<Record<string, string>> }> {
    this.diagram ??= (async () => {
      const { buildGraph, toSvg } = await import('../assembly/graph');
      const graph = buildGraph(this.assembly);
      const nodes = Object.fromEntries(graph.nodes.filter((n) => n.kind === 'function' && n.path).map((n) => [n.path!, n.id]));
      return { svg: await toSvg(graph), nodes };
    })();
    this.diagram.catch(() => (this.diagram = undefined));
    return this.diagram;
  }

  /** What the console reads and runs: the app's model, the runtime, the local services. */
  private consoleBackend(): ConsoleBackend {
    const runtime = this.local!.runtime;
    return {
      functions: this.assembly.functions,
      resources: this.appResources,
      wiring: this.wiring,
      provisioned: this.resources,
      clients: this.clients!,
      resolve: (stackName, value) => this.resolver.resolve(stackName, value),
      environmentsOf: (fn) => runtime.environmentsOf(fn),
      invoke: (functionPath, qualifier, payload, trigger) => runtime.invoke(runtime.resolve(functionPath, qualifier), payload, { trigger, waitForEnvironment: true }),
      invokeAsync: (functionPath, qualifier, payload, trigger) => runtime.invokeAsync(runtime.resolve(functionPath, qualifier), payload, trigger),
    };
  }

  /** The invoker the gateway, pollers and bridges share: the local runtime, by construct path. */
  private invoker(): DevInvoker {
    const local = this.local!;
    return {
      invoke: async (target, payload, trigger) => {
        const resolved = local.runtime.resolve(target.functionPath, target.qualifier);
        try {
          const outcome = await local.runtime.invoke(resolved, Buffer.from(payload), { trigger });
          return { payload: outcome.payload.toString('utf8'), functionError: outcome.ok ? undefined : 'Unhandled' };
        } catch (error) {
          if (error instanceof ThrottledError) return { payload: JSON.stringify({ errorType: 'TooManyRequestsException', errorMessage: error.message }), functionError: 'Throttled' };
          throw error;
        }
      },
      invokeAsync: async (target, payload, trigger) => {
        local.runtime.invokeAsync(local.runtime.resolve(target.functionPath, target.qualifier), Buffer.from(payload), trigger);
      },
    };
  }

  private async startTriggers(invoker: DevInvoker, resolver: TemplateResolver): Promise<void> {
    const clients = this.clients!;
    // What the services reported for each resource dev created from its model (URLs, ARNs, stream ARNs).
    const provisioned = new Map(this.resources.map((r) => [`${r.stackName}/${r.logicalId}`, r]));
    const reported = (model: DataResourceModel) => provisioned.get(`${model.stackName}/${model.logicalId}`)!;
    const onError = (what: string) => (error: Error) => {
      if (!this.servicesDown) this.event('warn', `${what}: ${error.message}`);
    };
    // The local Lambda API (ListEventSourceMappings) reports the mappings as they run here: the
    // sources' ARNs as the services gave them, Enabled while dev polls them.
    const sourceArn = (m: QueueMappingWiring | StreamMappingWiring) =>
      'queue' in m ? (reported(m.queue)?.arn ?? m.queue.arn) : m.kind === 'kinesis' ? (reported(m.source)?.arn ?? m.source.arn) : (reported(m.source)?.streamArn ?? m.source.arn);
    const mappings: LocalEventSourceMapping[] = [...this.wiring.queueMappings, ...this.wiring.streamMappings].map((m) => ({
      mapping: m,
      eventSourceArn: sourceArn(m),
      state: m.enabled ? 'Enabled' : 'Disabled',
      stateTransitionReason: 'USER_INITIATED',
    }));
    this.local!.api.lambdaApi.setEventSourceMappings(() => mappings);

    for (const m of this.wiring.queueMappings.filter((x) => x.enabled)) {
      const queueUrl = reported(m.queue).url!;
      const queueArn = reported(m.queue).arn;
      if (m.reportBatchItemFailures) this.partialBatchQueues.add(queueArn.split(':').pop()!);
      const filters = m.filters;
      const poller = new SqsPoller(
        clients.sqs,
        {
          queueUrl,
          queueArn,
          batchSize: m.batchSize,
          maximumBatchingWindowSeconds: m.maximumBatchingWindowSeconds,
          reportBatchItemFailures: m.reportBatchItemFailures,
          concurrency: Math.min(m.maximumConcurrency ?? 2, 4),
          filter: filters.length ? (record) => filters.some((f) => matchesPattern(f, filterView(record as never))) : undefined,
        },
        toDevTarget(m.target),
        invoker,
        onError(`queue poller ${m.queue.logicalId}`),
      );
      poller.start();
      this.workers.push(poller);
    }

    for (const m of this.wiring.streamMappings.filter((x) => x.enabled)) {
      const arn = m.kind === 'kinesis' ? reported(m.source).arn : reported(m.source).streamArn!;
      this.streamsClient ??= new DynamoDBStreamsClient({ endpoint: clients.endpoint, region: clients.region, credentials: { accessKeyId: 'lambdakit-local', secretAccessKey: 'lambdakit-local' } });
      const source = m.kind === 'kinesis' ? kinesisSource(clients.kinesis, arn, clients.region) : dynamodbSource(this.streamsClient, arn, clients.region);
      const destination = m.onFailure ? resolver.resolve(m.onFailure.stackName, m.onFailure.value) : undefined;
      const filters = m.filters;
      const poller = new StreamPoller(
        source,
        {
          startingPosition: m.startingPosition,
          batchSize: m.batchSize,
          maximumBatchingWindowSeconds: m.maximumBatchingWindowSeconds,
          bisectBatchOnFunctionError: m.bisectBatchOnFunctionError,
          maximumRetryAttempts: m.maximumRetryAttempts,
          maximumRecordAgeInSeconds: m.maximumRecordAgeInSeconds,
          reportBatchItemFailures: m.reportBatchItemFailures,
          tumblingWindowInSeconds: m.tumblingWindowInSeconds,
          parallelizationFactor: m.parallelizationFactor,
          functionArn: this.local!.runtime.functionArn(m.target.fn, m.target.qualifier),
          filter: filters.length ? (record) => filters.some((f) => matchesPattern(f, filterView(record))) : undefined,
          onFailure: destination ? (record) => this.sendRecord(destination, record, m.target.fn.constructPath) : undefined,
        },
        toDevTarget(m.target),
        invoker,
        onError(`stream poller ${m.source.logicalId}`),
      );
      poller.start();
      this.workers.push(poller);
    }

    // Each bridge sets up its own queue and subscription: they start side by side.
    const bridges: Array<Promise<DevWorker>> = [];
    const byBucket = groupBy(this.wiring.bucketNotifications, (n) => `${n.bucket.stackName}/${n.bucket.logicalId}`);
    for (const notifications of byBucket.values()) {
      const bucket = notifications[0].bucket;
      const subs: BucketSubscription[] = notifications.map((n) => ({ target: toDevTarget(n.target), events: n.events, prefix: n.prefix, suffix: n.suffix }));
      bridges.push(startBucketBridge({ s3: clients.s3, sqs: clients.sqs }, bucket.name, subs, invoker, onError(`bucket ${bucket.logicalId}`)));
    }

    const byTopic = groupBy(this.wiring.topicSubscriptions, (s) => `${s.topic.stackName}/${s.topic.logicalId}`);
    for (const subscriptions of byTopic.values()) {
      const topic = subscriptions[0].topic;
      const topicArn = reported(topic).arn;
      const subs: TopicSubscription[] = subscriptions.map((s) => ({
        target: toDevTarget(s.target),
        subscriptionArn: `${topicArn}:${s.logicalId}`,
        accepts: (message) => matchesFilterPolicy(s.filterPolicy, s.filterPolicyScope, message),
      }));
      bridges.push(startTopicBridge({ sns: clients.sns, sqs: clients.sqs }, topicArn, subs, invoker, onError(`topic ${topic.logicalId}`)));
    }

    const byBus = groupBy(this.wiring.rules, (r) => (r.bus ? `${r.bus.stackName}/${r.bus.logicalId}` : 'default'));
    for (const rules of byBus.values()) {
      const bus = rules[0].bus;
      const busName = bus ? bus.name : 'default';
      const subs: RuleSubscription[] = rules.map((r) => ({ target: toDevTarget(r.target), ruleName: r.ruleName, awsRuleName: r.rule.name, matches: (e) => matchesPattern(r.eventPattern, e), input: r.input, inputPath: r.inputPath, inputTransformer: r.inputTransformer, ruleArn: r.rule.arn }));
      bridges.push(startBusBridge({ events: clients.events, sqs: clients.sqs }, busName, subs, invoker, onError(`bus ${busName}`)));
    }

    const started = await Promise.allSettled(bridges);
    for (const outcome of started) if (outcome.status === 'fulfilled') this.workers.push(outcome.value);
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;

    for (const s of this.wiring.schedules) {
      const every = this.options.scheduleEveryMs;
      const next = every ? (after: Date) => new Date(after.getTime() + every) : parseSchedule(s.expression, s.timeZone);
      const payload = (at: Date) => schedulePayload(s, at, clients.region);
      const timer = new ScheduleTimer(s.name, next, toDevTarget(s.target), payload, invoker, onError(`schedule ${s.name}`));
      timer.start();
      this.timers.set(s.name, timer);
      this.workers.push(timer);
    }
  }

  /** Sends an on-failure record of a stream mapping to its SQS queue or SNS topic. */
  private async sendRecord(arn: string, record: Record<string, unknown>, from: string): Promise<void> {
    await this.local!.runtime.destinations.send(arn, { body: JSON.stringify(record) }, from);
    this.event('warn', `failed stream records of ${from} described to ${arn.split(':').pop()}`);
  }

  /** Fires a schedule now (by its construct path), as `dev` does on request and tests do. */
  public fireSchedule(name: string): void {
    const timer = this.timers.get(name) ?? [...this.timers.entries()].find(([n]) => n.startsWith(name))?.[1];
    if (!timer) throw new LambdakitError(`no schedule named ${name}; schedules: ${[...this.timers.keys()].join(', ') || 'none'}`, { code: 'ScheduleNotFound' });
    timer.fire();
  }

  private logInvocation(entry: InvocationLogEntry): void {
    const reportsItemFailures = (queue: string) => this.partialBatchQueues.has(queue);
    this.out.write(invocationLine(entry, { json: this.options.json, reportsItemFailures, paint: (color, text) => this.paint(color, text) }));
    if (this.history) {
      const { status, text } = invocationStatus(entry, reportsItemFailures);
      this.history.record({ entry, status, statusText: text });
    }
  }

  /** Queues whose mappings report batch item failures (by name): only their responses' failures count. */
  private readonly partialBatchQueues = new Set<string>();

  private logOutput(fn: FunctionModel, text: string): void {
    if (this.options.json) return;
    for (const line of text.split('\n')) {
      if (!line.trim() || /^(START|END|REPORT) RequestId:/.test(line)) continue;
      // The formatter of `lambdakit logs`: Powertools' JSON lines and EMF metrics are shown readably.
      const shown = formatLogEvent({ timestamp: Date.now(), message: line });
      for (const part of shown?.split('\n') ?? []) this.err.write(`${this.paint('dim', `[${fn.constructPath}]`)} ${part}\n`);
    }
  }

  private event(level: 'info' | 'warn', message: string, fields: Record<string, unknown> = {}): void {
    if (this.options.json) this.out.write(`${JSON.stringify({ type: 'event', level, time: new Date().toISOString(), message, ...fields })}\n`);
    else this.out.write(`${level === 'warn' ? this.paint('yellow', 'warn') : this.paint('dim', 'info')}  ${message}\n`);
  }

  /** Most environments per function at once (a function's reserved concurrency is its own limit). */
  public get maxEnvironments(): number {
    return this.options.maxEnvironments ?? defaultDevEnvironments();
  }

  /** The ready message: URLs, routes, resources and what does not run locally. */
  public summary(): string {
    const gateway = this.gateway!.url;
    const lines = [
      `lambdakit dev: ${this.assembly.functions.length} functions of ${this.assembly.stacks.length} stacks running locally`,
      `  assembly        ${path.relative(path.resolve(this.options.cwd ?? process.cwd()), this.assembly.directory) || this.assembly.directory}: ${synthLine(this.synth)}`,
      `  HTTP gateway    ${gateway}`,
      ...this.wiring.routes.map((r) => `    ${r.method.padEnd(6)} ${gateway}${r.kind === 'http' ? '' : `/${r.stage}`}${r.path === '$default' ? '/' : r.path}  → ${r.target.fn.constructPath}`),
      `  Lambda API      ${this.local!.url}  (aws lambda invoke --endpoint-url ${this.local!.url} --function-name <name> --cli-binary-format raw-in-base64-out --payload '{}' out.json); up to ${this.maxEnvironments} environments per function, then requests wait (--max-environments)`,
      // AWS CLI builds before 2.13 (Debian's is 2.9) ignore AWS_ENDPOINT_URL, so the flag is the form that works everywhere.
      `  AWS services    ${this.servicesEndpoint}${this.moto ? '' : ' (external, kept on exit)'}  (AWS_ENDPOINT_URL for the SDK; aws --endpoint-url ${this.servicesEndpoint} ... for the AWS CLI)`,
      ...this.resources.map((r) => `    ${r.type.replace(/^AWS::/, '').padEnd(20)} ${r.name}`),
      `  triggers        ${this.wiring.queueMappings.length} queue, ${this.wiring.streamMappings.length} stream, ${this.wiring.topicSubscriptions.length} topic, ${this.wiring.bucketNotifications.length} bucket, ${this.wiring.rules.length} rule, ${this.wiring.schedules.length} schedule`,
      ...this.wiring.unsupported.map((u) => `  not local       ${u}`),
      ...(this.console ? [`  console         ${this.console.url}  (invocations live, invoke and replay, dead letters, resources, wiring; --no-console to turn off)`] : []),
      ...(this.watcher ? [`  watching        sources of ${this.watcher.functionCount} functions; saving one rebuilds only the functions that import it`] : []),
    ];
    return `${lines.join('\n')}\n`;
  }

  public summaryJson(): Record<string, unknown> {
    return {
      type: 'ready',
      synth: this.synth.action === 'synthesized' ? { ...this.synth, durationMs: Math.round(this.synth.durationMs) } : this.synth,
      bootMs: this.bootPhases,
      gateway: this.gateway!.url,
      lambda: this.local!.url,
      ...(this.console ? { console: this.console.url } : {}),
      maxEnvironments: this.maxEnvironments,
      services: this.servicesEndpoint,
      routes: this.wiring.routes.map((r) => ({ method: r.method, path: r.path, kind: r.kind, stage: r.stage, function: r.target.fn.constructPath })),
      resources: this.resources.map(({ stackName, logicalId, type, name }) => ({ stackName, logicalId, type, name })),
    };
  }

  /**
   * Stops: triggers and the gateway take no new work, invocations running get up to `drainMs`
   * (default 3 s) to finish — `signal` cuts that short —, then the runtime and the local
   * services stop. Accepted asynchronous events not finished stay in the journal.
   */
  public async close(options: { readonly drainMs?: number; readonly signal?: AbortSignal } = {}): Promise<AsyncQueueReport> {
    const drainMs = options.drainMs ?? 3_000;
    const deadline = Date.now() + drainMs;
    const connections = connectionsDeadline(options.signal);
    const gateway = this.gateway?.close(connections.signal);
    const console = this.console?.close(connections.signal);
    // Pollers finish the batch they are running (a message not finished comes back after its visibility timeout).
    await untilDeadline(Promise.all(this.workers.map((w) => w.stop().catch(() => undefined))), deadline, options.signal);
    const report = this.local ? await this.local.close({ drainMs: Math.max(0, deadline - Date.now()), signal: options.signal }) : { undelivered: 0, kept: 0, requestIds: [] };
    connections.expire();
    await gateway;
    await console;
    this.watcher?.removeStaged();
    this.clients?.destroy();
    this.streamsClient?.destroy();
    // A moto dev started stops with it; services at --services-endpoint are someone else's and keep running.
    await this.moto?.close();
    return report;
  }
}

/** What the ready message says about synth. */
function synthLine(synth: SynthDecision): string {
  if (synth.action === 'synthesized') return `synthesized in ${(synth.durationMs / 1000).toFixed(1)} s (${synth.reason})`;
  if (synth.action === 'skipped') return 'up to date, synth skipped (--synth to force)';
  return 'used as it is (--no-synth)';
}

/** The services endpoint as a URL without a trailing slash; one line naming the flag when it is not usable. */
function checkServicesEndpoint(endpoint: string, servicesPort: number | undefined): string {
  if (servicesPort !== undefined) {
    throw new LambdakitError('--services-port and --services-endpoint exclude each other: dev starts moto on a port, or uses services already running', { code: 'ServicesConflict', value: endpoint, hint: 'pass only one of them' });
  }
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new LambdakitError(`--services-endpoint must be an http(s) URL such as http://127.0.0.1:5000, got ${endpoint}`, { code: 'ServicesEndpointInvalid', value: endpoint, hint: 'pass the URL moto_server (or the AWS-compatible service) answers on' });
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * Items an SQS batch reported failed (`batchItemFailures`), when its mapping reports them
 * (`reportsItemFailures(queue)`): Lambda ignores the field otherwise.
 */
function partialBatch(entry: InvocationLogEntry, reportsItemFailures: (queue: string) => boolean): { failed: number; size: number } | undefined {
  const batch = sqsBatchSize(entry.trigger);
  if (!entry.outcome.ok || !batch || !reportsItemFailures(batch.queue)) return undefined;
  let failures: unknown;
  try {
    failures = (JSON.parse(entry.outcome.payload.toString('utf8') || 'null') as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  } catch {
    return undefined;
  }
  if (!Array.isArray(failures) || failures.length === 0) return undefined;
  return { failed: Math.min(failures.length, batch.size), size: batch.size };
}

/** How an invocation ended, as dev's log line and the console show it: ok, partial (an SQS batch with failed items) or error. */
export interface InvocationStatus {
  readonly status: 'ok' | 'partial' | 'error';
  /** `ok`, the error type, or `partial 1/10 failed`. */
  readonly text: string;
  readonly failedItems?: number;
  readonly batchSize?: number;
}

/**
 * The status of one invocation: `ok`, the error type, or — for an SQS batch whose response
 * reported failed items (`reportsItemFailures(queue)`) — partial.
 */
export function invocationStatus(entry: InvocationLogEntry, reportsItemFailures: (queue: string) => boolean): InvocationStatus {
  const o = entry.outcome;
  const partial = partialBatch(entry, reportsItemFailures);
  if (partial) return { status: 'partial', text: `partial ${partial.failed}/${partial.size} failed`, failedItems: partial.failed, batchSize: partial.size };
  return o.ok ? { status: 'ok', text: 'ok' } : { status: 'error', text: o.errorType ?? 'error' };
}

/**
 * Dev's line for one invocation: `ok`, the error type, or — for an SQS batch whose response
 * reported failed items — `partial 1/10 failed` (`--json`: status `partial`, failedItems, batchSize).
 */
export function invocationLine(
  entry: InvocationLogEntry,
  options: { readonly json?: boolean; readonly reportsItemFailures: (queue: string) => boolean; readonly paint?: (color: keyof typeof COLORS, text: string) => string; readonly now?: Date },
): string {
  const o = entry.outcome;
  const paint = options.paint ?? ((_color: keyof typeof COLORS, text: string) => text);
  const now = options.now ?? new Date();
  const { status, text, failedItems, batchSize } = invocationStatus(entry, options.reportsItemFailures);
  if (options.json) {
    return `${JSON.stringify({ type: 'invocation', time: now.toISOString(), function: entry.fn.constructPath, version: entry.version, trigger: entry.trigger, durationMs: Number(o.durationMs.toFixed(2)), cold: o.cold, initDurationMs: o.initDurationMs, status: status === 'partial' ? 'partial' : text, ...(status === 'partial' ? { failedItems, batchSize } : {}), requestId: o.requestId })}\n`;
  }
  const time = now.toISOString().slice(11, 19);
  const start = o.cold ? paint('yellow', `cold ${o.initDurationMs?.toFixed(0) ?? '?'} ms`) : paint('dim', 'warm');
  const painted = paint(status === 'partial' ? 'yellow' : status === 'ok' ? 'green' : 'red', text);
  return `${paint('dim', time)}  ${paint('cyan', entry.fn.constructPath.padEnd(24))}  ${entry.trigger.padEnd(28)}  ${o.durationMs.toFixed(1).padStart(7)} ms  ${start}  ${painted}\n`;
}

/**
 * What a schedule sends its function at `at`: an EventBridge rule sends its target's `Input`
 * or a Scheduled Event naming the rule; Scheduler sends the target's input (context attributes
 * filled in) or its own Scheduled Event naming the schedule. lib/events builds each.
 */
export function schedulePayload(s: ScheduleWiring, at: Date, region: string): string {
  const environment = { region, accountId: '123456789012', now: at };
  const model = s.schedule;
  if (model.type === 'AWS::Scheduler::Schedule') return schedulerPayload({ ...environment, schedule: model.name, group: model.groupName, input: s.input });
  if (s.input !== undefined) return s.input;
  return JSON.stringify(scheduledEvent({ ...environment, rule: model.name }));
}

function toDevTarget(target: FunctionTarget): DevTarget {
  return { functionPath: target.fn.constructPath, qualifier: target.qualifier };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}
