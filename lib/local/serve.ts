import * as path from 'node:path';
import type { FunctionModel } from '../assembly/model';
import type { AsyncQueueReport, DeliveryEntry } from './async-queue';
import { loadAssembly, type AssemblyInput } from './inputs';
import { LocalLambda } from './local-lambda';

export interface ServeLocalOptions extends AssemblyInput {
  /** Port of the Invoke API; 0 picks a free one. @default 3001 */
  readonly port?: number;
  /**
   * Endpoint of local AWS services (e.g. moto): dead letters and destination records go there, and
   * the functions get it as AWS_ENDPOINT_URL so their own SDK calls do too.
   * @default - AWS_ENDPOINT_URL; without one, deliveries are reported as failed and functions call AWS
   */
  readonly endpointUrl?: string;
  /** Waits before the asynchronous retries. @default [60000, 120000] (as AWS) */
  readonly retryDelaysMs?: readonly number[];
  /** @default '<cwd>/.lambdakit/local-reports.jsonl' */
  readonly reportsFile?: string | false;
  /** Most environments per function at once; further calls are throttled (429). @default 16 */
  readonly maxEnvironments?: number;
  /** `Host` names the Invoke API accepts besides loopback ones (`--allow-host`). @default - loopback only */
  readonly allowedHosts?: readonly string[];
  /**
   * Directory of the journal of accepted Event invocations: they survive a crash or a stop
   * and resume on the next start; false keeps them in memory only.
   * @default '<cwd>/.lambdakit/async'
   */
  readonly journalDir?: string | false;
  /** Where function output, START/END/REPORT lines and deliveries are printed. @default process.stderr */
  readonly log?: NodeJS.WritableStream;
}

/**
 * Prefixes every line a function writes with its construct path, as `lambdakit local` prints
 * them. Output arrives in chunks that may end mid-line: only a line's start gets the prefix.
 */
function linePrefixer(): (fn: FunctionModel, text: string) => string {
  const midLine = new Set<string>();
  return (fn, text) => {
    let out = '';
    for (const piece of text.split(/(?<=\n)/)) {
      if (piece === '') continue;
      out += midLine.has(fn.constructPath) ? piece : `[${fn.constructPath}] ${piece}`;
      if (piece.endsWith('\n')) midLine.delete(fn.constructPath);
      else midLine.add(fn.constructPath);
    }
    return out;
  };
}

function describeDelivery(entry: DeliveryEntry): string {
  const what = entry.kind === 'dead-letter' ? 'dead-letter queue' : `${entry.kind} destination`;
  return entry.error
    ? `[${entry.function}] could not deliver ${entry.requestId} to its ${what} ${entry.targetArn}: ${entry.error}\n`
    : `[${entry.function}] delivered ${entry.requestId} to its ${what} ${entry.targetArn}\n`;
}

/** `lambdakit local`: the assembly's functions on Lambda's Invoke API, logs streamed to `log`. */
export async function serveLocal(options: ServeLocalOptions): Promise<LocalLambda> {
  const log = options.log ?? process.stderr;
  const assembly = await loadAssembly(options);
  const endpoint = options.endpointUrl ?? process.env.AWS_ENDPOINT_URL;
  const prefix = linePrefixer();
  return LocalLambda.start({
    assembly,
    extraEnvironment: endpoint ? { AWS_ENDPOINT_URL: endpoint } : undefined,
    port: options.port,
    allowedHosts: options.allowedHosts,
    reportsFile: options.reportsFile,
    maxEnvironments: options.maxEnvironments,
    onLog: (fn, text) => log.write(prefix(fn, text)),
    async: {
      endpoint,
      retryDelaysMs: options.retryDelaysMs,
      journalDir: options.journalDir === false ? undefined : (options.journalDir ?? path.join(path.resolve(options.cwd ?? process.cwd()), '.lambdakit', 'async')),
      onDelivery: (entry) => log.write(describeDelivery(entry)),
      onNotice: (message) => log.write(`lambdakit: ${message}\n`),
    },
  });
}

/** What a stop prints about the asynchronous events it did not finish; the exit code is 1 when some were dropped. */
export function describeStop(report: AsyncQueueReport): { message: string; failed: boolean } {
  if (report.undelivered > 0) return { message: `lambdakit: ${report.undelivered} asynchronous invocation(s) were not finished and are dropped: ${report.requestIds.join(', ')}\n`, failed: true };
  if (report.kept > 0) return { message: `lambdakit: ${report.kept} asynchronous invocation(s) not finished are kept in ${report.journalFile}; they resume on the next start\n`, failed: false };
  return { message: '', failed: false };
}

/** What the server prints once listening: its URL and how to call each function. */
export function describeServer(local: LocalLambda): string {
  const lines = [`Lambda Invoke API on ${local.url} (Ctrl-C to stop)`];
  for (const fn of local.runtime.functions) {
    const qualifiers = ['$LATEST', ...fn.versions.map((v) => v.version), ...fn.aliases.map((a) => a.name)];
    lines.push(`  ${fn.constructPath}  ${fn.functionName}  ${fn.runtime}  qualifiers: ${qualifiers.join(', ')}`);
  }
  const example = local.runtime.functions[0];
  if (example) lines.push('', `  aws lambda invoke --endpoint-url ${local.url} --function-name ${example.functionName} out.json`);
  return `${lines.join('\n')}\n`;
}
