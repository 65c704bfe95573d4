import { InvokeApiServer } from './invoke-api';
import { LocalRuntime, type LocalRuntimeOptions } from './runtime';

export { LocalRuntime, ResolveError, type LocalRuntimeOptions, type InvocationLogEntry, type ResolvedTarget } from './runtime';
export { InvokeApiServer, SYNC_PAYLOAD_LIMIT, ASYNC_PAYLOAD_LIMIT, logTail } from './invoke-api';
export { ThrottledError } from './pool';
export type { InvocationOutcome } from './environment';
export type { DeliveryEntry } from './async-queue';

export interface LocalLambdaOptions extends LocalRuntimeOptions {
  /** Port of the Invoke API; 0 picks a free one. @default 3001 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

/** The local Lambda service: execution environments behind Lambda's Invoke API. */
export class LocalLambda {
  public static async start(options: LocalLambdaOptions): Promise<LocalLambda> {
    const runtime = await LocalRuntime.start(options);
    try {
      const api = await InvokeApiServer.start({ runtime, port: options.port, host: options.host });
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

  /** Stops the API, drains the asynchronous queue (up to `drainMs`), and stops every environment. */
  public async close(options: { drainMs?: number } = {}): Promise<{ undelivered: number }> {
    await this.api.close();
    return this.runtime.close(options);
  }
}
