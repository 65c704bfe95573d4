/**
 * Structured JSON logs with the request id, one line per entry. The logger is
 * created per invocation (it holds the request id), never kept in module state.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function logger(requestId: string, fn = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local', write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Logger {
  const emit = (level: string, message: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, requestId, function: fn, message, ...fields }));
  return {
    info: (m, f) => emit('INFO', m, f),
    warn: (m, f) => emit('WARN', m, f),
    error: (m, f) => emit('ERROR', m, f),
  };
}

/** A configuration value from the environment the construct set; fails clearly when missing. */
export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; the stack passes it (see functions/README.md)`);
  return value;
}
