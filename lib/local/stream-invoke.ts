import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { LambdakitError } from '../errors';
import type { InvocationOutcome } from './environment';
import { writeError } from './http-guard';
import { ThrottledError } from './pool';
import { ResolveError, type LocalRuntime, type ResolvedTarget } from './runtime';

/** `POST /2021-11-15/functions/{FunctionName}/response-streaming-invocations`: InvokeWithResponseStream. */
export const STREAMING_INVOKE_PATH = /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations$/;

/** The request payload limit of synchronous invocations (6 MB), as for Invoke. */
const REQUEST_PAYLOAD_LIMIT = 6 * 1024 * 1024;
/** What a buffered (not streaming) handler may return, streamed or not: 6 MB. */
const BUFFERED_RESPONSE_LIMIT = 6 * 1024 * 1024;
const CLIENT_CONTEXT_LIMIT = 3583;
const LOG_TAIL_BYTES = 4096;

/** AWS event stream framing (`application/vnd.amazon.eventstream`), encoded by the codec the SDK decodes with. */
const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => Buffer.from(text, 'utf8'),
);

/** One event of the InvokeWithResponseStreamResponseEvent union, as the service frames it. */
function eventMessage(eventType: 'PayloadChunk' | 'InvokeComplete', contentType: string, body: Uint8Array): Uint8Array {
  const headers: Parameters<EventStreamCodec['encode']>[0]['headers'] = {
    ':event-type': { type: 'string', value: eventType },
    ':content-type': { type: 'string', value: contentType },
    ':message-type': { type: 'string', value: 'event' },
  };
  return codec.encode({ headers, body });
}

/** `InvokeWithResponseStreamCompleteEvent`: how the invocation ended, and the log tail when asked for. */
interface CompleteEvent {
  ErrorCode?: string;
  ErrorDetails?: string;
  LogResult?: string;
}

/** The last 4 KB of a log, cut at a character boundary (as `X-Amz-Log-Result` of Invoke). */
function logTail(log: string): string {
  const buffer = Buffer.from(log, 'utf8');
  if (buffer.length <= LOG_TAIL_BYTES) return log;
  return buffer.subarray(buffer.length - LOG_TAIL_BYTES).toString('utf8').replace(/^\uFFFD+/, '');
}

function serviceError(res: http.ServerResponse, status: number, type: string, message: string, extra?: Record<string, unknown>, headers?: http.OutgoingHttpHeaders): void {
  writeError(res, status, type, { Type: 'User', Message: message, message, ...extra }, headers);
}

/** The error a failed invocation reports in InvokeComplete: its type as ErrorCode, its message as ErrorDetails. */
function completeEventOf(outcome: InvocationOutcome): CompleteEvent {
  if (outcome.ok) return {};
  let details = outcome.payload.toString('utf8');
  try {
    const parsed = JSON.parse(details) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') details = parsed.errorMessage;
  } catch {
    // Not JSON: the body as the runtime sent it.
  }
  return { ErrorCode: outcome.errorType ?? 'Unhandled', ErrorDetails: details };
}

/**
 * Lambda's InvokeWithResponseStream on the Invoke API's port: the same names, qualifiers, client
 * context and errors as Invoke, then a 200 whose body is an AWS event stream. A streaming handler's
 * chunks go out as `PayloadChunk` events as the runtime sends them; a buffered handler's whole
 * payload is one chunk, as Lambda does; `InvokeComplete` ends the stream with `ErrorCode` and
 * `ErrorDetails` when the function failed (mid-stream: the chunks before it stay delivered) and
 * `LogResult` with `X-Amz-Log-Type: Tail`.
 */
