import { createHash } from 'node:crypto';
import type { APIGatewayEventRequestContext, APIGatewayProxyEvent, APIGatewayProxyEventV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { EventContext, LOWER_ALNUM, invalidOption, type EventEnvironment } from './context';

/**
 * An HTTP request as a local front door (the `lambdakit dev` gateway) received it, handed to a
 * builder as it arrived so the builder, not the front door, decides what the service would deliver.
 */
export interface ReceivedRequest {
  /** The method as sent. */
  readonly method: string;
  /** The request target as sent, percent-encoding kept: path and query, e.g. `/prod/users/42?a=1&a=2`. */
  readonly target: string;
  /**
   * The leading part of the path that only exists locally (a REST stage `/prod` is also in
   * `requestContext.path`; a function URL's `/url/<function>` is not part of its path at all).
   * @default - none
   */
  readonly prefix?: string;
  /** Header names and values in arrival order, names as the client spelled them (Node's `rawHeaders`). */
  readonly rawHeaders: readonly string[];
  /** The body bytes. */
  readonly body: Uint8Array;
  /** The address of the TCP peer. */
  readonly sourceIp: string;
  /** The port the client connected to (X-Forwarded-Port). */
  readonly port: number;
  /** The protocol the client used (X-Forwarded-Proto). @default 'http' */
  readonly protocol?: 'http' | 'https';
}

/** The HTTP request behind an API Gateway, function URL or ALB event. */
export interface HttpRequestOptions extends EventEnvironment {
  /**
   * HTTP method.
   * @default - the route key's method, else POST when there is a body, else GET
   */
  readonly method?: string;
  /**
   * Request path, without the query string.
   * @default - the route key's path with the path parameters filled in, else '/'
   */
  readonly path?: string;
  /** Query string parameters; an array for a repeated name. @default - none */
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  /** Request headers; an array for a repeated header. Host, user agent and forwarding headers are added as the service adds them. @default - the service's headers only */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Cookies as `name=value` (payload 2.0 puts them in `cookies`, others in the Cookie header). @default - none */
  readonly cookies?: readonly string[];
  /**
   * Request body. Bytes are always delivered base64-encoded, as the services do for binary content.
   * @default - no body
   */
  readonly body?: string | Uint8Array;
  /**
   * Deliver a string body base64-encoded with `isBase64Encoded: true`, as API Gateway does for binary media types.
   * @default false
   */
  readonly isBase64Encoded?: boolean;
  /**
   * Client address (`sourceIp`, X-Forwarded-For).
   * @default '203.0.113.10'
   */
  readonly sourceIp?: string;
  /**
   * Add the headers a typical client sends when they are missing (User-Agent,
   * Accept, Content-Type, Content-Length). Turn off when `headers` is exactly
   * what a real client sent, as in a local gateway.
   * @default true
   */
  readonly clientHeaders?: boolean;
  /**
   * A request that really arrived: method, path, query, headers, body and client address come from
   * it (the options above for those must be left out), and the body is base64-encoded exactly when
   * the service would encode it.
   * @default - the request is built from the options above
   */
  readonly received?: ReceivedRequest;
}

/** A request that reaches its handler through a route (API Gateway). */
export interface RoutedRequestOptions extends HttpRequestOptions {
  /**
   * Route that matched, as `METHOD /path/{param}` (HTTP API route key; for REST the resource).
   * @default '$default' for HTTP APIs, '/{proxy+}' for REST APIs
   * @example 'GET /users/{userId}'
   */
  readonly routeKey?: string;
  /**
   * Path parameters.
   * @default - read from the path where the route key has `{param}` segments
   */
  readonly pathParameters?: Readonly<Record<string, string>>;
  /**
   * API id (10 lowercase letters and digits).
   * @default - generated
   */
  readonly apiId?: string;
}

export interface HttpApiEventOptions extends RoutedRequestOptions {
  /** Stage name. @default '$default' */
  readonly stage?: string;
}

export interface RestApiEventOptions extends RoutedRequestOptions {
  /** Stage name (also the first segment of `requestContext.path`). @default 'prod' */
  readonly stage?: string;
  /**
   * The API's `BinaryMediaTypes` (`image/png`, `image/*`, `*\/*`): a received body is base64-encoded
   * only when its Content-Type matches one; otherwise REST APIs pass it as text.
   * @default - none: every received body is text
   */
  readonly binaryMediaTypes?: readonly string[];
  /**
   * The id API Gateway gives the matched resource (6 lowercase letters and digits).
   * @default - derived from the API id and the resource path, so it is the same for every request to a resource
   */
  readonly resourceId?: string;
}

export interface FunctionUrlEventOptions extends HttpRequestOptions {
  /** The 32-character id in the function URL's host name. @default - generated */
  readonly urlId?: string;
  /**
   * The URL's `AuthType`: `NONE` gives `requestContext.accountId` `anonymous`, `AWS_IAM` the caller's account.
   * @default 'NONE'
   */
  readonly authType?: 'NONE' | 'AWS_IAM';
}

/** The request after the route key and defaults are applied. */
export interface ResolvedRequest {
  readonly method: string;
  readonly path: string;
  /** The route's path template, e.g. `/users/{userId}`, or undefined for `$default`. */
  readonly resource?: string;
  readonly pathParameters: Record<string, string>;
  /** Query values in order, per name. */
  readonly query: [string, string[]][];
  /** Header values in order, per name as given. */
  readonly headers: [string, string[]][];
  readonly body?: string;
  readonly isBase64Encoded: boolean;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly clientHeaders: boolean;
  /** The query string as the client sent it. @default - encoded from `query` */
  readonly rawQueryString?: string;
  /** The port and protocol the client connected to. @default - the service's (443, https) */
  readonly forwarded?: { readonly port: number; readonly proto: 'http' | 'https' };
}

const DEFAULT_USER_AGENT = 'curl/8.5.0';

/**
 * Applies a route key (`GET /users/{id}`) to the request: the method and path
 * come from it unless given, and path parameters are read from the path.
 */
export function resolveRequest(options: RoutedRequestOptions, binaryBody: (contentType: string | undefined) => boolean = isBinaryContentType): ResolvedRequest {
  if (options.received) return resolveReceived(options, options.received, binaryBody);
  const route = parseRouteKey(options.routeKey);
  const pathParameters: Record<string, string> = { ...(options.pathParameters ?? {}) };
  let path = options.path;
  if (route?.path) {
    if (path === undefined) path = fillTemplate(route.path, pathParameters);
    else Object.assign(pathParameters, { ...matchTemplate(route.path, path), ...(options.pathParameters ?? {}) });
  }
  path ??= '/';
  if (!path.startsWith('/')) invalidOption('path', `"${path}" must start with /`, path, 'pass a path like /users/42');
  const hasBody = options.body !== undefined && (typeof options.body !== 'string' || options.body.length > 0);
  const method = (options.method ?? (route?.method && route.method !== 'ANY' ? route.method : hasBody ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) invalidOption('method', `"${method}" is not an HTTP method`, method, 'pass a method like GET or POST');
  const binary = typeof options.body !== 'string' && options.body !== undefined;
  const isBase64Encoded = hasBody && (binary || options.isBase64Encoded === true);
  const body = !hasBody ? undefined : isBase64Encoded ? Buffer.from(options.body as string | Uint8Array).toString('base64') : (options.body as string);
  const headers = entries(options.headers);
  const clientHeaders = options.clientHeaders ?? true;
  const userAgent = headers.find(([name]) => name.toLowerCase() === 'user-agent')?.[1][0] ?? (clientHeaders ? DEFAULT_USER_AGENT : '');
  return {
    method,
    path,
    resource: route?.path,
    pathParameters,
    query: entries(options.query),
    headers,
    body,
    isBase64Encoded,
    sourceIp: options.sourceIp ?? '203.0.113.10',
    userAgent,
    clientHeaders,
  };
}

/**
 * A received request as the service sees it: the local prefix taken off the path, the query parsed
 * from the raw query string, repeated headers kept (under the first spelling of the name), and the
 * body text or base64 as `binaryBody` says for its Content-Type.
 */
function resolveReceived(options: RoutedRequestOptions, received: ReceivedRequest, binaryBody: (contentType: string | undefined) => boolean): ResolvedRequest {
  const given = (['method', 'path', 'query', 'headers', 'cookies', 'body', 'isBase64Encoded', 'sourceIp'] as const).filter((name) => options[name] !== undefined);
  if (given.length) invalidOption(given[0], 'cannot be given with a received request, which carries it', options[given[0]], 'pass the request as received only');
  const at = received.target.indexOf('?');
  const fullPath = at < 0 ? received.target : received.target.slice(0, at);
  const rawQuery = at < 0 ? '' : received.target.slice(at + 1);
  const prefix = received.prefix ?? '';
  const path = prefix && fullPath.startsWith(prefix) ? fullPath.slice(prefix.length) || '/' : fullPath;
  const query = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawQuery)) query.set(name, [...(query.get(name) ?? []), value]);
  const headers = new Map<string, [string, string[]]>();
  for (let i = 0; i + 1 < received.rawHeaders.length; i += 2) {
    const [name, value] = [received.rawHeaders[i], received.rawHeaders[i + 1]];
    const entry = headers.get(name.toLowerCase());
    if (entry) entry[1].push(value);
    else headers.set(name.toLowerCase(), [name, [value]]);
  }
  const route = parseRouteKey(options.routeKey);
  const hasBody = received.body.length > 0;
  const isBase64Encoded = hasBody && binaryBody(headers.get('content-type')?.[1][0]);
  const bytes = Buffer.from(received.body.buffer, received.body.byteOffset, received.body.byteLength);
  return {
    method: received.method.toUpperCase(),
    path,
    resource: route?.path,
    pathParameters: { ...(options.pathParameters ?? {}) },
    query: [...query.entries()],
    headers: [...headers.values()],
    body: hasBody ? bytes.toString(isBase64Encoded ? 'base64' : 'utf8') : undefined,
    isBase64Encoded,
    sourceIp: received.sourceIp,
    userAgent: headers.get('user-agent')?.[1][0] ?? '',
    clientHeaders: false,
    rawQueryString: rawQuery,
    forwarded: { port: received.port, proto: received.protocol ?? 'http' },
  };
}

