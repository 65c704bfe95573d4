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

const PREFIX = /^\/env\/([A-Za-z0-9-]+)\/2018-06-01\/runtime\/(.+)$/;

/**
 * The Lambda Runtime API (2018-06-01) on 127.0.0.1, for every execution
 * environment at once: each environment's AWS_LAMBDA_RUNTIME_API is
 * `127.0.0.1:<port>/env/<id>`, so one server tells them apart by path.
 */
export class RuntimeApiServer {
  private readonly server: http.Server;
  private readonly clients = new Map<string, RuntimeApiClient>();

  private constructor() {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 0;
    // /next is a long poll: no request timeout.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
  }

  public static async start(): Promise<RuntimeApiServer> {
    const api = new RuntimeApiServer();
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(0, '127.0.0.1', () => resolve());
    });
    return api;
  }

  /** The value of AWS_LAMBDA_RUNTIME_API for environment `id`. */
  public address(id: string): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}/env/${id}`;
  }

  public register(id: string, client: RuntimeApiClient): void {
    this.clients.set(id, client);
  }

  public unregister(id: string): void {
    this.clients.delete(id);
  }

  public close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const match = PREFIX.exec(req.url ?? '');
    const client = match ? this.clients.get(match[1]) : undefined;
    if (!match || !client) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errorMessage":"unknown environment","errorType":"InvalidRequestException"}');
      return;
    }
    const route = match[2];
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
