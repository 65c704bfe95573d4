import * as fs from 'node:fs';

/**
 * Lambda runs a function with a share of a vCPU in proportion to its memory
 * (one full vCPU at 1,769 MB), and its SDK calls cross the network to real
 * services. A local run has a whole, usually faster, core and talks to local
 * stand-ins over loopback. Local durations are therefore too short; they are
 * multiplied by this factor unless the user gives their own (compare one
 * CloudWatch figure with a local run to calibrate it).
 */
export const DEFAULT_LOCAL_FACTOR = 2;

/**
 * Local runs are few and noisy, so a high percentile rather than the mean
 * keeps an estimate used as a budget gate on the safe side.
 */
export const DEFAULT_LOCAL_PERCENTILE = 90;

/** One REPORT line as the local runtime records it in `.lambdakit/local-reports.jsonl`. */
export interface LocalReport {
  readonly time: string;
  /** Construct path. */
  readonly function: string;
  readonly functionName?: string;
  readonly version?: string;
  readonly durationMs: number;
  readonly billedDurationMs?: number;
  readonly memoryMb: number;
  readonly maxMemoryUsedMb?: number;
  readonly initDurationMs?: number;
}

/** A function's local measurements reduced to one duration. */
export interface LocalDuration {
  readonly runs: number;
  readonly percentile: number;
  /** The percentile of the local durations, before the factor. */
  readonly localMs: number;
  /** True when the runs were at the function's current memory; otherwise runs at every memory were used. */
  readonly atCurrentMemory: boolean;
  readonly memoriesMb: readonly number[];
}

/**
 * Reads the reports file; a missing file is no measurements. Lines that are
 * not reports (say, one cut short by a killed process) are skipped.
 */
export function readLocalReports(file: string): LocalReport[] {
  if (!fs.existsSync(file)) return [];
  const reports: LocalReport[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as LocalReport;
      if (typeof r.function === 'string' && typeof r.durationMs === 'number' && r.durationMs >= 0 && typeof r.memoryMb === 'number') reports.push(r);
    } catch {
      // not a report line
    }
  }
  return reports;
}

/**
 * The duration of a function from its local runs: the percentile of the
 * handler durations (init excluded: local runs are mostly cold starts,
 * deployed traffic mostly warm), preferring runs at its current memory.
 */
export function localDuration(reports: readonly LocalReport[], constructPath: string, memoryMb: number, percentile = DEFAULT_LOCAL_PERCENTILE): LocalDuration | undefined {
  const own = reports.filter((r) => r.function === constructPath);
  if (own.length === 0) return undefined;
  const atMemory = own.filter((r) => r.memoryMb === memoryMb);
  const used = atMemory.length > 0 ? atMemory : own;
  return {
    runs: used.length,
    percentile,
    localMs: percentileOf(used.map((r) => r.durationMs), percentile),
    atCurrentMemory: atMemory.length > 0,
    memoriesMb: [...new Set(used.map((r) => r.memoryMb))].sort((a, b) => a - b),
  };
}

/** Nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
export function percentileOf(values: readonly number[], percentile: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((percentile / 100) * sorted.length));
  return sorted[rank - 1];
}
