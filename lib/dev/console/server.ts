import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionModel } from '../../assembly/model';
import { LambdakitError, isLambdakitError } from '../../errors';
import { EVENT_OPTIONS, listEventSources, sampleEvent, type EventFlags } from '../../events/sources';
import { ResolveError, ThrottledError } from '../../local';
import { drainServer, guardedServer, writeError, type RequestTimeouts } from '../../local/http-guard';
import { INDEX_HTML, consoleAssets } from './assets';
import type { ConsoleBackend } from './backend';
import { InvocationHistory, type InvocationSummary } from './history';
import { deadLetterViews, redrive, resourceViews } from './services';

export interface ConsoleOptions extends RequestTimeouts {
  readonly backend: ConsoleBackend;
  readonly history: InvocationHistory;
  /** @default 3002 (0: a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** `Host` names accepted besides loopback ones (`--allow-host`). */
  readonly allowedHosts?: readonly string[];
  /** The wiring diagram (SVG) and the node id of each function on it, when the app can be drawn. */
  readonly graph?: () => Promise<{ readonly svg: string; readonly nodes: Readonly<Record<string, string>> } | undefined>;
  /** How often the functions' live state (warm environments) is sent to open consoles. @default 1000 */
  readonly stateIntervalMs?: number;
}

/**
 * The header every state-changing request (POST) must carry. A web page of another site can
 * send a form POST without asking, but not a custom header: that needs a CORS preflight, which
 * the console never grants. The guard refuses any Origin but the console's own besides.
 */
export const CONSOLE_HEADER = 'x-lambdakit-console';

/** The Invoke API's synchronous payload limit: the largest event the console accepts. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
const ERROR_TYPES = { 400: 'BadRequestException', 403: 'ForbiddenException', 408: 'RequestTimeoutException', 413: 'RequestTooLargeException', 431: 'RequestHeaderFieldsTooLargeException' } as const;
/** A client whose server-sent events pile up past this is disconnected (it reconnects and reloads). */
const MAX_PENDING_EVENT_BYTES = 1024 * 1024;
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

class HttpError extends Error {
  constructor(
    public readonly status: 400 | 403 | 404 | 405 | 413 | 415 | 500,
    message: string,
    public readonly headers: http.OutgoingHttpHeaders = {},
  ) {
    super(message);
  }
}

type Handler = (req: http.IncomingMessage, params: string[], url: URL) => Promise<unknown>;
interface Route {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly handler: Handler;
}

/**
 * The web console of `lambdakit dev`: the invocations as they happen (server-sent events), invoke
 * and replay, dead letters and redrive, the app's resources. Guarded like every lambdakit server
 * (loopback Host, own Origin only); GETs read, only POSTs with {@link CONSOLE_HEADER} change anything.
 */
export class ConsoleServer {
  public static async start(options: ConsoleOptions): Promise<ConsoleServer> {
    const host = options.host ?? '127.0.0.1';
    const server = new ConsoleServer(options, host);
    await server.listen(options.port ?? 3002, host);
    // Run from source, the page's bundle is built a moment after dev is up rather than during its start
    // (a page asking sooner builds it then); a failed build shows on the page's request.
    server.prebuild = setTimeout(() => consoleAssets().catch(() => undefined), 1_000);
    server.prebuild.unref();
    return server;
  }

  private readonly server: http.Server;
  private readonly routes: Route[];
  private readonly clients = new Set<http.ServerResponse>();
  private readonly unsubscribe: () => void;
  private stateTimer?: NodeJS.Timeout;
  private prebuild?: NodeJS.Timeout;
  private stateSoon?: NodeJS.Timeout;
  private lastState = '';

  private constructor(
    private readonly options: ConsoleOptions,
    host: string,
  ) {
    this.routes = this.table();
    this.server = guardedServer(
      {
        ...options,
        name: 'the lambdakit dev console',
        bindHost: host,
        keepAliveDefaultMs: 5_000,
        errorTypes: ERROR_TYPES,
        errorBody: (_type: string, message: string) => ({ message }),
      },
      (req, res) => {
        this.handle(req, res).catch((error: unknown) => this.fail(res, error));
      },
    );
    this.unsubscribe = options.history.subscribe((summary) => {
      this.broadcast('invocation', summary);
      // The functions' last invocation and warm environments follow shortly, at most every 100 ms under load.
      if (this.clients.size > 0 && !this.stateSoon) {
        this.stateSoon = setTimeout(() => {
          this.stateSoon = undefined;
          this.sendState();
        }, 100);
        this.stateSoon.unref();
      }
    });
  }

