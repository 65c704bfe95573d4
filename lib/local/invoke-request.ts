import type * as http from 'node:http';
import { writeError } from './http-guard';
import { ResolveError, type ResolvedTarget } from './target';

/**
 * The request side of Lambda's invoke operations (Invoke, InvokeWithResponseStream): checking
 * the headers, the function name, the client context and the payload, with the service's errors.
 */

/** `X-Amz-Client-Context` is at most 3583 bytes, base64-encoded. */
export const CLIENT_CONTEXT_LIMIT = 3583;
/** `X-Amz-Log-Result` (and InvokeComplete's LogResult) carry the last 4 KB of the invocation's log. */
const LOG_TAIL_BYTES = 4096;

/** The last `bytes` of a log, cut at a character boundary. */
export function logTail(log: string, bytes = LOG_TAIL_BYTES): string {
  const buffer = Buffer.from(log, 'utf8');
  if (buffer.length <= bytes) return log;
  return buffer.subarray(buffer.length - bytes).toString('utf8').replace(/^\uFFFD+/, '');
}

/** The body of Lambda's service errors: the SDK reads the message from it and the type from `X-Amzn-ErrorType`. */
export function serviceErrorBody(message: string, extra?: Record<string, unknown>): Record<string, unknown> {
  return { Type: 'User', Message: message, message, ...extra };
}

/** A request the service refuses: its status, error type and message. */
export class InvokeRequestError extends Error {
  constructor(
    public readonly status: number,
    public readonly type: string,
    message: string,
  ) {
    super(message);
  }

  /** Answers the request with this error. */
  public write(res: http.ServerResponse): void {
    writeError(res, this.status, this.type, serviceErrorBody(this.message));
  }
}

/** Checks `X-Amz-Invocation-Type` and `X-Amz-Log-Type` against what the operation takes. */
export function checkInvocationHeaders(invocationType: string, logType: string, invocationTypes: readonly string[]): void {
  if (!invocationTypes.includes(invocationType)) {
    throw new InvokeRequestError(400, 'InvalidParameterValueException', `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [${invocationTypes.join(', ')}]`);
  }
  if (!['None', 'Tail'].includes(logType)) {
    throw new InvokeRequestError(400, 'InvalidParameterValueException', `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]`);
  }
}

/** The function a request names (its path segment, URL-encoded, and the Qualifier parameter). */
export function resolveFunction(resolve: (functionName: string, qualifier?: string) => ResolvedTarget, encodedName: string, qualifier: string | undefined): ResolvedTarget {
  let functionName: string;
  try {
    functionName = decodeURIComponent(encodedName);
  } catch {
    throw new InvokeRequestError(400, 'ValidationException', `FunctionName '${encodedName}' is not correctly URL-encoded`);
  }
  try {
    return resolve(functionName, qualifier);
  } catch (error) {
    if (!(error instanceof ResolveError)) throw error;
    const status = error.kind === 'NotFound' ? 404 : 400;
    const type = error.kind === 'NotFound' ? 'ResourceNotFoundException' : error.kind === 'QualifierMismatch' ? 'InvalidParameterValueException' : 'ValidationException';
    throw new InvokeRequestError(status, type, error.message);
  }
}

/** The client context as JSON text, from `X-Amz-Client-Context` (base64 JSON of at most 3583 bytes). */
export function decodeClientContext(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const encoded = String(header);
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  let valid = encoded.length <= CLIENT_CONTEXT_LIMIT && /^[A-Za-z0-9+/]*={0,2}$/.test(encoded);
  if (valid) {
    try {
      valid = typeof JSON.parse(decoded) === 'object';
    } catch {
      valid = false;
    }
  }
  if (!valid) throw new InvokeRequestError(400, 'InvalidParameterValueException', `Client context must be a valid Base64-encoded JSON object of at most ${CLIENT_CONTEXT_LIMIT} bytes.`);
  return decoded;
}

/** The event: the body, `{}` when empty; a body that is not JSON is the service's InvalidRequestContentException. */
export function parsePayload(body: Buffer): Buffer {
  const payload = body.length === 0 ? Buffer.from('{}') : body;
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (error) {
    throw new InvokeRequestError(400, 'InvalidRequestContentException', `Could not parse request body into json: ${(error as Error).message}`);
  }
  return payload;
}
