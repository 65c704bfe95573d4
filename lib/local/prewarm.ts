import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import { runtimeCommand, type EnvironmentSpec, type PrestartedProcesses } from './environment';
import { killEnvironment, prestartEnvironment, reapEnvironment, type PrestartedProcess } from './supervisor';

/**
 * Variables a Node.js process reads as it starts, before any of the function's code can run
 * (Node's own options and module paths, libuv, the dynamic loader, glibc's allocator, OpenSSL,
 * ICU's locale, the time zone): a prestarted process must have started with the very values the
 * function gives them, so they are part of what it was started for. The rest of the environment
 * is only read later and arrives with the placement.
 */
const STARTUP_VARIABLE = /^(NODE_|UV_|LD_|MALLOC_|GLIBC_|OPENSSL_|SSL_CERT_|LC_)|^(LANG|LANGUAGE|TZ)$/;
/**
 * Python's: the interpreter reads its PYTHON* variables as it starts (PYTHONPATH makes sys.path,
 * PYTHONUNBUFFERED the streams, PYTHONHASHSEED the hashes...), with the loader's and the locale's;
 * and PATH finds the `python3` that runs (the function's PATH, layers' bin first).
 */
const PYTHON_STARTUP_VARIABLE = /^(PYTHON|LD_|MALLOC_|GLIBC_|LC_)|^(PATH|LANG|LANGUAGE|TZ)$/;

/** Marks a process started to wait for its placement (lib/local/bootstrap/node.mjs reads it; placement replaces the whole environment). */
export const PREWARM_VARIABLE = 'LAMBDAKIT_PREWARM';

const BOOTSTRAP_DIR = path.join(__dirname, 'bootstrap');

export interface PrewarmOptions {
  /** Processes kept waiting for each kind (command, arguments and startup variables). @default 1 */
  readonly size?: number;
  /** Kinds kept at most; the least recently used one gives way to a new one. @default 3 */
  readonly kinds?: number;
}

interface Waiting {
  readonly process: PrestartedProcess;
  /** Node.js has started and loaded the bootstrap: it waits on its placement pipe. */
  ready: boolean;
  placed: boolean;
  readonly exited: Promise<void>;
  /** Stops watching it (it is placed). */
  release?: () => void;
}

interface Kind {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly waiting: Set<Waiting>;
  lastUsed: number;
  /** A process of this kind ended before it was ready (a bad NODE_OPTIONS, say): no more are started. */
  broken: boolean;
}

/**
 * Runtime processes (Node.js, Python) started ahead of any function, as Lambda's placement keeps runtimes
 * started: each has done what does not depend on the function (Node.js startup, loading the
 * bootstrap) and waits to be placed in an execution environment, which then gives it the
 * function's environment (variables, working directory, Runtime API) and the handler loads.
 * A kind is what the process was started with: the command, its arguments
 * (`--max-old-space-size` from MemorySize) and the startup variables. Waiting processes are
 * supervised as environments are (lib/local/supervisor.ts) but belong to no function, and do not
 * keep lambdakit's event loop alive. Node.js and Python runtimes are prestarted (lib/local/bootstrap
 * has both wait for their placement); `provided` runtimes are the function's own program: not.
 */
export class PrewarmPool implements PrestartedProcesses {
  private readonly kinds = new Map<string, Kind>();
  private readonly size: number;
  private readonly maxKinds: number;
  private readonly readyWaiters = new Set<() => void>();
  private closed = false;

  constructor(options: PrewarmOptions = {}) {
    this.size = options.size ?? 1;
    this.maxKinds = options.kinds ?? 3;
  }

  /** Processes waiting now (started or ready), over every kind. */
  public get waiting(): number {
    let n = 0;
    for (const kind of this.kinds.values()) n += kind.waiting.size;
    return n;
  }

  /**
   * Starts processes for the kinds these environments need, the most common kinds first, as many
   * kinds as the pool keeps. Specs of other runtimes are ignored.
   */
  public warm(specs: readonly EnvironmentSpec[]): void {
    const counts = new Map<string, { count: number; spec: EnvironmentSpec }>();
    for (const spec of specs) {
      const key = this.keyOf(spec);
      if (!key) continue;
      const entry = counts.get(key.key) ?? { count: 0, spec };
      entry.count++;
      counts.set(key.key, entry);
    }
    const ordered = [...counts.values()].sort((a, b) => b.count - a.count).slice(0, this.maxKinds);
    for (const { spec } of ordered) this.kindOf(spec);
    this.fill();
  }

  /**
   * A process started for `spec`'s kind, taken out of the pool (ready, else still starting), or
   * undefined. The pool refills in the background; a kind it did not have is started for next time.
   */
  public take(spec: EnvironmentSpec): PrestartedProcess | undefined {
    if (this.closed) return undefined;
    const kind = this.kindOf(spec);
    if (!kind) return undefined;
    kind.lastUsed = Date.now();
    let entry: Waiting | undefined;
    for (const candidate of kind.waiting) {
      if (!entry || (candidate.ready && !entry.ready)) entry = candidate;
    }
    // The refill starts on the next turn, once this placement is written.
    setImmediate(() => this.fill());
    if (!entry) return undefined;
    kind.waiting.delete(entry);
    entry.placed = true;
    entry.release?.();
    const { child } = entry.process;
    // From now on it is the environment's, and keeps the event loop alive as a spawned one does.
    child.ref();
    (child.stdout as Socket).ref();
    (child.stderr as Socket).ref();
    this.notifyReady();
    return entry.process;
  }

