import { type Architecture, type PriceSheet, tieredCost } from './prices';

/** What one function does in a month, with the assumptions behind each figure. */
export interface FunctionUsage {
  readonly stackName: string;
  readonly constructPath: string;
  readonly architecture: Architecture;
  readonly memoryMb: number;
  readonly ephemeralStorageMb: number;
  /** Provisioned concurrency configured on the function's aliases and versions, 0 when none. */
  readonly provisionedConcurrency: number;
  readonly invocationsPerMonth: number;
  /** Duration of one invocation before Lambda rounds it up to the next millisecond; undefined only with no invocations. */
  readonly durationMs?: number;
  /** Where each figure came from, in words, shown beside the estimate. */
  readonly assumptions: readonly string[];
}

/** Money split the way Lambda bills it, USD per month. */
export interface CostBreakdown {
  readonly requests: number;
  /** Duration: on-demand GB-seconds plus GB-seconds that ran on provisioned concurrency. */
  readonly compute: number;
  readonly ephemeral: number;
  /** Configured provisioned concurrency, paid whether used or not. */
  readonly provisioned: number;
  readonly total: number;
}

export interface FunctionEstimate extends CostBreakdown {
  readonly stackName: string;
  readonly constructPath: string;
  readonly architecture: Architecture;
  readonly memoryMb: number;
  readonly ephemeralStorageMb: number;
  readonly provisionedConcurrency: number;
  readonly invocationsPerMonth: number;
  /** Billed duration of one invocation: rounded up to 1 ms. */
  readonly billedDurationMs: number;
  /** Share of invocations that run on provisioned concurrency (0-1). */
  readonly onProvisionedShare: number;
  readonly gbSeconds: { readonly onDemand: number; readonly onProvisioned: number; readonly ephemeral: number; readonly provisionedConfigured: number };
  readonly assumptions: readonly string[];
}

export interface StackEstimate extends CostBreakdown {
  readonly stackName: string;
  readonly functions: number;
}

/** The account's monthly free tier, applied once to the whole estimate. */
export interface FreeTierCredit {
  readonly applied: boolean;
  readonly requests: number;
  readonly gbSeconds: number;
  /** Negative amounts: what the free tier takes off. */
  readonly credit: { readonly requests: number; readonly compute: number; readonly total: number };
}

export interface CostEstimate {
  readonly prices: { readonly file: string; readonly version: number; readonly takenOn: string; readonly region: string; readonly currency: string; readonly hoursPerMonth: number };
  readonly functions: FunctionEstimate[];
  readonly stacks: StackEstimate[];
  readonly freeTier: FreeTierCredit;
  /** Sum of the stacks minus the free tier credit. */
  readonly total: number;
}

export interface EstimateOptions {
  /** Take the account's monthly free tier off the total. @default true */
  readonly freeTier?: boolean;
}

/** Lambda rounds every invocation's duration up to the next millisecond (1 ms at least). */
export function billedDuration(durationMs: number): number {
  // The epsilon keeps 60 × 2 = 120.00000000000001 from billing as 121 ms.
  return Math.max(1, Math.ceil(durationMs - 1e-9));
}

/**
 * Prices the usage of a set of functions for one month. On-demand duration
 * tiers apply to the sum of the functions' GB-seconds per architecture (as
 * AWS applies them to the account), so each function pays the blended rate
 * of its architecture.
 */
export function estimateCost(usages: readonly FunctionUsage[], sheet: PriceSheet, options: EstimateOptions = {}): CostEstimate {
  const p = sheet.prices;
  const quantities = usages.map((u) => measure(u, sheet.secondsPerMonth));
  const onDemandByArch: Record<Architecture, number> = { arm64: 0, x86_64: 0 };
  quantities.forEach((q, i) => (onDemandByArch[usages[i].architecture] += q.onDemand));
  const blendedRate = (arch: Architecture) =>
    onDemandByArch[arch] > 0 ? tieredCost(onDemandByArch[arch], p.durationPerGbSecond[arch]) / onDemandByArch[arch] : p.durationPerGbSecond[arch][0].price;

  const functions: FunctionEstimate[] = usages.map((u, i) => {
    const q = quantities[i];
    const arch = u.architecture;
    const requests = (u.invocationsPerMonth / 1e6) * p.requestsPerMillion[arch];
    const compute = q.onDemand * blendedRate(arch) + q.onProvisioned * p.provisionedDurationPerGbSecond[arch];
    const ephemeral = q.ephemeral * p.ephemeralStoragePerGbSecond[arch];
    const provisioned = q.provisionedConfigured * p.provisionedConcurrencyPerGbSecond[arch];
    return {
      stackName: u.stackName,
      constructPath: u.constructPath,
      architecture: arch,
      memoryMb: u.memoryMb,
      ephemeralStorageMb: u.ephemeralStorageMb,
      provisionedConcurrency: u.provisionedConcurrency,
      invocationsPerMonth: u.invocationsPerMonth,
      billedDurationMs: q.billedMs,
      onProvisionedShare: q.share,
      gbSeconds: { onDemand: q.onDemand, onProvisioned: q.onProvisioned, ephemeral: q.ephemeral, provisionedConfigured: q.provisionedConfigured },
      requests,
      compute,
      ephemeral,
      provisioned,
      total: requests + compute + ephemeral + provisioned,
      assumptions: u.assumptions,
    };
  });

  const stackNames = [...new Set(functions.map((f) => f.stackName))];
  const stacks: StackEstimate[] = stackNames.map((stackName) => {
    const own = functions.filter((f) => f.stackName === stackName);
    return { stackName, functions: own.length, ...sum(own) };
  });

  const freeTier = freeTierCredit(functions, sheet, options.freeTier ?? true);
  return {
    prices: { file: sheet.file, version: sheet.version, takenOn: sheet.takenOn, region: sheet.region, currency: sheet.currency, hoursPerMonth: sheet.secondsPerMonth / 3600 },
    functions,
    stacks,
    freeTier,
    total: Math.max(0, sum(functions).total + freeTier.credit.total),
  };
}