export async function serveInvokeWithResponseStream(runtime: LocalRuntime, req: http.IncomingMessage, res: http.ServerResponse, encodedName: string, url: URL): Promise<void> {
  const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  const logType = String(req.headers['x-amz-log-type'] ?? 'None');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= REQUEST_PAYLOAD_LIMIT) chunks.push(chunk as Buffer);
  }
  if (!['RequestResponse', 'DryRun'].includes(invocationType)) {
    serviceError(res, 400, 'InvalidParameterValueException', `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]`);
    return;
  }
  if (!['None', 'Tail'].includes(logType)) {
    serviceError(res, 400, 'InvalidParameterValueException', `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]`);
    return;
  }
  if (size > REQUEST_PAYLOAD_LIMIT) {
    serviceError(res, 413, 'RequestTooLargeException', `Request must be smaller than ${REQUEST_PAYLOAD_LIMIT} bytes for the InvokeWithResponseStream operation`);
    return;
  }
  let target: ResolvedTarget;
  try {
    target = runtime.resolve(decodeURIComponent(encodedName), url.searchParams.get('Qualifier') ?? undefined);
  } catch (error) {
    if (error instanceof URIError) {
      serviceError(res, 400, 'ValidationException', `FunctionName '${encodedName}' is not correctly URL-encoded`);
      return;
    }
    if (error instanceof ResolveError) {
      const status = error.kind === 'NotFound' ? 404 : 400;
      const type = error.kind === 'NotFound' ? 'ResourceNotFoundException' : error.kind === 'QualifierMismatch' ? 'InvalidParameterValueException' : 'ValidationException';
      serviceError(res, status, type, error.message);
      return;
    }
    throw error;
  }
  let clientContext: string | undefined;
  const rawContext = req.headers['x-amz-client-context'];
  if (rawContext !== undefined) {
    const encoded = String(rawContext);
    clientContext = Buffer.from(encoded, 'base64').toString('utf8');
    let valid = encoded.length <= CLIENT_CONTEXT_LIMIT && /^[A-Za-z0-9+/]*={0,2}$/.test(encoded);
    try {
      valid &&= typeof JSON.parse(clientContext) === 'object';
    } catch {
      valid = false;
    }
    if (!valid) {
      serviceError(res, 400, 'InvalidParameterValueException', `Client context must be a valid Base64-encoded JSON object of at most ${CLIENT_CONTEXT_LIMIT} bytes.`);
      return;
    }
  }
  const body = Buffer.concat(chunks);
  const payload = body.length === 0 ? Buffer.from('{}') : body;
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (error) {
    serviceError(res, 400, 'InvalidRequestContentException', `Could not parse request body into json: ${(error as Error).message}`);
    return;
  }
  if (invocationType === 'DryRun') {
    try {
      runtime.check(target);
    } catch (error) {
      serviceError(res, 502, 'ServiceException', (error as Error).message);
      return;
    }
    res.writeHead(204, { 'x-amzn-requestid': randomUUID() }).end();
    return;
  }

  // The 200 goes out with the first chunk: until then a throttle or a service error can still be an HTTP error.
  const requestId = randomUUID();
  const send = (message: Uint8Array): void => {
    // A client that went away does not stop the function (as on Lambda); its chunks are dropped.
    if (res.destroyed || res.writableEnded) return;
    if (!res.headersSent) {
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': requestId, 'x-amz-executed-version': target.version });
    }
    res.write(message);
  };
  let outcome: InvocationOutcome;
  try {
    outcome = await runtime.invoke(target, payload, {
      clientContext,
      requestId,
      trigger: 'invoke-api',
      stream: { chunk: (chunk) => send(eventMessage('PayloadChunk', 'application/octet-stream', chunk)) },
    });
  } catch (error) {
    if (error instanceof ThrottledError) {
      serviceError(res, 429, 'TooManyRequestsException', 'Rate Exceeded.', { Reason: error.reason }, { 'retry-after': '1' });
      return;
    }
    if (error instanceof LambdakitError) {
      serviceError(res, 502, 'ServiceException', error.message);
      return;
    }
    throw error;
  }
  let complete = completeEventOf(outcome);
  if (!outcome.streamed && outcome.ok) {
    if (outcome.payload.length > BUFFERED_RESPONSE_LIMIT) {
      complete = { ErrorCode: 'Function.ResponseSizeTooLarge', ErrorDetails: `Response payload size exceeded maximum allowed payload size (${BUFFERED_RESPONSE_LIMIT} bytes).` };
    } else {
      send(eventMessage('PayloadChunk', 'application/octet-stream', outcome.payload));
    }
  }
  if (logType === 'Tail') complete.LogResult = Buffer.from(logTail(outcome.log)).toString('base64');
  send(eventMessage('InvokeComplete', 'application/json', Buffer.from(JSON.stringify(complete))));
  if (!res.destroyed && !res.writableEnded) res.end();
}