/**
 * Whether HTTP APIs and function URLs deliver a body of this Content-Type base64-encoded:
 * everything but text (`text/*`, JSON, XML, JavaScript, form data, GraphQL).
 */
export function isBinaryContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  return !/^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml))/i.test(contentType.trim());
}

/** Whether a REST API's `BinaryMediaTypes` (`image/png`, `image/*`, `*\/*`) cover a Content-Type. */
export function matchesBinaryMediaTypes(contentType: string | undefined, binaryMediaTypes: readonly string[]): boolean {
  if (!contentType) return false;
  const [type, subtype] = contentType.split(';')[0].trim().toLowerCase().split('/');
  return binaryMediaTypes.some((media) => {
    // The API Gateway API escapes `/` as `~1` in some places (patch paths); templates may carry either.
    const [t, st] = media.replace(/~1/g, '/').trim().toLowerCase().split('/');
    return (t === '*' || t === type) && (st === '*' || st === subtype);
  });
}

function entries(map: Readonly<Record<string, string | readonly string[]>> | undefined): [string, string[]][] {
  return Object.entries(map ?? {}).map(([name, value]) => [name, typeof value === 'string' ? [value] : [...value]]);
}

function parseRouteKey(routeKey: string | undefined): { method: string; path?: string } | undefined {
  if (routeKey === undefined || routeKey === '$default') return undefined;
  const match = /^([A-Za-z]+)\s+(\/\S*)$/.exec(routeKey.trim());
  if (!match) invalidOption('routeKey', `"${routeKey}" is not a route key`, routeKey, "write it as 'METHOD /path', e.g. 'GET /users/{userId}', or $default");
  return { method: match[1].toUpperCase(), path: match[2] };
}

