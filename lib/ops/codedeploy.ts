import { ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import type { TemplateValue } from '../assembly/model';
import { referencedLogicalId } from '../assembly/read';
import { LambdakitError } from '../errors';
import type { OpsContext } from './context';
import { type DeployedFunction, physicalIdOf } from './resolve';

/** The CodeDeploy application and deployment group that shift an alias, as template values. */
export interface AliasDeploymentOwner {
  readonly aliasLogicalId: string;
  readonly applicationName: TemplateValue;
  readonly deploymentGroupName: TemplateValue;
}

/**
 * The deployment group that owns an alias, from the assembly: CDK's
 * LambdaDeploymentGroup puts an `UpdatePolicy.CodeDeployLambdaAliasUpdate`
 * on the alias resource it shifts.
 */
export function aliasDeploymentOwner(fn: DeployedFunction, aliasName: string): AliasDeploymentOwner | undefined {
  const alias = fn.model?.aliases.find((a) => a.name === aliasName);
  if (!alias?.codeDeploy) return undefined;
  return { aliasLogicalId: alias.logicalId, applicationName: alias.codeDeploy.applicationName, deploymentGroupName: alias.codeDeploy.deploymentGroupName };
}

async function physicalName(ops: OpsContext, fn: DeployedFunction, value: TemplateValue): Promise<string | undefined> {
  if (typeof value === 'string') return value;
  const logicalId = referencedLogicalId(value);
  if (!logicalId || !fn.stack) return undefined;
  return physicalIdOf(ops, fn.stack, logicalId, fn.label).catch(() => undefined);
}

/**
 * Refuses to move an alias that a CodeDeploy deployment group shifts: a
 * manual change would be undone (or fought) by the next deployment. Names
 * deployments in progress when CodeDeploy can tell (best effort).
 */
export async function refuseIfCodeDeployOwned(ops: OpsContext, fn: DeployedFunction, aliasName: string, action: string): Promise<void> {
  const owner = aliasDeploymentOwner(fn, aliasName);
  if (!owner) return;
  const applicationName = await physicalName(ops, fn, owner.applicationName);
  const groupName = await physicalName(ops, fn, owner.deploymentGroupName);
  let inProgress: string[] = [];
  if (applicationName && groupName) {
    try {
      const listed = await ops.codeDeploy.send(
        new ListDeploymentsCommand({ applicationName, deploymentGroupName: groupName, includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] }),
      );
      inProgress = listed.deployments ?? [];
    } catch {
      // The refusal does not depend on it; the assembly already says who owns the alias.
    }
  }
  const group = groupName ? `deployment group ${groupName}` : 'a deployment group';
  throw new LambdakitError(
    `refusing to ${action}: alias ${aliasName} is shifted by CodeDeploy (${group}${applicationName ? ` of ${applicationName}` : ''})${inProgress.length ? `, deployment ${inProgress.join(', ')} in progress` : ''}`,
    {
      code: 'AliasOwnedByCodeDeploy',
      path: fn.label,
      hint: inProgress.length
        ? `stop it with \`aws deploy stop-deployment --deployment-id ${inProgress[0]} --auto-rollback-enabled\` to roll back`
        : 'ship the version with `cdk deploy` and let CodeDeploy shift traffic (it rolls back on alarms)',
    },
  );
}
