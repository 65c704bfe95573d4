import { LambdakitError } from '../errors';
import { logTail } from './invoke-api';
import { ResolveError, type LocalRuntime, type ResolvedTarget } from './runtime';
import type { ResponseStreamListener } from './environment';

export interface LocalInvokeOptions {
  /** `$LATEST`, a version or an alias; also accepted as `name:qualifier`. @default '$LATEST' */
  readonly qualifier?: string;
  /** @default 'RequestResponse' */
  readonly invocationType?: 'RequestResponse' | 'Event' | 'DryRun';
  /** Client context as a JSON object; the handler sees it as `context.clientContext`. */
  readonly clientContext?: Record<string, unknown>;
  /** Who invoked, for the reports and logs (e.g. `sqs:orders`). @default 'invoke' */
  readonly trigger?: string;
  /** Takes a streaming handler's response chunk by chunk, as it is written (the payload still gathers all of it). */
  readonly stream?: ResponseStreamListener;
}

/** What an in-process invocation returns: the same facts the Invoke API puts in its response. */
export interface LocalInvokeResult {
  /** 200 (RequestResponse), 202 (Event) or 204 (DryRun), as the Invoke API answers. */
  readonly statusCode: number;
  readonly requestId: string;
  /** The response payload as JSON text; the error object when the function failed; '' for Event and DryRun. */
  readonly payload: string;
  /** `Unhandled` when the function failed (error, timeout, crash). */
  readonly functionError?: 'Unhandled';
  /** The function's error type (`Sandbox.Timedout`, `Runtime.ExitError`, a handler's error name...). */
  readonly errorType?: string;
  /** `$LATEST` or the version number that ran. */
  readonly executedVersion?: string;
  /** START, the function's output, END and REPORT lines (synchronous invocations). */
  readonly log: string;
  /** The last 4 KB of the log, as `LogType: Tail` returns it. */
  readonly logTail: string;
}

/** Resolves a name as the Invoke API does, turning a miss into an error the CLI prints in one line. */
export function resolveTarget(runtime: LocalRuntime, name: string, qualifier: string | undefined): ResolvedTarget {
  try {
    return runtime.resolve(name, qualifier);
  } catch (error) {
    if (!(error instanceof ResolveError)) throw error;
    const known = runtime.functions.map((f) => f.constructPath).join(', ') || 'none';
    throw new LambdakitError(error.message, {
      code: error.kind === 'NotFound' ? 'ResourceNotFound' : 'InvalidFunctionName',
      value: name,
      hint: `functions in the assembly: ${known}`,
    });
  }
}

/**
 * Invokes a function on the local runtime without HTTP, with the Invoke
 * API's semantics: a function error is a result with `functionError`, a
 * throttled call throws ThrottledError, an unknown name a LambdakitError.
 */
export async function invokeDirect(runtime: LocalRuntime, name: string, payload: string | Buffer | object, options: LocalInvokeOptions = {}): Promise<LocalInvokeResult> {
  const target = resolveTarget(runtime, name, options.qualifier);
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const invocationType = options.invocationType ?? 'RequestResponse';
  if (invocationType === 'DryRun') {
    runtime.check(target);
    return { statusCode: 204, requestId: '', payload: '', log: '', logTail: '' };
  }
  if (invocationType === 'Event') {
    const requestId = runtime.invokeAsync(target, body, options.trigger ?? 'invoke');
    return { statusCode: 202, requestId, payload: '', log: '', logTail: '' };
  }
  const outcome = await runtime.invoke(target, body, {
    trigger: options.trigger ?? 'invoke',
    clientContext: options.clientContext ? JSON.stringify(options.clientContext) : undefined,
    stream: options.stream,
  });
  return {
    statusCode: 200,
    requestId: outcome.requestId,
    payload: outcome.payload.toString('utf8'),
    ...(outcome.ok ? {} : { functionError: 'Unhandled' as const, errorType: outcome.errorType }),
    executedVersion: outcome.version,
    log: outcome.log,
    logTail: logTail(outcome.log),
  };
}
