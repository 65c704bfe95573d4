import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import * as os from 'node:os';

/**
 * What every lambdakit HTTP server (Invoke API, Runtime API, dev gateway) shares so that no
 * request can crash it, hang it, or reach it from a web page: bounded request reception,
 * AWS-shaped answers to requests Node's parser refuses, a Host check against DNS rebinding,
 * an Origin check against cross-site requests, and header values that cannot throw.
 */

/** How long a server waits while receiving a request. Waiting for the answer is never bounded here. */
export interface RequestTimeouts {
  /** Most time to receive a request's headers. @default 10000 */
  readonly headersTimeoutMs?: number;
  /** Most time to receive a whole request (headers and body). @default 60000 */
  readonly requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open. @default - the server's own default */
  readonly keepAliveTimeoutMs?: number;
}

export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** The error types a server names in `x-amzn-errortype`, by status. */
export interface ErrorTypes {
  readonly 400: string;
  readonly 403: string;
  readonly 408: string;
  readonly 413: string;
  readonly 431: string;
}

export interface GuardOptions extends RequestTimeouts {
  /** Name used in messages, e.g. `the Invoke API`. */
  readonly name: string;
  /** The address the server binds (a loopback one unless the user chose another). */
  readonly bindHost: string;
  /** Further `Host` names the user allowed (`--allow-host`); `.example.com` allows the domain and its subdomains. */
  readonly allowedHosts?: readonly string[];
  /** Origins accepted besides the server's own (the gateway's CORS settings). */
  readonly allowOrigin?: (origin: string) => boolean;
  /** The option a user passes to allow another Host, for refusal messages. @default '--allow-host' */
  readonly allowHostOption?: string;
  readonly keepAliveDefaultMs: number;
  readonly errorTypes: ErrorTypes;
  /** The JSON body of an error, in the server's own shape. */
  readonly errorBody: (type: string, message: string) => unknown;
}

/** Serialized JSON whose every character is ASCII: what a header may carry, and equivalent JSON. */
export function asciiJson(text: string): string {
  let normalized: string;
  try {
    normalized = JSON.stringify(JSON.parse(text));
  } catch {
    normalized = text;
  }
  return escapeNonAscii(normalized);
}

function escapeNonAscii(text: string): string {
  // Outside JSON strings only ASCII can appear, so every escape lands inside a string; controls left
  // in invalid JSON become escapes too, so no input produces a header Node refuses to write.
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Whether Node would write `value` as a header value. */
export function validHeaderValue(name: string, value: string | number | readonly string[]): boolean {
  try {
    for (const v of [value].flat()) http.validateHeaderValue(name, String(v));
    return true;
  } catch {
    return false;
  }
}

/** Whether Node would accept `name` as a header name. */
export function validHeaderName(name: string): boolean {
  try {
    http.validateHeaderName(name);
    return true;
  } catch {
    return false;
  }
}

/** The headers Node would refuse to write, each with its reason. */
export function invalidHeaders(headers: http.OutgoingHttpHeaders): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (!validHeaderName(name)) problems.push(`header name ${JSON.stringify(name)} is not a valid HTTP token`);
    else if (!validHeaderValue(name, value as string | number | string[])) problems.push(`header ${name} has a value with a character HTTP does not allow (a newline, a control character or one above U+00FF): ${JSON.stringify(value)}`);
  }
  return problems;
}

const LOOPBACK_NAMES = /^(localhost|[^/]*\.localhost)$/i;

function isLoopbackAddress(host: string): boolean {
  return /^127(\.\d{1,3}){3}$/.test(host) || host === '::1' || host === '[::1]' || /^\[?::ffff:127(\.\d{1,3}){3}\]?$/i.test(host);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** Splits `name:port` / `[v6]:port` into hostname (lower case, brackets kept for IPv6) and port. */
export function splitHost(value: string): { hostname: string; port?: number } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return undefined;
  return { hostname: m[1].toLowerCase().replace(/\.$/, ''), port: m[2] === undefined ? undefined : Number(m[2]) };
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host.toLowerCase();
}

/** Whether a hostname is one of those `allowedHosts` names. */
function allowedByUser(hostname: string, allowed: readonly string[]): boolean {
  return allowed.some((a) => {
    const want = a.toLowerCase();
    return want.startsWith('.') ? hostname === want.slice(1) || hostname.endsWith(want) : hostname === want;
  });
}

