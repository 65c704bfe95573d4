import type { ChildProcessByStdio } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { LambdakitError } from '../errors';
import type { NextEvent, ReplyRefusal, ResponseStreamSink, RuntimeApiServer, RuntimeReply, StreamedError } from './runtime-api';
import { findExecutable, unshim } from './executables';
import { killEnvironment, placeEnvironment, reapEnvironment, spawnEnvironment, type PrestartedProcess } from './supervisor';

/** Everything an execution environment needs, with values already local. */
export interface EnvironmentSpec {
  /** Construct path, for messages. */
  readonly label: string;
  readonly functionName: string;
  /** `$LATEST` or a version number. */
  readonly version: string;
  readonly runtime: string;
  readonly handler: string;
  readonly codeDir: string;
  readonly layerDirs: readonly string[];
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** The full process environment of the runtime (Lambda's variables and the function's own). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * `LoggingConfig.SystemLogLevel` of a function logging in JSON: platform lines less severe than
   * this are left out of the log (START, END and REPORT are INFO), as Lambda leaves them out of CloudWatch.
   * @default - every platform line is kept (text format)
   */
  readonly systemLogLevel?: 'DEBUG' | 'INFO' | 'WARN';
}

/**
 * Where an environment may find a runtime process started ahead of it (lib/local/prewarm.ts):
 * one that has done what does not depend on the function and waits to be placed.
 */
export interface PrestartedProcesses {
  /** A process started for what `spec` runs, taken for good; undefined when there is none. */
  take(spec: EnvironmentSpec): PrestartedProcess | undefined;
}

/** Severity of Lambda's system log levels, least severe first. */
const SYSTEM_LEVELS = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 } as const;

export interface InvocationRequest {
  readonly requestId: string;
  readonly payload: Buffer;
  readonly invokedFunctionArn: string;
  /** Client context as JSON text (already decoded from base64). */
  readonly clientContext?: string;
  /**
   * Receives a streamed response (a handler wrapped in `awslambda.streamifyResponse`) as it arrives.
   * @default - a streamed response is gathered into the outcome's payload, as Lambda's Invoke does
   */
  readonly stream?: ResponseStreamListener;
}

/** Who takes a streamed response's chunks as the runtime sends them (InvokeWithResponseStream, a streaming function URL). */
export interface ResponseStreamListener {
  /** The response begins, with the Content-Type the runtime declared (`application/vnd.awslambda.http-integration-response` after `HttpResponseStream.from`). */
  start?(contentType: string): void;
  /** A chunk, in order. */
  chunk(chunk: Buffer): void;
  /** Most bytes the response may have; past it the invocation fails with `Function.ResponseSizeTooLarge`. @default STREAMED_RESPONSE_LIMIT */
  readonly limitBytes?: number;
}

/**
 * A streamed response's size limit: 200 MB, Lambda's default since July 2025 (it was a 20 MB soft
 * limit before; "The maximum response payload size is 200 MB", Lambda developer guide,
 * config-rs-invoke-furls). Lambda's bandwidth cap after the first 6 MB (2 MBps) is not applied.
 */
export const STREAMED_RESPONSE_LIMIT = 200 * 1024 * 1024;

/** How one invocation went, with its log as CloudWatch would show it. */
export interface InvocationOutcome {
  readonly requestId: string;
  /** False when the function failed: the payload is then the error object. */
  readonly ok: boolean;
  readonly payload: Buffer;
  readonly errorType?: string;
  readonly log: string;
  /**
   * The log with the platform lines (START, END, REPORT) that the function's system log level
   * left out of `log`, for local tools (dev's console shows START to REPORT).
   * @default - nothing was left out: `log` is the whole log
   */
  readonly fullLog?: string;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly initDurationMs?: number;
  readonly maxMemoryUsedMb: number;
  readonly memoryMb: number;
  readonly cold: boolean;
  readonly version: string;
  /**
   * Set when the runtime streamed its response: the Content-Type it declared and the bytes it sent.
   * With a `stream` listener the chunks went to it and `payload` is empty (or the error object).
   * @default - a buffered response
   */
  readonly streamed?: { readonly contentType: string; readonly bytes: number };
}

