/** A CloudWatch Logs event as FilterLogEvents returns it. */
export interface LogEvent {
  readonly timestamp?: number;
  readonly message?: string;
  readonly logStreamName?: string;
}

const APP_FIELDS = new Set(['timestamp', 'time', 'level', 'levelname', 'requestId', 'AWSRequestId', 'message', 'msg', 'errorType', 'errorMessage', 'stackTrace', 'type']);
/**
 * Keys Powertools' Logger adds to every line: the request id is shown as such, the rest
 * (the same on every line of a function, or known from the line's prefix) is left out.
 */
const POWERTOOLS_FIELDS = new Set(['function_request_id', 'service', 'cold_start', 'function_arn', 'function_memory_size', 'function_name', 'sampling_rate', 'xray_trace_id']);

function short(requestId: unknown): string {
  return typeof requestId === 'string' && requestId ? requestId.slice(0, 8) : '-';
}

function iso(timestamp: number | undefined): string {
  return timestamp === undefined ? '-' : new Date(timestamp).toISOString();
}

function line(time: string, level: string, requestId: unknown, text: string): string {
  return `${time}  ${level.padEnd(6)} ${short(requestId).padEnd(8)}  ${text}`;
}

function reportText(m: { durationMs?: unknown; billedDurationMs?: unknown; memorySizeMB?: unknown; maxMemoryUsedMB?: unknown; initDurationMs?: unknown }, status?: unknown): string {
  const parts = [`duration ${m.durationMs ?? '?'} ms`, `billed ${m.billedDurationMs ?? '?'} ms`, `memory ${m.maxMemoryUsedMB ?? '?'}/${m.memorySizeMB ?? '?'} MB`];
  if (m.initDurationMs !== undefined) parts.push(`init ${m.initDurationMs} ms`);
  if (typeof status === 'string' && status !== 'success') parts.push(`status ${status}`);
  return parts.join(', ');
}

/** Key/value fields of a tab-separated platform line (`Duration: 1.23 ms`). */
function fields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split('\t')) {
    const match = /^\s*([A-Za-z ]+):\s*(.*?)\s*$/.exec(part);
    if (match) out[match[1].trim()] = match[2];
  }
  return out;
}

function number(value: string | undefined): string | undefined {
  return value?.replace(/\s*(ms|MB)$/, '');
}

/**
 * One log event as one readable line: JSON application logs (Lambda's own and
 * Powertools' Logger's) as `time level request message key=value...`, CloudWatch
 * embedded-metric-format records as `time  metric <Namespace> <Name>=<value> <Unit>
 * {dim=val}` (one line per metric), REPORT lines (text or `platform.report`)
 * summarised, END lines dropped (undefined), anything else as it came.
 * `lambdakit logs` and `lambdakit dev` both print through it.
 */
export function formatLogEvent(event: LogEvent): string | undefined {
  const message = (event.message ?? '').trimEnd();
  const time = iso(event.timestamp);
  if (message.startsWith('{')) {
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = JSON.parse(message) as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
    if (parsed && typeof parsed === 'object') return formatJson(parsed, time);
  }
  if (message.startsWith('REPORT ')) {
    const f = fields(message.slice('REPORT '.length));
    return line(time, 'REPORT', f.RequestId, reportText({
      durationMs: number(f.Duration),
      billedDurationMs: number(f['Billed Duration']),
      memorySizeMB: number(f['Memory Size']),
      maxMemoryUsedMB: number(f['Max Memory Used']),
      initDurationMs: number(f['Init Duration']),
    }));
  }
  if (message.startsWith('START ')) {
    const match = /RequestId: (\S+)(?:\s+Version: (\S+))?/.exec(message);
    return line(time, 'START', match?.[1], match?.[2] ? `version ${match[2]}` : '');
  }
  if (message.startsWith('END ')) return undefined;
  // Node.js text format: `2024-01-01T00:00:00.000Z\t<request id>\tINFO\tmessage`.
  const text = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\t(\S+)\t([A-Z]+)\t([\s\S]*)$/.exec(message);
  if (text) return line(text[1], text[3], text[2], text[4]);
  return `${time}  ${message}`;
}

/** `reason="not JSON"`, `count=3`, `items=[1,2]`: one key=value per field, quoted only where needed. */
function keyValues(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([key, value]) => {
      const text = typeof value === 'string' ? (/^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)) : JSON.stringify(value);
      return `${key}=${text}`;
    })
    .join(' ');
}

