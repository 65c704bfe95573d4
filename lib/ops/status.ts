import {
  GetFunctionCommand,
  ListAliasesCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListVersionsByFunctionCommand,
  type AliasConfiguration,
  type FunctionConfiguration,
  type ProvisionedConcurrencyConfigListItem,
} from '@aws-sdk/client-lambda';
import { LambdakitError, isLambdakitError } from '../errors';
import type { OpsContext } from './context';
import { type DeployedFunction, notFoundError, resolveFunction, resolveModel } from './resolve';
import { formatBytes, renderTable } from './table';

/** One alias as deployed: its version and the weights of additional versions (0-1). */
export interface AliasStatus {
  readonly name: string;
  readonly version: string;
  readonly additionalVersionWeights: Readonly<Record<string, number>>;
}

export interface ProvisionedStatus {
  readonly qualifier: string;
  readonly requested: number;
  readonly allocated: number;
  readonly available: number;
  /** IN_PROGRESS, READY or FAILED. */
  readonly status: string;
  readonly reason?: string;
}

/** What `lambdakit status` reports about one deployed function. */
export interface FunctionStatus {
  readonly function: string;
  readonly functionName: string;
  readonly stack?: string;
  readonly state?: string;
  /** The newest published version, or null when only $LATEST exists. */
  readonly latestVersion: string | null;
  readonly aliases: AliasStatus[];
  /** Reserved concurrency, or null when the function uses the unreserved pool. */
  readonly reservedConcurrency: number | null;
  /** Provisioned concurrency per qualifier, or null when the endpoint cannot tell (it does not implement the API). */
  readonly provisionedConcurrency: ProvisionedStatus[] | null;
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  readonly runtime?: string;
  readonly architecture?: string;
  readonly lastModified?: string;
  readonly codeSize?: number;
  readonly environment: Record<string, string>;
}

/** A function of the assembly that could not be read (not deployed, not found). */
export interface FunctionStatusError {
  readonly function: string;
  readonly error: string;
}

export type StatusEntry = FunctionStatus | FunctionStatusError;

export function isStatusError(entry: StatusEntry): entry is FunctionStatusError {
  return 'error' in entry;
}

/** Every published version of a function (all pages), without $LATEST. */
export async function listVersions(ops: OpsContext, functionName: string): Promise<FunctionConfiguration[]> {
  const versions: FunctionConfiguration[] = [];
  let marker: string | undefined;
  do {
    const page = await ops.call('lambda', 'ListVersionsByFunction', `function ${functionName}`, () =>
      ops.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker: marker })),
    );
    versions.push(...(page.Versions ?? []).filter((v) => v.Version !== '$LATEST'));
    marker = page.NextMarker;
  } while (marker);
  return versions.sort((a, b) => Number(a.Version) - Number(b.Version));
}

export async function listAliases(ops: OpsContext, functionName: string): Promise<AliasConfiguration[]> {
  const aliases: AliasConfiguration[] = [];
  let marker: string | undefined;
  do {
    const page = await ops.call('lambda', 'ListAliases', `function ${functionName}`, () => ops.lambda.send(new ListAliasesCommand({ FunctionName: functionName, Marker: marker })));
    aliases.push(...(page.Aliases ?? []));
    marker = page.NextMarker;
  } while (marker);
  return aliases.sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? ''));
}

/** Provisioned concurrency configs, or null when the endpoint does not implement the API (moto). */
export async function listProvisioned(ops: OpsContext, functionName: string): Promise<ProvisionedStatus[] | null> {
  const items: ProvisionedConcurrencyConfigListItem[] = [];
  let marker: string | undefined;
  try {
    do {
      const page = await ops.call('lambda', 'ListProvisionedConcurrencyConfigs', `function ${functionName}`, () =>
        ops.lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: functionName, Marker: marker })),
      );
      items.push(...(page.ProvisionedConcurrencyConfigs ?? []));
      marker = page.NextMarker;
    } while (marker);
  } catch (error) {
    if (isLambdakitError(error) && error.code === 'UnsupportedOperation') return null;
    throw error;
  }
  return items.map((item) => ({
    qualifier: item.FunctionArn?.split(':').pop() ?? '?',
    requested: item.RequestedProvisionedConcurrentExecutions ?? 0,
    allocated: item.AllocatedProvisionedConcurrentExecutions ?? 0,
    available: item.AvailableProvisionedConcurrentExecutions ?? 0,
    status: item.Status ?? 'UNKNOWN',
    reason: item.StatusReason,
  }));
}

