import { randomUUID } from 'node:crypto';
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

/** What an invoke operation takes: its invocation types, and per type its payload limit and the operation's name (its errors say both). */
export interface InvokeOperation {
  readonly invocationTypes: readonly string[];
  limit(invocationType: string): number;
  name(invocationType: string): string;
}

/** A checked Invoke or InvokeWithResponseStream request, ready to run. */
export interface CheckedInvocation {
  readonly invocationType: string;
  readonly logType: string;
  readonly target: ResolvedTarget;
  /** JSON text, decoded from `X-Amz-Client-Context`. */
  readonly clientContext?: string;
  readonly payload: Buffer;
}

/**
 * Reads an invoke request's body (keeping nothing past the operation's limit) and checks it as the
 * service does, in its order: the invocation and log types, the size, the function and qualifier,
 * the client context, the payload. A refused request is answered here, and so is a DryRun (204
 * when the function could run, else a 502 ServiceException): undefined then.
 */
export async function readInvocation(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  runtime: { resolve(functionName: string, qualifier?: string): ResolvedTarget; check(target: ResolvedTarget): void },
  encodedName: string,
  qualifier: string | undefined,
  operation: InvokeOperation,
): Promise<CheckedInvocation | undefined> {
  const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  const logType = String(req.headers['x-amz-log-type'] ?? 'None');
  const limit = operation.limit(invocationType);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  let checked: CheckedInvocation;
  try {
    checkInvocationHeaders(invocationType, logType, operation.invocationTypes);
    if (size > limit) throw new InvokeRequestError(413, 'RequestTooLargeException', `Request must be smaller than ${limit} bytes for the ${operation.name(invocationType)} operation`);
    const target = resolveFunction((name, q) => runtime.resolve(name, q), encodedName, qualifier);
    const clientContext = decodeClientContext(req.headers['x-amz-client-context']);
    checked = { invocationType, logType, target, clientContext, payload: parsePayload(Buffer.concat(chunks)) };
  } catch (error) {
    if (!(error instanceof InvokeRequestError)) throw error;
    error.write(res);
    return undefined;
  }
  if (invocationType !== 'DryRun') return checked;
  try {
    runtime.check(checked.target);
  } catch (error) {
    writeError(res, 502, 'ServiceException', serviceErrorBody((error as Error).message));
    return undefined;
  }
  res.writeHead(204, { 'x-amzn-requestid': randomUUID() }).end();
  return undefined;
}
