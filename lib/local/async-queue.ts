import { randomUUID } from 'node:crypto';
import type { AsyncInvokeModel, FunctionModel } from '../assembly/model';
import type { TemplateResolver } from '../assembly/resolve';
import type { AsyncJournal, JournalEvent } from './async-journal';
import type { DestinationMessage, Destinations } from './destinations';
import { drainRunning } from './deadline';
import type { InvocationOutcome } from './environment';
import { ThrottledError } from './pool';
import { ResolveError, functionKey, type ResolvedTarget } from './target';

/** What the queue needs of the local runtime: resolving names and running one invocation. */
export interface AsyncInvoker {
  resolve(functionName: string, qualifier?: string): ResolvedTarget;
  invoke(target: ResolvedTarget, payload: Buffer, options: { trigger: string; requestId: string; waitForEnvironment: boolean; signal: AbortSignal }): Promise<InvocationOutcome>;
  functionArn(fn: FunctionModel, qualifier?: string): string;
}

export interface AsyncQueueOptions {
  readonly invoker: AsyncInvoker;
  readonly resolver: TemplateResolver;
  /** Where dead letters and destination records go. */
  readonly destinations: Destinations;
  /**
   * Waits before the first and the second retry. AWS waits about one, then two minutes;
   * tests and `dev --fast-retries` shorten them.
   * @default [60000, 120000]
   */
  readonly retryDelaysMs?: readonly number[];
  /** Wait before retrying a throttled event. @default 1000 */
  readonly throttleDelayMs?: number;
  /**
   * Write-ahead journal: accepted events survive a crash or a stop and resume on the next
   * start. @default - none: events live in memory only, and a stop reports those it drops
   */
  readonly journal?: AsyncJournal;
  /** Told about every delivery to a DLQ or destination, and every failure to deliver. */
  readonly onDelivery?: (entry: DeliveryEntry) => void;
  /** Told about resumed events and events kept for a later start. */
  readonly onNotice?: (message: string) => void;
}

export interface DeliveryEntry {
  readonly requestId: string;
  readonly function: string;
  readonly kind: 'dead-letter' | 'on-failure' | 'on-success';
  readonly targetArn: string;
  readonly error?: string;
}

/** What close() leaves: events not finished, kept in the journal for the next start or (without one) dropped. */
export interface AsyncQueueReport {
  /** Events dropped: without a journal, those not finished by the end of the drain. */
  readonly undelivered: number;
  /** Events kept in the journal; they resume when lambdakit starts again. */
  readonly kept: number;
  /** The request ids of the events not finished. */
  readonly requestIds: string[];
  /** The journal file holding the kept events. */
  readonly journalFile?: string;
}

interface QueuedEvent {
  readonly requestId: string;
  readonly target: ResolvedTarget;
  readonly payload: Buffer;
  readonly trigger: string;
  readonly enqueuedAt: number;
  attempts: number;
  notBefore: number;
  timer?: NodeJS.Timeout;
}

const DEFAULTS: AsyncInvokeModel = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };

function parse(buffer: Buffer | string): unknown {
  try {
    return JSON.parse(buffer.toString());
  } catch {
    return buffer.toString();
  }
}

/**
 * Lambda's asynchronous invocation queue: events accepted with 202 run in the
 * background, failures are retried as the function's (or alias's) event
 * invoke config says, throttled events wait for a free environment within the
 * event's maximum age, and exhausted events go to the on-failure destination
 * or the dead-letter queue with the record and attributes AWS uses. With a
 * journal, accepted events outlive a crash or a stop of lambdakit.
 */
export class AsyncQueue {
  private readonly pending = new Map<string, QueuedEvent>();
  /** Journaled events whose function is not in this assembly: kept, not run, not lost. */
  private readonly held: JournalEvent[] = [];
  private readonly running = new Set<Promise<void>>();
  private closing = false;
  /** Aborted by close(): events still waiting for a free environment then stay queued for the next start. */
  private readonly stopping = new AbortController();
  /** Set when close() stops waiting: outcomes that arrive later (environments killed) do not count. */
  private abandoned = false;

  constructor(private readonly options: AsyncQueueOptions) {}

  /** Events accepted and not finished (waiting, running or between retries). */
  public get size(): number {
    return this.pending.size;
  }