/**
 * Whether a `Host` value names this server: a loopback name or address with the server's port,
 * the bind address (or one of this machine's addresses when bound to all of them) when the user
 * chose a non-loopback one, or a name the user allowed (any port: it may sit behind a proxy).
 */
export function hostAllowed(value: string | undefined, port: number, bindHost: string, allowedHosts: readonly string[] = []): boolean {
  if (!value) return false;
  const parsed = splitHost(value);
  if (!parsed) return false;
  const { hostname } = parsed;
  if (allowedByUser(hostname, allowedHosts)) return true;
  if ((parsed.port ?? 80) !== port) return false;
  if (LOOPBACK_NAMES.test(hostname) || isLoopbackAddress(hostname)) return true;
  if (hostname === bracket(bindHost)) return true;
  if (isWildcard(bindHost)) {
    const own = Object.values(os.networkInterfaces()).flat().map((i) => (i ? bracket(i.address) : ''));
    return own.includes(hostname);
  }
  return false;
}

/** Whether an `Origin` value is the server's own origin (an http origin whose host names this server). */
export function ownOrigin(origin: string, port: number, bindHost: string, allowedHosts: readonly string[] = []): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin.replace(/\/$/, '').toLowerCase() && url.origin !== origin) return false;
  const hostname = url.hostname.toLowerCase();
  if (allowedByUser(hostname, allowedHosts)) return true;
  if (url.protocol !== 'http:') return false;
  return hostAllowed(url.host, port, bindHost);
}

export interface Refusal {
  readonly status: 400 | 403;
  readonly message: string;
}

/** Why a request may not be served (its Host or Origin), or undefined when it may. */
export function refusalOf(req: http.IncomingMessage, port: number, options: GuardOptions): Refusal | undefined {
  const allowed = options.allowedHosts ?? [];
  const option = options.allowHostOption ?? '--allow-host';
  const host = req.headers.host;
  if (!host) return { status: 400, message: `a request needs a Host header: ${options.name} answers only requests addressed to it (127.0.0.1:${port})` };
  if (!hostAllowed(host, port, options.bindHost, allowed)) {
    return {
      status: 403,
      message: `Host '${host}' is not allowed: ${options.name} answers only requests addressed to it on this machine (127.0.0.1:${port}, localhost:${port}). To allow this host, pass ${option} ${splitHost(host)?.hostname ?? host}`,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !ownOrigin(origin, port, options.bindHost, allowed) && !(options.allowOrigin?.(origin) ?? false)) {
    return {
      status: 403,
      message: `Origin '${origin}' is not allowed: ${options.name} accepts requests from web pages of its own origin${options.allowOrigin ? " or of an origin the API's CORS configuration allows (AllowOrigins)" : ''} only. To allow it, ${options.allowOrigin ? `add it to the API's CORS AllowOrigins, or ` : ''}serve the page from a host passed with ${option}`,
    };
  }
  return undefined;
}

/**
 * Whether a response may still be started: not sent yet, and its socket not closed or already
 * answered by the clientError handler (a request that timed out while its body was read).
 */
export function canRespond(res: http.ServerResponse): boolean {
  return !res.headersSent && !res.writableEnded && !!res.socket && !res.socket.destroyed && !res.socket.writableEnded;
}

/** Writes an AWS-shaped error with `x-amzn-errortype` and a JSON body. */
export function writeError(res: http.ServerResponse, status: number, type: string, body: unknown, extra: http.OutgoingHttpHeaders = {}): void {
  if (!canRespond(res)) {
    if (res.headersSent && !res.writableEnded) res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
    'x-amzn-requestid': crypto.randomUUID(),
    'content-length': Buffer.byteLength(text),
    ...extra,
  });
  res.end(text);
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

/** The status and message for an error Node's HTTP parser (or its timers) raised. */
export function clientErrorStatus(error: ParserError, timeouts: { headersTimeoutMs: number; requestTimeoutMs: number }): { status: 400 | 408 | 413 | 431; message: string } {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: `the request was not received in time: headers must arrive within ${timeouts.headersTimeoutMs} ms and the whole request (headers and body) within ${timeouts.requestTimeoutMs} ms` };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: `the request's headers are larger than the ${http.maxHeaderSize} bytes allowed` };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, message: 'the chunk extensions of the request body are too large' };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { status: 400, message: `the request's Content-Length is not valid (${error.reason ?? error.message})` };
    case 'HPE_INVALID_CHUNK_SIZE':
      return { status: 400, message: `the request's chunked body is malformed (${error.reason ?? error.message})` };
    default:
      return { status: 400, message: `the request is not valid HTTP/1.1 (${error.code ?? 'parse error'}: ${error.reason ?? error.message})` };
  }
}

