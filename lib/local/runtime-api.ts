import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { asciiJson, canRespond, DEFAULT_REQUEST_TIMEOUT_MS, guardedServer, invalidHeaders, writeError, type GuardOptions, type RequestTimeouts } from './http-guard';

/** What an environment's runtime posts back through the Runtime API. */
export type RuntimeReply =
  | { readonly kind: 'response'; readonly requestId: string; readonly body: Buffer }
  | { readonly kind: 'error'; readonly requestId: string; readonly errorType: string; readonly body: Buffer }
  | { readonly kind: 'init-error'; readonly errorType: string; readonly body: Buffer };

/**
 * Why an environment refuses a runtime's reply, answered as Lambda's Runtime API answers it (the
 * Runtime Interface Emulator's rapid: `RenderInvalidRequestID`, `RenderForbiddenWithTypeMsg`):
 * its status and `{ errorMessage, errorType }`.
 */
export interface ReplyRefusal {
  readonly status: 400 | 403;
  readonly errorType: string;
  readonly errorMessage: string;
}

/** The error a streamed response ends with: its trailers' `Lambda-Runtime-Function-Error-Type` and decoded `-Body`. */
export interface StreamedError {
  readonly errorType: string;
  readonly body: Buffer;
}

/**
 * Where a streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`) goes, chunk by chunk as
 * the runtime sends them, then its end: with the error its trailers carry, or `aborted` when the
 * connection broke before the last chunk.
 */
export interface ResponseStreamSink {
  /** A chunk of the response; `false` refuses it and the rest (the environment ended the invocation: a limit). */
  write(chunk: Buffer): boolean;
  end(outcome: { readonly error?: StreamedError; readonly aborted?: boolean }): void;
}

/** The environment side the Runtime API talks to. */
export interface RuntimeApiClient {
  /** The runtime asks for its next event; `deliver` is called once one is assigned. */
  next(deliver: (event: NextEvent) => void): void;
  /** Asked before `reply` (or `stream`) for every invocation response or error: a refusal is sent back and `reply` is not called. */
  refuses?(reply: RuntimeReply): ReplyRefusal | undefined;
  reply(reply: RuntimeReply): void;
  /**
   * A streamed response begins (not refused). Without this method a streamed response is read
   * whole and handed to `reply`, as one buffered response.
   */
  stream?(requestId: string, contentType: string): ResponseStreamSink;
  /**
   * How long a streamed response may take to arrive (the function's timeout, which the environment
   * enforces itself): receiving a request on this endpoint is bounded by it when it is longer than
   * the server's request timeout, so a stream that lasts minutes is not cut at 60 s.
   * @default - the server's request timeout
   */
  readonly longestRequestMs?: number;
}

export interface NextEvent {
  readonly requestId: string;
  readonly payload: Buffer;
  readonly deadlineMs: number;
  readonly invokedFunctionArn: string;
  readonly traceId: string;
  readonly clientContext?: string;
  readonly cognitoIdentity?: string;
}

const ROUTE = /^\/2018-06-01\/runtime\/(.+)$/;

/**
 * A runtime may hold a connection between invocations for as long as its function runs (Lambda's
 * limit is 900 s), then reuse it to post the answer: idle connections live a little longer than that.
 */
const RUNTIME_KEEP_ALIVE_MS = 910_000;

export type RuntimeApiOptions = RequestTimeouts;

const ERROR_TYPES = { 400: 'InvalidRequestException', 403: 'ForbiddenException', 408: 'RequestTimeoutException', 413: 'RequestTooLargeException', 431: 'RequestTooLargeException' } as const;

/** The Runtime API's error shape (Lambda's: errorType and errorMessage), with `message` as other AWS errors carry it. */
const runtimeErrorBody = (type: string, message: string) => ({ errorType: type, errorMessage: message, message });