  /** Runs the events the journal recovered from earlier runs (call once, after the runtime is up). */
  public resume(): void {
    const recovered = this.options.journal?.recovered ?? [];
    for (const record of recovered) {
      let target: ResolvedTarget;
      try {
        target = this.options.invoker.resolve(record.function, record.qualifier);
      } catch (error) {
        if (!(error instanceof ResolveError)) throw error;
        this.held.push(record);
        continue;
      }
      const event: QueuedEvent = { ...record, target };
      this.pending.set(event.requestId, event);
      this.schedule(event, Math.max(0, record.notBefore - Date.now()));
    }
    if (recovered.length > 0) {
      const run = recovered.length - this.held.length;
      const heldNote = this.held.length ? `; ${this.held.length} for functions not in this assembly are kept in the journal (${[...new Set(this.held.map((h) => h.function))].join(', ')})` : '';
      this.options.onNotice?.(`resuming ${run} asynchronous invocation(s) accepted before the last stop${heldNote}`);
    }
  }

  /** Accepts an event: journaled (when there is a journal) before this returns its request id. */
  public enqueue(target: ResolvedTarget, payload: Buffer, trigger: string): string {
    const now = Date.now();
    const event: QueuedEvent = { requestId: randomUUID(), target, payload, trigger, enqueuedAt: now, attempts: 0, notBefore: now };
    this.options.journal?.accept(this.record(event));
    this.pending.set(event.requestId, event);
    if (!this.closing) this.schedule(event, 0);
    return event.requestId;
  }

  private record(event: QueuedEvent): JournalEvent {
    return {
      requestId: event.requestId,
      function: functionKey(event.target.fn),
      qualifier: event.target.qualifier,
      payload: event.payload,
      trigger: event.trigger,
      enqueuedAt: event.enqueuedAt,
      attempts: event.attempts,
      notBefore: event.notBefore,
    };
  }

  private live(): JournalEvent[] {
    return [...[...this.pending.values()].map((e) => this.record(e)), ...this.held];
  }

  private finished(event: QueuedEvent): void {
    this.pending.delete(event.requestId);
    this.options.journal?.done(event.requestId, () => this.live());
  }

  private config(target: ResolvedTarget): AsyncInvokeModel {
    const alias = target.fn.aliases.find((a) => a.name === target.qualifier);
    return alias?.asyncInvoke ?? target.fn.asyncInvoke ?? DEFAULTS;
  }

  private schedule(event: QueuedEvent, delayMs: number): void {
    event.timer = setTimeout(() => {
      event.timer = undefined;
      const run = this.run(event).finally(() => this.running.delete(run));
      this.running.add(run);
    }, delayMs);
  }

  private async run(event: QueuedEvent): Promise<void> {
    const config = this.config(event.target);
    if (Date.now() - event.enqueuedAt > config.maximumEventAgeSeconds * 1000) {
      await this.exhausted(event, 'EventAgeExceeded', undefined);
      return;
    }
    let outcome: InvocationOutcome;
    try {
      // Beyond the function's concurrency an event waits for a free environment, in order, as Lambda's
      // internal queue holds throttled events (for up to their maximum age) rather than failing them.
      outcome = await this.options.invoker.invoke(event.target, event.payload, { trigger: event.trigger, requestId: event.requestId, waitForEnvironment: true, signal: this.stopping.signal });
    } catch (error) {
      // Stopping: the event stays accepted (in the journal) and runs on the next start.
      if (this.closing) return;
      if (error instanceof ThrottledError) {
        // Throttled events wait for a free environment within their maximum age; they use up no attempt.
        this.schedule(event, this.options.throttleDelayMs ?? 1000);
        return;
      }
      await this.exhausted(event, 'RetriesExhausted', { ok: false, payload: Buffer.from(JSON.stringify({ errorType: 'Error', errorMessage: (error as Error).message })), errorType: 'Error' } as InvocationOutcome);
      return;
    }
    // The environment was killed because lambdakit stopped: not an attempt of the function.
    if (this.abandoned) return;
    event.attempts++;
    if (outcome.ok) {
      await this.deliverRecord(event, 'on-success', this.destination(event.target, 'onSuccess'), 'Success', outcome);
      this.finished(event);
      return;
    }
    const retriesLeft = config.maximumRetryAttempts - (event.attempts - 1);
    if (retriesLeft > 0) {
      const delays = this.options.retryDelaysMs ?? [60_000, 120_000];
      const delay = delays[Math.min(event.attempts - 1, delays.length - 1)] ?? 0;
      event.notBefore = Date.now() + delay;
      this.options.journal?.attempt(event.requestId, event.attempts, event.notBefore);
      if (!this.closing) this.schedule(event, delay);
      return;
    }
    await this.exhausted(event, 'RetriesExhausted', outcome);
  }

