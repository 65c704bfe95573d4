import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CorsWiring, MockResponseWiring } from '../assembly/triggers';
import { LambdakitError } from '../errors';
import { functionUrlEvent, httpApiEvent, httpApiV1Event, restApiEvent, type ReceivedRequest } from '../events/http';
import { canRespond, drainServer, guardedServer, invalidHeaders, writeError, type RequestTimeouts } from '../local/http-guard';

/** An API's CORS settings (HTTP API `CorsConfiguration`, function URL `Cors`). */
export type GatewayCors = CorsWiring;
/** What a REST method with a MOCK integration answers. */
export type GatewayMockResponse = MockResponseWiring;

/** One route the gateway serves, as API Gateway or a function URL would. */
export interface GatewayRoute {
  /** The id of the route's API (10 lowercase letters and digits) or function URL (32), as the service would give it. */
  readonly apiId: string;
  /** `http` (HTTP API), `rest` (REST API) or `url` (function URL). */
  readonly kind: 'http' | 'rest' | 'url';
  /** `GET`, `POST`, ... or `ANY`. */
  readonly method: string;
  /** Path template: `/users/{userId}`, `/files/{proxy+}`, or `$default`. */
  readonly path: string;
  /** `2.0` for HTTP APIs and function URLs, `1.0` for REST APIs. */
  readonly payloadFormat: '1.0' | '2.0';
  /** REST stage name (the path prefix REST URLs carry). */
  readonly stage?: string;
  /** The function the route invokes, for log lines. */
  readonly functionLabel: string;
  /**
   * The CORS settings of the route's API (HTTP APIs and function URLs): the gateway answers
   * preflight requests itself and adds `access-control-*` headers for allowed origins.
   * @default - no CORS: OPTIONS is routed like any method
   */
  readonly cors?: GatewayCors;
  /**
   * A REST method with a MOCK integration (the OPTIONS methods aws-cdk-lib's CORS options add):
   * answered from its integration response, without invoking a function.
   * @default - the route invokes its function
   */
  readonly mock?: GatewayMockResponse;
  /**
   * A REST API's `BinaryMediaTypes`: request bodies of these types are delivered base64-encoded.
   * @default - none: REST request bodies are delivered as text
   */
  readonly binaryMediaTypes?: readonly string[];
  /** A function URL's `AuthType` (`requestContext.accountId` is `anonymous` for NONE). @default 'NONE' */
  readonly authType?: 'NONE' | 'AWS_IAM';
  /**
   * A function URL's `InvokeMode`: with `RESPONSE_STREAM` the response is streamed to the client as
   * the function writes it (status and headers from `awslambda.HttpResponseStream.from`'s prelude).
   * @default 'BUFFERED'
   */
  readonly invokeMode?: 'BUFFERED' | 'RESPONSE_STREAM';
}

/** What invoking a route's function returned. */
export interface GatewayInvokeResult {
  /** The handler's response payload (JSON text). */
  readonly payload: string;
  /** Set when the function failed (`Unhandled`). */
  readonly functionError?: string;
}

/** How the gateway invokes a route's function: synchronously, with the event as JSON text. */
export type GatewayInvoker = (route: GatewayRoute, event: string) => Promise<GatewayInvokeResult>;

/** Where a streamed response goes as the function writes it: its declared Content-Type, then its chunks. */
export interface GatewayResponseStream {
  start(contentType: string): void;
  chunk(chunk: Buffer): void;
}

/**
 * How the gateway invokes a function URL in `RESPONSE_STREAM` mode: a streaming handler's response
 * goes to `stream` as it arrives (and the result's payload is empty); a buffered handler's comes
 * in the result, `stream` untouched.
 */
export type GatewayStreamInvoker = (route: GatewayRoute, event: string, stream: GatewayResponseStream) => Promise<GatewayInvokeResult>;

