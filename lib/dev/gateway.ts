import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { LambdakitError } from '../errors';

/** One route the gateway serves, as API Gateway or a function URL would. */
export interface GatewayRoute {
  /** Which API the route belongs to (its logical id, or `url:<function>` for function URLs). */
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

export interface GatewayOptions {
  readonly routes: readonly GatewayRoute[];
  readonly invoke: GatewayInvoker;
  /** @default 3000 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Called once per request served (for the dev log line). */
  readonly onRequest?: (entry: GatewayLogEntry) => void;
  /** Account id put in request contexts. @default '123456789012' */
  readonly accountId?: string;
}

export interface GatewayLogEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly route?: GatewayRoute;
  readonly durationMs: number;
}

/** API Gateway's payload limit for requests (10 MB). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

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

function isText(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml))/i.test(contentType);
}

function requestTime(now: Date): string {
  // API Gateway's format: 23/Nov/2026:10:12:13 +0000
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(now.getUTCDate())}/${months[now.getUTCMonth()]}/${now.getUTCFullYear()}:${p(now.getUTCHours())}:${p(now.getUTCMinutes())}:${p(now.getUTCSeconds())} +0000`;
}

interface IncomingParts {
  readonly method: string;
  readonly url: URL;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly sourceIp: string;
}

/** The payload format 2.0 event of an HTTP API route or function URL. */
export function toEventV2(req: IncomingParts, match: Match, accountId: string): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') {
      cookies.push(...[value].flat().join('; ').split(/;\s*/).filter(Boolean));
      continue;
    }
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const key of new Set(req.url.searchParams.keys())) query[key] = req.url.searchParams.getAll(key).join(',');
  const text = isText(headers['content-type']);
  const now = new Date();
  const routeKey = match.route.kind === 'url' ? '$default' : match.route.path === '$default' ? '$default' : `${match.route.method} ${match.route.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: req.url.pathname,
    rawQueryString: req.url.search.replace(/^\?/, ''),
    cookies: cookies.length ? cookies : undefined,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(match.pathParameters).length ? match.pathParameters : undefined,
    requestContext: {
      accountId,
      apiId: match.route.apiId,
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: (headers.host ?? '127').split('.')[0],
      http: { method: req.method, path: req.url.pathname, protocol: 'HTTP/1.1', sourceIp: req.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    body: req.body.length ? (text ? req.body.toString('utf8') : req.body.toString('base64')) : undefined,
    isBase64Encoded: req.body.length > 0 && !text,
  };
}

/** The payload format 1.0 event of a REST API proxy method. */
export function toEventV1(req: IncomingParts, match: Match, accountId: string): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const values = [value].flat();
    headers[name] = values[values.length - 1];
    multiHeaders[name] = values;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const key of new Set(req.url.searchParams.keys())) {
    const all = req.url.searchParams.getAll(key);
    query[key] = all[all.length - 1];
    multiQuery[key] = all;
  }
  const text = isText(headers['content-type']);
  const now = new Date();
  const stage = match.route.stage ?? 'api';
  const hasQuery = Object.keys(query).length > 0;
  const hasParams = Object.keys(match.pathParameters).length > 0;
  return {
    resource: match.route.path,
    path: match.resourcePath,
    httpMethod: req.method,
    headers,
    multiValueHeaders: multiHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: hasParams ? match.pathParameters : null,
    stageVariables: null,
    requestContext: {
      accountId,
      apiId: match.route.apiId,
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: req.method,
      identity: {
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? null,
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: null,
        userArn: null,
      },
      path: req.url.pathname,
      stage,
      requestId: randomUUID(),
      requestTimeEpoch: now.getTime(),
      resourceId: match.route.path,
      resourcePath: match.route.path,
    },
    body: req.body.length ? (text ? req.body.toString('utf8') : req.body.toString('base64')) : null,
    isBase64Encoded: req.body.length > 0 && !text,
  };
}

interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

function json(status: number, value: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value)) };
}

/**
 * Turns a handler's result into the HTTP response API Gateway would send.
 * Format 2.0 accepts a bare value (sent as JSON with status 200); format 1.0
 * needs `statusCode`, and anything else is API Gateway's 502.
 */
export function toHttpResponse(route: GatewayRoute, result: GatewayInvokeResult): HttpResponse {
  const restLike = route.payloadFormat === '1.0';
  if (result.functionError) {
    return restLike ? json(502, { message: 'Internal server error' }) : json(500, { message: 'Internal Server Error' });
  }
  let value: unknown;
  try {
    value = result.payload === '' ? null : JSON.parse(result.payload);
  } catch {
    return restLike ? json(502, { message: 'Internal server error' }) : json(500, { message: 'Internal Server Error' });
  }
  const structured = typeof value === 'object' && value !== null && 'statusCode' in value;
  if (!structured) {
    if (restLike) return json(502, { message: 'Internal server error' });
    // HTTP API 2.0: a value without statusCode is the JSON body of a 200.
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) };
  }
  const r = value as {
    statusCode: number;
    headers?: Record<string, unknown>;
    multiValueHeaders?: Record<string, unknown[]>;
    cookies?: string[];
    body?: unknown;
    isBase64Encoded?: boolean;
  };
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    return restLike ? json(502, { message: 'Internal server error' }) : json(500, { message: 'Internal Server Error' });
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, v] of Object.entries(r.headers ?? {})) headers[name.toLowerCase()] = String(v);
  for (const [name, values] of Object.entries(r.multiValueHeaders ?? {})) headers[name.toLowerCase()] = values.map(String);
  if (r.cookies?.length) headers['set-cookie'] = r.cookies;
  const bodyText = r.body === undefined || r.body === null ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  const body = r.isBase64Encoded ? Buffer.from(bodyText, 'base64') : Buffer.from(bodyText, 'utf8');
  if (!headers['content-type'] && bodyText && !restLike) headers['content-type'] = 'application/json';
  return { status, headers, body };
}

/** The HTTP gateway of `lambdakit dev`: API Gateway and function URL routes on one local port. */
export class Gateway {
  public static async start(options: GatewayOptions): Promise<Gateway> {
    const gateway = new Gateway(options);
    await gateway.listen(options.port ?? 3000, options.host ?? '127.0.0.1');
    return gateway;
  }

  private readonly server: http.Server;
  private routes: readonly GatewayRoute[];

  private constructor(private readonly options: GatewayOptions) {
    this.routes = options.routes;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: 'Internal Server Error' }));
        }
        process.stderr.write(`lambdakit dev: gateway error: ${(error as Error).message}\n`);
      });
    });
    this.server.keepAliveTimeout = 5_000;
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

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        this.send(res, json(413, { message: 'Request Entity Too Large' }), req, started);
        req.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const match = matchRoute(this.routes, method, url.pathname);
    if (!match) {
      this.send(res, json(404, { message: 'Not Found' }), req, started);
      return;
    }
    const parts: IncomingParts = { method, url, headers: req.headers, body: Buffer.concat(chunks), sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1' };
    const accountId = this.options.accountId ?? '123456789012';
    const event = match.route.payloadFormat === '1.0' ? toEventV1(parts, match, accountId) : toEventV2(parts, match, accountId);
    const result = await this.options.invoke(match.route, JSON.stringify(event));
    this.send(res, toHttpResponse(match.route, result), req, started, match.route);
  }

  private send(res: http.ServerResponse, response: HttpResponse, req: http.IncomingMessage, started: number, route?: GatewayRoute): void {
    res.writeHead(response.status, { ...response.headers, 'content-length': String(response.body.length) });
    res.end(response.body);
    this.options.onRequest?.({ method: req.method ?? 'GET', path: req.url ?? '/', status: response.status, route, durationMs: performance.now() - started });
  }

  public close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
