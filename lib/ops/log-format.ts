/** A CloudWatch Logs event as FilterLogEvents returns it. */
export interface LogEvent {
  readonly timestamp?: number;
  readonly message?: string;
  readonly logStreamName?: string;
}

const APP_FIELDS = new Set(['timestamp', 'time', 'level', 'levelname', 'requestId', 'AWSRequestId', 'message', 'msg', 'errorType', 'errorMessage', 'stackTrace', 'type']);

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
 * One log event as one readable line: JSON application logs as `time level
 * request message`, REPORT lines (text or `platform.report`) summarised,
 * END lines dropped (undefined), anything else as it came.
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

function formatJson(record: Record<string, unknown>, fallbackTime: string): string | undefined {
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
  const requestId = record.requestId ?? record.AWSRequestId;
  const body = record.message ?? record.msg;
  let text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  if (record.errorType !== undefined || record.errorMessage !== undefined) {
    text += `${text ? ' ' : ''}${String(record.errorType ?? 'Error')}: ${String(record.errorMessage ?? '')}`;
  }
  const extra = Object.fromEntries(Object.entries(record).filter(([k]) => !APP_FIELDS.has(k)));
  if (Object.keys(extra).length > 0) text += `${text ? ' ' : ''}${JSON.stringify(extra)}`;
  if (Array.isArray(record.stackTrace)) text += `\n${record.stackTrace.map((s) => `    ${String(s).trim()}`).join('\n')}`;
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