function fillTemplate(template: string, params: Record<string, string>): string {
  return template.replace(/\{([^}]+?)\+?\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) invalidOption('pathParameters', `the route has {${name}} but no value was given for it`, template, `pass a path, or the parameter (--path-param ${name}=value)`);
    return name.endsWith('+') ? value : encodeURIComponent(value);
  });
}

/** Reads `{param}` and greedy `{param+}` segments of a template from a path. */
function matchTemplate(template: string, path: string): Record<string, string> {
  const want = template.split('/');
  const got = path.split('/');
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const greedy = /^\{(.+)\+\}$/.exec(want[i]);
    if (greedy && i < got.length) {
      params[greedy[1]] = got.slice(i).join('/');
      return params;
    }
    const param = /^\{(.+)\}$/.exec(want[i]);
    if (param && got[i]) params[param[1]] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) invalidOption('path', `"${path}" does not match the route ${template}`, path, 'give a path the route matches, or leave --path out to build it from the route');
  }
  if (got.length !== want.length) invalidOption('path', `"${path}" does not match the route ${template}`, path, 'give a path the route matches, or leave --path out to build it from the route');
  return params;
}

/** The query string as the client sent it (names and values percent-encoded). */
export function rawQueryString(query: readonly [string, string[]][]): string {
  return query.flatMap(([name, values]) => values.map((v) => `${encodeURIComponent(name)}=${encodeURIComponent(v)}`)).join('&');
}

