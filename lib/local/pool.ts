import { ExecutionEnvironment, type EnvironmentSpec, type InvocationOutcome, type InvocationRequest, type PrestartedProcesses } from './environment';
import type { RuntimeApiServer } from './runtime-api';

/** The pool was closed (the runtime stops, or watch mode replaced the function's code) before the invocation ran. */
export class PoolClosedError extends Error {
  constructor() {
    super('the local runtime is shutting down');
  }
}

/** Raised when every environment allowed by the function's concurrency is busy. */
export class ThrottledError extends Error {
  constructor(
    public readonly reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded',
    public readonly limit: number,
  ) {
    super(reason === 'ReservedFunctionConcurrentInvocationLimitExceeded' ? `Rate Exceeded. (reserved concurrency ${limit})` : `Rate Exceeded. (local concurrency limit ${limit})`);
  }
}

/**
 * The concurrency of one function, shared by the pools of its versions:
 * Lambda counts reserved concurrency per function, so `$LATEST`, version 1
 * and an alias's weighted versions draw on the same budget.
 */
export class ConcurrencyBudget {
  /** Invocations running now, across the function's versions. */
  public inFlight = 0;
  private readonly pools = new Set<FunctionPool>();
  /** Invocations waiting for a slot (only with `waitWhenFull`), oldest first. */
  private readonly waiters: Array<() => void> = [];

  /**
   * @param limit reserved concurrency when set, else the local stand-in for the account limit
   * @param reserved whether the limit is the function's reserved concurrency (it names the throttle's reason)
   */
  constructor(
    public limit: number,
    public reserved: boolean,
    /**
     * Beyond a local limit (not reserved concurrency), wait for a running invocation to
     * finish instead of throttling: the cap only protects this machine, and Lambda would
     * not throttle there.
     */
    public readonly waitWhenFull = false,
  ) {}