/** Reads the deployed state of one function. */
export async function functionStatus(ops: OpsContext, fn: DeployedFunction): Promise<FunctionStatus> {
  const subject = `function ${fn.functionName}`;
  const got = await ops.call('lambda', 'GetFunction', subject, () => ops.lambda.send(new GetFunctionCommand({ FunctionName: fn.functionName }))).catch((error: unknown) => {
    throw notFoundError(ops, fn, error);
  });
  const config = got.Configuration ?? {};
  const [versions, aliases, provisioned] = await Promise.all([listVersions(ops, fn.functionName), listAliases(ops, fn.functionName), listProvisioned(ops, fn.functionName)]);
  return {
    function: fn.label,
    functionName: config.FunctionName ?? fn.functionName,
    stack: fn.model?.stackName,
    state: config.State,
    latestVersion: versions.at(-1)?.Version ?? null,
    aliases: aliases.map((a) => ({ name: a.Name ?? '?', version: a.FunctionVersion ?? '?', additionalVersionWeights: { ...(a.RoutingConfig?.AdditionalVersionWeights ?? {}) } })),
    reservedConcurrency: got.Concurrency?.ReservedConcurrentExecutions ?? null,
    provisionedConcurrency: provisioned,
    memoryMb: config.MemorySize,
    timeoutSeconds: config.Timeout,
    runtime: config.Runtime,
    architecture: config.Architectures?.[0] ?? 'x86_64',
    lastModified: config.LastModified,
    codeSize: config.CodeSize,
    environment: Object.fromEntries(Object.entries(config.Environment?.Variables ?? {}).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/**
 * Status of one function, or of every function of the assembly (functions
 * that cannot be read become error entries, so one missing stack does not hide the rest).
 */
export async function collectStatus(ops: OpsContext, name?: string): Promise<StatusEntry[]> {
  if (name !== undefined) return [await functionStatus(ops, await resolveFunction(ops, name))];
  const assembly = ops.assembly();
  if (!assembly) {
    throw new LambdakitError(`no assembly at ${ops.options.app} to list functions from`, {
      code: 'AssemblyNotFound',
      hint: 'run `npx cdk synth`, pass --app <assembly dir>, or name one function',
    });
  }
  return Promise.all(
    assembly.functions.map(async (model): Promise<StatusEntry> => {
      try {
        return await functionStatus(ops, await resolveModel(ops, model));
      } catch (error) {
        if (!isLambdakitError(error)) throw error;
        return { function: model.constructPath, error: error.message };
      }
    }),
  );
}

function aliasText(alias: AliasStatus): string {
  const extra = Object.entries(alias.additionalVersionWeights);
  if (extra.length === 0) return `${alias.name}→${alias.version}`;
  const primary = 1 - extra.reduce((sum, [, w]) => sum + w, 0);
  return `${alias.name}→${alias.version} (${percent(primary)}), ${extra.map(([v, w]) => `${v} (${percent(w)})`).join(', ')}`;
}

function percent(weight: number): string {
  return `${Math.round(weight * 1000) / 10}%`;
}

function provisionedText(entries: ProvisionedStatus[] | null): string {
  if (entries === null) return '?';
  if (entries.length === 0) return '-';
  return entries.map((p) => `${p.qualifier} ${p.allocated}/${p.requested} ${p.status}`).join(', ');
}

/** The human view: one row per function; with a single function, its environment below. */
export function formatStatus(entries: StatusEntry[]): string {
  const rows = entries.map((e) =>
    isStatusError(e)
      ? [e.function, `error: ${e.error}`]
      : [
          e.function,
          e.functionName,
          e.latestVersion ?? '$LATEST',
          e.aliases.map(aliasText).join('; ') || '-',
          e.reservedConcurrency === null ? '-' : String(e.reservedConcurrency),
          provisionedText(e.provisionedConcurrency),
          e.memoryMb === undefined ? '?' : `${e.memoryMb} MB`,
          e.timeoutSeconds === undefined ? '?' : `${e.timeoutSeconds} s`,
          e.runtime ?? '?',
          e.architecture ?? '?',
          e.lastModified ?? '?',
          e.codeSize === undefined ? '?' : formatBytes(e.codeSize),
        ],
  );
  let text = renderTable(['FUNCTION', 'NAME', 'VERSION', 'ALIASES', 'RESERVED', 'PROVISIONED', 'MEMORY', 'TIMEOUT', 'RUNTIME', 'ARCH', 'LAST MODIFIED', 'CODE SIZE'], rows);
  const only = entries.length === 1 && !isStatusError(entries[0]) ? entries[0] : undefined;
  if (only && Object.keys(only.environment).length > 0) {
    text += `\nenvironment:\n${Object.entries(only.environment).map(([k, v]) => `  ${k}=${v}`).join('\n')}\n`;
  }
  if (entries.some((e) => !isStatusError(e) && e.provisionedConcurrency === null)) {
    text += '\nPROVISIONED "?": the endpoint does not implement ListProvisionedConcurrencyConfigs\n';
  }
  return text;
}
