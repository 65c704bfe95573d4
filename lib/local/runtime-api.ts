import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What an environment's runtime posts back through the Runtime API. */
export type RuntimeReply =
  | { readonly kind: 'response'; readonly requestId: string; readonly body: Buffer }
  | { readonly kind: 'error'; readonly requestId: string; readonly errorType: string; readonly body: Buffer }
  | { readonly kind: 'init-error'; readonly errorType: string; readonly body: Buffer };

/** The environment side the Runtime API talks to. */
export interface RuntimeApiClient {
  /** The runtime asks for its next event; `deliver` is called once one is assigned. */
  next(deliver: (event: NextEvent) => void): void;
  reply(reply: RuntimeReply): void;
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
 * The Lambda Runtime API (2018-06-01) on 127.0.0.1. Each execution
 * environment gets its own port, so AWS_LAMBDA_RUNTIME_API is a plain
 * `host:port` as on Lambda: runtime clients that parse it as an authority
 * (Python's and Java's runtime interface clients, Rust's lambda_runtime)
 * work unchanged.
 */
export class RuntimeApiServer {
  private readonly servers = new Map<string, http.Server>();
  private closed = false;

  public static async start(): Promise<RuntimeApiServer> {
    return new RuntimeApiServer();
  }

  /** Starts the endpoint of environment `id`; resolves to its AWS_LAMBDA_RUNTIME_API value. */
  public async open(id: string, client: RuntimeApiClient): Promise<string> {
    if (this.closed) throw new Error('the Runtime API is closed');
    const server = http.createServer((req, res) => this.handle(client, req, res));
    // /next is a long poll: no request timeout, and connections stay open between invocations.
    server.keepAliveTimeout = 0;
    server.requestTimeout = 0;
    server.headersTimeout = 0;
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
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errorMessage":"unknown route","errorType":"InvalidRequestException"}');
      return;
    }
    const route = match[1];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const errorType = String(req.headers['lambda-runtime-function-error-type'] ?? '');
      if (req.method === 'GET' && route === 'invocation/next') {
        client.next((event) => {
          if (res.destroyed) return;
          const headers: http.OutgoingHttpHeaders = {
            'content-type': 'application/json',
            // As Lambda's own endpoint does: a runtime client reading the body by its length must not meet chunked encoding.
            'content-length': event.payload.length,
            'lambda-runtime-aws-request-id': event.requestId,
            'lambda-runtime-deadline-ms': String(event.deadlineMs),
            'lambda-runtime-invoked-function-arn': event.invokedFunctionArn,
            'lambda-runtime-trace-id': event.traceId,
          };
          if (event.clientContext) headers['lambda-runtime-client-context'] = event.clientContext;
          if (event.cognitoIdentity) headers['lambda-runtime-cognito-identity'] = event.cognitoIdentity;
          res.writeHead(200, headers).end(event.payload);
        });
        return;
      }
      const invocation = /^invocation\/([^/]+)\/(response|error)$/.exec(route);
      if (req.method === 'POST' && invocation) {
        const [, requestId, kind] = invocation;
        client.reply(kind === 'response' ? { kind: 'response', requestId, body } : { kind: 'error', requestId, errorType: errorType || errorTypeOf(body), body });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
        return;
      }
      if (req.method === 'POST' && route === 'init/error') {
        client.reply({ kind: 'init-error', errorType: errorType || errorTypeOf(body) || 'Runtime.Unknown', body });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errorMessage":"unknown route","errorType":"InvalidRequestException"}');
    });
  }
}

function errorTypeOf(body: Buffer): string {
  try {
    return String((JSON.parse(body.toString('utf8')) as { errorType?: unknown }).errorType ?? '');
  } catch {
    return '';
  }
}