interface Quantities {
  readonly billedMs: number;
  readonly share: number;
  readonly onDemand: number;
  readonly onProvisioned: number;
  readonly ephemeral: number;
  readonly provisionedConfigured: number;
}

function measure(u: FunctionUsage, secondsPerMonth: number): Quantities {
  const billedMs = u.invocationsPerMonth > 0 && u.durationMs !== undefined ? billedDuration(u.durationMs) : 0;
  const executionSeconds = u.invocationsPerMonth * (billedMs / 1000);
  const memoryGb = u.memoryMb / 1024;
  // Steady traffic: invocations run on provisioned concurrency while the
  // average concurrency fits in it; the excess spills over to on-demand.
  const averageConcurrency = executionSeconds / secondsPerMonth;
  const share = u.provisionedConcurrency === 0 ? 0 : averageConcurrency <= u.provisionedConcurrency ? 1 : u.provisionedConcurrency / averageConcurrency;
  const executionGbSeconds = executionSeconds * memoryGb;
  return {
    billedMs,
    share,
    onDemand: executionGbSeconds * (1 - share),
    onProvisioned: executionGbSeconds * share,
    ephemeral: executionSeconds * (Math.max(0, u.ephemeralStorageMb - 512) / 1024),
    provisionedConfigured: u.provisionedConcurrency * memoryGb * secondsPerMonth,
  };
}

/**
 * The free tier is per account, so it is taken off the total once rather
 * than off any one function or stack. It does not cover functions with
 * provisioned concurrency. Free GB-seconds are credited at each
 * architecture's first-tier price, in proportion to its share of the
 * eligible GB-seconds (AWS does not say which architecture it covers first).
 */
function freeTierCredit(functions: readonly FunctionEstimate[], sheet: PriceSheet, applied: boolean): FreeTierCredit {
  const eligible = functions.filter((f) => f.provisionedConcurrency === 0);
  const invocations = eligible.reduce((n, f) => n + f.invocationsPerMonth, 0);
  const gbSeconds = eligible.reduce((n, f) => n + f.gbSeconds.onDemand, 0);
  if (!applied || (invocations === 0 && gbSeconds === 0)) return { applied, requests: 0, gbSeconds: 0, credit: { requests: 0, compute: 0, total: 0 } };
  const freeRequests = Math.min(sheet.freeTier.requests, invocations);
  const freeGbSeconds = Math.min(sheet.freeTier.gbSeconds, gbSeconds);
  const p = sheet.prices;
  const averageRequestPrice = invocations > 0 ? eligible.reduce((n, f) => n + f.invocationsPerMonth * p.requestsPerMillion[f.architecture], 0) / invocations / 1e6 : 0;
  const averageFirstTierPrice = gbSeconds > 0 ? eligible.reduce((n, f) => n + f.gbSeconds.onDemand * p.durationPerGbSecond[f.architecture][0].price, 0) / gbSeconds : 0;
  const requests = -freeRequests * averageRequestPrice;
  const compute = -freeGbSeconds * averageFirstTierPrice;
  return { applied, requests: freeRequests, gbSeconds: freeGbSeconds, credit: { requests, compute, total: requests + compute } };
}

function sum(items: readonly CostBreakdown[]): CostBreakdown {
  const total = (key: keyof CostBreakdown) => items.reduce((n, i) => n + i[key], 0);
  return { requests: total('requests'), compute: total('compute'), ephemeral: total('ephemeral'), provisioned: total('provisioned'), total: total('total') };
}
