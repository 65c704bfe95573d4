import * as path from 'node:path';
import type { AssemblyModel } from '../assembly/model';
import { LambdakitError } from '../errors';
import { loadAssembly } from '../local/inputs';
import { readCloudWatch } from './cloudwatch-lazy';
import { type CostEstimate, estimateCost } from './estimate';
import { DEFAULT_LOCAL_FACTOR, DEFAULT_LOCAL_PERCENTILE, readLocalReports } from './local-reports';
import { DEFAULT_PRICE_FILE, loadPrices } from './prices';
import { readTraffic } from './traffic';
import { resolveUsage } from './usage';
import { type WhatIfRow, memoryWhatIf } from './what-if';

export interface CostOptions {
  /** Cloud assembly directory (synthesized first when missing). @default 'cdk.out' */
  readonly app?: string;
  /** Synthesize the app even when the assembly exists. @default false */
  readonly synth?: boolean;
  /** Only these stacks. @default - every stack */
  readonly stacks?: readonly string[];
  /** Price region. @default - AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1 */
  readonly region?: string;
  /** Price data file. @default lib/cost/prices.json */
  readonly pricesFile?: string;
  /** Invocations per month of every function without its own figure. @default - traffic file, CloudWatch, else 0 */
  readonly invocationsPerMonth?: number;
  /** Duration in ms of every function without its own figure. @default - traffic file, CloudWatch, local reports */
  readonly durationMs?: number;
  /** Traffic file with per-function invocations and durations. */
  readonly trafficFile?: string;
  /** Local REPORT lines. @default '<cwd>/.lambdakit/local-reports.jsonl' */
  readonly localReportsFile?: string | false;
  /** Multiplier from local durations to Lambda durations. @default 2 */
  readonly localFactor?: number;
  /** Percentile of local durations. @default 90 */
  readonly localPercentile?: number;
  /** Read invocations and durations of the deployed functions from CloudWatch. @default false */
  readonly cloudWatch?: boolean;
  /** CloudWatch look-back window in days. @default 14 */
  readonly cloudWatchDays?: number;
  readonly endpointUrl?: string;
  /** Take the account's free tier off the total. @default true */
  readonly freeTier?: boolean;
  /** Memory sizes for the what-if. */
  readonly memories?: readonly number[];
  /** Directory the relative paths are taken from. @default process.cwd() */
  readonly cwd?: string;
}

export interface CostReport {
  readonly estimate: CostEstimate;
  readonly whatIf?: WhatIfRow[];
}

/** Reads the assembly and every usage source, and prices the functions of the chosen stacks. */
export async function estimateApp(options: CostOptions): Promise<CostReport> {
  validateNumbers(options);
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const region = options.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  const sheet = loadPrices(region, options.pricesFile ? path.resolve(cwd, options.pricesFile) : DEFAULT_PRICE_FILE);
  const app = options.app ?? 'cdk.out';
  const assembly = await loadAssembly({ app, synth: options.synth, cwd });
  const functions = selectFunctions(assembly, options.stacks);
  const traffic = options.trafficFile ? readTraffic(path.resolve(cwd, options.trafficFile), assembly) : undefined;
  const reportsFile = options.localReportsFile === false ? undefined : path.resolve(cwd, options.localReportsFile ?? path.join('.lambdakit', 'local-reports.jsonl'));
  const cloudWatch = options.cloudWatch
    ? await readCloudWatch(functions, { app: path.resolve(cwd, app), endpointUrl: options.endpointUrl, region: options.region, days: options.cloudWatchDays ?? 14, secondsPerMonth: sheet.secondsPerMonth })
    : undefined;
  const usages = resolveUsage(functions, {
    traffic: traffic ? { ...traffic, file: path.relative(cwd, traffic.file) || traffic.file } : undefined,
    invocationsPerMonth: options.invocationsPerMonth,
    durationMs: options.durationMs,
    cloudWatch,
    localReports: reportsFile ? readLocalReports(reportsFile) : undefined,
    localFactor: options.localFactor ?? DEFAULT_LOCAL_FACTOR,
    localPercentile: options.localPercentile ?? DEFAULT_LOCAL_PERCENTILE,
  });
  const estimate = estimateCost(usages, sheet, { freeTier: options.freeTier });
  return { estimate, whatIf: options.memories ? memoryWhatIf(usages, options.memories, sheet) : undefined };
}

function selectFunctions(assembly: AssemblyModel, stacks: readonly string[] | undefined) {
  if (!stacks || stacks.length === 0) return assembly.functions;
  const known = assembly.stacks.map((s) => s.stackName);
  const unknown = stacks.filter((s) => !known.includes(s));
  if (unknown.length > 0) {
    throw new LambdakitError(`no stack ${unknown.join(', ')} in the assembly`, { code: 'UnknownStack', value: unknown, hint: `stacks: ${known.join(', ') || 'none'}` });
  }
  return assembly.functions.filter((f) => stacks.includes(f.stackName));
}

function validateNumbers(options: CostOptions): void {
  const check = (name: string, value: number | undefined, ok: (v: number) => boolean, limit: string) => {
    if (value !== undefined && !(Number.isFinite(value) && ok(value))) {
      throw new LambdakitError(`${name} must be ${limit}, got ${value}`, { code: 'InvalidOption', value, limit });
    }
  };
  check('--invocations', options.invocationsPerMonth, (v) => v >= 0, 'a number of invocations per month, 0 or more');
  check('--duration-ms', options.durationMs, (v) => v > 0 && v <= 900_000, 'above 0 and at most 900000 (Lambda\'s 15 minute limit)');
  check('--local-factor', options.localFactor, (v) => v > 0, 'above 0');
  check('--local-percentile', options.localPercentile, (v) => v > 0 && v <= 100, 'above 0 and at most 100');
  check('--cloudwatch-days', options.cloudWatchDays, (v) => v >= 1 && v <= 455 && Number.isInteger(v), 'whole days from 1 to 455 (CloudWatch keeps daily data 455 days)');
}