/** X-Ray's trace header, whose first part is the request time in hex seconds. */
export function traceHeader(context: EventContext): string {
  return `Root=1-${Math.floor(context.now.getTime() / 1000).toString(16)}-${context.hex(24)}`;
}

/**
 * The headers a client and the front door send (host, trace and forwarding
 * headers are always the service's), with the user's headers on top.
 * Names are kept as given; callers lowercase them where the service does.
 */
export function requestHeaders(request: ResolvedRequest, context: EventContext, host: string, proto: 'http' | 'https'): [string, string[]][] {
  const out = new Map<string, [string, string[]]>();
  const set = (name: string, value: string) => out.set(name.toLowerCase(), [name, [value]]);
  set('Host', host);
  if (request.clientHeaders) {
    set('User-Agent', request.userAgent);
    set('Accept', '*/*');
  }
  if (request.body !== undefined && request.clientHeaders) {
    set('Content-Type', request.isBase64Encoded ? 'application/octet-stream' : looksLikeJson(request.body) ? 'application/json' : 'text/plain');
    set('Content-Length', String(request.isBase64Encoded ? Buffer.from(request.body, 'base64').length : Buffer.byteLength(request.body)));
  }
  const forwarded = request.forwarded ?? { proto, port: proto === 'https' ? 443 : 80 };
  set('X-Amzn-Trace-Id', traceHeader(context));
  set('X-Forwarded-For', request.sourceIp);
  set('X-Forwarded-Port', String(forwarded.port));
  set('X-Forwarded-Proto', forwarded.proto);
  for (const [name, values] of request.headers) {
    // A client's own X-Forwarded-For is kept, with the address the service saw appended.
    const value = name.toLowerCase() === 'x-forwarded-for' ? [`${values.join(', ')}, ${request.sourceIp}`] : values;
    out.set(name.toLowerCase(), [name, value]);
  }
  return [...out.values()];
}

function looksLikeJson(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

/**
 * API Gateway's own request id (HTTP API `requestId`, REST `extendedRequestId`): 16 characters of
 * URL-safe base64 ending in `=`, e.g. `JKJaXmPLvHcESHA=`.
 */
export function apiGatewayRequestId(context: EventContext): string {
  return `${context.bytes(11).toString('base64url')}=`;
}

/** `length` lowercase letters and digits derived from `seed`: the same seed gives the same id. */
export function stableId(seed: string, length: number): string {
  const digest = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; out.length < length; i++) out += LOWER_ALNUM[digest[i % digest.length] % LOWER_ALNUM.length];
  return out;
}