export interface GatewayOptions extends RequestTimeouts {
  readonly routes: readonly GatewayRoute[];
  readonly invoke: GatewayInvoker;
  /** Invokes function URLs whose `invokeMode` is `RESPONSE_STREAM`. @default - they are invoked with `invoke` and buffered */
  readonly invokeStream?: GatewayStreamInvoker;
  /** @default 3000 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Called once per request served (for the dev log line). */
  readonly onRequest?: (entry: GatewayLogEntry) => void;
  /** Account id put in request contexts. @default '123456789012' */
  readonly accountId?: string;
  /** Region in the API and function URL host names of events. @default 'us-east-1' */
  readonly region?: string;
  /**
   * `Host` names to accept besides loopback ones (and the bind address), as Vite's `server.allowedHosts`;
   * `.example.com` accepts the domain and its subdomains.
   * @default - loopback names and addresses only
   */
  readonly allowedHosts?: readonly string[];
  /** Where the gateway reports why it answered 5xx (a malformed Lambda response, an internal error). @default - a line on stderr */
  readonly onError?: (message: string) => void;
}

export interface GatewayLogEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly route?: GatewayRoute;
  readonly durationMs: number;
  /** Why the gateway answered an error of its own (e.g. a malformed Lambda response). */
  readonly error?: string;
}

/**
 * Lambda's synchronous invocation payload limit (6 MB): an event larger than this never reaches
 * the function. It is counted on the event JSON, where a binary body is base64 (4/3 larger).
 */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;

/** Idle keep-alive connections of HTTP clients stay open this long. */
const GATEWAY_KEEP_ALIVE_MS = 5_000;

const ERROR_TYPES = { 400: 'BadRequestException', 403: 'ForbiddenException', 408: 'RequestTimeoutException', 413: 'RequestEntityTooLargeException', 431: 'RequestHeaderFieldsTooLargeException' } as const;

interface Match {
  readonly route: GatewayRoute;
  readonly pathParameters: Record<string, string>;
  /** The path without the REST stage prefix. */
  readonly resourcePath: string;
}

/** Specificity for ordering: literal segments first, then parameters, then greedy, then `$default`. */
function rank(route: GatewayRoute): number[] {
  if (route.path === '$default') return [Number.MAX_SAFE_INTEGER];
  const segments = route.path.split('/').filter(Boolean);
  return [
    segments.some((s) => s.endsWith('+}')) ? 1 : 0,
    -segments.length,
    segments.filter((s) => s.startsWith('{')).length,
    route.method === 'ANY' ? 1 : 0,
  ];
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i];
    const greedy = /^\{(.+)\+\}$/.exec(segment);
    if (greedy) {
      if (i >= got.length) return undefined;
      params[greedy[1]] = got.slice(i).map(decodeURIComponent).join('/');
      return params;
    }
    if (i >= got.length) return undefined;
    const param = /^\{(.+)\}$/.exec(segment);
    if (param) params[param[1]] = decodeURIComponent(got[i]);
    else if (segment !== got[i]) return undefined;
  }
  return want.length === got.length ? params : undefined;
}

/**
 * Finds the route API Gateway would pick: the most specific path of the
 * request's method (or ANY); HTTP APIs fall back to `$default`.
 */
export function matchRoute(routes: readonly GatewayRoute[], method: string, path: string): Match | undefined {
  const sorted = [...routes].sort((a, b) => compareRanks(rank(a), rank(b)));
  for (const route of sorted) {
    if (route.method !== 'ANY' && route.method !== method) continue;
    let resourcePath = path;
    if ((route.kind === 'rest' || route.kind === 'url') && route.stage) {
      const prefix = `/${route.stage}`;
      if (path !== prefix && !path.startsWith(`${prefix}/`)) continue;
      resourcePath = path.slice(prefix.length) || '/';
    }
    if (route.path === '$default') return { route, pathParameters: {}, resourcePath };
    const params = matchPath(route.path, resourcePath);
    if (params) return { route, pathParameters: params, resourcePath };
  }
  return undefined;
}

interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
  /** Why the gateway answered an error instead of the function's response (for the log). */
  readonly problem?: string;
}

