import { LambdakitError } from '../errors';
import { invokeDirect, resolveTarget, type LocalInvokeResult } from './direct-invoke';
import { loadAssembly, readEventInput, type AssemblyInput } from './inputs';
import { ThrottledError } from './pool';
import { LocalRuntime } from './runtime';

export interface InvokeLocalOptions extends AssemblyInput {
  /** Construct path (`Api/Hello`), function name, `name:qualifier` or ARN. */
  readonly function: string;
  /** Alias or version. @default - the function's alias (`live`) when it has one, as the remote invoke does */
  readonly qualifier?: string;
  /** A JSON file, or `-` for standard input. @default - `{}` */
  readonly event?: string;
  /** Where REPORT lines are recorded for `lambdakit cost`; false to skip. @default '<cwd>/.lambdakit/local-reports.jsonl' */
  readonly reportsFile?: string | false;
  readonly stdin?: NodeJS.ReadableStream;
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
}

/**
 * `lambdakit invoke --local`: one invocation in a fresh local execution
 * environment. The response goes to stdout and the function's log (START to
 * REPORT) to stderr; a function error is thrown as a LambdakitError after
 * both are written, so the CLI exits 1.
 */
export async function invokeLocal(options: InvokeLocalOptions): Promise<LocalInvokeResult> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const payload = await readEventInput(options.event, options.stdin);
  const assembly = await loadAssembly(options);
  // One call: no provisioned environments to start for it, no process to start ahead of a next cold start, and it runs on demand.
  const runtime = await LocalRuntime.start({ assembly, reportsFile: options.reportsFile, maxEnvironments: 1, provisionedConcurrency: false, prewarm: false });
  try {
    const fn = resolveTarget(runtime, options.function, undefined).fn;
    const qualifier = options.qualifier ?? (options.function.includes(':') ? undefined : fn.aliases[0]?.name);
    // A streaming handler's response (awslambda.streamifyResponse) is written as it arrives, raw, as
    // `aws lambda invoke-with-response-stream` gives its chunks (an HttpResponseStream's prelude included).
    let streamed: Buffer | undefined;
    const stream = {
      chunk: (chunk: Buffer) => {
        streamed = chunk.length ? chunk : (streamed ?? chunk);
        stdout.write(chunk);
      },
    };
    let result: LocalInvokeResult;
    try {
      result = await invokeDirect(runtime, options.function, payload, { qualifier, trigger: 'cli', stream });
    } catch (error) {
      if (error instanceof ThrottledError) {
        throw new LambdakitError(`${fn.constructPath} cannot run: ${error.message}`, { code: 'TooManyRequests', path: fn.constructPath, hint: 'its reserved concurrency is 0; raise it to run the function' });
      }
      throw error;
    }
    stderr.write(result.log);
    if (streamed === undefined) stdout.write(result.payload.endsWith('\n') ? result.payload : `${result.payload}\n`);
    else if (streamed.length === 0 || streamed[streamed.length - 1] !== 0x0a) stdout.write('\n');
    if (result.functionError) {
      let detail = '';
      try {
        const parsed = JSON.parse(result.payload) as { errorType?: string; errorMessage?: string };
        detail = `: ${parsed.errorType ?? result.errorType ?? 'Error'}: ${parsed.errorMessage ?? ''}`;
      } catch {
        detail = result.errorType ? `: ${result.errorType}` : '';
      }
      throw new LambdakitError(`${fn.constructPath} failed (${result.functionError})${detail}`, { code: 'FunctionError', value: result.payload });
    }
    return result;
  } finally {
    await runtime.close({ drainMs: 0 });
  }
}