  private destination(target: ResolvedTarget, kind: 'onSuccess' | 'onFailure'): string | undefined {
    const raw = this.config(target)[kind];
    return raw === undefined ? undefined : this.options.resolver.resolve(target.fn.stackName, raw);
  }

  private async exhausted(event: QueuedEvent, condition: string, outcome: InvocationOutcome | undefined): Promise<void> {
    const onFailure = this.destination(event.target, 'onFailure');
    if (onFailure) {
      await this.deliverRecord(event, 'on-failure', onFailure, condition, outcome);
    } else {
      const fn = event.target.fn;
      const dlq = fn.deadLetterTarget === undefined ? undefined : this.options.resolver.resolve(fn.stackName, fn.deadLetterTarget);
      if (dlq) await this.deadLetter(event, dlq, outcome);
    }
    this.finished(event);
  }

  /** The invocation record AWS sends to destinations. */
  private invocationRecord(event: QueuedEvent, condition: string, outcome: InvocationOutcome | undefined): Record<string, unknown> {
    return {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: event.requestId,
        functionArn: this.options.invoker.functionArn(event.target.fn, event.target.version),
        condition,
        approximateInvokeCount: event.attempts,
      },
      requestPayload: parse(event.payload),
      responseContext: {
        statusCode: 200,
        executedVersion: event.target.version,
        ...(outcome && !outcome.ok ? { functionError: 'Unhandled' } : {}),
      },
      responsePayload: outcome ? parse(outcome.payload) : null,
    };
  }

  private async deliverRecord(event: QueuedEvent, kind: 'on-success' | 'on-failure', arn: string | undefined, condition: string, outcome: InvocationOutcome | undefined): Promise<void> {
    if (!arn) return;
    const body = JSON.stringify(this.invocationRecord(event, condition, outcome));
    await this.send(event, kind, arn, { body, detailType: kind === 'on-success' ? 'Lambda Function Invocation Result - Success' : 'Lambda Function Invocation Result - Failure' });
  }

  private async deadLetter(event: QueuedEvent, arn: string, outcome: InvocationOutcome | undefined): Promise<void> {
    const error = outcome ? (parse(outcome.payload) as { errorMessage?: string }) : undefined;
    await this.send(event, 'dead-letter', arn, {
      body: event.payload.toString(),
      attributes: {
        RequestID: { DataType: 'String', StringValue: event.requestId },
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: { DataType: 'String', StringValue: String(error?.errorMessage ?? outcome?.errorType ?? 'Unhandled').slice(0, 1024) },
      },
    });
  }

  private async send(event: QueuedEvent, kind: DeliveryEntry['kind'], arn: string, message: DestinationMessage): Promise<void> {
    const entry = { requestId: event.requestId, function: event.target.fn.constructPath, kind, targetArn: arn };
    try {
      await this.options.destinations.send(arn, message, event.target.fn.constructPath);
      this.options.onDelivery?.(entry);
    } catch (error) {
      this.options.onDelivery?.({ ...entry, error: (error as Error).message });
    }
  }

  /**
   * Stops the queue: no new attempts start, attempts already running get up to
   * `drainMs` to finish (`signal` cuts the wait short). Events not finished stay
   * in the journal for the next start; without a journal they are reported.
   */
  public async close(drainMs: number, signal?: AbortSignal): Promise<AsyncQueueReport> {
    this.closing = true;
    this.stopping.abort();
    for (const event of this.pending.values()) {
      if (event.timer) clearTimeout(event.timer);
      event.timer = undefined;
    }
    const deadline = Date.now() + drainMs;
    await drainRunning(this.running, deadline, signal);
    this.abandoned = true;
    const left = [...this.pending.keys()];
    const journal = this.options.journal;
    journal?.close(this.live());
    await this.options.destinations.close();
    return journal
      ? { undelivered: 0, kept: left.length + this.held.length, requestIds: left, journalFile: left.length + this.held.length > 0 ? journal.file : undefined }
      : { undelivered: left.length, kept: 0, requestIds: left };
  }
}
