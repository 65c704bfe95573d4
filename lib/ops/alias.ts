import { GetAliasCommand, UpdateAliasCommand, type AliasConfiguration } from '@aws-sdk/client-lambda';
import { LambdakitError, isLambdakitError } from '../errors';
import { refuseIfCodeDeployOwned } from './codedeploy';
import type { OpsContext } from './context';
import { type DeployedFunction, notFoundError, resolveFunction } from './resolve';
import { listVersions } from './status';

export interface PromoteOptions {
  /** @default 'live' */
  readonly alias?: string;
  /** Version to promote. @default - the newest published version */
  readonly version?: string;
  /** Percent of the alias's traffic to send to the version: 1-99 splits it, 100 moves the alias. @default 100 */
  readonly weight?: number;
}

export interface RollbackOptions {
  /** @default 'live' */
  readonly alias?: string;
  /** Version to go back to. @default - see `rollback` */
  readonly version?: string;
}

/** What an alias change did, for the one-line report and `--json`. */
export interface AliasChange {
  readonly function: string;
  readonly functionName: string;
  readonly alias: string;
  readonly before: { readonly version: string; readonly additionalVersionWeights: Record<string, number> };
  readonly after: { readonly version: string; readonly additionalVersionWeights: Record<string, number> };
  readonly summary: string;
}

async function getAlias(ops: OpsContext, fn: DeployedFunction, alias: string): Promise<AliasConfiguration> {
  return ops
    .call('lambda', 'GetAlias', `alias ${alias} of ${fn.functionName}`, () => ops.lambda.send(new GetAliasCommand({ FunctionName: fn.functionName, Name: alias })))
    .catch((error: unknown) => {
      if (isLambdakitError(error) && error.code === 'ResourceNotFound') {
        // The function may be missing too: say which.
        return listVersions(ops, fn.functionName)
          .catch((inner: unknown) => {
            throw notFoundError(ops, fn, inner);
          })
          .then(() => {
            throw new LambdakitError(`function ${fn.functionName} has no alias ${alias}`, { code: 'AliasNotFound', path: fn.label, hint: 'name the alias with --alias' });
          });
      }
      throw error;
    });
}

async function updateAlias(ops: OpsContext, fn: DeployedFunction, alias: string, version: string, weights: Record<string, number>): Promise<AliasConfiguration> {
  return ops.call('lambda', 'UpdateAlias', `alias ${alias} of ${fn.functionName}`, () =>
    ops.lambda.send(new UpdateAliasCommand({ FunctionName: fn.functionName, Name: alias, FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: weights } })),
  );
}

function weightsOf(alias: AliasConfiguration): Record<string, number> {
  return { ...(alias.RoutingConfig?.AdditionalVersionWeights ?? {}) };
}

function change(fn: DeployedFunction, alias: string, before: AliasConfiguration, after: AliasConfiguration, summary: string): AliasChange {
  return {
    function: fn.label,
    functionName: fn.functionName,
    alias,
    before: { version: before.FunctionVersion ?? '?', additionalVersionWeights: weightsOf(before) },
    after: { version: after.FunctionVersion ?? '?', additionalVersionWeights: weightsOf(after) },
    summary: `${fn.label}: ${summary}`,
  };
}

/**
 * Moves an alias to a version, or with `weight` below 100 sends that share of
 * its traffic to the version (RoutingConfig) while the rest stays on the
 * alias's current version.
 */
