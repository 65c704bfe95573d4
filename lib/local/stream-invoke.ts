import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { LambdakitError } from '../errors';
import type { InvocationOutcome } from './environment';
import { writeError } from './http-guard';
import { ThrottledError } from './pool';
import { type InvokeOperation, logTail, readInvocation, serviceErrorBody } from './invoke-request';
import type { LocalRuntime } from './runtime';

/** `POST /2021-11-15/functions/{FunctionName}/response-streaming-invocations`: InvokeWithResponseStream. */
export const STREAMING_INVOKE_PATH = /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations$/;

/** The request payload limit of synchronous invocations (6 MB), as for Invoke. */
const REQUEST_PAYLOAD_LIMIT = 6 * 1024 * 1024;
/** InvokeWithResponseStream takes RequestResponse and DryRun, with a 6 MB request. */
const STREAM_INVOKE: InvokeOperation = { invocationTypes: ['RequestResponse', 'DryRun'], limit: () => REQUEST_PAYLOAD_LIMIT, name: () => 'InvokeWithResponseStream' };
/** What a buffered (not streaming) handler may return, streamed or not: 6 MB. */
const BUFFERED_RESPONSE_LIMIT = 6 * 1024 * 1024;

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

function serviceError(res: http.ServerResponse, status: number, type: string, message: string, extra?: Record<string, unknown>, headers?: http.OutgoingHttpHeaders): void {
  writeError(res, status, type, serviceErrorBody(message, extra), headers);
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
  const checked = await readInvocation(req, res, runtime, encodedName, url.searchParams.get('Qualifier') ?? undefined, STREAM_INVOKE);
  if (!checked) return;
  const { logType, target, clientContext, payload } = checked;

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