  /**
   * Takes a slot: at once while under the limit, else in arrival order as slots free up (with
   * `wait`, or a local cap with `waitWhenFull`), else throws ThrottledError.
   */
  public async take(wait = false, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new PoolClosedError();
    if (this.inFlight < this.limit) {
      this.inFlight++;
      return;
    }
    if (!wait && (this.reserved || !this.waitWhenFull)) {
      throw new ThrottledError(this.reserved ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : 'ConcurrentInvocationLimitExceeded', this.limit);
    }
    // The slot is handed over by release(), so inFlight stays at the limit meanwhile.
    await new Promise<void>((resolve, reject) => {
      const waiter = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new PoolClosedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Gives a slot back, to the longest waiting invocation if there is one. */
  public release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.inFlight--;
  }

  /**
   * Changes the limit while invocations run (PutFunctionConcurrency on the local Lambda API):
   * running ones finish, waiting ones get the slots a larger limit frees.
   */
  public resize(limit: number, reserved: boolean): void {
    this.limit = limit;
    this.reserved = reserved;
    while (this.waiters.length > 0 && this.inFlight < this.limit) {
      this.inFlight++;
      this.waiters.shift()!();
    }
  }

  public add(pool: FunctionPool): void {
    this.pools.add(pool);
  }

  /** Environments running for the function, busy or idle. */
  public get environments(): number {
    let n = 0;
    for (const pool of this.pools) n += pool.size;
    return n;
  }

  /** Stops an idle environment of another version, so that the function's processes stay within its limit. */
  public evictIdle(except: FunctionPool): void {
    for (const pool of this.pools) if (pool !== except && pool.evictIdle()) return;
  }

  /** Environments kept initialised for provisioned concurrency, across the function's versions. */
  public get provisioned(): number {
    let n = 0;
    for (const pool of this.pools) n += pool.provisionedCount;
    return n;
  }
}

export interface PoolOptions {
  /** The function's concurrency, shared with its other versions. */
  readonly budget: ConcurrencyBudget;
  /** Idle environments are stopped after this long. */
  readonly idleTimeoutMs: number;
  readonly onOutput?: (text: string) => void;
  /**
   * Runtime processes started ahead of any function (lib/local/prewarm.ts): a new environment takes one when there is one for it.
   * @default - every environment spawns its runtime process
   */
  readonly prestarted?: PrestartedProcesses;
}

/**
 * The execution environments of one function version: reuses warm ones,
 * starts more while the function's concurrency allows, throttles (or, for a
 * local cap with `waitWhenFull`, queues) beyond it,
 * and stops environments that stayed idle or died.
 */
export class FunctionPool {
  private readonly environments = new Set<ExecutionEnvironment>();
  /** Provisioned environments beyond a lowered count, stopped once their invocation answers. */
  private readonly retiring = new Set<ExecutionEnvironment>();
  private readonly reaper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly spec: EnvironmentSpec,
    private readonly api: RuntimeApiServer,
    private readonly options: PoolOptions,
  ) {
    options.budget.add(this);
    this.reaper = setInterval(() => this.reap(), Math.min(options.idleTimeoutMs, 5_000));
    this.reaper.unref();
  }

  public get size(): number {
    return this.environments.size;
  }

  public get provisionedCount(): number {
    let n = 0;
    for (const env of this.environments) if (env.provisioned && env.state !== 'dead' && !this.retiring.has(env)) n++;
    return n;
  }

  /** Provisioned environments initialised and serving (idle or busy): what Lambda reports as available. */
  public get provisionedReady(): number {
    let n = 0;
    for (const env of this.environments) if (env.provisioned && (env.state === 'idle' || env.state === 'busy') && !this.retiring.has(env)) n++;
    return n;
  }

  /**
   * Keeps `count` provisioned environments (PutProvisionedConcurrencyConfig on the local Lambda
   * API): starts the missing ones, stops idle extras at once and busy extras once they answer.
   */
  public setProvisioned(count: number): void {
    const current = this.provisionedCount;
    if (count > current) {
      this.provision(count - current);
      return;
    }
    let extra = current - count;
    const candidates = [...this.environments].filter((env) => env.provisioned && env.state !== 'dead' && !this.retiring.has(env));
    // Idle and starting ones first: a busy one is retired after its invocation.
    candidates.sort((a, b) => Number(a.state === 'busy' || a.claimed) - Number(b.state === 'busy' || b.claimed));
    for (const env of candidates) {
      if (extra-- <= 0) break;
      if (env.state === 'busy' || env.claimed) {
        this.retiring.add(env);
      } else {
        this.environments.delete(env);
        env.state = 'dead';
        void env.kill();
      }
    }
  }

  /**
   * Starts `count` environments ahead of any request, as provisioned concurrency does
   * (within the function's limit). They initialise in the background and stay warm.
   */
  public provision(count: number): void {
    const room = this.options.budget.limit - this.options.budget.environments;
    for (let i = 0; i < Math.min(count, room); i++) {
      const env = new ExecutionEnvironment(this.spec, this.api, this.options.onOutput, true, this.options.prestarted);
      this.environments.add(env);
      env.start();
    }
  }

  /**
   * Runs an invocation in a warm environment, or a new one (cold start). With `waitForSlot`, an
   * invocation beyond the function's concurrency waits for a running one to finish instead of
   * being throttled (the asynchronous queue: Lambda holds such events until it can run them);
   * `signal` abandons the wait (PoolClosedError).
   */
  public async invoke(request: InvocationRequest, waitForSlot = false, signal?: AbortSignal): Promise<InvocationOutcome> {
    if (this.closed) throw new PoolClosedError();
    const budget = this.options.budget;
    await budget.take(waitForSlot, signal);
    let env: ExecutionEnvironment | undefined;
    try {
      // It may have waited for a slot while watch mode replaced this pool.
      if (this.closed) throw new PoolClosedError();
      env = this.acquire();
      return await env.invoke(request);
    } finally {
      budget.release();
      if (env && this.retiring.delete(env)) {
        this.environments.delete(env);
        env.state = 'dead';
        void env.kill();
      } else if (env?.state === 'dead') {
        this.environments.delete(env);
        void env.kill();
        // Provisioned concurrency replaces a failed environment ahead of the next request.
        if (env.provisioned && !this.closed) this.provision(1);
      }
    }
  }

  private acquire(): ExecutionEnvironment {
    for (const env of this.environments) {
      if (env.state === 'dead') this.environments.delete(env);
    }
    // Prefer the most recently used warm environment, as Lambda tends to.
    let idle: ExecutionEnvironment | undefined;
    for (const env of this.environments) {
      if (env.state === 'idle' && (!idle || env.lastUsed > idle.lastUsed)) idle = env;
    }
    if (idle) {
      idle.state = 'busy';
      return idle;
    }
    // A provisioned environment still initialising takes the request once ready, rather than a cold start.
    for (const env of this.environments) {
      if (env.provisioned && env.state === 'starting' && !env.claimed) return env;
    }
    if (this.options.budget.environments >= this.options.budget.limit) this.options.budget.evictIdle(this);
    const env = new ExecutionEnvironment(this.spec, this.api, this.options.onOutput, false, this.options.prestarted);
    this.environments.add(env);
    env.start();
    return env;
  }

  /** Stops the least recently used idle environment; false when none is idle. */
  public evictIdle(): boolean {
    let oldest: ExecutionEnvironment | undefined;
    for (const env of this.environments) {
      if (env.state === 'idle' && !env.provisioned && (!oldest || env.lastUsed < oldest.lastUsed)) oldest = env;
    }
    if (!oldest) return false;
    this.environments.delete(oldest);
    oldest.state = 'dead';
    void oldest.kill();
    return true;
  }

  private reap(): void {
    const now = Date.now();
    for (const env of this.environments) {
      if (env.state === 'dead' || (env.state === 'idle' && !env.provisioned && now - env.lastUsed > this.options.idleTimeoutMs)) {
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