  public get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  public get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new LambdakitError(`port ${port} on ${host} is already in use (--console-port, the dev console)`, { code: 'PortInUse', value: port, hint: 'pass another --console-port, or --no-console' }) : error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  private table(): Route[] {
    const { backend, history } = this.options;
    const route = (method: Route['method'], pattern: RegExp, handler: Handler): Route => ({ method, pattern, handler });
    return [
      route('GET', /^\/api\/functions$/, async () => this.functionsState()),
      route('GET', /^\/api\/invocations$/, async (_req, _p, url) => history.list({ function: url.searchParams.get('function') ?? undefined, status: url.searchParams.get('status') ?? undefined })),
      route('GET', /^\/api\/invocations\/(\d+)$/, async (_req, [id]) => {
        const found = history.get(Number(id));
        if (!found) throw new HttpError(404, `invocation ${id} is no longer in the history (the console keeps the last ${history.limits.maxEntries})`);
        return found;
      }),
      route('GET', /^\/api\/event-sources$/, async () => ({ sources: listEventSources(), options: EVENT_OPTIONS })),
      route('POST', /^\/api\/events\/build$/, async (req) => {
        const body = (await readJson(req)) as { source?: unknown; options?: unknown };
        if (typeof body.source !== 'string') throw new HttpError(400, 'source: name an event source (GET /api/event-sources lists them)');
        return { event: sampleEvent(body.source, flagsOf(body.options)) };
      }),
      route('POST', /^\/api\/invoke$/, async (req) => {
        const body = (await readJson(req)) as { function?: unknown; qualifier?: unknown; event?: unknown; async?: unknown };
        if (typeof body.function !== 'string') throw new HttpError(400, 'function: name the function (its construct path)');
        return this.invoke(body.function, typeof body.qualifier === 'string' && body.qualifier ? body.qualifier : undefined, body.event, body.async === true, 'console');
      }),
      route('POST', /^\/api\/invocations\/(\d+)\/replay$/, async (req, [id]) => {
        const body = (await readJson(req)) as { event?: unknown; async?: unknown };
        const original = history.get(Number(id));
        if (!original) throw new HttpError(404, `invocation ${id} is no longer in the history`);
        if (!('event' in body) && original.event.omittedBytes > 0) throw new HttpError(400, `the event of invocation ${id} was cut to ${history.limits.maxPayloadBytes} bytes in the history: send the event to replay with`);
        const event = 'event' in body ? body.event : JSON.parse(original.event.text || 'null');
        return this.invoke(original.function, original.version, event, body.async === true, `console replay #${id}`);
      }),
      route('GET', /^\/api\/dead-letters$/, async () => deadLetterViews(backend)),
      route('POST', /^\/api\/dead-letters\/redrive$/, async (req) => {
        const body = (await readJson(req)) as { queue?: unknown; source?: unknown; messageIds?: unknown };
        if (typeof body.queue !== 'string') throw new HttpError(400, 'queue: name the dead-letter queue');
        const messageIds = Array.isArray(body.messageIds) ? body.messageIds.map(String) : undefined;
        return redrive(backend, { queue: body.queue, source: typeof body.source === 'string' ? body.source : undefined, messageIds });
      }),
      route('GET', /^\/api\/resources$/, async () => resourceViews(backend)),
      route('GET', /^\/api\/info$/, async () => ({ wiring: this.options.graph !== undefined })),
      route('GET', /^\/api\/graph$/, async () => (await this.options.graph?.()) ?? { svg: '', nodes: {} }),
    ];
  }

