import type { FunctionModel } from '../assembly/model';
import { LambdakitError } from '../errors';
import type { CloudWatchUsage } from './cloudwatch';
import type { FunctionUsage } from './estimate';
import { type LocalReport, localDuration } from './local-reports';
import type { Traffic } from './traffic';

/** Every source of invocations and durations, in the order they are preferred. */
export interface UsageSources {
  /** Per-function figures from a traffic file (first choice for both). */
  readonly traffic?: Traffic;
  /** `--invocations`: invocations per month for every function without its own figure. */
  readonly invocationsPerMonth?: number;
  /** `--duration-ms`: duration for every function without its own figure. */
  readonly durationMs?: number;
  /** Measured in CloudWatch, by construct path. */
  readonly cloudWatch?: ReadonlyMap<string, CloudWatchUsage>;
  /** Measured by the local runtime. */
  readonly localReports?: readonly LocalReport[];
  readonly localFactor: number;
  readonly localPercentile: number;
}

/**
 * aws-cdk-lib's own deploy-time handlers (S3 notifications, log retention,
 * AwsCustomResource, custom resource providers): singletons whose ids end in
 * a 32-hex-digit uuid, or providers. CloudFormation invokes them during
 * deployments only, so the app-wide --invocations does not apply to them.
 */
export function isDeployTimeHandler(fn: FunctionModel): boolean {
  return fn.constructPath.split('/').some((segment) => /[0-9a-f]{32}$/i.test(segment) || /CustomResourceProvider/.test(segment));
}

/** Provisioned concurrency configured on a function's aliases and versions. */
export function provisionedConcurrencyOf(fn: FunctionModel): { total: number; where: string[] } {
  const where: string[] = [];
  let total = 0;
  for (const alias of fn.aliases) {
    if (alias.provisionedConcurrency) {
      total += alias.provisionedConcurrency;
      where.push(`${alias.provisionedConcurrency} on ${alias.name}`);
    }
  }
  for (const version of fn.versions) {
    if (version.provisionedConcurrency) {
      total += version.provisionedConcurrency;
      where.push(`${version.provisionedConcurrency} on version ${version.version}`);
    }
  }
  return { total, where };
}

/**
 * Decides each function's invocations and duration, and says where each
 * came from. A function with invocations but no duration from any source is
 * an error: an estimate must not quietly assume one.
 */
export function resolveUsage(functions: readonly FunctionModel[], sources: UsageSources): FunctionUsage[] {
  const missing: string[] = [];
  const usages = functions.map((fn): FunctionUsage => {
    const assumptions: string[] = [];
    const entry = sources.traffic?.entries.get(fn.constructPath);
    const watched = sources.cloudWatch?.get(fn.constructPath);
    const measured = watched?.status === 'measured' ? watched : undefined;

    let invocationsPerMonth = 0;
    if (entry?.invocationsPerMonth !== undefined) {
      invocationsPerMonth = entry.invocationsPerMonth;
      assumptions.push(`invocations from ${sources.traffic!.file}`);
    } else if (isDeployTimeHandler(fn)) {
      assumptions.push('aws-cdk-lib deploy-time handler: runs only during deployments, counted as 0');
    } else if (sources.invocationsPerMonth !== undefined) {
      invocationsPerMonth = sources.invocationsPerMonth;
      assumptions.push('invocations from --invocations');
    } else if (measured) {
      invocationsPerMonth = measured.invocationsPerMonth;
      assumptions.push(`invocations: ${count(measured.invocations)} in CloudWatch over ${measured.days} d, scaled to a month`);
    } else if (watched?.status === 'not-deployed') {
      assumptions.push('not deployed: nothing in CloudWatch, fixed costs only');
    } else if (watched?.status === 'no-data') {
      assumptions.push(`no CloudWatch data in ${watched.days} d: fixed costs only`);
    } else {
      assumptions.push('no traffic given: fixed costs only');
    }

    let durationMs: number | undefined;
    if (entry?.durationMs !== undefined) {
      durationMs = entry.durationMs;
      assumptions.push(`duration from ${sources.traffic!.file}`);
    } else if (sources.durationMs !== undefined) {
      durationMs = sources.durationMs;
      assumptions.push('duration from --duration-ms');
    } else if (measured?.meanDurationMs !== undefined) {
      durationMs = measured.meanDurationMs;
      assumptions.push(`duration: CloudWatch mean over ${measured.days} d`);
    } else {
      const local = sources.localReports ? localDuration(sources.localReports, fn.constructPath, fn.memoryMb, sources.localPercentile) : undefined;
      if (local) {
        durationMs = local.localMs * sources.localFactor;
        const memory = local.atCurrentMemory ? '' : ` at ${local.memoriesMb.join('/')} MB`;
        assumptions.push(`duration: p${local.percentile} of ${local.runs} local run${local.runs === 1 ? '' : 's'}${memory} (${round(local.localMs)} ms) × ${sources.localFactor} local factor`);
      }
    }
    if (durationMs !== undefined && durationMs > fn.timeoutSeconds * 1000) {
      // A longer invocation would time out, and a timed-out invocation is billed up to its timeout.
      assumptions.push(`capped at the ${fn.timeoutSeconds} s timeout`);
      durationMs = fn.timeoutSeconds * 1000;
    }
    if (durationMs === undefined && invocationsPerMonth > 0) missing.push(fn.constructPath);

    const provisioned = provisionedConcurrencyOf(fn);
    if (provisioned.total > 0) assumptions.push(`provisioned concurrency ${provisioned.where.join(', ')}, all month; steady traffic`);
    return {
      stackName: fn.stackName,
      constructPath: fn.constructPath,
      architecture: fn.architecture,
      memoryMb: fn.memoryMb,
      ephemeralStorageMb: fn.ephemeralStorageMb,
      provisionedConcurrency: provisioned.total,
      invocationsPerMonth,
      durationMs,
      assumptions,
    };
  });
  if (missing.length > 0) {
    throw new LambdakitError(`no duration for ${missing.join(', ')}, which ${missing.length === 1 ? 'has' : 'have'} invocations`, {
      code: 'NoDuration',
      value: missing,
      hint: 'pass --duration-ms, give durationMs in the traffic file, run the function with `lambdakit local` / `invoke --local` first, or read it from the deployed function with --cloudwatch',
    });
  }
  return usages;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function round(ms: number): string {
  return Number(ms.toFixed(1)).toString();
}
