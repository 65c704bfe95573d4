import { ExecutionEnvironment, type EnvironmentSpec, type InvocationOutcome, type InvocationRequest } from './environment';
import type { RuntimeApiServer } from './runtime-api';

/** Raised when every environment allowed by the function's concurrency is busy. */
export class ThrottledError extends Error {
  constructor(
    public readonly reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded',
    public readonly limit: number,
  ) {
    super(reason === 'ReservedFunctionConcurrentInvocationLimitExceeded' ? `Rate Exceeded. (reserved concurrency ${limit})` : `Rate Exceeded. (local concurrency limit ${limit})`);
  }
}

export interface PoolOptions {
  /** Reserved concurrency from the template, when set. */
  readonly reservedConcurrency?: number;
  /** Most environments of a function without reserved concurrency (the local stand-in for the account limit). */
  readonly maxEnvironments: number;
  /** Idle environments are stopped after this long. */
  readonly idleTimeoutMs: number;
  readonly onOutput?: (text: string) => void;
}

/**
 * The execution environments of one function version: reuses warm ones,
 * starts more up to the concurrency limit, throttles beyond it, and stops
 * environments that stayed idle or died.
 */
export class FunctionPool {
  private readonly environments = new Set<ExecutionEnvironment>();
  private readonly reaper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly spec: EnvironmentSpec,
    private readonly api: RuntimeApiServer,
    private readonly options: PoolOptions,
  ) {
    this.reaper = setInterval(() => this.reap(), Math.min(options.idleTimeoutMs, 5_000));
    this.reaper.unref();
  }

  /** The concurrency limit and whether it comes from reserved concurrency. */
  public get limit(): { value: number; reserved: boolean } {
    return this.options.reservedConcurrency !== undefined
      ? { value: this.options.reservedConcurrency, reserved: true }
      : { value: this.options.maxEnvironments, reserved: false };
  }

  public get size(): number {
    return this.environments.size;
  }

  /** Runs an invocation in a warm environment, or a new one (cold start). */
  public async invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    if (this.closed) throw new Error('the local runtime is shutting down');
    const env = this.acquire();
    try {
      return await env.invoke(request);
    } finally {
      if (env.state === 'dead') {
        this.environments.delete(env);
        void env.kill();
      }
    }
  }

  private acquire(): ExecutionEnvironment {
    for (const env of this.environments) {
      if (env.state === 'dead') this.environments.delete(env);
    }
    // Prefer the most recently used warm environment, as Lambda tends to.
    const idle = [...this.environments].filter((e) => e.state === 'idle').sort((a, b) => b.lastUsed - a.lastUsed)[0];
    if (idle) {
      idle.state = 'busy';
      return idle;
    }
    const limit = this.limit;
    if (this.environments.size >= limit.value) {
      throw new ThrottledError(limit.reserved ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : 'ConcurrentInvocationLimitExceeded', limit.value);
    }
    const env = new ExecutionEnvironment(this.spec, this.api, this.options.onOutput);
    this.environments.add(env);
    env.start();
    return env;
  }

  private reap(): void {
    const now = Date.now();
    for (const env of this.environments) {
      if (env.state === 'dead' || (env.state === 'idle' && now - env.lastUsed > this.options.idleTimeoutMs)) {
        this.environments.delete(env);
        void env.kill();
      }
    }
  }

  /** Stops every environment and waits for the processes to exit. */
  public async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    const all = [...this.environments];
    this.environments.clear();
    await Promise.all(all.map((e) => e.kill()));
  }
}
