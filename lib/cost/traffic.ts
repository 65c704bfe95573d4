import * as fs from 'node:fs';
import type { AssemblyModel } from '../assembly/model';
import { findFunction } from '../assembly/read';
import { LambdakitError } from '../errors';

/**
 * One function's expected traffic, from a traffic file:
 *
 * ```json
 * { "functions": {
 *     "Api/Hello":      { "invocationsPerMonth": 3000000, "durationMs": 120 },
 *     "my-worker-name": { "invocationsPerMonth": 50000 } } }
 * ```
 *
 * Keys are construct paths or function names of the assembly.
 */
export interface TrafficEntry {
  /** Invocations in a month, 0 or more. @default - `--invocations`, else CloudWatch, else 0 */
  readonly invocationsPerMonth?: number;
  /** Duration of one invocation in ms, above 0. @default - `--duration-ms`, else CloudWatch, else local measurements */
  readonly durationMs?: number;
}

export interface Traffic {
  readonly file: string;
  /** Entries by construct path. */
  readonly entries: ReadonlyMap<string, TrafficEntry>;
}

const FIELDS = new Set(['invocationsPerMonth', 'durationMs']);

/** Reads and checks a traffic file; every problem is named in one error. */
export function readTraffic(file: string, assembly: AssemblyModel): Traffic {
  if (!fs.existsSync(file)) throw new LambdakitError(`traffic file ${file} does not exist`, { code: 'TrafficFileNotFound', file, hint: 'pass a JSON file: { "functions": { "Api/Hello": { "invocationsPerMonth": 1000000, "durationMs": 120 } } }' });
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LambdakitError(`traffic file ${file} is not valid JSON: ${(error as Error).message}`, { code: 'TrafficFileInvalid', file });
  }
  const functions = (data as { functions?: unknown } | null)?.functions;
  if (typeof data !== 'object' || data === null || Array.isArray(data) || typeof functions !== 'object' || functions === null || Array.isArray(functions)) {
    throw new LambdakitError(`traffic file ${file} must be an object with a "functions" object keyed by construct path or function name`, {
      code: 'TrafficFileInvalid',
      file,
      hint: 'e.g. { "functions": { "Api/Hello": { "invocationsPerMonth": 1000000, "durationMs": 120 } } }',
    });
  }
  const problems: string[] = [];
  const unknown: string[] = [];
  const entries = new Map<string, TrafficEntry>();
  for (const [key, value] of Object.entries(functions as Record<string, unknown>)) {
    const model = findFunction(assembly, key);
    if (!model) {
      unknown.push(key);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${key} must be an object with invocationsPerMonth and/or durationMs`);
      continue;
    }
    const entry = value as Record<string, unknown>;
    for (const field of Object.keys(entry)) if (!FIELDS.has(field)) problems.push(`${key}: unknown field "${field}" (fields: invocationsPerMonth, durationMs)`);
    const { invocationsPerMonth, durationMs } = entry;
    if (invocationsPerMonth !== undefined && !(typeof invocationsPerMonth === 'number' && Number.isFinite(invocationsPerMonth) && invocationsPerMonth >= 0)) {
      problems.push(`${key}: invocationsPerMonth must be a number of 0 or more, got ${JSON.stringify(invocationsPerMonth)}`);
    }
    if (durationMs !== undefined && !(typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs > 0)) {
      problems.push(`${key}: durationMs must be a number above 0, got ${JSON.stringify(durationMs)}`);
    }
    if (entries.has(model.constructPath)) problems.push(`${key}: ${model.constructPath} is listed twice`);
    entries.set(model.constructPath, { invocationsPerMonth: invocationsPerMonth as number | undefined, durationMs: durationMs as number | undefined });
  }
  if (unknown.length > 0) {
    throw new LambdakitError(`traffic file ${file} names ${unknown.length === 1 ? 'a function' : 'functions'} the assembly does not have: ${unknown.join(', ')}`, {
      code: 'TrafficUnknownFunction',
      file,
      value: unknown,
      hint: `functions of the assembly: ${assembly.functions.map((f) => f.constructPath).join(', ') || 'none'}`,
    });
  }
  if (problems.length > 0) throw new LambdakitError(`traffic file ${file}: ${problems.join('; ')}`, { code: 'TrafficFileInvalid', file });
  return { file, entries };
}
