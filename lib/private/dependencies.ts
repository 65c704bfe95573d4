import { CfnResource, Lazy, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * aws-cdk-lib makes the function depend on its role although `Role` already
 * references it with GetAtt; cfn-lint and cfn-validate report that as W3005.
 * Keep every other dependency (the role's policies must exist before the
 * function can run) and drop only the role itself.
 */
export function dropRedundantRoleDependency(cfnFunction: CfnResource, role: IConstruct | undefined): void {
  const cfnRole = role?.node.defaultChild;
  if (!(cfnRole instanceof CfnResource)) return;
  const stack = Stack.of(cfnFunction);
  cfnFunction.addOverride(
    'DependsOn',
    Lazy.uncachedList({
      produce: () => {
        const ids = cfnFunction
          .obtainDependencies()
          .filter((d): d is CfnResource => d instanceof CfnResource && d !== cfnRole && Stack.of(d) === stack)
          .map((d) => stack.resolve(d.logicalId) as string);
        return [...new Set(ids)].sort();
      },
    }, { omitEmpty: true }),
  );
}