/**
 * The Lambda Runtime API (2018-06-01) on 127.0.0.1. Each execution
 * environment gets its own port, so AWS_LAMBDA_RUNTIME_API is a plain
 * `host:port` as on Lambda: runtime clients that parse it as an authority
 * (Python's and Java's runtime interface clients, Rust's lambda_runtime)
 * work unchanged.
 */
export class RuntimeApiServer {
  private readonly servers = new Map<string, http.Server>();
  private closed = false;

  public static async start(options: RuntimeApiOptions = {}): Promise<RuntimeApiServer> {
    return new RuntimeApiServer(options);
  }

  private constructor(private readonly options: RuntimeApiOptions) {}

  /** Starts the endpoint of environment `id`; resolves to its AWS_LAMBDA_RUNTIME_API value. */
  public async open(id: string, client: RuntimeApiClient): Promise<string> {
    if (this.closed) throw new Error('the Runtime API is closed');
    // /next is a long poll: its request is complete at once, so the request timeout bounds only its
    // receiving, never the wait for an event.
    const requestTimeoutMs = Math.max(this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, client.longestRequestMs ?? 0);
    const guard: GuardOptions = { name: 'the Runtime API', bindHost: '127.0.0.1', keepAliveDefaultMs: RUNTIME_KEEP_ALIVE_MS, errorTypes: ERROR_TYPES, errorBody: runtimeErrorBody, ...this.options, requestTimeoutMs };
    const server = guardedServer(guard, (req, res) => this.handle(client, req, res));
    this.servers.set(id, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Stops the endpoint of environment `id` (idempotent). */
  public release(id: string): void {
    const server = this.servers.get(id);
    if (!server) return;
    this.servers.delete(id);
    server.close();
    server.closeAllConnections();
  }

  public async close(): Promise<void> {
    this.closed = true;
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(
      all.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  private handle(client: RuntimeApiClient, req: http.IncomingMessage, res: http.ServerResponse): void {
    const match = ROUTE.exec(req.url ?? '');
    if (!match) {
      req.resume();
      notFound(res);
      return;
    }
    const route = match[1];
    const streamed = /^invocation\/([^/]+)\/response$/.exec(route);
    if (req.method === 'POST' && streamed && String(req.headers['lambda-runtime-function-response-mode'] ?? '').toLowerCase() === 'streaming' && client.stream) {
      receiveStream(client, streamed[1], req, res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const errorType = String(req.headers['lambda-runtime-function-error-type'] ?? '');
      if (req.method === 'GET' && route === 'invocation/next') {
        const deliver = (event: NextEvent): void => {
          if (!canRespond(res)) return;
          const headers = eventHeaders(event);
          const problems = invalidHeaders(headers);
          if (problems.length > 0) {
            // Unreachable with the encodings above; if it ever happens, the invocation fails with
            // the reason instead of throwing, and the runtime's poll waits for the next event.
            const message = `lambdakit could not pass invocation ${event.requestId} to the runtime: ${problems.join('; ')}`;
            client.reply({ kind: 'error', requestId: event.requestId, errorType: 'Runtime.InvalidEventHeader', body: Buffer.from(JSON.stringify({ errorType: 'Runtime.InvalidEventHeader', errorMessage: message })) });
            client.next(deliver);
            return;
          }
          res.writeHead(200, headers).end(event.payload);
        };
        client.next(deliver);
        return;
      }
      const invocation = /^invocation\/([^/]+)\/(response|error)$/.exec(route);
      if (req.method === 'POST' && invocation) {
        const [, requestId, kind] = invocation;
        const reply: RuntimeReply = kind === 'response' ? { kind: 'response', requestId, body } : { kind: 'error', requestId, errorType: errorType || errorTypeOf(body), body };
        const refusal = client.refuses?.(reply);
        if (refusal) {
          refuse(res, refusal);
          return;
        }
        client.reply(reply);
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
        return;
      }
      if (req.method === 'POST' && route === 'init/error') {
        client.reply({ kind: 'init-error', errorType: errorType || errorTypeOf(body) || 'Runtime.Unknown', body });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
        return;
      }
      notFound(res);
    });
  }
}

/**
 * A streamed response, read as it arrives (`Transfer-Encoding: chunked`), as Lambda's Runtime API reads
 * it for response streaming: each chunk goes on at once; an error mid-stream comes in the trailers
 * `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body` (base64 of the error
 * JSON), as the Node.js runtime interface client sends it (src/ResponseStream.js). The runtime's
 * request is answered 202 once the stream has ended.
 */
function receiveStream(client: RuntimeApiClient, requestId: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const refusal = client.refuses?.({ kind: 'response', requestId, body: Buffer.alloc(0) });
  if (refusal) {
    // Nothing of a refused stream is read: the connection closes once the refusal is out.
    res.setHeader('connection', 'close');
    refuse(res, refusal);
    res.once('finish', () => req.destroy());
    return;
  }
  const sink = client.stream!(requestId, String(req.headers['content-type'] ?? 'application/octet-stream'));
  let ended = false;
  const onData = (chunk: Buffer): void => {
    if (ended || sink.write(chunk)) return;
    // Refused (over the streamed response limit): the invocation already has its outcome.
    ended = true;
    req.off('data', onData);
    if (canRespond(res)) {
      const text = JSON.stringify(runtimeErrorBody('Function.ResponseSizeTooLarge', 'the streamed response is over its size limit'));
      res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' }).end(text);
    }
    res.once('finish', () => req.destroy());
  };
  req.on('data', onData);
  req.once('end', () => {
    if (ended) return;
    ended = true;
    const errorType = req.trailers['lambda-runtime-function-error-type'];
    const errorBody = req.trailers['lambda-runtime-function-error-body'];
    const error = errorType || errorBody ? { errorType: errorType || errorTypeOf(Buffer.from(errorBody ?? '', 'base64')) || 'Runtime.Unknown', body: Buffer.from(errorBody ?? '', 'base64') } : undefined;
    sink.end({ error });
    if (canRespond(res)) res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
  });
  req.once('close', () => {
    if (ended) return;
    ended = true;
    sink.end({ aborted: true });
  });
}

/**
 * The headers of a /next answer. Client context and Cognito identity are JSON that may hold any
 * character (a newline, "Łódź ☃"): they are re-serialized with non-ASCII escaped as \\uXXXX, the
 * same JSON in characters a header may carry, so the handler gets the very same object.
 */
function eventHeaders(event: NextEvent): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {
    'content-type': 'application/json',
    // As Lambda's own endpoint does: a runtime client reading the body by its length must not meet chunked encoding.
    'content-length': event.payload.length,
    'lambda-runtime-aws-request-id': event.requestId,
    'lambda-runtime-deadline-ms': String(event.deadlineMs),
    'lambda-runtime-invoked-function-arn': event.invokedFunctionArn,
    'lambda-runtime-trace-id': event.traceId,
  };
  if (event.clientContext) headers['lambda-runtime-client-context'] = asciiJson(event.clientContext);
  if (event.cognitoIdentity) headers['lambda-runtime-cognito-identity'] = asciiJson(event.cognitoIdentity);
  return headers;
}

/**
 * A refused reply, in the shape rapid renders it: the status, `Content-Type: application/json` and
 * `{"errorMessage":…,"errorType":…}` (Go's JSON encoder ends it with a newline), no other header.
 */
function refuse(res: http.ServerResponse, refusal: ReplyRefusal): void {
  if (!canRespond(res)) return;
  const text = `${JSON.stringify({ errorMessage: refusal.errorMessage, errorType: refusal.errorType })}\n`;
  res.writeHead(refusal.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function notFound(res: http.ServerResponse): void {
  writeError(res, 404, 'InvalidRequestException', { errorMessage: 'unknown route', errorType: 'InvalidRequestException' });
}

function errorTypeOf(body: Buffer): string {
  try {
    return String((JSON.parse(body.toString('utf8')) as { errorType?: unknown }).errorType ?? '');
  } catch {
    return '';
  }
}