  /** Resolves once the pool is full: every process it keeps waits ready for its placement (kinds that cannot start aside). */
  public ready(): Promise<void> {
    // The waiting processes do not keep the event loop alive; whoever waits for them does.
    const alive = setInterval(() => undefined, 60_000);
    return new Promise<void>((resolve) => {
      this.readyWaiters.add(resolve);
      this.notifyReady();
    }).finally(() => clearInterval(alive));
  }

  /** Stops the waiting processes and waits for them to be swept. */
  public async close(): Promise<void> {
    this.closed = true;
    const all = [...this.kinds.values()].flatMap((kind) => [...kind.waiting]);
    this.kinds.clear();
    for (const entry of all) {
      // Held alive until it has exited and been swept: close() resolves only then.
      entry.process.child.ref();
      killEnvironment(entry.process.child);
    }
    await Promise.all(all.map((entry) => entry.exited));
    this.notifyReady();
  }

  /** The kind of process `spec` needs, or undefined when its runtime is not prestarted. */
  private keyOf(spec: EnvironmentSpec): { key: string; command: string; args: string[]; env: Record<string, string> } | undefined {
    const startup = spec.runtime.startsWith('nodejs') ? STARTUP_VARIABLE : spec.runtime.startsWith('python') ? PYTHON_STARTUP_VARIABLE : undefined;
    if (!startup) return undefined;
    const { command, args } = runtimeCommand(spec);
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(spec.environment)) if (startup.test(name)) env[name] = value;
    return { key: JSON.stringify([command, args, Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]), command, args, env };
  }

  private kindOf(spec: EnvironmentSpec): Kind | undefined {
    const key = this.keyOf(spec);
    if (!key) return undefined;
    let kind = this.kinds.get(key.key);
    if (!kind) {
      kind = { command: key.command, args: key.args, env: key.env, waiting: new Set(), lastUsed: Date.now(), broken: false };
      this.kinds.set(key.key, kind);
      this.evictBeyondLimit(kind);
    }
    return kind;
  }

  /** Keeps at most `maxKinds` kinds: the least recently used other kind's processes stop. */
  private evictBeyondLimit(keep: Kind): void {
    while (this.kinds.size > this.maxKinds) {
      let oldest: [string, Kind] | undefined;
      for (const entry of this.kinds) if (entry[1] !== keep && (!oldest || entry[1].lastUsed < oldest[1].lastUsed)) oldest = entry;
      if (!oldest) return;
      this.kinds.delete(oldest[0]);
      for (const entry of oldest[1].waiting) killEnvironment(entry.process.child);
    }
  }

  /**
   * Starts one missing process, the kinds in the order they were added: one at a time, the next
   * once it is ready, so that the pool's startups never compete with each other, and a cold start
   * arriving meanwhile competes with one at most.
   */
  private fill(): void {
    if (this.closed) return;
    for (const kind of this.kinds.values()) for (const entry of kind.waiting) if (!entry.ready) return;
    for (const kind of this.kinds.values()) {
      if (!kind.broken && kind.waiting.size < this.size && this.start(kind)) return;
    }
  }

  private start(kind: Kind): boolean {
    const id = randomUUID();
    let prestarted: PrestartedProcess;
    try {
      prestarted = prestartEnvironment(id, kind.command, kind.args, { cwd: BOOTSTRAP_DIR, env: { ...kind.env, [PREWARM_VARIABLE]: '1' } });
    } catch {
      kind.broken = true;
      return false;
    }
    const { child, placement } = prestarted;
    let exited!: () => void;
    const entry: Waiting = { process: prestarted, ready: false, placed: false, exited: new Promise<void>((resolve) => (exited = resolve)) };
    kind.waiting.add(entry);
    // Waiting in the pool, it never keeps lambdakit running; the reaper and the exit hook still stop it.
    child.unref();
    (child.stdout as Socket).unref();
    (child.stderr as Socket).unref();
    (placement as Socket).unref();
    placement.on('error', () => undefined);
    const onReady = () => {
      entry.ready = true;
      this.fill();
      this.notifyReady();
    };
    placement.once('data', onReady);
    const gone = () => {
      entry.release?.();
      kind.waiting.delete(entry);
      if (!entry.ready) kind.broken = true;
      void reapEnvironment(id, child.pid).then(exited);
      this.fill();
      this.notifyReady();
    };
    child.once('exit', gone);
    child.once('error', gone);
    entry.release = () => {
      entry.release = undefined;
      child.removeListener('exit', gone);
      child.removeListener('error', gone);
      placement.removeListener('data', onReady);
    };
    return true;
  }

  private notifyReady(): void {
    if (this.readyWaiters.size === 0 || !this.full()) return;
    for (const resolve of this.readyWaiters) resolve();
    this.readyWaiters.clear();
  }

  /** Every kind that can start has its processes waiting, ready. */
  private full(): boolean {
    if (this.closed) return true;
    for (const kind of this.kinds.values()) {
      if (kind.broken) continue;
      if (kind.waiting.size < this.size) return false;
      for (const entry of kind.waiting) if (!entry.ready) return false;
    }
    return true;
  }
}
