import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdakitError } from '../errors';
import { drainServer, guardedServer, invalidHeaders, writeError, type RequestTimeouts } from './http-guard';
import { LambdaApi } from './lambda-api';
import { ThrottledError } from './pool';
import { type InvokeOperation, logTail, readInvocation, serviceErrorBody } from './invoke-request';
import type { LocalRuntime } from './runtime';
import { serveInvokeWithResponseStream, STREAMING_INVOKE_PATH } from './stream-invoke';

/** The service's payload limits (Lambda quotas page): 6 MB synchronous, 1 MB asynchronous. */
export const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
export const ASYNC_PAYLOAD_LIMIT = 1024 * 1024;
/** Invoke: RequestResponse and DryRun up to 6 MB, Event (InvokeAsync's limit) up to 1 MB. */
const INVOKE: InvokeOperation = {
  invocationTypes: ['Event', 'RequestResponse', 'DryRun'],
  limit: (type) => (type === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT),
  name: (type) => (type === 'Event' ? 'InvokeAsync' : 'Invoke'),
};
/** The response a function may return synchronously. */
export const RESPONSE_PAYLOAD_LIMIT = 6 * 1024 * 1024;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

interface ServiceError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
  readonly extra?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

export { logTail } from './invoke-request';

export interface InvokeApiOptions extends RequestTimeouts {
  readonly runtime: LocalRuntime;
  /** @default 3001 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * `Host` names to accept besides loopback ones (and the bind address), as Vite's `server.allowedHosts`;
   * `.example.com` accepts the domain and its subdomains.
   * @default - loopback names and addresses only
   */
  readonly allowedHosts?: readonly string[];
}

/** Idle keep-alive connections of SDK clients stay open this long. */
const INVOKE_KEEP_ALIVE_MS = 30_000;

const ERROR_TYPES = { 400: 'InvalidRequestContentException', 403: 'AccessDeniedException', 408: 'RequestTimeoutException', 413: 'RequestTooLargeException', 431: 'RequestTooLargeException' } as const;

/** The body of the Invoke API's errors, as the service sends them. */

/**
 * Lambda's Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`)
 * on a local port, with the service's status codes, headers and error
 * bodies, so that @aws-sdk/client-lambda and the AWS CLI work unchanged.
 */
export class InvokeApiServer {
  public static async start(options: InvokeApiOptions): Promise<InvokeApiServer> {
    const port = options.port ?? 3001;
    const host = options.host ?? '127.0.0.1';
    const server = new InvokeApiServer(options, host);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new LambdakitError(`port ${port} on ${host} is already in use`, { code: 'PortInUse', value: port, hint: 'stop the other process or pass --port' }) : error);
      server.server.once('error', onError);
      server.server.listen(port, host, () => {
        server.server.off('error', onError);
        resolve();
      });
    });
    return server;
  }

  private readonly server: http.Server;

  private readonly runtime: LocalRuntime;

  /** The rest of Lambda's API (functions, aliases, concurrency, mappings...), for requests that are not Invoke. */
  public readonly lambdaApi: LambdaApi;

  private constructor(options: InvokeApiOptions, host: string) {
    this.runtime = options.runtime;
    this.lambdaApi = new LambdaApi(options.runtime);
    // Only receiving a request is bounded: a synchronous invocation may answer after up to 900 s.
    const guard = { ...options, name: 'the Invoke API', bindHost: host, keepAliveDefaultMs: INVOKE_KEEP_ALIVE_MS, errorTypes: ERROR_TYPES, errorBody: (_type: string, message: string) => serviceErrorBody(message) };
    this.server = guardedServer(guard, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.error(res, { status: 500, type: 'ServiceException', message: (error as Error).message });
      });
    });
  }

  public get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  public get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Stops taking requests; those running are answered before their connections close.
   * `signal` aborting closes the connections left at once.
   */
  public close(signal?: AbortSignal): Promise<void> {
    return drainServer(this.server, signal);
  }

  private error(res: http.ServerResponse, error: ServiceError): void {
    writeError(res, error.status, error.type, serviceErrorBody(error.message, error.extra), error.headers);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const streaming = STREAMING_INVOKE_PATH.exec(url.pathname);
    if (streaming && req.method === 'POST') return serveInvokeWithResponseStream(this.runtime, req, res, streaming[1], url);
    const match = INVOKE_PATH.exec(url.pathname);
    if (!match || req.method !== 'POST') {
      if (this.lambdaApi.handles(req.method, url.pathname)) return this.lambdaApi.handle(req, res, url);
      // Drain the body so the connection stays usable.
      for await (const _ of req);
      this.error(res, { status: 404, type: 'UnknownOperationException', message: `lambdakit local does not serve ${req.method} ${url.pathname}: it is no operation of Lambda's API` });
      return;
    }
    const checked = await readInvocation(req, res, this.runtime, match[1], url.searchParams.get('Qualifier') ?? undefined, INVOKE);
    if (!checked) return;
    const { invocationType, logType, target, clientContext, payload } = checked;
    if (invocationType === 'Event') {
      const requestId = this.runtime.invokeAsync(target, payload, 'invoke-api');
      res.writeHead(202, { 'x-amzn-requestid': requestId, 'content-length': 0 }).end();
      return;
    }
    let outcome;
    try {
      outcome = await this.runtime.invoke(target, payload, { clientContext, trigger: 'invoke-api' });
    } catch (error) {
      if (error instanceof ThrottledError) {
        this.error(res, { status: 429, type: 'TooManyRequestsException', message: 'Rate Exceeded.', extra: { Reason: error.reason }, headers: { 'retry-after': '1' } });
        return;
      }
      if (error instanceof LambdakitError) {
        this.error(res, { status: 502, type: 'ServiceException', message: error.message });
        return;
      }
      throw error;
    }
    let responseBody = outcome.payload;
    let functionError = outcome.ok ? undefined : 'Unhandled';
    if (responseBody.length > RESPONSE_PAYLOAD_LIMIT) {
      functionError = 'Unhandled';
      responseBody = Buffer.from(JSON.stringify({ errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size exceeded maximum allowed payload size (${RESPONSE_PAYLOAD_LIMIT} bytes).` }));
    }
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': responseBody.length,
      'x-amzn-requestid': outcome.requestId,
      'x-amz-executed-version': outcome.version,
    };
    if (functionError) headers['x-amz-function-error'] = functionError;
    if (logType === 'Tail') headers['x-amz-log-result'] = Buffer.from(logTail(outcome.log)).toString('base64');
    const problems = invalidHeaders(headers);
    if (problems.length > 0) {
      this.error(res, { status: 502, type: 'ServiceException', message: `lambdakit could not answer invocation ${outcome.requestId}: ${problems.join('; ')}` });
      return;
    }
    res.writeHead(200, headers).end(responseBody);
  }
}