/** API Gateway's `requestTime`: 23/Nov/2026:10:12:13 +0000. */
export function apiGatewayTime(now: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(now.getUTCDate())}/${months[now.getUTCMonth()]}/${now.getUTCFullYear()}:${p(now.getUTCHours())}:${p(now.getUTCMinutes())}:${p(now.getUTCSeconds())} +0000`;
}

/** Payload format 2.0 (HTTP APIs and function URLs) lowercases header names, joins repeats with commas and moves cookies out. */
function payloadV2(request: ResolvedRequest, context: EventContext, host: string, cookies: readonly string[] | undefined) {
  const headers: Record<string, string> = {};
  const allCookies = [...(cookies ?? [])];
  for (const [name, values] of requestHeaders(request, context, host, 'https')) {
    if (name.toLowerCase() === 'cookie') allCookies.push(...values.flatMap((v) => v.split(/;\s*/)).filter(Boolean));
    else headers[name.toLowerCase()] = values.join(',');
  }
  const query: Record<string, string> = {};
  for (const [name, values] of request.query) query[name] = values.join(',');
  return {
    rawPath: request.path,
    rawQueryString: request.rawQueryString ?? rawQueryString(request.query),
    cookies: allCookies.length ? allCookies : undefined,
    headers,
    queryStringParameters: request.query.length ? query : undefined,
    body: request.body,
    isBase64Encoded: request.isBase64Encoded,
    http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: request.sourceIp, userAgent: request.userAgent },
  };
}

/** The event an HTTP API (payload format 2.0) sends for a request. */
export function httpApiEvent(options: HttpApiEventOptions = {}): APIGatewayProxyEventV2 {
  const context = new EventContext(options);
  const request = resolveRequest(options);
  const apiId = options.apiId ?? context.chars(10, LOWER_ALNUM);
  const domainName = `${apiId}.execute-api.${context.region}.amazonaws.com`;
  const routeKey = request.resource ? `${options.routeKey?.trim().split(/\s+/)[0].toUpperCase()} ${request.resource}` : '$default';
  const v2 = payloadV2(request, context, domainName, options.cookies);
  return {
    version: '2.0',
    routeKey,
    rawPath: v2.rawPath,
    rawQueryString: v2.rawQueryString,
    cookies: v2.cookies,
    headers: v2.headers,
    queryStringParameters: v2.queryStringParameters,
    pathParameters: Object.keys(request.pathParameters).length ? request.pathParameters : undefined,
    requestContext: {
      accountId: context.accountId,
      apiId,
      domainName,
      domainPrefix: apiId,
      http: v2.http,
      // HTTP APIs use a short base64 id here, not a UUID (it is also the access log's $context.requestId).
      requestId: apiGatewayRequestId(context),
      routeKey,
      stage: options.stage ?? '$default',
      time: apiGatewayTime(context.now),
      timeEpoch: context.now.getTime(),
    },
    body: v2.body,
    isBase64Encoded: v2.isBase64Encoded,
  };
}

/** The event a function URL sends: payload 2.0 with the `$default` route and the URL's host. */
export function functionUrlEvent(options: FunctionUrlEventOptions = {}): LambdaFunctionURLEvent {
  const context = new EventContext(options);
  const request = resolveRequest(options);
  const urlId = options.urlId ?? context.chars(32, LOWER_ALNUM);
  if (!/^[a-z0-9]{32}$/.test(urlId)) invalidOption('urlId', `"${urlId}" is not 32 lowercase letters and digits`, urlId, 'leave it out to generate one');
  const domainName = `${urlId}.lambda-url.${context.region}.on.aws`;
  const v2 = payloadV2(request, context, domainName, options.cookies);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: v2.rawPath,
    rawQueryString: v2.rawQueryString,
    cookies: v2.cookies,
    headers: v2.headers,
    queryStringParameters: v2.queryStringParameters,
    requestContext: {
      // A URL without auth has no caller to name; with AWS_IAM it is the signing caller's account.
      accountId: (options.authType ?? 'NONE') === 'NONE' ? 'anonymous' : context.accountId,
      apiId: urlId,
      domainName,
      domainPrefix: urlId,
      http: v2.http,
      // Function URLs use the invocation's UUID here.
      requestId: context.uuid(),
      routeKey: '$default',
      stage: '$default',
      time: apiGatewayTime(context.now),
      timeEpoch: context.now.getTime(),
    },
    body: v2.body,
    isBase64Encoded: v2.isBase64Encoded,
  };
}

/** The event an HTTP API route with payload format 1.0 sends: REST's shape, with `version` and HTTP API's ids. */
export type HttpApiV1Event = APIGatewayProxyEvent & { readonly version: '1.0' };

/** The event a REST API proxy integration (payload format 1.0) sends for a request. */
export function restApiEvent(options: RestApiEventOptions = {}): APIGatewayProxyEvent {
  const context = new EventContext(options);
  const binaryMediaTypes = options.binaryMediaTypes ?? [];
  // A received body is text unless the API declares its type binary; a sample's bytes are binary as given.
  const request = resolveRequest(options, (contentType) => matchesBinaryMediaTypes(contentType, binaryMediaTypes));
  const apiId = options.apiId ?? context.chars(10, LOWER_ALNUM);
  const stage = options.stage ?? 'prod';
  // Without a route key the request reaches a greedy proxy resource; the root path is its own resource.
  const resource = request.resource ?? (request.path === '/' ? '/' : '/{proxy+}');
  const event = payloadV1(request, context, { ...options, apiId, stage, resource });
  return { ...event, requestContext: { ...event.requestContext, requestId: context.uuid(), resourceId: options.resourceId ?? stableId(`${apiId} ${resource}`, 6) } };
}

/** The event an HTTP API sends to a route whose integration has payload format 1.0. */
export function httpApiV1Event(options: HttpApiEventOptions = {}): HttpApiV1Event {
  const context = new EventContext(options);
  const request = resolveRequest(options);
  const apiId = options.apiId ?? context.chars(10, LOWER_ALNUM);
  const stage = options.stage ?? '$default';
  const resource = request.resource ?? '$default';
  const event = payloadV1(request, context, { ...options, apiId, stage, resource });
  const requestId = event.requestContext.extendedRequestId!;
  // HTTP APIs have no resources (AWS's example carries `resourceId: null`) and one short request id.
  const requestContext = { ...event.requestContext, requestId, resourceId: null as unknown as string };
  return { version: '1.0', ...event, requestContext };
}

/**
 * Payload format 1.0: header names as the client sent them, with both the last value and every
 * value of each header and query parameter; the stage is part of `requestContext.path`.
 */
function payloadV1(request: ResolvedRequest, context: EventContext, api: RoutedRequestOptions & { apiId: string; stage: string; resource: string }): APIGatewayProxyEvent {
  const domainName = `${api.apiId}.execute-api.${context.region}.amazonaws.com`;
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const cookies = api.cookies ?? [];
  const allHeaders = requestHeaders(request, context, domainName, 'https');
  if (cookies.length && !allHeaders.some(([name]) => name.toLowerCase() === 'cookie')) allHeaders.push(['Cookie', [cookies.join('; ')]]);
  for (const [name, values] of allHeaders) {
    headers[name] = values[values.length - 1];
    multiValueHeaders[name] = values;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, values] of request.query) {
    query[name] = values[values.length - 1];
    multiQuery[name] = values;
  }
  const pathParameters = api.resource === '/{proxy+}' && !api.received ? { proxy: request.path.replace(/^\//, ''), ...request.pathParameters } : request.pathParameters;
  const requestContext: APIGatewayEventRequestContext = {
    accountId: context.accountId,
    apiId: api.apiId,
    authorizer: undefined,
    domainName,
    domainPrefix: api.apiId,
    extendedRequestId: apiGatewayRequestId(context),
    httpMethod: request.method,
    identity: {
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
      sourceIp: request.sourceIp,
      user: null,
      userAgent: request.userAgent,
      userArn: null,
    },
    path: api.stage === '$default' ? request.path : `/${api.stage}${request.path}`,
    protocol: 'HTTP/1.1',
    requestId: '',
    requestTime: apiGatewayTime(context.now),
    requestTimeEpoch: context.now.getTime(),
    resourceId: '',
    resourcePath: api.resource,
    stage: api.stage,
  };
  return {
    resource: api.resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: request.query.length ? query : null,
    multiValueQueryStringParameters: request.query.length ? multiQuery : null,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    requestContext,
    body: request.body ?? null,
    isBase64Encoded: request.isBase64Encoded,
  };
}