function json(status: number, value: unknown, problem?: string): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value)), problem };
}

/** What API Gateway answers when a Lambda response is malformed: HTTP APIs 500, REST APIs 502. */
function malformed(route: GatewayRoute, problem: string): HttpResponse {
  return route.payloadFormat === '1.0' ? json(502, { message: 'Internal server error' }, problem) : json(500, { message: 'Internal Server Error' }, problem);
}

/**
 * Turns a handler's result into the HTTP response API Gateway would send.
 * Format 2.0 accepts a bare value (sent as JSON with status 200); format 1.0
 * needs `statusCode`, and anything else is API Gateway's 502. A response
 * HTTP cannot carry (a header value with a newline or a character above
 * U+00FF, an invalid header name) is malformed too.
 */
export function toHttpResponse(route: GatewayRoute, result: GatewayInvokeResult): HttpResponse {
  const restLike = route.payloadFormat === '1.0';
  if (result.functionError) {
    // The invocation's own log line tells why; the gateway has nothing to add.
    return restLike ? json(502, { message: 'Internal server error' }) : json(500, { message: 'Internal Server Error' });
  }
  let value: unknown;
  try {
    value = result.payload === '' ? null : JSON.parse(result.payload);
  } catch {
    return malformed(route, `malformed Lambda response from ${route.functionLabel}: not JSON`);
  }
  const structured = typeof value === 'object' && value !== null && 'statusCode' in value;
  if (!structured) {
    if (restLike) return malformed(route, `malformed Lambda response from ${route.functionLabel}: a REST API proxy response needs statusCode`);
    // HTTP API 2.0: a value without statusCode is the JSON body of a 200.
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) };
  }
  const r = value as {
    statusCode: number;
    headers?: unknown;
    multiValueHeaders?: unknown;
    cookies?: unknown;
    body?: unknown;
    isBase64Encoded?: boolean;
  };
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    return malformed(route, `malformed Lambda response from ${route.functionLabel}: statusCode ${JSON.stringify(r.statusCode)} is not an HTTP status`);
  }
  const headers: Record<string, string | string[]> = {};
  const objectOf = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  for (const [name, v] of Object.entries(objectOf(r.headers))) headers[name.toLowerCase()] = String(v);
  for (const [name, values] of Object.entries(objectOf(r.multiValueHeaders))) headers[name.toLowerCase()] = [values].flat().map(String);
  if (Array.isArray(r.cookies) && r.cookies.length) headers['set-cookie'] = r.cookies.map(String);
  const problems = invalidHeaders(headers);
  if (problems.length > 0) return malformed(route, `malformed Lambda response from ${route.functionLabel}: ${problems.join('; ')}`);
  const bodyText = r.body === undefined || r.body === null ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  const body = r.isBase64Encoded ? Buffer.from(bodyText, 'base64') : Buffer.from(bodyText, 'utf8');
  if (!headers['content-type'] && bodyText && !restLike) headers['content-type'] = 'application/json';
  return { status, headers, body };
}

/** Whether `origin` is one a CORS configuration allows: listed, `*`, or a scheme wildcard such as `https://*`. */
export function corsAllowsOrigin(cors: GatewayCors, origin: string): boolean {
  const wanted = origin.toLowerCase();
  return cors.allowOrigins.some((allowed) => {
    const a = allowed.toLowerCase();
    return a === '*' || a === wanted || (a.endsWith('://*') && wanted.startsWith(a.slice(0, -1)));
  });
}

/** Whether a REST mock method (a CORS preflight aws-cdk-lib generated) lets `origin` in. */
function mockAllowsOrigin(mock: GatewayMockResponse, origin: string): boolean {
  const allowed = Object.entries(mock.headers).find(([name]) => name.toLowerCase() === 'access-control-allow-origin')?.[1];
  return allowed === '*' || allowed === origin || mock.echoOriginFor.includes(origin);
}