  private async invoke(functionPath: string, qualifier: string | undefined, event: unknown, asynchronous: boolean, trigger: string): Promise<unknown> {
    const { backend, history } = this.options;
    if (event === undefined) throw new HttpError(400, 'event: give the event (any JSON value)');
    const payload = Buffer.from(JSON.stringify(event));
    try {
      if (asynchronous) return { requestId: backend.invokeAsync(functionPath, qualifier, payload, trigger), async: true };
      const outcome = await backend.invoke(functionPath, qualifier, payload, trigger);
      const invocation: InvocationSummary | undefined = history.byRequestId(outcome.requestId);
      return { requestId: outcome.requestId, ok: outcome.ok, response: outcome.payload.toString('utf8'), invocation };
    } catch (error) {
      if (error instanceof ResolveError || error instanceof ThrottledError) throw new HttpError(400, error.message);
      throw error;
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console');
    const method = req.method ?? 'GET';
    if (url.pathname === '/' || url.pathname === '/index.html') return this.asset(req, res, 'text/html; charset=utf-8', async () => INDEX_HTML);
    if (url.pathname === '/assets/console.js') return this.asset(req, res, 'text/javascript; charset=utf-8', async () => (await consoleAssets()).js);
    if (url.pathname === '/assets/console.css') return this.asset(req, res, 'text/css; charset=utf-8', async () => (await consoleAssets()).css);
    if (url.pathname === '/api/stream') {
      if (method !== 'GET') throw new HttpError(405, 'GET only', { allow: 'GET' });
      return this.subscribe(req, res);
    }
    const matches = this.routes.map((r) => ({ route: r, m: r.pattern.exec(url.pathname) })).filter((x) => x.m);
    if (matches.length === 0) throw new HttpError(404, `no console resource at ${url.pathname}`);
    const found = matches.find((x) => x.route.method === method || (method === 'HEAD' && x.route.method === 'GET'));
    if (!found) {
      req.resume();
      throw new HttpError(405, `${method} is not allowed on ${url.pathname}: use ${matches.map((x) => x.route.method).join(' or ')}`, { allow: matches.map((x) => x.route.method).join(', ') });
    }
    if (found.route.method === 'POST') checkStateChange(req);
    const value = await found.route.handler(req, found.m!.slice(1), url);
    this.json(res, 200, value);
  }

  private async asset(req: http.IncomingMessage, res: http.ServerResponse, type: string, body: () => Promise<string>): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'GET only', { allow: 'GET' });
    const text = await body();
    res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...SECURITY_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  private json(res: http.ServerResponse, status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}): void {
    const text = JSON.stringify(value ?? null);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...SECURITY_HEADERS, ...headers });
    res.end(text);
  }

  private fail(res: http.ServerResponse, error: unknown): void {
    if (error instanceof HttpError) return writeError(res, error.status, error.status === 404 ? 'NotFoundException' : error.status === 405 ? 'MethodNotAllowedException' : 'BadRequestException', { message: error.message }, error.headers);
    if (isLambdakitError(error)) return writeError(res, 400, error.code ?? 'BadRequestException', { message: error.message, ...(error.hint ? { hint: error.hint } : {}) });
    writeError(res, 500, 'InternalServerErrorException', { message: (error as Error)?.message ?? String(error) });
  }

  /** Server-sent events: `invocation` for each one as it is recorded, `functions` when their live state changes. */
  private subscribe(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-content-type-options': 'nosniff' });
    res.write('retry: 2000\n\n');
    res.write(`event: functions\ndata: ${JSON.stringify(this.functionsState())}\n\n`);
    this.clients.add(res);
    req.socket.setTimeout(0);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      this.clients.delete(res);
      if (this.clients.size === 0 && this.stateTimer) {
        clearInterval(this.stateTimer);
        this.stateTimer = undefined;
      }
    });
    if (!this.stateTimer) {
      this.stateTimer = setInterval(() => this.sendState(), this.options.stateIntervalMs ?? 1_000);
      this.stateTimer.unref();
    }
  }

  private sendState(): void {
    const state = JSON.stringify(this.functionsState());
    if (state === this.lastState) return;
    this.lastState = state;
    this.broadcast('functions', JSON.parse(state));
  }

  private broadcast(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of this.clients) {
      // A console that stopped reading (a suspended tab) is dropped rather than buffered without end.
      if (res.writableLength > MAX_PENDING_EVENT_BYTES) res.destroy();
      else res.write(text);
    }
  }

  /** Each function with its triggers, warm environments and last invocation. */
  public functionsState(): unknown[] {
    const { backend, history } = this.options;
    return backend.functions.map((fn) => ({
      path: fn.constructPath,
      functionName: fn.functionName,
      runtime: fn.runtime,
      memoryMb: fn.memoryMb,
      timeoutSeconds: fn.timeoutSeconds,
      qualifiers: [...fn.aliases.map((a) => a.name), '$LATEST'],
      environments: backend.environmentsOf(fn),
      triggers: triggersOf(backend, fn),
      last: history.lastOf(fn.constructPath),
    }));
  }

  /** Stops: open consoles are disconnected, requests running are answered (`signal` cuts that short). */
  public close(signal?: AbortSignal): Promise<void> {
    this.unsubscribe();
    if (this.stateTimer) clearInterval(this.stateTimer);
    if (this.prebuild) clearTimeout(this.prebuild);
    if (this.stateSoon) clearTimeout(this.stateSoon);
    const closing = drainServer(this.server, signal);
    for (const res of this.clients) res.end();
    this.clients.clear();
    return closing;
  }
}