interface EmfDirective {
  readonly Namespace?: unknown;
  readonly Dimensions?: unknown;
  readonly Metrics?: unknown;
}

/** An embedded-metric-format record (`_aws.CloudWatchMetrics`): one line per metric with its value(s), unit and dimensions. */
function formatMetrics(record: Record<string, unknown>, fallbackTime: string): string | undefined {
  const aws = record._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || !Array.isArray(aws.CloudWatchMetrics)) return undefined;
  const time = typeof aws.Timestamp === 'number' ? new Date(aws.Timestamp).toISOString() : fallbackTime;
  const lines: string[] = [];
  for (const directive of aws.CloudWatchMetrics as EmfDirective[]) {
    const names = [...new Set((Array.isArray(directive.Dimensions) ? directive.Dimensions : []).flat().map(String))];
    const dimensions = names.map((name) => `${name}=${String(record[name] ?? '')}`).join(', ');
    for (const metric of Array.isArray(directive.Metrics) ? (directive.Metrics as Array<{ Name?: unknown; Unit?: unknown }>) : []) {
      const name = String(metric.Name ?? '?');
      const value = record[name];
      const shown = Array.isArray(value) ? value.join(',') : String(value ?? '?');
      lines.push(`${time}  metric ${String(directive.Namespace ?? '-')} ${name}=${shown} ${String(metric.Unit ?? 'None')}${dimensions ? ` {${dimensions}}` : ''}`);
    }
  }
  return lines.length ? lines.join('\n') : undefined;
}

function formatJson(record: Record<string, unknown>, fallbackTime: string): string | undefined {
  const metrics = formatMetrics(record, fallbackTime);
  if (metrics !== undefined) return metrics;
  const type = typeof record.type === 'string' ? record.type : undefined;
  if (type?.startsWith('platform.')) {
    const time = typeof record.time === 'string' ? record.time : fallbackTime;
    const inner = (record.record ?? {}) as Record<string, unknown>;
    if (type === 'platform.report') {
      return line(time, 'REPORT', inner.requestId, reportText((inner.metrics ?? {}) as Record<string, unknown>, inner.status));
    }
    if (type === 'platform.start') return line(time, 'START', inner.requestId, inner.version ? `version ${String(inner.version)}` : '');
    if (type === 'platform.runtimeDone' && (inner.status === undefined || inner.status === 'success')) return undefined;
    return line(time, type.slice('platform.'.length), inner.requestId, JSON.stringify(inner));
  }
  const time = typeof record.timestamp === 'string' ? record.timestamp : typeof record.time === 'string' ? record.time : fallbackTime;
  const level = String(record.level ?? record.levelname ?? '-').toUpperCase();
  const requestId = record.requestId ?? record.AWSRequestId ?? record.function_request_id;
  const body = record.message ?? record.msg;
  let text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  if (record.errorType !== undefined || record.errorMessage !== undefined) {
    text += `${text ? ' ' : ''}${String(record.errorType ?? 'Error')}: ${String(record.errorMessage ?? '')}`;
  }
  // Powertools' Logger puts an Error given to it under `error` (name, message, stack).
  const error = record.error as { name?: unknown; message?: unknown; stack?: unknown } | undefined;
  const loggedError = typeof error === 'object' && error !== null && typeof error.message === 'string';
  if (loggedError) text += `${text ? ' ' : ''}${String(error.name ?? 'Error')}: ${error.message as string}`;
  const powertools = 'function_request_id' in record || 'sampling_rate' in record;
  const extra = Object.fromEntries(
    Object.entries(record).filter(([k]) => !APP_FIELDS.has(k) && !(powertools && POWERTOOLS_FIELDS.has(k)) && !(loggedError && k === 'error')),
  );
  if (Object.keys(extra).length > 0) text += `${text ? ' ' : ''}${keyValues(extra)}`;
  const stack = Array.isArray(record.stackTrace) ? record.stackTrace.map(String) : loggedError && typeof error.stack === 'string' ? error.stack.split('\n') : [];
  if (stack.length) text += `\n${stack.map((s) => `    ${s.trim()}`).join('\n')}`;
  return line(time, level, requestId, text);
}

/** `10m`, `2h`, `30s`, `1d` or an ISO date → epoch milliseconds. */
export function parseSince(value: string, now = Date.now()): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (match) return now - Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  const date = Date.parse(value);
  if (!Number.isNaN(date)) return date;
  return Number.NaN;
}
