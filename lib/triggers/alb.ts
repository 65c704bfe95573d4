import { createHash } from 'node:crypto';
import { Duration, Stack } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { type ITrigger, OptionChecks, type TriggerTarget, allowInvoke, sourceName, uniqueId } from './trigger';

export interface AlbTriggerProps {
  /** Rule priority on the listener, 1-50,000 (lower wins). */
  readonly priority: number;
  /** When the rule applies, e.g. `[elbv2.ListenerCondition.pathPatterns(['/api/*'])]`. */
  readonly conditions: elbv2.ListenerCondition[];
  /**
   * Send multi-value headers and query parameters (`multiValueHeaders`) instead of single values.
   * @default false
   */
  readonly multiValueHeaders?: boolean;
  /**
   * Health checks of the function by the load balancer (each one is an invocation).
   * @default - disabled
   */
  readonly healthCheck?: { readonly path: string; readonly interval?: Duration };
}

/**
 * Puts the function's alias behind an Application Load Balancer listener rule.
 * The target group and rule belong to the listener's stack; the invoke
 * permission names the alias and, as source, this target group (by its name).
 */
export class AlbTrigger implements ITrigger {
  public targetGroup?: elbv2.ApplicationTargetGroup;

  constructor(public readonly listener: elbv2.IApplicationListener, private readonly props: AlbTriggerProps) {}

  public bind(target: TriggerTarget): void {
    const checks = new OptionChecks(target.node.path, `AlbTrigger on ${this.listener.node.path}`);
    checks.range('priority', this.props.priority, 1, 50_000);
    if (this.props.conditions.length === 0) checks.fail('AlbConditionsMissing', 'conditions is empty; a listener rule needs at least one (path, host, header...)');
    checks.throwIfAny();
    const id = `${sourceName(target)}Target${this.props.priority}`;
    // The target group gets a deterministic name so that the invoke permission can
    // name it in its source ARN without referencing it: the group must be created
    // after the permission (registration checks it), so a reference would be a cycle.
    const stack = Stack.of(this.listener);
    const groupName = `lk-${createHash('sha256').update(`${stack.stackName}/${this.listener.node.path}/${id}`).digest('hex').slice(0, 29)}`;
    const scope = Stack.of(this.listener) === Stack.of(target) ? target : this.listener;
    const permission = allowInvoke(
      scope,
      uniqueId(scope, `Alb${this.props.priority}Permission`),
      target,
      'elasticloadbalancing.amazonaws.com',
      stack.formatArn({ service: 'elasticloadbalancing', resource: 'targetgroup', resourceName: `${groupName}/*` }),
    );
    const lambdaTarget: elbv2.IApplicationLoadBalancerTarget = {
      attachToApplicationTargetGroup: (group) => {
        group.node.addDependency(permission);
        return { targetType: elbv2.TargetType.LAMBDA, targetJson: { id: target.alias.functionArn } };
      },
    };
    this.targetGroup = this.listener.addTargets(id, {
      targetGroupName: groupName,
      targets: [lambdaTarget],
      priority: this.props.priority,
      conditions: this.props.conditions,
      healthCheck: this.props.healthCheck
        ? { enabled: true, path: this.props.healthCheck.path, interval: this.props.healthCheck.interval ?? Duration.seconds(35) }
        : { enabled: false },
    });
    if (this.props.multiValueHeaders) this.targetGroup.setAttribute('lambda.multi_value_headers.enabled', 'true');
  }
}