/**
 * A POST changes state: it must say it comes from the console (the custom header, which a
 * cross-site form cannot send) and carry JSON. Its Origin, when it has one, was checked by the guard.
 */
function checkStateChange(req: http.IncomingMessage): void {
  if (req.headers[CONSOLE_HEADER] !== '1') throw new HttpError(403, `a request that changes something must carry the header ${CONSOLE_HEADER}: 1 (the console sends it; web pages of other sites cannot)`);
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'send the body as application/json');
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes (Lambda's synchronous payload limit)`);
    chunks.push(chunk as Buffer);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch (error) {
    throw new HttpError(400, `the body is not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Builder options from the UI's form: strings, lists of strings (repeatable options) and booleans; empty ones left out. */
function flagsOf(options: unknown): EventFlags {
  const flags: Record<string, string | string[] | boolean> = {};
  if (options === null || typeof options !== 'object') return flags;
  for (const [name, value] of Object.entries(options as Record<string, unknown>)) {
    if (typeof value === 'boolean') flags[name] = value;
    else if (typeof value === 'string' && value !== '') flags[name] = value;
    else if (Array.isArray(value)) {
      const list = value.map(String).filter((v) => v !== '');
      if (list.length) flags[name] = list;
    }
  }
  return flags;
}

/** A function's triggers, each with the `lambdakit event` source (and options) that builds an event like the one it sends. */
export function triggersOf(backend: ConsoleBackend, fn: FunctionModel): Array<{ label: string; source: string; options: Record<string, string> }> {
  const w = backend.wiring;
  const mine = (t: { readonly target: { readonly fn: FunctionModel } }) => t.target.fn === fn;
  return [
    ...w.routes.filter(mine).map((r) => {
      const path = r.path === '$default' ? '/' : r.path;
      const method = r.method === 'ANY' ? 'GET' : r.method;
      if (r.kind === 'url') return { label: `function URL ${path}`, source: 'function-url', options: { method, path } };
      const concrete = path.replace(/\{([^}+]+)\+?\}/g, '$1');
      return { label: `${r.method} ${path}`, source: r.kind === 'rest' ? 'rest-api' : 'http-api', options: { 'route-key': `${r.method} ${path}`, method, path: concrete, ...(r.stage ? { stage: r.stage } : {}) } };
    }),
    ...w.queueMappings.filter(mine).map((m) => ({ label: `queue ${m.queue.name}`, source: 'sqs', options: { queue: m.queue.name } })),
    ...w.streamMappings.filter(mine).map((m) => (m.kind === 'kinesis' ? { label: `stream ${m.source.name}`, source: 'kinesis', options: { stream: m.source.name } } : { label: `table stream ${m.source.name}`, source: 'dynamodb', options: { table: m.source.name } })),
    ...w.topicSubscriptions.filter(mine).map((s) => ({ label: `topic ${s.topic.name}`, source: 'sns', options: { topic: s.topic.name } })),
    ...w.bucketNotifications.filter(mine).map((n) => ({ label: `bucket ${n.bucket.name}`, source: n.events.some((e) => e.includes('Removed')) && !n.events.some((e) => e.includes('Created')) ? 's3-delete' : 's3-put', options: { bucket: n.bucket.name, ...(n.prefix || n.suffix ? { key: `${n.prefix ?? ''}example${n.suffix ?? ''}` } : {}) } })),
    ...w.rules.filter(mine).map((r) => ({ label: `rule ${r.ruleName}`, source: 'eventbridge', options: {} })),
    ...w.schedules.filter(mine).map((s) => (s.source === 'scheduler' ? { label: `schedule ${s.name}`, source: 'scheduler', options: { schedule: s.schedule.name, ...(s.input ? { input: s.input } : {}) } } : { label: `schedule ${s.name}`, source: 'schedule', options: { rule: s.schedule.name } })),
  ];
}