/** The headers a CORS configuration adds to an actual (not preflight) response for `origin`. */
function corsResponseHeaders(cors: GatewayCors, origin: string): Record<string, string> {
  if (!corsAllowsOrigin(cors, origin)) return {};
  const headers: Record<string, string> = {
    'access-control-allow-origin': cors.allowOrigins.includes('*') && !cors.allowCredentials ? '*' : origin,
    vary: 'Origin',
  };
  if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  if (cors.exposeHeaders.length) headers['access-control-expose-headers'] = cors.exposeHeaders.join(',');
  return headers;
}

/** The answer to a preflight request, as API Gateway (HTTP APIs) and function URLs give it without invoking anything. */
function preflightResponse(cors: GatewayCors, origin: string, requestHeaders: string | undefined): HttpResponse {
  const headers: Record<string, string> = {};
  if (corsAllowsOrigin(cors, origin)) {
    Object.assign(headers, corsResponseHeaders(cors, origin));
    delete headers['access-control-expose-headers'];
    // With credentials a browser takes `*` literally, so the wildcard answers with what was asked.
    const methods = cors.allowMethods.includes('*') && cors.allowCredentials ? undefined : cors.allowMethods.join(',');
    if (methods) headers['access-control-allow-methods'] = methods;
    const allowHeaders = cors.allowHeaders.includes('*') && (cors.allowCredentials || !requestHeaders) ? requestHeaders : cors.allowHeaders.join(',');
    if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders;
    if (cors.maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(cors.maxAgeSeconds);
  }
  return { status: 204, headers, body: Buffer.alloc(0) };
}

/** What a REST method with a MOCK integration answers (its integration response's status, headers and body). */
function mockResponse(mock: GatewayMockResponse, origin: string | undefined): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(mock.headers)) headers[name.toLowerCase()] = value;
  if (origin !== undefined && mock.echoOriginFor.includes(origin)) headers['access-control-allow-origin'] = origin;
  return { status: mock.statusCode, headers, body: Buffer.from(mock.body ?? '', 'utf8') };
}

function tooLarge(bytes: number | undefined): HttpResponse {
  const response = json(413, { message: 'Request Entity Too Large' }, `the request's event ${bytes === undefined ? 'would exceed' : `is ${bytes} bytes, over`} Lambda's ${MAX_EVENT_BYTES}-byte payload limit for synchronous invocations; the function was not invoked`);
  return { ...response, headers: { ...response.headers, 'x-amzn-errortype': ERROR_TYPES[413], connection: 'close' } };
}

function badRequest(problem: string): HttpResponse {
  const response = json(400, { message: 'Bad Request' }, problem);
  return { ...response, headers: { ...response.headers, 'x-amzn-errortype': ERROR_TYPES[400] } };
}

/** What `HttpResponseStream.from` declares a streamed response to be (aws-lambda-nodejs-runtime-interface-client, src/HttpResponseStream.js). */
const HTTP_INTEGRATION_RESPONSE = 'application/vnd.awslambda.http-integration-response';
/** The prelude's JSON ends at 8 NUL bytes. */
const PRELUDE_DELIMITER = Buffer.alloc(8);
/** Most bytes a prelude may take before its delimiter; past that the response is malformed. */
const PRELUDE_LIMIT = 64 * 1024;

/** One streamed function URL response: the prelude is read, then the body is passed on chunk by chunk. */
class StreamedHttpResponse {
  private contentType?: string;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private head?: { readonly status: number; readonly headers: Record<string, string | string[]> };
  private problem?: string;

  constructor(
    private readonly res: http.ServerResponse,
    private readonly route: GatewayRoute,
    private readonly cors: Record<string, string> | undefined,
  ) {}

  public start(contentType: string): void {
    this.contentType = contentType;
    if (contentType !== HTTP_INTEGRATION_RESPONSE) this.head = { status: 200, headers: { 'content-type': contentType } };
  }

