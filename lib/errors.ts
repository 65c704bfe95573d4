/**
 * Errors a user can act on. Each carries a stable code, and where it applies
 * the construct path, the value received and the limit. The CLI prints
 * `message` as one line (plus `hint`) and exits non-zero; anything that is not
 * a LambdakitError keeps its stack because it is a bug.
 */
export interface LambdakitErrorOptions {
  /** Stable machine-readable code, e.g. `MemoryOutOfRange`. */
  readonly code: string;
  /** Construct path the error concerns. */
  readonly path?: string;
  /** File the error concerns. */
  readonly file?: string;
  /** The value that was received. */
  readonly value?: unknown;
  /** The limit that was broken, in words (e.g. `128-10240 MB`). */
  readonly limit?: string;
  /** The next action for the user. */
  readonly hint?: string;
  readonly cause?: unknown;
}

export class LambdakitError extends Error {
  public readonly code: string;
  public readonly path?: string;
  public readonly file?: string;
  public readonly value?: unknown;
  public readonly limit?: string;
  public readonly hint?: string;

  constructor(message: string, options: LambdakitErrorOptions) {
    super(options.path ? `${options.path}: ${message}` : message, { cause: options.cause });
    this.name = 'LambdakitError';
    this.code = options.code;
    this.path = options.path;
    this.file = options.file;
    this.value = options.value;
    this.limit = options.limit;
    this.hint = options.hint;
  }
}

export function isLambdakitError(error: unknown): error is LambdakitError {
  return error instanceof Error && (error as LambdakitError).name === 'LambdakitError' && typeof (error as LambdakitError).code === 'string';
}