export async function promote(ops: OpsContext, name: string, options: PromoteOptions = {}): Promise<AliasChange> {
  const aliasName = options.alias ?? 'live';
  const weight = options.weight ?? 100;
  if (!Number.isInteger(weight) || weight < 1 || weight > 100) {
    throw new LambdakitError(`--weight must be a whole percentage from 1 to 100, got ${options.weight}`, { code: 'WeightOutOfRange', value: options.weight, limit: '1-100' });
  }
  const fn = await resolveFunction(ops, name);
  await refuseIfCodeDeployOwned(ops, fn, aliasName, 'promote');
  const current = await getAlias(ops, fn, aliasName);
  const versions = (await listVersions(ops, fn.functionName)).map((v) => v.Version!);
  const target = options.version ?? versions.at(-1);
  if (!target) {
    throw new LambdakitError(`function ${fn.functionName} has no published version to promote`, { code: 'NoPublishedVersion', path: fn.label, hint: 'publish one (cdk deploy does when code or configuration changes)' });
  }
  if (!versions.includes(target)) {
    throw new LambdakitError(`function ${fn.functionName} has no version ${target}`, { code: 'VersionNotFound', path: fn.label, value: target, hint: `published versions: ${versions.join(', ') || 'none'}` });
  }
  const primary = current.FunctionVersion ?? '$LATEST';
  if (weight === 100) {
    if (primary === target && Object.keys(weightsOf(current)).length === 0) {
      return change(fn, aliasName, current, current, `alias ${aliasName} already sends all traffic to version ${target}`);
    }
    const after = await updateAlias(ops, fn, aliasName, target, {});
    return change(fn, aliasName, current, after, `alias ${aliasName} → version ${target} (was ${describe(current)})`);
  }
  if (primary === target) {
    throw new LambdakitError(`alias ${aliasName} already points at version ${target}; a weighted promote shifts traffic to another version`, {
      code: 'NothingToShift',
      path: fn.label,
      hint: 'publish a new version first, or pass --to-version',
    });
  }
  const after = await updateAlias(ops, fn, aliasName, primary, { [target]: weight / 100 });
  return change(fn, aliasName, current, after, `alias ${aliasName}: ${weight}% → version ${target}, ${100 - weight}% stays on ${primary}`);
}

/**
 * Undoes a promote. "Previous" is read from Lambda, no state is kept:
 * - while the alias splits traffic (a weighted promote or a canary), the
 *   split is removed and all traffic returns to the alias's own version;
 * - otherwise the alias moves to `--to-version`, or to the newest published
 *   version below the one it points at.
 */
export async function rollback(ops: OpsContext, name: string, options: RollbackOptions = {}): Promise<AliasChange> {
  const aliasName = options.alias ?? 'live';
  const fn = await resolveFunction(ops, name);
  await refuseIfCodeDeployOwned(ops, fn, aliasName, 'roll back');
  const current = await getAlias(ops, fn, aliasName);
  const primary = current.FunctionVersion ?? '$LATEST';
  const split = Object.keys(weightsOf(current));
  if (split.length > 0 && options.version === undefined) {
    const after = await updateAlias(ops, fn, aliasName, primary, {});
    return change(fn, aliasName, current, after, `alias ${aliasName}: removed the traffic split (${describe(current)}); all traffic on version ${primary}`);
  }
  const versions = (await listVersions(ops, fn.functionName)).map((v) => v.Version!);
  let target = options.version;
  if (target === undefined) {
    target = versions.filter((v) => Number(v) < Number(primary)).at(-1);
    if (target === undefined) {
      throw new LambdakitError(`alias ${aliasName} points at version ${primary} and there is no published version before it`, { code: 'NoPreviousVersion', path: fn.label, hint: 'pass --to-version' });
    }
  } else if (!versions.includes(target)) {
    throw new LambdakitError(`function ${fn.functionName} has no version ${target}`, { code: 'VersionNotFound', path: fn.label, value: target, hint: `published versions: ${versions.join(', ') || 'none'}` });
  }
  const after = await updateAlias(ops, fn, aliasName, target, {});
  return change(fn, aliasName, current, after, `alias ${aliasName} → version ${target} (was ${describe(current)})`);
}

function describe(alias: AliasConfiguration): string {
  const extra = Object.entries(weightsOf(alias));
  if (extra.length === 0) return `version ${alias.FunctionVersion}`;
  const rest = Math.round((1 - extra.reduce((s, [, w]) => s + w, 0)) * 100);
  return `version ${alias.FunctionVersion} ${rest}%, ${extra.map(([v, w]) => `version ${v} ${Math.round(w * 100)}%`).join(', ')}`;
}