  public chunk(chunk: Buffer): void {
    if (this.problem) return;
    if (!this.head) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      const joined = Buffer.concat(this.pending);
      const end = joined.indexOf(PRELUDE_DELIMITER);
      if (end < 0) {
        if (this.pendingBytes > PRELUDE_LIMIT) this.problem = `malformed streamed response from ${this.route.functionLabel}: no prelude delimiter in its first ${PRELUDE_LIMIT} bytes`;
        return;
      }
      this.pending = [];
      this.head = this.prelude(joined.subarray(0, end));
      if (!this.head) return;
      chunk = joined.subarray(end + PRELUDE_DELIMITER.length);
    }
    this.write(chunk);
  }

  /** Ends the response; a buffered answer when nothing was streamed (the gateway sends it as any other). */
  public finish(result: GatewayInvokeResult): { readonly status: number; readonly problem?: string; readonly buffered?: HttpResponse } {
    const res = this.res;
    if (this.contentType === undefined) {
      // Not streamed: a buffered handler, or one that failed before streaming anything.
      if (result.functionError) return { status: 500, buffered: toHttpResponse(this.route, result) };
      return { status: 200, buffered: { status: 200, headers: { 'content-type': 'application/json', ...this.cors }, body: Buffer.from(result.payload) } };
    }
    if (this.problem && !res.headersSent) return { status: 500, buffered: json(500, { message: 'Internal Server Error' }, this.problem) };
    if (result.functionError) {
      if (!res.headersSent) return { status: 500, buffered: json(500, { message: 'Internal Server Error' }) };
      res.destroy();
      return { status: res.statusCode, problem: `${this.route.functionLabel} failed while streaming its response: the connection was cut` };
    }
    if (!this.head) {
      return { status: 500, buffered: json(500, { message: 'Internal Server Error' }, `malformed streamed response from ${this.route.functionLabel}: it ended inside its prelude`) };
    }
    this.write(Buffer.alloc(0));
    if (!res.writableEnded && !res.destroyed) res.end();
    return { status: res.statusCode };
  }

  /** Status, headers and cookies from the prelude's JSON; undefined (and a problem) when it is malformed. */
  private prelude(text: Buffer): { status: number; headers: Record<string, string | string[]> } | undefined {
    let value: { statusCode?: unknown; headers?: unknown; cookies?: unknown };
    try {
      value = JSON.parse(text.toString('utf8') || '{}') as typeof value;
    } catch {
      this.problem = `malformed streamed response from ${this.route.functionLabel}: its prelude is not JSON`;
      return undefined;
    }
    const status = value.statusCode === undefined ? 200 : Number(value.statusCode);
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      this.problem = `malformed streamed response from ${this.route.functionLabel}: statusCode ${JSON.stringify(value.statusCode)} is not an HTTP status`;
      return undefined;
    }
    const headers: Record<string, string | string[]> = {};
    if (typeof value.headers === 'object' && value.headers !== null && !Array.isArray(value.headers)) {
      for (const [name, v] of Object.entries(value.headers)) headers[name.toLowerCase()] = String(v);
    }
    if (Array.isArray(value.cookies) && value.cookies.length) headers['set-cookie'] = value.cookies.map(String);
    const problems = invalidHeaders(headers);
    if (problems.length > 0) {
      this.problem = `malformed streamed response from ${this.route.functionLabel}: ${problems.join('; ')}`;
      return undefined;
    }
    return { status, headers };
  }

  private write(chunk: Buffer): void {
    const res = this.res;
    if (res.destroyed || res.writableEnded) return;
    if (!res.headersSent) {
      const own = this.cors ? Object.fromEntries(Object.entries(this.head!.headers).filter(([name]) => !name.startsWith('access-control-'))) : this.head!.headers;
      res.writeHead(this.head!.status, { ...own, ...this.cors });
      // The status line and headers go out now, not with the first body bytes.
      res.flushHeaders();
    }
    if (chunk.length > 0) res.write(chunk);
  }
}

/** The HTTP gateway of `lambdakit dev`: API Gateway and function URL routes on one local port. */
export class Gateway {
  public static async start(options: GatewayOptions): Promise<Gateway> {
    const host = options.host ?? '127.0.0.1';
    const gateway = new Gateway(options, host);
    await gateway.listen(options.port ?? 3000, host);
    return gateway;
  }

