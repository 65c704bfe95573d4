import {
  DeleteFunctionConcurrencyCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetFunctionConcurrencyCommand,
  GetProvisionedConcurrencyConfigCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
} from '@aws-sdk/client-lambda';
import { LambdakitError, isLambdakitError } from '../errors';
import type { OpsContext } from './context';
import { type DeployedFunction, notFoundError, resolveFunction } from './resolve';
import type { ProvisionedStatus } from './status';

export interface ConcurrencyOptions {
  /** New reserved concurrency, or 'none' to return the function to the unreserved pool. @default - unchanged */
  readonly reserved?: number | 'none';
  /** New provisioned concurrency on `qualifier`, or 'none' to remove it. @default - unchanged */
  readonly provisioned?: number | 'none';
  /** Alias or version for provisioned concurrency. @default - the function's alias in the assembly, else 'live' */
  readonly qualifier?: string;
}

export interface ConcurrencyReport {
  readonly function: string;
  readonly functionName: string;
  readonly qualifier: string;
  /** null: the unreserved pool. */
  readonly reservedConcurrency: number | null;
  /** null: none configured; 'unknown': the endpoint does not implement the API. */
  readonly provisionedConcurrency: ProvisionedStatus | null | 'unknown';
  /** Settings that the next `cdk deploy` will put back to the template's values. */
  readonly notes: string[];
}

/** Parses `--reserved` / `--provisioned`: a non-negative whole number or `none`. */
export function parseConcurrency(flag: string, value: unknown): number | 'none' | undefined {
  if (value === undefined) return undefined;
  if (value === 'none') return 'none';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new LambdakitError(`--${flag} must be a whole number or "none", got ${String(value)}`, { code: 'ConcurrencyInvalid', value });
  }
  return n;
}

/** Sets (when asked) and reads reserved and provisioned concurrency. */
export async function concurrency(ops: OpsContext, name: string, options: ConcurrencyOptions = {}): Promise<ConcurrencyReport> {
  const fn = await resolveFunction(ops, name);
  const qualifier = options.qualifier ?? fn.model?.aliases[0]?.name ?? 'live';
  const subject = `function ${fn.functionName}`;
  const onFunction = <T>(operation: string, run: () => Promise<T>) =>
    ops.call('lambda', operation, subject, run).catch((error: unknown) => {
      throw notFoundError(ops, fn, error);
    });

  if (options.reserved === 'none') {
    await onFunction('DeleteFunctionConcurrency', () => ops.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: fn.functionName })));
  } else if (options.reserved !== undefined) {
    const reserved = options.reserved;
    await onFunction('PutFunctionConcurrency', () => ops.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: fn.functionName, ReservedConcurrentExecutions: reserved })));
  }
  if (options.provisioned === 'none') {
    await onFunction('DeleteProvisionedConcurrencyConfig', () => ops.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: fn.functionName, Qualifier: qualifier })));
  } else if (options.provisioned !== undefined) {
    const provisioned = options.provisioned;
    await onFunction('PutProvisionedConcurrencyConfig', () =>
      ops.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: fn.functionName, Qualifier: qualifier, ProvisionedConcurrentExecutions: provisioned })),
    );
  }

  const reserved = await onFunction('GetFunctionConcurrency', () => ops.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: fn.functionName })));
  const provisioned = await readProvisioned(ops, fn, qualifier);
  return {
    function: fn.label,
    functionName: fn.functionName,
    qualifier,
    reservedConcurrency: reserved.ReservedConcurrentExecutions ?? null,
    provisionedConcurrency: provisioned,
    notes: driftNotes(fn, options, qualifier),
  };
}

async function readProvisioned(ops: OpsContext, fn: DeployedFunction, qualifier: string): Promise<ProvisionedStatus | null | 'unknown'> {
  try {
    const got = await ops.call('lambda', 'GetProvisionedConcurrencyConfig', `${fn.functionName}:${qualifier}`, () =>
      ops.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: fn.functionName, Qualifier: qualifier })),
    );
    return {
      qualifier,
      requested: got.RequestedProvisionedConcurrentExecutions ?? 0,
      allocated: got.AllocatedProvisionedConcurrentExecutions ?? 0,
      available: got.AvailableProvisionedConcurrentExecutions ?? 0,
      status: got.Status ?? 'UNKNOWN',
      reason: got.StatusReason,
    };
  } catch (error) {
    if (!isLambdakitError(error)) throw error;
    if (error.code === 'UnsupportedOperation') return 'unknown';
    const cause = error.cause as Error | undefined;
    if (cause?.name === 'ProvisionedConcurrencyConfigNotFoundException' || error.code === 'ResourceNotFound') return null;
    throw error;
  }
}

function driftNotes(fn: DeployedFunction, options: ConcurrencyOptions, qualifier: string): string[] {
  const notes: string[] = [];
  if (!fn.model) return notes;
  if (options.reserved !== undefined) {
    const template = fn.model.reservedConcurrency;
    notes.push(`the template ${template === undefined ? 'reserves no concurrency' : `reserves ${template}`}; the next cdk deploy of ${fn.model.stackName} sets it back`);
  }
  if (options.provisioned !== undefined) {
    const template = fn.model.aliases.find((a) => a.name === qualifier)?.provisionedConcurrency;
    notes.push(`the template ${template === undefined ? 'provisions nothing' : `provisions ${template}`} on ${qualifier}; the next cdk deploy of ${fn.model.stackName} sets it back`);
  }
  return notes;
}

/** The human view of a report. */
export function formatConcurrency(report: ConcurrencyReport): string {
  const p = report.provisionedConcurrency;
  const provisioned =
    p === 'unknown'
      ? 'unknown (the endpoint does not implement GetProvisionedConcurrencyConfig)'
      : p === null
        ? 'none'
        : `${p.requested} requested, ${p.allocated} allocated, ${p.available} available, ${p.status}${p.reason ? ` (${p.reason})` : ''}`;
  return [
    `${report.function}${report.function === report.functionName ? '' : ` (${report.functionName})`}`,
    `  reserved concurrency: ${report.reservedConcurrency ?? 'none (unreserved pool)'}`,
    `  provisioned concurrency on ${report.qualifier}: ${provisioned}`,
    ...report.notes.map((n) => `  note: ${n}`),
  ].join('\n') + '\n';
}
