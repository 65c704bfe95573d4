/** Thrown when the stack did not pass a setting the function needs. */
export class MissingConfigError extends Error {
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set; the stack must pass it (see functions/README.md)`);
    this.name = 'MissingConfigError';
  }
}

/**
 * A setting from the environment the construct set. Read at first use (not at
 * import) so a missing one fails the invocation with a message naming it.
 */
export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new MissingConfigError(name);
  return value;
}
