import type { AsyncQueueReport } from './async-queue';
import { invokeDirect, type LocalInvokeOptions, type LocalInvokeResult } from './direct-invoke';
import { connectionsDeadline, type RequestTimeouts } from './http-guard';
import { InvokeApiServer } from './invoke-api';
import { LocalRuntime, type LocalRuntimeOptions } from './runtime';

export interface LocalLambdaOptions extends LocalRuntimeOptions {
  /** Port of the Invoke API; 0 picks a free one. @default 3001 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * `Host` names the Invoke API accepts besides loopback ones (`--allow-host`); `.example.com` accepts the domain and its subdomains.
   * @default - loopback names and addresses only
   */
  readonly allowedHosts?: readonly string[];
  /** Bounds on receiving a request (never on the answer). @default - headers 10 s, whole request 60 s */
  readonly requestTimeouts?: RequestTimeouts;
}

/**
 * The local Lambda service: execution environments behind Lambda's Invoke
 * API. `lambdakit local` serves it; `lambdakit dev` composes it with the
 * gateway and pollers, calling `invoke` directly.
 */
export class LocalLambda {
  public static async start(options: LocalLambdaOptions): Promise<LocalLambda> {
    const runtime = await LocalRuntime.start(options);
    try {
      const api = await InvokeApiServer.start({ ...options.requestTimeouts, runtime, port: options.port, host: options.host, allowedHosts: options.allowedHosts });
      return new LocalLambda(runtime, api);
    } catch (error) {
      await runtime.close({ drainMs: 0 });
      throw error;
    }
  }

  private constructor(
    public readonly runtime: LocalRuntime,
    public readonly api: InvokeApiServer,
  ) {}

  /** http://127.0.0.1:PORT, the endpoint to give the SDK or `aws --endpoint-url`. */
  public get url(): string {
    return this.api.url;
  }

  /**
   * Invokes a function without HTTP. The name is anything the Invoke API
   * accepts (name, `name:qualifier`, ARN) or a construct path.
   */
  public invoke(name: string, payload: string | Buffer | object = {}, options: LocalInvokeOptions = {}): Promise<LocalInvokeResult> {
    return invokeDirect(this.runtime, name, payload, options);
  }

  /**
   * Stops: the Invoke API takes no new request, invocations running (synchronous and
   * asynchronous) get up to `drainMs` (default 5 s) to finish — `signal` cuts that short —,
   * then every environment stops. Unfinished asynchronous events stay in the journal.
   */
  public async close(options: { readonly drainMs?: number; readonly signal?: AbortSignal } = {}): Promise<AsyncQueueReport> {
    const connections = connectionsDeadline(options.signal);
    const api = this.api.close(connections.signal);
    try {
      return await this.runtime.close(options);
    } finally {
      connections.expire();
      await api;
    }
  }
}