  private readonly server: http.Server;
  private routes: readonly GatewayRoute[];

  private constructor(
    private readonly options: GatewayOptions,
    host: string,
  ) {
    this.routes = options.routes;
    const guard = {
      ...options,
      name: 'the lambdakit dev gateway',
      bindHost: host,
      keepAliveDefaultMs: GATEWAY_KEEP_ALIVE_MS,
      errorTypes: ERROR_TYPES,
      errorBody: (_type: string, message: string) => ({ message }),
      allowOrigin: (origin: string) => this.routes.some((r) => (r.cors && corsAllowsOrigin(r.cors, origin)) || (r.mock && mockAllowsOrigin(r.mock, origin))),
    };
    this.server = guardedServer(guard, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        const message = `gateway error on ${req.method} ${req.url}: ${(error as Error).message}`;
        writeError(res, 500, 'InternalServerErrorException', { message: 'Internal Server Error' });
        this.report(message);
      });
    });
  }

  /** Replaces the route table (after a rebuild). */
  public setRoutes(routes: readonly GatewayRoute[]): void {
    this.routes = routes;
  }

  public get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  public get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private report(message: string): void {
    if (this.options.onError) this.options.onError(message);
    else process.stderr.write(`lambdakit dev: ${message}\n`);
  }

  private listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE'
            ? new LambdakitError(`port ${port} on ${host} is already in use (is another lambdakit dev running?)`, { code: 'PortInUse', value: port, hint: 'stop the other process or pass --port' })
            : error,
        );
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /**
   * The CORS settings that apply to a preflight for `path`: the function URL or HTTP API it
   * addresses. Paths under a REST stage have none (REST APIs answer OPTIONS through their methods).
   */
  private corsFor(method: string, path: string): GatewayCors | undefined {
    const under = (r: GatewayRoute) => !!r.stage && (path === `/${r.stage}` || path.startsWith(`/${r.stage}/`));
    const prefixed = this.routes.filter((r) => (r.kind === 'rest' || r.kind === 'url') && under(r));
    if (prefixed.length > 0) return prefixed.find((r) => r.kind === 'url' && r.cors)?.cors;
    const httpRoutes = this.routes.filter((r) => r.kind === 'http' && r.cors);
    return matchRoute(httpRoutes, method, path)?.route.cors ?? httpRoutes[0]?.cors;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
      decodeURIComponent(url.pathname);
    } catch {
      req.resume();
      this.send(res, badRequest(`the path ${JSON.stringify(req.url)} is not correctly percent-encoded`), req, started);
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const requestedMethod = req.headers['access-control-request-method'];
    if (method === 'OPTIONS' && origin !== undefined && typeof requestedMethod === 'string') {
      const cors = this.corsFor(requestedMethod.toUpperCase(), url.pathname);
      if (cors) {
        req.resume();
        const requestHeaders = req.headers['access-control-request-headers'];
        this.send(res, preflightResponse(cors, origin, typeof requestHeaders === 'string' ? requestHeaders : undefined), req, started);
        return;
      }
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      // The event holds at least the body's bytes; the exact size (base64 is larger) is checked on the event.
      if (size > MAX_EVENT_BYTES) {
        // Stop reading: the connection closes once the answer is out.
        this.send(res, tooLarge(undefined), req, started);
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const match = matchRoute(this.routes, method, url.pathname);
    if (!match) {
      this.send(res, json(404, { message: 'Not Found' }), req, started);
      return;
    }
    if (match.route.mock) {
      this.send(res, mockResponse(match.route.mock, origin), req, started, match.route);
      return;
    }
    const event = JSON.stringify(this.eventFor(match, req, method, url, Buffer.concat(chunks)));
    const eventBytes = Buffer.byteLength(event);
    if (eventBytes > MAX_EVENT_BYTES) {
      this.send(res, tooLarge(eventBytes), req, started, match.route);
      return;
    }
    if (match.route.invokeMode === 'RESPONSE_STREAM' && this.options.invokeStream) {
      await this.stream(match.route, event, req, res, started, origin);
      return;
    }
    const result = await this.options.invoke(match.route, event);
    let response = toHttpResponse(match.route, result);
    const cors = match.route.cors;
    if (cors && origin !== undefined) {
      // As API Gateway does when CORS is configured: the backend's CORS headers give way to the configuration's.
      const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !name.startsWith('access-control-')));
      response = { ...response, headers: { ...headers, ...corsResponseHeaders(cors, origin) } };
    }
    this.send(res, response, req, started, match.route);
  }

  /**
   * A function URL in `RESPONSE_STREAM` mode: the function's bytes go to the client as they arrive.
   * After `HttpResponseStream.from` they start with the JSON prelude and 8 NUL bytes, which give the
   * status, headers and cookies; without it the response is a 200 of the declared Content-Type. A
   * buffered handler's payload is the body as it returned it (the URL does not read `statusCode` in
   * this mode). A function error before the first byte is the URL's 500; after it, the connection
   * is cut, so the client sees an unfinished chunked response, as it would from Lambda.
   */
  private async stream(route: GatewayRoute, event: string, req: http.IncomingMessage, res: http.ServerResponse, started: number, origin: string | undefined): Promise<void> {
    const cors = route.cors && origin !== undefined ? corsResponseHeaders(route.cors, origin) : undefined;
    const response = new StreamedHttpResponse(res, route, cors);
    const result = await this.options.invokeStream!(route, event, { start: (contentType) => response.start(contentType), chunk: (chunk) => response.chunk(chunk) });
    const status = response.finish(result);
    if (status.buffered) {
      this.send(res, status.buffered, req, started, route);
      return;
    }
    if (status.problem) this.report(status.problem);
    this.options.onRequest?.({ method: req.method ?? 'GET', path: req.url ?? '/', status: status.status, route, durationMs: performance.now() - started, error: status.problem });
  }

  /** The event the route's service would send for this request, built by lib/events from what arrived. */
  private eventFor(match: Match, req: http.IncomingMessage, method: string, url: URL, body: Buffer): unknown {
    const route = match.route;
    const received: ReceivedRequest = {
      method,
      target: req.url?.startsWith('/') ? req.url : `${url.pathname}${url.search}`,
      prefix: route.kind !== 'http' && route.stage ? `/${route.stage}` : undefined,
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      port: req.socket.localPort ?? this.port,
      protocol: 'http',
    };
    const environment = { accountId: this.options.accountId, region: this.options.region, received };
    if (route.kind === 'url') return functionUrlEvent({ ...environment, urlId: route.apiId, authType: route.authType });
    const routed = { ...environment, apiId: route.apiId, routeKey: route.path === '$default' ? '$default' : `${route.method} ${route.path}`, pathParameters: match.pathParameters };
    if (route.kind === 'rest') return restApiEvent({ ...routed, stage: route.stage, binaryMediaTypes: route.binaryMediaTypes });
    return route.payloadFormat === '1.0' ? httpApiV1Event(routed) : httpApiEvent(routed);
  }

  private send(res: http.ServerResponse, response: HttpResponse, req: http.IncomingMessage, started: number, route?: GatewayRoute): void {
    if (response.problem && response.status >= 500) this.report(response.problem);
    if (canRespond(res)) {
      res.writeHead(response.status, { ...response.headers, 'content-length': String(response.body.length) });
      res.end(response.body);
    }
    this.options.onRequest?.({ method: req.method ?? 'GET', path: req.url ?? '/', status: response.status, route, durationMs: performance.now() - started, error: response.problem });
  }

  /**
   * Stops taking requests; those running are answered before their connections close.
   * `signal` aborting closes the connections left at once.
   */
  public close(signal?: AbortSignal): Promise<void> {
    return drainServer(this.server, signal);
  }
}