type ParserError = NodeJS.ErrnoException & { reason?: string; bytesParsed?: number };

/** A socket with the response Node is writing on it (set while a request is being served). */
type ServerSocket = Duplex & { _httpMessage?: http.ServerResponse };

/**
 * An http.Server with lambdakit's guards: bounded request reception (never the answer),
 * AWS-shaped answers to malformed requests, and the Host/Origin checks before `listener` runs.
 */
/** Servers that are stopping (see drainServer). */
const draining = new WeakSet<http.Server>();

/**
 * When a stopping server closes the connections it still has: at once when `signal` aborts (a
 * second Ctrl-C), else `graceMs` after `expire()` — called once the work behind them has stopped,
 * so their answers are written by then.
 */
export function connectionsDeadline(signal?: AbortSignal): { readonly signal: AbortSignal; expire(graceMs?: number): void } {
  const controller = new AbortController();
  signal?.addEventListener('abort', () => controller.abort(), { once: true });
  return {
    signal: controller.signal,
    expire: (graceMs = 1_000) => void setTimeout(() => controller.abort(), graceMs).unref(),
  };
}

/**
 * Stops a server gracefully: it stops listening at once and idle keep-alive connections close;
 * requests already running keep their connections until they are answered, and a new request
 * on an open connection gets a 503. Resolves once every connection has closed; `signal`
 * aborting closes the connections left at once.
 */
export function drainServer(server: http.Server, signal?: AbortSignal): Promise<void> {
  draining.add(server);
  return new Promise((resolve) => {
    const onAbort = () => server.closeAllConnections();
    server.close(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    server.closeIdleConnections();
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function guardedServer(options: GuardOptions, listener: http.RequestListener): http.Server {
  let listeningPort = 0;
  const headersTimeoutMs = Math.max(1, options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS);
  const requestTimeoutMs = Math.max(headersTimeoutMs, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const server = http.createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? options.keepAliveDefaultMs,
      // How often Node checks the two timeouts above (its default, 30 s, would let a 1 s bound wait 30 s).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
      // Node would answer a missing Host itself, without an error type: the Host check does.
      requireHostHeader: false,
    },
    (req, res) => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : listeningPort;
      if (draining.has(server)) {
        // A request on a connection kept alive from before the stop: refused, and the connection ends with it.
        req.resume();
        writeError(res, 503, 'ServiceUnavailableException', options.errorBody('ServiceUnavailableException', `${options.name} is stopping: it takes no new requests`), { connection: 'close' });
        return;
      }
      // A connection whose request was running when the stop came ends once that request is answered.
      res.once('finish', () => {
        if (draining.has(server)) req.socket.end();
      });
      const refusal = refusalOf(req, port, options);
      if (refusal) {
        req.resume();
        const type = options.errorTypes[refusal.status];
        writeError(res, refusal.status, type, options.errorBody(type, refusal.message), { connection: 'close' });
        return;
      }
      listener(req, res);
    },
  );
  server.on('listening', () => {
    const address = server.address();
    if (typeof address === 'object' && address) listeningPort = address.port;
  });
  server.on('clientError', (error: ParserError, socket: ServerSocket) => {
    const response = socket._httpMessage;
    if (!socket.writable || response?.headersSent) {
      socket.destroy();
      return;
    }
    if (error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE') {
      socket.destroy();
      return;
    }
    const { status, message } = clientErrorStatus(error, { headersTimeoutMs, requestTimeoutMs });
    const type = options.errorTypes[status];
    const body = JSON.stringify(options.errorBody(type, `${options.name}: ${message}`));
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\n` +
        'content-type: application/json\r\n' +
        `x-amzn-errortype: ${type}\r\n` +
        `x-amzn-requestid: ${crypto.randomUUID()}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n\r\n' +
        body,
    );
  });
  return server;
}
