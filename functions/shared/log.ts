/**
 * Structured JSON logs, one object per line on stdout. The keys are the ones
 * Lambda's JSON log format reads (`timestamp`, `level`, `requestId`,
 * `message`), so the function's log-level setting filters these lines too.
 * A logger holds the request id, so it is created per invocation and never
 * kept in module state.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogWriter = (line: string) => void;

const stdout: LogWriter = (line) => process.stdout.write(`${line}\n`);

export function logger(requestId: string, write: LogWriter = stdout): Logger {
  const emit = (level: string, message: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ timestamp: new Date().toISOString(), level, requestId, message, ...fields }));
  return {
    info: (message, fields) => emit('INFO', message, fields),
    warn: (message, fields) => emit('WARN', message, fields),
    error: (message, fields) => emit('ERROR', message, fields),
  };
}

/** The message of anything thrown, for a log field. */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
