import * as fs from 'node:fs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { LambdakitError } from '../errors';
import { withOps } from './context';
import type { OpsOptions } from './options';
import { notFoundError, resolveFunction } from './resolve';

export interface RemoteInvokeOptions extends Partial<OpsOptions> {
  /** Construct path (`Api/Hello`) or function name / ARN. */
  readonly function: string;
  /** Alias or version. @default - the function's alias in the assembly (`live`), else unqualified */
  readonly qualifier?: string;
  /** A JSON file, or `-` for standard input. @default - `{}` */
  readonly event?: string;
  readonly stdin?: NodeJS.ReadableStream;
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
}

/** The response of a deployed function, as the CLI reports it. */
export interface RemoteInvokeResult {
  readonly functionName: string;
  readonly qualifier?: string;
  readonly statusCode?: number;
  readonly executedVersion?: string;
  readonly payload: string;
  readonly log?: string;
  readonly functionError?: string;
}

async function readEvent(event: string | undefined, stdin: NodeJS.ReadableStream): Promise<string> {
  if (event === undefined) return '{}';
  let text: string;
  if (event === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    if (!fs.existsSync(event)) throw new LambdakitError(`event file ${event} does not exist`, { code: 'EventFileNotFound', file: event });
    text = fs.readFileSync(event, 'utf8');
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new LambdakitError(`the event ${event === '-' ? 'on standard input' : `in ${event}`} is not JSON: ${(error as Error).message}`, { code: 'EventNotJson', file: event });
  }
  return text;
}

/**
 * Invokes a deployed function (RequestResponse, LogType Tail): the payload
 * goes to stdout, the decoded tail of its log to stderr. A function error is
 * thrown as a LambdakitError after both are written, so the CLI exits 1.
 */
export async function invokeRemote(options: RemoteInvokeOptions): Promise<RemoteInvokeResult> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const payload = await readEvent(options.event, options.stdin ?? process.stdin);
  return withOps({ app: options.app ?? 'cdk.out', endpointUrl: options.endpointUrl, region: options.region }, async (ops) => {
    const fn = await resolveFunction(ops, options.function);
    const qualifier = options.qualifier ?? fn.model?.aliases[0]?.name;
    const response = await ops
      .call('lambda', 'Invoke', `function ${fn.functionName}${qualifier ? `:${qualifier}` : ''}`, () =>
        ops.lambda.send(new InvokeCommand({ FunctionName: fn.functionName, Qualifier: qualifier, Payload: Buffer.from(payload), LogType: 'Tail' })),
      )
      .catch((error: unknown) => {
        throw notFoundError(ops, fn, error);
      });
    const result: RemoteInvokeResult = {
      functionName: fn.functionName,
      qualifier,
      statusCode: response.StatusCode,
      executedVersion: response.ExecutedVersion,
      payload: response.Payload ? Buffer.from(response.Payload).toString('utf8') : '',
      log: response.LogResult ? Buffer.from(response.LogResult, 'base64').toString('utf8') : undefined,
      functionError: response.FunctionError,
    };
    writeResult(result, stdout, stderr);
    if (result.functionError) {
      const error = describeFunctionError(result.payload);
      throw new LambdakitError(`${fn.label} failed (${result.functionError})${error ? `: ${error}` : ''}`, { code: 'FunctionError', value: result.payload });
    }
    return result;
  });
}

/** Writes the payload to stdout and the log tail to stderr. */
export function writeResult(result: RemoteInvokeResult, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
  if (result.log) stderr.write(result.log.endsWith('\n') ? result.log : `${result.log}\n`);
  stdout.write(result.payload.endsWith('\n') || result.payload === '' ? result.payload : `${result.payload}\n`);
}

/** `errorType: errorMessage` from a Lambda error payload. */
export function describeFunctionError(payload: string): string | undefined {
  try {
    const parsed = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
    if (parsed.errorType || parsed.errorMessage) return `${parsed.errorType ?? 'Error'}: ${parsed.errorMessage ?? ''}`;
  } catch {
    // not JSON: nothing to add
  }
  return undefined;
}