const BOOTSTRAP_DIR = path.join(__dirname, 'bootstrap');
/** Lambda gives init this long at most (on-demand), separately from the function timeout. */
const INIT_LIMIT_MS = 10_000;
const MEMORY_SAMPLE_MS = 50;

const pythons = new Map<string, string>();

/**
 * The `python3` on the function's PATH, past a pyenv shim to the interpreter it would run: the shim
 * runs bash and pyenv first, which cost a tenth of a second per cold start and add pyenv's own
 * variables to the function's environment (and reorder it).
 */
function python3(searchPath: string | undefined): string {
  const key = `${searchPath}\0${process.cwd()}`;
  let found = pythons.get(key);
  if (found === undefined) {
    const shim = findExecutable('python3', { PATH: searchPath ?? process.env.PATH });
    found = shim ? unshim(shim) : 'python3';
    pythons.set(key, found);
  }
  return found;
}

/** The command that starts a runtime's client in an environment. */
export function runtimeCommand(spec: Pick<EnvironmentSpec, 'runtime' | 'codeDir' | 'memoryMb' | 'label' | 'environment'>): { command: string; args: string[] } {
  if (spec.runtime.startsWith('nodejs')) {
    return { command: process.execPath, args: [`--max-old-space-size=${spec.memoryMb}`, path.join(BOOTSTRAP_DIR, 'node.mjs')] };
  }
  if (spec.runtime.startsWith('python')) return { command: python3(spec.environment.PATH), args: ['-u', path.join(BOOTSTRAP_DIR, 'python.py')] };
  if (spec.runtime.startsWith('provided')) {
    const bootstrap = path.join(spec.codeDir, 'bootstrap');
    if (!fs.existsSync(bootstrap)) {
      throw new LambdakitError(`the ${spec.runtime} function has no \`bootstrap\` executable at the root of its code`, { code: 'BootstrapMissing', path: spec.label, file: bootstrap });
    }
    return bootstrapCommand(bootstrap);
  }
  throw new LambdakitError(`runtime ${spec.runtime} cannot run locally (supported: nodejs*, python*, provided*)`, { code: 'RuntimeUnsupported', path: spec.label, value: spec.runtime });
}

/**
 * How to start a `bootstrap`. On Amazon Linux 2023 /bin/sh is bash, so a
 * `#!/bin/sh` script may use bash (`set -o pipefail`, as the AWS documentation's
 * own runtime does); where sh is dash it would fail locally, so such a script
 * runs with bash from PATH, with the shebang's arguments. Anything else is
 * executed as it is.
 */
export function bootstrapCommand(bootstrap: string): { command: string; args: string[] } {
  const direct = { command: bootstrap, args: [] };
  let first: string;
  try {
    const fd = fs.openSync(bootstrap, 'r');
    const head = Buffer.alloc(256);
    const read = fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    first = head.subarray(0, read).toString('latin1').split('\n')[0];
  } catch {
    return direct;
  }
  const shebang = /^#!\s*(\/bin\/sh|\/usr\/bin\/sh|\/usr\/bin\/env\s+sh)(?:\s+(.*))?$/.exec(first.trimEnd());
  if (!shebang) return direct;
  const bash = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir || '.', 'bash')).find((candidate) => fs.existsSync(candidate));
  if (!bash) return direct;
  return { command: bash, args: [...(shebang[2] ? shebang[2].split(/\s+/) : []), bootstrap] };
}

