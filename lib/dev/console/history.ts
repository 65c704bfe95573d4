import type { InvocationLogEntry } from '../../local';

/** Where an invocation came from, as the console groups and filters them. */
export type TriggerKind = 'route' | 'queue' | 'stream' | 'topic' | 'bucket' | 'rule' | 'schedule' | 'direct';

/**
 * The kind of a trigger label, as dev's sources write them: `GET /hello` (gateway),
 * `sqs <queue> (n)`, `dynamodb <stream>` / `kinesis <stream>`, `sns <topic>`,
 * `s3 <bucket>/<key>`, `rule <path>`, `schedule <path>`; anything else (the Invoke API,
 * the console, a redrive) is a direct invocation.
 */
export function triggerKind(trigger: string): TriggerKind {
  if (/^[A-Z]+ \//.test(trigger)) return 'route';
  const word = trigger.split(' ', 1)[0];
  switch (word) {
    case 'sqs':
      return 'queue';
    case 'dynamodb':
    case 'kinesis':
      return 'stream';
    case 'sns':
      return 'topic';
    case 's3':
      return 'bucket';
    case 'rule':
      return 'rule';
    case 'schedule':
      return 'schedule';
    default:
      return 'direct';
  }
}

/** One invocation as the feed lists it. */
export interface InvocationSummary {
  /** Position in the history, increasing: the console's handle on it (request ids repeat across async retries). */
  readonly id: number;
  readonly time: string;
  readonly function: string;
  readonly version: string;
  readonly trigger: string;
  readonly triggerKind: TriggerKind;
  readonly requestId: string;
  readonly cold: boolean;
  readonly initDurationMs?: number;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memoryMb: number;
  readonly maxMemoryUsedMb: number;
  readonly status: 'ok' | 'partial' | 'error';
  /** `ok`, the error type, or `partial 1/10 failed`. */
  readonly statusText: string;
}

/** Text kept of an event, response or log: cut to the history's bound, saying how much was left out. */
export interface KeptText {
  readonly text: string;
  /** Bytes left out (0: all of it is here). */
  readonly omittedBytes: number;
}

/** One invocation opened: its event, its response (or error) and its log, START to REPORT. */
export interface InvocationDetail extends InvocationSummary {
  readonly event: KeptText;
  readonly response: KeptText;
  /** START to REPORT: the platform lines included even where the function's system log level keeps them out of CloudWatch. */
  readonly log: KeptText;
  /** Set when the platform lines are here though the function's system log level (WARN for LambdaFunction) leaves them out of CloudWatch. */
  readonly platformLinesAdded?: boolean;
}

export interface HistoryLimits {
  /** Invocations kept; the oldest go first. @default 500 */
  readonly maxEntries?: number;
  /** Bytes kept of each event and each response. @default 32768 */
  readonly maxPayloadBytes?: number;
  /** Bytes kept of each log (its beginning and its end, REPORT included). @default 16384 */
  readonly maxLogBytes?: number;
  /** Bytes kept of all invocations together; the oldest go first past it. @default 16 MiB */
  readonly maxTotalBytes?: number;
}

/** What the history records of each invocation: dev's entry and the status dev's log line shows. */
export interface RecordedInvocation {
  readonly entry: InvocationLogEntry;
  readonly status: 'ok' | 'partial' | 'error';
  readonly statusText: string;
}

type Listener = (summary: InvocationSummary) => void;

/**
 * Keeps the last invocations of a dev run for the console, bounded in count and bytes:
 * events, responses and logs are cut to their limits when recorded, so a long run holds at
 * most `maxTotalBytes` of them whatever the functions send.
 */
export class InvocationHistory {
  private readonly entries: InvocationDetail[] = [];
  private readonly sizes = new Map<number, number>();
  private totalBytes = 0;
  private nextId = 1;
  private readonly listeners = new Set<Listener>();
  private readonly lastByFunction = new Map<string, InvocationSummary>();
  public readonly limits: Required<HistoryLimits>;

  constructor(limits: HistoryLimits = {}) {
    this.limits = {
      maxEntries: limits.maxEntries ?? 500,
      maxPayloadBytes: limits.maxPayloadBytes ?? 32 * 1024,
      maxLogBytes: limits.maxLogBytes ?? 16 * 1024,
      maxTotalBytes: limits.maxTotalBytes ?? 16 * 1024 * 1024,
    };
  }

  public record({ entry, status, statusText }: RecordedInvocation): InvocationSummary {
    const o = entry.outcome;
    const detail: InvocationDetail = {
      id: this.nextId++,
      time: new Date().toISOString(),
      function: entry.fn.constructPath,
      version: entry.version,
      trigger: entry.trigger,
      triggerKind: triggerKind(entry.trigger),
      requestId: o.requestId,
      cold: o.cold,
      ...(o.initDurationMs !== undefined ? { initDurationMs: Number(o.initDurationMs.toFixed(2)) } : {}),
      durationMs: Number(o.durationMs.toFixed(2)),
      billedDurationMs: o.billedDurationMs,
      memoryMb: o.memoryMb,
      maxMemoryUsedMb: o.maxMemoryUsedMb,
      status,
      statusText,
      event: keepHead(entry.event, this.limits.maxPayloadBytes),
      response: keepHead(o.payload, this.limits.maxPayloadBytes),
      log: keepEnds(Buffer.from(o.fullLog ?? o.log), this.limits.maxLogBytes),
      ...(o.fullLog !== undefined ? { platformLinesAdded: true } : {}),
    };
    const bytes = detail.event.text.length + detail.response.text.length + detail.log.text.length + 512;
    this.entries.push(detail);
    this.sizes.set(detail.id, bytes);
    this.totalBytes += bytes;
    while (this.entries.length > this.limits.maxEntries || (this.totalBytes > this.limits.maxTotalBytes && this.entries.length > 1)) {
      const old = this.entries.shift()!;
      this.totalBytes -= this.sizes.get(old.id) ?? 0;
      this.sizes.delete(old.id);
    }
    const summary = summaryOf(detail);
    this.lastByFunction.set(summary.function, summary);
    for (const listener of this.listeners) listener(summary);
    return summary;
  }

  /** Newest first, optionally only one function's and one status's. */
  public list(filter: { readonly function?: string; readonly status?: string } = {}): InvocationSummary[] {
    const out: InvocationSummary[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (filter.function && e.function !== filter.function) continue;
      if (filter.status && e.status !== filter.status) continue;
      out.push(summaryOf(e));
    }
    return out;
  }

  public get(id: number): InvocationDetail | undefined {
    // Ids increase along the array: a binary search finds one among 500 at once.
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries[mid];
      if (e.id === id) return e;
      if (e.id < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** The newest invocation with this request id (an async event's retries share one). */
  public byRequestId(requestId: string): InvocationSummary | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i].requestId === requestId) return summaryOf(this.entries[i]);
    return undefined;
  }

  /** The last invocation of a function, kept even after it left the history. */
  public lastOf(functionPath: string): InvocationSummary | undefined {
    return this.lastByFunction.get(functionPath);
  }

  public get size(): number {
    return this.entries.length;
  }

  /** Bytes of events, responses and logs held now (approximate: text length plus a fixed overhead per entry). */
  public get bytes(): number {
    return this.totalBytes;
  }

  /** Calls `listener` with every invocation recorded from now on; returns what stops it. */
  public subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function summaryOf(detail: InvocationDetail): InvocationSummary {
  const { event: _event, response: _response, log: _log, platformLinesAdded: _added, ...summary } = detail;
  return summary;
}

/** The first `max` bytes of a payload as text (not cutting a UTF-8 character in two). */
function keepHead(bytes: Buffer, max: number): KeptText {
  if (bytes.length <= max) return { text: bytes.toString('utf8'), omittedBytes: 0 };
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), omittedBytes: bytes.length - end };
}

/** A log's beginning and end (START ... REPORT), with the middle left out past `max` bytes. */
function keepEnds(bytes: Buffer, max: number): KeptText {
  if (bytes.length <= max) return { text: bytes.toString('utf8'), omittedBytes: 0 };
  const half = Math.floor(max / 2);
  let headEnd = half;
  while (headEnd > 0 && (bytes[headEnd] & 0xc0) === 0x80) headEnd--;
  let tailStart = bytes.length - half;
  while (tailStart < bytes.length && (bytes[tailStart] & 0xc0) === 0x80) tailStart++;
  const omitted = tailStart - headEnd;
  return { text: `${bytes.subarray(0, headEnd).toString('utf8')}\n… ${omitted} bytes of log left out …\n${bytes.subarray(tailStart).toString('utf8')}`, omittedBytes: omitted };
}
