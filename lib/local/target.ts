import type { FunctionModel } from '../assembly/model';

/** A function and version an invocation resolves to. */
export interface ResolvedTarget {
  readonly fn: FunctionModel;
  /** The qualifier the caller used (`$LATEST`, a version, an alias). */
  readonly qualifier: string;
  /** The version that runs (`$LATEST` or a number). */
  readonly version: string;
  /** The ARN the handler sees as `invokedFunctionArn`. */
  readonly invokedFunctionArn: string;
}

/** Why a function name could not be resolved; the Invoke API maps it to the service's errors. */
export class ResolveError extends Error {
  constructor(
    public readonly kind: 'NotFound' | 'Invalid' | 'QualifierMismatch',
    message: string,
  ) {
    super(message);
  }
}

/** A function's key, unique across stacks and stable across synths: `<stack name>/<logical id>`. */
export function functionKey(fn: FunctionModel): string {
  return `${fn.stackName}/${fn.logicalId}`;
}