/** Peak and current resident memory of a process in MB, from /proc (Linux); undefined elsewhere. */
function memoryOf(pid: number | undefined): { rssMb: number; peakMb: number } | undefined {
  if (!pid) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

interface Current {
  readonly request: InvocationRequest;
  readonly resolve: (outcome: InvocationOutcome) => void;
  readonly log: string[];
  /** Platform lines the system log level kept out of `log`, each with the position it would have had there. */
  readonly leftOut: Array<readonly [number, string]>;
  readonly cold: boolean;
  deliveredAt?: number;
  timer?: NodeJS.Timeout;
  sampler?: NodeJS.Timeout;
  done: boolean;
  /** The runtime's reply, held until the function's last log lines are read (see onReply). */
  reply?: { readonly ok: boolean; readonly body: Buffer; readonly errorType?: string; readonly at: number };
  /** A streamed response under way or done; `chunks` gathers it when nobody listens. */
  streaming?: { readonly contentType: string; bytes: number; readonly chunks?: Buffer[] };
}

/**
 * One execution environment: a runtime process, initialised once and reused
 * for one invocation at a time, talking to lambdakit through the Runtime API.
 * Faults (timeout, memory, exit, init errors) end the environment and are
 * reported with the error types Lambda uses.
 */
export class ExecutionEnvironment {
  /** Its id, which its processes carry as their environment marker: a prestarted process's own, when it runs in one. */
  public get id(): string {
    return this.environmentId;
  }
  public state: 'starting' | 'idle' | 'busy' | 'dead' = 'starting';
  public lastUsed = Date.now();
  /** Invocations served: 0 until the first one (a cold start). */
  public invocations = 0;

  private environmentId: string = randomUUID();
  private child?: ChildProcessByStdio<null, Readable, Readable>;
  private startedAt = 0;
  private initDurationMs?: number;
  private waiting?: (event: NextEvent) => void;
  private current?: Current;
  private initLog: string[] = [];
  private stderrTail = '';
  private oomKilled = false;
  private timedOut = false;
  private initTimer?: NodeJS.Timeout;
  private exited?: Promise<void>;
  private peak?: { mb: number; at: number };
  /** Whether the function's output so far ends mid-line (no final newline yet). */
  private midLine = false;
  /** Set by kill(): a process not spawned yet is not spawned at all. */
  private killRequested = false;
  /**
   * Where the runtime is in Lambda's runtime state machine (rapid's names), which decides how a
   * reply is answered: only a runtime `Running` an invocation may post its response or error.
   */
  private runtimeState: 'Started' | 'Ready' | 'Running' | 'RuntimeResponseSentState' = 'Started';

  /**
   * @param provisioned an environment of provisioned concurrency: initialised ahead of any request,
   *   so its first invocation is not a cold start, and never reclaimed for being idle
   * @param prestarted where to take a runtime process started ahead of it
   */
  constructor(
    private readonly spec: EnvironmentSpec,
    private readonly api: RuntimeApiServer,
    private readonly onOutput: (text: string) => void = () => {},
    public readonly provisioned = false,
    private readonly prestarted?: PrestartedProcesses,
  ) {}

  /** Whether an invocation is assigned to it (a starting environment may have none yet). */
  public get claimed(): boolean {
    return this.current !== undefined;
  }

  /**
   * Starts the environment: its own Runtime API endpoint, then the runtime
   * process (a prestarted one placed in it, or a new one); init runs from here
   * until the process first asks for an event. Throws at once (a
   * LambdakitError) when the runtime cannot run here.
   */
  public start(): void {
    const { command, args } = runtimeCommand(this.spec);
    this.startedAt = performance.now();
    const prestarted = this.prestarted?.take(this.spec);
    // The process was marked with its own id at spawn; the environment takes that id.
    if (prestarted) this.environmentId = prestarted.id;
    this.exited = this.launch(command, args, prestarted);
    this.initTimer = setTimeout(() => {
      if (this.state === 'starting') {
        this.timedOut = true;
        this.stopProcesses();
      }
    }, Math.max(INIT_LIMIT_MS, this.spec.timeoutSeconds * 1000));
    this.initTimer.unref();
  }

  /** Opens the endpoint, spawns the runtime (or places the prestarted one) and resolves once the process has ended. */
  private async launch(command: string, args: string[], prestarted: PrestartedProcess | undefined): Promise<void> {
    const abandon = async () => {
      if (!prestarted) return;
      killEnvironment(prestarted.child);
      await reapEnvironment(this.id, prestarted.child.pid);
    };
    let address: string;
    try {
      address = await this.api.open(this.id, {
        next: (deliver) => this.onNext(deliver),
        refuses: (reply) => this.refuses(reply),
        reply: (reply) => this.onReply(reply),
        stream: (requestId, contentType) => this.onStream(requestId, contentType),
        // A response may stream for as long as the function runs; the timeout below ends it.
        longestRequestMs: this.spec.timeoutSeconds * 1000 + 5_000,
      });
    } catch (error) {
      await abandon();
      this.onExit(null, null, (error as Error).message);
      return;
    }
    if (this.killRequested) {
      await abandon();
      this.onExit(null, 'SIGKILL');
      return;
    }
    const options = {
      cwd: this.spec.codeDir,
      env: {
        ...this.spec.environment,
        AWS_LAMBDA_RUNTIME_API: address,
        ...(this.provisioned ? { AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency' } : {}),
      },
    };
    const child = prestarted ? placeEnvironment(prestarted, options) : spawnEnvironment(this.id, command, args, options);
    this.child = child;
    child.stdout.on('data', (chunk: Buffer) => this.output(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.stderrTail = (this.stderrTail + text).slice(-4096);
      this.output(text);
    });
    await new Promise<void>((resolve) => {
      // A prestarted process may have ended between being taken and being placed.
      if (child.exitCode !== null || child.signalCode !== null) {
        this.onExit(child.exitCode, child.signalCode);
        resolve();
        return;
      }
      child.once('exit', (code, signal) => {
        this.onExit(code, signal);
        resolve();
      });
      child.once('error', (error) => {
        this.output(`${error.message}\n`);
        this.onExit(null, null, error.message);
        resolve();
      });
    });
    // The invocation has its outcome; what the handler started goes with the environment.
    await reapEnvironment(this.id, child.pid);
  }

  /** Runs one invocation. The environment must be idle or starting. */
  public invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    if (this.state === 'dead') return Promise.reject(new Error('environment is dead'));
    return new Promise((resolve) => {
      const cold = this.invocations === 0 && !this.provisioned;
      this.invocations++;
      const log = cold ? this.initLog : [];
      this.initLog = [];
      this.current = { request, resolve, log, leftOut: [], cold, done: false };
      this.platformLine(`START RequestId: ${request.requestId} Version: ${this.spec.version}\n`);
      if (this.state !== 'starting') this.state = 'busy';
      if (this.waiting) {
        const deliver = this.waiting;
        this.waiting = undefined;
        this.deliver(deliver);
      }
    });
  }

  /** Stops the process (idempotent) and waits for it to exit. */
  public async kill(): Promise<void> {
    this.killRequested = true;
    this.stopProcesses();
    await this.exited;
  }

  /** SIGKILLs the runtime process with its process group; the exit handler then sweeps what escaped the group. */
  private stopProcesses(): void {
    if (this.child) killEnvironment(this.child);
  }

  /**
   * The process's peak resident memory (VmHWM). It only grows, so a reading
   * taken in the last 100 ms is reused: reading /proc on every warm
   * invocation costs more than the invocation itself.
   */
  private peakMemoryMb(): number {
    const now = performance.now();
    if (!this.peak || now - this.peak.at > 100) {
      const memory = memoryOf(this.child?.pid);
      if (memory) this.peak = { mb: memory.peakMb, at: now };
    }
    return this.peak?.mb ?? 0;
  }

  /**
   * A line the platform (not the function) writes to the invocation's log: START, END, REPORT,
   * timeouts. It always starts a line of its own: output the runtime left without a final
   * newline is ended first, as CloudWatch keeps the two apart.
   */
  private platformLine(text: string, level: keyof typeof SYSTEM_LEVELS = 'INFO'): void {
    if (this.spec.systemLogLevel && SYSTEM_LEVELS[level] < SYSTEM_LEVELS[this.spec.systemLogLevel]) {
      this.current?.leftOut.push([this.current.log.length, text]);
      return;
    }
    const log = this.current?.log;
    if (log && log.length > 0 && !log[log.length - 1].endsWith('\n')) log.push('\n');
    if (this.midLine) {
      this.midLine = false;
      this.onOutput('\n');
    }
    log?.push(text);
    this.onOutput(text);
  }

  private output(text: string): void {
    if (text.length === 0) return;
    if (this.current && !this.current.done) this.current.log.push(text);
    else this.initLog.push(text);
    this.midLine = !text.endsWith('\n');
    this.onOutput(text);
  }

  private onNext(deliver: (event: NextEvent) => void): void {
    // As in rapid, asking again while running an invocation leaves it running: its answer is still awaited.
    if (this.runtimeState !== 'Running') this.runtimeState = 'Ready';
    if (this.state === 'starting') {
      this.initDurationMs = performance.now() - this.startedAt;
      if (this.initTimer) clearTimeout(this.initTimer);
      this.state = this.current ? 'busy' : 'idle';
    }
    if (this.current && this.current.deliveredAt === undefined) this.deliver(deliver);
    else this.waiting = deliver;
  }

  private deliver(deliver: (event: NextEvent) => void): void {
    const current = this.current!;
    current.deliveredAt = performance.now();
    this.runtimeState = 'Running';
    const deadlineMs = Date.now() + this.spec.timeoutSeconds * 1000;
    current.timer = setTimeout(() => {
      this.timedOut = true;
      this.stopProcesses();
    }, this.spec.timeoutSeconds * 1000);
    current.timer.unref();
    current.sampler = setInterval(() => {
      const memory = memoryOf(this.child?.pid);
      if (memory) this.peak = { mb: memory.peakMb, at: performance.now() };
      if (memory && memory.rssMb > this.spec.memoryMb) {
        this.oomKilled = true;
        this.stopProcesses();
      }
    }, MEMORY_SAMPLE_MS);
    current.sampler.unref();
    deliver({
      requestId: current.request.requestId,
      payload: current.request.payload,
      deadlineMs,
      invokedFunctionArn: current.request.invokedFunctionArn,
      traceId: `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Parent=${randomUUID().replace(/-/g, '').slice(0, 16)};Sampled=0`,
      clientContext: current.request.clientContext,
    });
  }

  /**
   * Whether a response or error is refused, as Lambda's Runtime API refuses it (rapid, in the Runtime
   * Interface Emulator): a runtime not running an invocation (still initialising, waiting for an event,
   * or having answered already) gets a 403 InvalidStateTransition; one running an invocation that
   * names another request id gets a 400 InvalidRequestID — and so does a reply to an invocation
   * that timed out or ran out of memory, whose environment is being killed: it never reaches the caller.
   */
  private refuses(reply: RuntimeReply): ReplyRefusal | undefined {
    if (reply.kind === 'init-error') return undefined;
    const invalidRequestId: ReplyRefusal = { status: 400, errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' };
    if (this.timedOut || this.oomKilled || this.killRequested || this.state === 'dead') return invalidRequestId;
    if (this.runtimeState !== 'Running') {
      const to = reply.kind === 'response' ? 'InvocationResponse' : 'InvocationErrorResponse';
      return { status: 403, errorType: 'InvalidStateTransition', errorMessage: `State transition from ${this.runtimeState} to ${to} failed for runtime. Error: State transition is not allowed` };
    }
    const current = this.current;
    if (!current || current.done || current.reply || current.request.requestId !== reply.requestId) return invalidRequestId;
    return undefined;
  }

  private onReply(reply: RuntimeReply): void {
    const current = this.current;
    if (reply.kind === 'init-error') {
      const body = reply.body.length ? reply.body : Buffer.from(JSON.stringify({ errorType: reply.errorType, errorMessage: 'init failed' }));
      if (current && !current.done) this.finish(false, body, reply.errorType);
      this.state = 'dead';
      this.stopProcesses();
      return;
    }
    if (this.refuses(reply)) return;
    if (!current || current.done || current.reply) return;
    this.runtimeState = 'RuntimeResponseSentState';
    this.replied(current, reply.kind === 'response' ? { ok: true, body: reply.body } : { ok: false, body: reply.body, errorType: reply.errorType });
  }

  /**
   * The function is done: stop its clock now. Its last log lines were written to the stdout pipe
   * before this request, but may be read after it; finishing on the next turn lets this poll
   * phase deliver them, so they land before END as in CloudWatch.
   */
  private replied(current: Current, reply: { readonly ok: boolean; readonly body: Buffer; readonly errorType?: string }): void {
    if (current.timer) clearTimeout(current.timer);
    if (current.sampler) clearInterval(current.sampler);
    current.reply = { ...reply, at: performance.now() };
    setImmediate(() => this.finishReplied(current));
  }

  /**
   * A streamed response begins (the Runtime API asked `refuses` first). Its chunks go to the
   * invocation's listener as they arrive; the function's clock, timeout and memory watch run on
   * until the stream ends, as on Lambda, where a streaming invocation lasts until its last byte.
   * Once the runtime has begun its response, another response or error is an invalid transition.
   */
  private onStream(_requestId: string, contentType: string): ResponseStreamSink {
    const current = this.current!;
    this.runtimeState = 'RuntimeResponseSentState';
    const listener = current.request.stream;
    const limit = listener?.limitBytes ?? STREAMED_RESPONSE_LIMIT;
    const streaming = { contentType, bytes: 0, chunks: listener ? undefined : ([] as Buffer[]) };
    current.streaming = streaming;
    listener?.start?.(contentType);
    const open = () => this.current === current && !current.done && !current.reply;
    return {
      write: (chunk) => {
        if (!open()) return false;
        streaming.bytes += chunk.length;
        if (streaming.bytes > limit) {
          const body = { errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size exceeded maximum allowed payload size (${limit} bytes).` };
          this.replied(current, { ok: false, body: Buffer.from(JSON.stringify(body)), errorType: body.errorType });
          return false;
        }
        if (listener) listener.chunk(chunk);
        else streaming.chunks!.push(chunk);
        return true;
      },
      end: ({ error, aborted }: { readonly error?: StreamedError; readonly aborted?: boolean }) => {
        // A stream cut without its end leaves the outcome to the process: its exit, or the timeout.
        if (!open() || aborted) return;
        if (error) this.replied(current, { ok: false, body: error.body, errorType: error.errorType });
        else this.replied(current, { ok: true, body: streaming.chunks ? Buffer.concat(streaming.chunks) : Buffer.alloc(0) });
      },
    };
  }

  private finishReplied(current: Current): void {
    if (this.current !== current || current.done || !current.reply) return;
    this.finish(current.reply.ok, current.reply.body, current.reply.errorType);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, spawnError?: string): void {
    this.api.release(this.id);
    if (this.initTimer) clearTimeout(this.initTimer);
    const wasStarting = this.state === 'starting';
    this.state = 'dead';
    const current = this.current;
    if (!current || current.done) return;
    if (current.reply) {
      // It answered before exiting: the answer stands; the pool replaces the environment.
      this.finishReplied(current);
      return;
    }
    const id = current.request.requestId;
    if (this.timedOut) {
      const seconds = wasStarting && current.deliveredAt === undefined ? Math.max(INIT_LIMIT_MS / 1000, this.spec.timeoutSeconds) : this.spec.timeoutSeconds;
      const message = `${new Date().toISOString()} ${id} Task timed out after ${seconds.toFixed(2)} seconds`;
      // The one platform line saying the function timed out: kept at every system log level.
      this.platformLine(`${message}\n`, 'ERROR');
      this.finish(false, Buffer.from(JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${id} Error: Task timed out after ${seconds.toFixed(2)} seconds` })), 'Sandbox.Timedout', 'timeout');
      return;
    }
    const how = spawnError ? `could not start: ${spawnError}` : signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code}`;
    const oom = this.oomKilled || /heap out of memory|MemoryError/.test(this.stderrTail);
    const errorType = oom ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
    this.finish(false, Buffer.from(JSON.stringify({ errorType, errorMessage: `RequestId: ${id} Error: Runtime exited with error: ${how}` })), errorType, oom ? 'error' : 'error');
  }

  private finish(ok: boolean, payload: Buffer, errorType?: string, status?: 'timeout' | 'error'): void {
    const current = this.current!;
    current.done = true;
    if (current.timer) clearTimeout(current.timer);
    if (current.sampler) clearInterval(current.sampler);
    const end = current.reply?.at ?? performance.now();
    const durationMs = current.deliveredAt === undefined ? 0 : end - current.deliveredAt;
    const maxMemoryUsedMb = Math.round(this.peakMemoryMb());
    const initDurationMs = current.cold ? this.initDurationMs ?? (current.deliveredAt === undefined ? end - this.startedAt : undefined) : undefined;
    // Since August 2025 Lambda bills the INIT phase of on-demand invocations too: a cold start's billed duration includes it.
    const billedDurationMs = Math.max(1, Math.ceil(durationMs + (initDurationMs ?? 0)));
    const report = [
      `REPORT RequestId: ${current.request.requestId}`,
      `Duration: ${durationMs.toFixed(2)} ms`,
      `Billed Duration: ${billedDurationMs} ms`,
      `Memory Size: ${this.spec.memoryMb} MB`,
      `Max Memory Used: ${maxMemoryUsedMb} MB`,
      ...(initDurationMs !== undefined ? [`Init Duration: ${initDurationMs.toFixed(2)} ms`] : []),
      ...(status ? [`Status: ${status}`] : []),
    ].join('\t');
    this.platformLine(`END RequestId: ${current.request.requestId}\n`);
    this.platformLine(`${report}\t\n`);
    this.current = undefined;
    this.lastUsed = Date.now();
    if (this.state === 'busy') this.state = 'idle';
    current.resolve({
      requestId: current.request.requestId,
      ok,
      payload,
      errorType,
      log: current.log.join(''),
      ...(current.leftOut.length ? { fullLog: withPlatformLines(current.log, current.leftOut) } : {}),
      durationMs,
      billedDurationMs,
      initDurationMs,
      maxMemoryUsedMb,
      memoryMb: this.spec.memoryMb,
      cold: current.cold,
      version: this.spec.version,
      ...(current.streaming ? { streamed: { contentType: current.streaming.contentType, bytes: current.streaming.bytes } } : {}),
    });
  }
}

/** A log with the platform lines left out of it put back where they were written, each on a line of its own. */
function withPlatformLines(log: readonly string[], leftOut: ReadonlyArray<readonly [number, string]>): string {
  const parts: string[] = [];
  let next = 0;
  for (let i = 0; i <= log.length; i++) {
    while (next < leftOut.length && leftOut[next][0] === i) {
      if (parts.length && !parts[parts.length - 1].endsWith('\n')) parts.push('\n');
      parts.push(leftOut[next++][1]);
    }
    if (i < log.length) parts.push(log[i]);
  }
  return parts.join('');
}
